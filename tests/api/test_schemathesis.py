"""Property-based checks of every documented operation against the OpenAPI document itself:
every check schemathesis has, bounded examples (issue 18: the document says exactly what the
server accepts, so that schema-valid data is accepted and anything else refused).

schemathesis' pytest plugin (`from_fixture` + `parametrize`) reads a pytest-internal node
attribute that pytest 9 removed, so the test drives its Python API with hypothesis directly.
POST /verify is given real PDF bodies (a schema cannot say that a binary body is a PDF).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Err, Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.transport.serialization import serialize_binary

from tests import samples

EXAMPLES = 25  # per operation and mode: the whole test stays well under a minute


@schemathesis.serializer("application/pdf")
def _pdf(_ctx: Any, value: Any) -> bytes:
    """Send generated binary bodies of POST /verify as they are."""
    return serialize_binary(value)


# Bodies of POST /verify: one-page PDFs of any text (unsigned: the verdict says so).
schemathesis.openapi.media_type("application/pdf", st.text(max_size=40).map(samples.pdf))


def _operation(read: Ok[APIOperation] | Err[InvalidSchema]) -> APIOperation:
    """Return an operation of the schema, failing on one schemathesis could not read."""
    if isinstance(read, Err):
        pytest.fail(f"schemathesis cannot read an operation: {read.err()}")
    return read.ok()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis__every_operation_keeps_its_contract(
    app: Flask,
    world: dict[str, Any],
    make_token: Callable[[str], str],
    nomination: int,
    mode: GenerationMode,
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {make_token('a1.head')}"}
    operations = [_operation(result) for result in schema.get_all_operations()]
    assert len(operations) >= 7

    checked = 0
    for operation in operations:
        # The token is fixed, not generated: a case "missing" it would be sent with it all the
        # same, a valid request that a negative check would then call wrongly accepted.
        @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers)  # every check, none excluded

        try:
            check()
        except Unsatisfiable:  # no invalid input exists for it once the token is fixed
            assert mode == GenerationMode.NEGATIVE, operation.label
            continue
        checked += 1
    assert checked >= 5, checked  # most operations have inputs to get wrong

"""Property-based checks of every documented operation against the OpenAPI document itself:
no 5xx, and every answer matches its schema (schemathesis, bounded examples).

schemathesis' pytest plugin (`from_fixture` + `parametrize`) reads a pytest-internal node
attribute that pytest 9 removed, so the test drives its Python API with hypothesis directly.
Every default check runs but "schema-valid data is accepted": a schema cannot say that a body
is a PDF or that a trigger needs a reason, and the rules' refusals are a documented 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.transport.serialization import serialize_binary

EXAMPLES = 25  # per operation and mode: the whole test stays well under a minute


@schemathesis.serializer("application/pdf")
def _pdf(_ctx: Any, value: Any) -> bytes:
    """Send generated binary bodies of POST /verify as they are."""
    return serialize_binary(value)


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
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()

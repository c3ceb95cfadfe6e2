"""Numbers people give: every text reads to a bounded value or a 422 naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import sign_in
from wflow.core.numbers import INT32, NumberRefused, read_decimal, read_int

TEXTS = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="0123456789+-.,eE _", max_size=80),
    st.from_regex(r"\A[+-]?[0-9]{0,40}([.,][0-9]{0,40})?\Z"),
    st.sampled_from(["1e309", "NaN", "-Infinity", "sNaN", "١٢", "１２", "0x10", "1_000"]),
)
NATIVE = st.one_of(
    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.decimals(), st.booleans()
)


@pytest.fixture(scope="module")
def babel_app() -> Flask:
    """A bare app for the lazy messages to render in."""
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    return app


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(TEXTS, NATIVE), places=st.integers(0, 4), top=st.integers(1, 10**9))
def test_numbers__read_decimal_returns_a_bounded_value_or_refuses(
    value: Any, places: int, top: int
) -> None:
    try:
        number = read_decimal(value, "points", max_digits=14, places=places, maximum=top)
    except NumberRefused as exc:
        assert exc.status == 422 and exc.field == "points"
        assert exc.reason in {"blank", "not_a_number", "places", "below", "above"}
        return
    assert number is not None and number.is_finite()
    assert 0 <= number <= top
    assert number == number.quantize(Decimal(1).scaleb(-places))
    assert number.as_tuple().exponent == -places


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(TEXTS, NATIVE))
def test_numbers__read_int_returns_a_32_bit_number_or_refuses(value: Any) -> None:
    try:
        number = read_int(value, "year", minimum=-INT32)
    except NumberRefused as exc:
        assert exc.status == 422 and exc.field == "year"
        return
    assert isinstance(number, int) and not isinstance(number, bool)
    assert -INT32 <= number <= INT32


@settings(max_examples=300, deadline=None)
@given(number=st.decimals(min_value=-(10**9), max_value=10**9, places=2), comma=st.booleans())
def test_numbers__a_written_number_reads_back_exactly(number: Decimal, comma: bool) -> None:
    text = f"{number:f}".replace(".", "," if comma else ".")
    assert read_decimal(text, "x", places=2, minimum=None) == number


@settings(max_examples=200, deadline=None)
@given(number=st.integers(min_value=-INT32, max_value=INT32))
def test_numbers__a_written_whole_number_reads_back_exactly(number: int) -> None:
    assert read_int(str(number), "x", minimum=None) == number
    assert read_int(f" {number} ", "x", minimum=None) == number


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e309", "not_a_number"),
        ("9" * 30, "above"),
        ("-" + "9" * 30, "below"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("12.345", "places"),
        ("", "blank"),
        ("   ", "blank"),
        ("1.2.3", "not_a_number"),
    ],
)
def test_numbers__refusals_say_why(babel_app: Flask, text: str, reason: str) -> None:
    with babel_app.app_context(), pytest.raises(NumberRefused) as caught:
        read_decimal(text, "score", maximum=100)
    assert caught.value.reason == reason and caught.value.field == "score"
    assert str(caught.value.message)


def test_numbers__people_write_commas_spaces_and_full_width_digits() -> None:
    assert read_decimal("2,5", "x") == Decimal("2.50")
    assert read_decimal("1 200,75", "x") == Decimal("1200.75")
    assert read_decimal("１２", "x") == Decimal("12.00")  # full-width digits (NFKC)
    assert read_decimal(" 12.50 ", "x", places=1) == Decimal("12.5")
    assert read_decimal("", "x", required=False) is None
    assert read_int("0042", "x") == 42
    with pytest.raises(NumberRefused):
        read_int("12,000", "x")  # a thousands separator, or a decimal? neither, for a count


def test_numbers__huge_ids_in_paths_and_queries_are_refused_not_500(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "admin")
    block = world["blocks"]["a"].id
    assert client.get("/units/99999999999999999999").status_code == 404
    for url in (
        f"/blocks/{block}/reviews?year=99999999999999999999",
        "/awards?year=99999999999999999999",
        "/admin/users?unit=99999999999999999999",
        f"/blocks/{block}/plans?year=1e309",
    ):
        answer = client.get(url)
        assert answer.status_code == 422, url
        assert "year" in answer.get_data(as_text=True) or "unit" in answer.get_data(as_text=True)

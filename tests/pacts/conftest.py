"""Fixtures of the pact tests: a block of six units with a head each, and the secretariat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from tests.pacts.helpers import make_block_of
from wflow.org.models import Block, Role, Unit, User


@pytest.fixture
def team(
    app: Flask,
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> dict[str, Any]:
    """Six units of one block with a head each (staff in the first), keys issued, and the
    secretariat."""
    with app.app_context():
        found = make_block_of(session, make_unit, make_user, make_block)
    found["secretariat"] = make_user("secretariat", None, roles=(Role.SECRETARIAT.value,))
    return found

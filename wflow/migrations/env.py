"""Alembic environment: SQLModel's metadata, batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import wflow.engine.tables
import wflow.models  # noqa: F401  (registers every table on SQLModel.metadata)
from wflow.db import make_engine

target_metadata = SQLModel.metadata


def run() -> None:
    """Run the migrations online against the configured URL."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()

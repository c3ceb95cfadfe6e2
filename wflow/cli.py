"""The `wflow` console script: thin commands over the services (a Flask FlaskGroup)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import force_locale
from sqlmodel import select

from wflow import create_app
from wflow import db as database
from wflow.models import Role, Unit
from wflow.services import demo, org
from wflow.services.access import current_year
from wflow.services.errors import ServiceError

main = FlaskGroup(
    name="wflow", create_app=create_app, help="wflow: emulation pacts, reviews and awards."
)


def _fail(exc: ServiceError) -> click.ClickException:
    with force_locale("en"):
        return click.ClickException(str(exc.message))


@click.command("init")
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo province when empty.")
@with_appcontext
def init_command(with_demo: bool) -> None:
    """Create the instance folder and secret, migrate the database, optionally load the demo."""
    url = current_app.config["DATABASE_URL"]
    database.upgrade(url)
    click.echo(f"database ready: {_safe_url(url)}")
    if not with_demo:
        return
    sess = database.session()
    if sess.exec(select(Unit.id)).first() is not None:
        click.echo("demo: the database already holds data; kept as it is")
        return
    with click.progressbar(length=5, label="demo province", show_pos=True) as bar:

        def step(_msg: str) -> None:
            bar.update(0)

        logins = demo.build_demo(sess, current_year(), step)
        bar.update(5)
    click.echo(f"demo province loaded: {len(logins)} accounts, password {demo.DEMO_PASSWORD!r}")


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """Print the demo accounts (login, name, what they do)."""
    click.echo(f"Demo accounts (password {demo.DEMO_PASSWORD!r}):")
    for code, _name, _kind, head, _staff in demo.POLITICAL[:3]:
        click.echo(f"  {code.lower()}.head    {head} — unit head")
    click.echo("  tdoan.staff  — unit staff of this year's leading unit")
    click.echo("  secretariat  — the council's secretariat")
    click.echo("  council1     — a council member")
    click.echo("  admin        — administrator (units, blocks, users)")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema."""
    database.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("database migrated")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's migration revision."""
    click.echo(database.current_revision(current_app.config["DATABASE_URL"]) or "not migrated")


@click.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.argument("login")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--unit", "unit_code", default=None, help="Code of the user's unit.")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]))
@click.option("--locale", default="vi", type=click.Choice(list(org.LOCALES)))
@click.password_option(help="Password (asked when not given).")
@with_appcontext
def users_create(
    login: str,
    display_name: str,
    unit_code: str | None,
    roles: tuple[str, ...],
    locale: str,
    password: str,
) -> None:
    """Create a user account."""
    sess = database.session()
    unit_id = None
    if unit_code:
        unit = sess.exec(select(Unit).where(Unit.code == unit_code.upper())).first()
        if unit is None:
            raise click.ClickException(f"no unit with code {unit_code!r}")
        unit_id = unit.id
    try:
        user = org.create_user(
            sess,
            login=login,
            display_name=display_name,
            password=password,
            unit_id=unit_id,
            roles=list(roles),
            locale=locale,
        )
    except ServiceError as exc:
        sess.rollback()
        raise _fail(exc) from None
    click.echo(f"user {user.login} created")


COMMANDS: list[click.Command] = [init_command, demo_logins_command, db_group, users_group]


def init_app(app: Flask) -> None:
    """Register wflow's commands on the app (so `flask` and `wflow` both see them)."""
    for command in COMMANDS:
        app.cli.add_command(command)

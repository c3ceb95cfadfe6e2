"""The `wflow` console script: thin commands over the services (a Flask FlaskGroup)."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import force_locale
from sqlmodel import select

from wflow import create_app
from wflow import db as database
from wflow.accounts import second_factor
from wflow.cli import audit as cli_audit
from wflow.cli import backup as cli_backup
from wflow.cli import keys as cli_keys
from wflow.cli import notify as cli_notify
from wflow.cli import workflows as cli_workflows
from wflow.cli import year as cli_year
from wflow.core import workflow as wf
from wflow.core.access import current_year
from wflow.core.errors import ServiceError
from wflow.demo import adhoc as adhoc_demo
from wflow.demo import awards as nomination_demo
from wflow.demo import campaign_awards as campaign_awards_demo
from wflow.demo import campaigns as campaign_demo
from wflow.demo import councils as council_demo
from wflow.demo import inspections as inspection_demo
from wflow.demo import org as demo
from wflow.demo import pacts as pact_demo
from wflow.demo import people as people_demo
from wflow.demo import plans as plan_demo
from wflow.demo import programmes as programme_demo
from wflow.demo import proposals as proposal_demo
from wflow.demo import reviews as review_demo
from wflow.demo import titles as titles_demo
from wflow.org import service as org
from wflow.org.models import Role, Unit, User
from wflow.workflow_setup import engine as workflow_engine

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
    wf.sync_versions(database.session(), workflow_engine())
    click.echo(f"database ready: {_safe_url(url)}")
    cli_keys.echo_init_keys()
    if not with_demo:
        return
    sess = database.session()
    if sess.exec(select(Unit.id)).first() is not None:
        click.echo("demo: the database already holds data; kept as it is")
        return
    year, engine = current_year(), workflow_engine()
    logins: list[demo.DemoLogin] = []
    steps: list[tuple[str, Callable[[], object]]] = [
        ("units, blocks and accounts", lambda: logins.extend(demo.build_demo(sess, year))),
        ("plans", lambda: plan_demo.build_plan_demo(sess, engine, year)),
        ("pacts and signatures", lambda: pact_demo.build_pact_demo(sess, engine, year)),
        ("reviews", lambda: logins.extend(review_demo.build_review_demo(sess, engine, year))),
        ("awards", lambda: nomination_demo.build_nomination_demo(sess, engine, year)),
        ("programmes", lambda: programme_demo.build_programme_demo(sess, engine, year)),
        ("people and initiatives", lambda: people_demo.build_people_demo(sess, year)),
        ("individual titles", lambda: titles_demo.build_titles_demo(sess, year)),
        ("campaigns", lambda: campaign_demo.build_campaign_demo(sess, engine, year)),
        (
            "campaign awards",
            lambda: campaign_awards_demo.build_campaign_awards_demo(sess, engine, year),
        ),
        ("ad-hoc awards", lambda: adhoc_demo.build_adhoc_demo(sess, engine, year)),
        ("inspections", lambda: inspection_demo.build_inspection_demo(sess, engine, year)),
        (
            "councils above and below",
            lambda: logins.extend(council_demo.build_council_demo(sess, year)),
        ),
        (
            "a proposal to the Centre",
            lambda: proposal_demo.build_proposal_demo(sess, engine, year),
        ),
    ]
    with click.progressbar(steps, label="demo province", item_show_func=_step_name) as bar:
        for _name, build in bar:
            build()
    click.echo(f"demo province loaded: {len(logins)} accounts, password {demo.DEMO_PASSWORD!r}")
    cli_keys.echo_init_keys()


def _step_name(step: tuple[str, object] | None) -> str:
    return step[0] if step else ""


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """Print the demo accounts (login, name, what they do)."""
    click.echo(f"Demo accounts (password {demo.DEMO_PASSWORD!r}):")
    for code, _name, _kind, head, _staff in demo.POLITICAL[:3]:
        click.echo(f"  {code.lower()}.head    {head} — unit head")
    click.echo("  tdoan.staff  — unit staff of this year's leading unit")
    click.echo("  snv.head     — leads the agencies' block: this year's first-quarter reviews")
    click.echo("  secretariat  — the council's secretariat")
    click.echo("  council1     — a council member")
    click.echo("  admin        — administrator (units, blocks, users)")
    click.echo("  thanhsen.secretariat — the secretariat of a commune's council (phường Thành Sen)")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema."""
    database.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("database migrated")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's migration revisions, and whether they are the latest."""
    found = database.current_revisions(current_app.config["DATABASE_URL"])
    if not found:
        click.echo("not migrated: run `wflow db upgrade`")
        return
    pending = database.pending_revisions(found)
    if not pending:
        click.echo(f"{', '.join(found)} (up to date)")
    else:
        click.echo(f"{', '.join(found)} (behind: {len(pending)} to run, up to "
                   f"{pending[-1]}; run `wflow db upgrade`)")  # fmt: skip


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
        raise _fail(exc) from None
    click.echo(f"user {user.login} created")


@users_group.command("reset-two-step")
@click.argument("login")
@with_appcontext
def users_reset_two_step(login: str) -> None:
    """Turn a person's two-step sign-in off (a lost phone; a restore under another key secret)."""
    sess = database.session()
    user = sess.exec(select(User).where(User.login == login.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"no user with login {login!r}")
    if second_factor.factor_of(sess, user) is None:
        raise click.ClickException(f"{user.login} has no two-step sign-in")
    second_factor.turn_off(sess, user)
    click.echo(f"two-step sign-in of {user.login} turned off: the password alone signs in")


COMMANDS: list[click.Command] = [init_command, demo_logins_command, db_group, users_group]
# Commands that must work even when the app cannot start (an invalid definition).
main.add_command(cli_workflows.workflows_group)


def init_app(app: Flask) -> None:
    """Register wflow's commands on the app (so `flask` and `wflow` both see them)."""
    for command in (
        COMMANDS + cli_workflows.COMMANDS + cli_audit.COMMANDS + cli_backup.COMMANDS
        + cli_keys.COMMANDS + cli_notify.COMMANDS + cli_year.COMMANDS
    ):  # fmt: skip
        app.cli.add_command(command)

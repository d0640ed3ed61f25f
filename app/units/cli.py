"""Command-line management: `flask --app wsgi users create …`, `flask --app wsgi units create …`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.units.models import Role, UnitKind, User
from app.units.services import UnitError, UserData, create_unit, create_user, find_unit_by_code

users_cli = AppGroup("users", help="Manage user accounts.")
units_cli = AppGroup("units", help="Manage units.")


def _unit_or_fail(code: str):
    unit = find_unit_by_code(code)
    if unit is None:
        raise click.ClickException(f"No unit has the code {code!r}.")
    return unit


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="Full name.")
@click.option("--unit", "unit_code", required=True, help="The unit's short code.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.ADMIN.value,
    show_default=True,
)
@click.option("--locale", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.password_option(help="Asked for when not given.")
def create_user_command(email, name, unit_code, role, locale, password):
    """Create a user account in a unit."""
    if len(password) < 10:
        raise click.ClickException("The password needs at least 10 characters.")
    unit = _unit_or_fail(unit_code)
    try:
        user = create_user(UserData(name, email, unit, Role(role), locale), password)
    except UnitError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}) in {unit.name}.")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.password_option()
def set_password_command(email, password):
    """Give a user a new password (ends their open sessions)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account has the e-mail {email!r}.")
    if len(password) < 10:
        raise click.ClickException("The password needs at least 10 characters.")
    user.set_password(password)
    db.session.commit()
    click.echo(f"Password changed for {user.email}.")


@users_cli.command("list")
def list_users_command():
    """List accounts with their unit and role."""
    users = db.session.scalars(select(User).options(joinedload(User.unit)).order_by(User.email))
    for user in users:
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.email}\t{user.role.value}\t{user.unit.code}\t{user.name}{state}")


@units_cli.command("create")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in UnitKind]), required=True)
@click.option("--code", required=True, help="Short code, unique.")
@click.option("--parent", "parent_code", help="The parent unit's code; none for a top-level unit.")
def create_unit_command(name, kind, code, parent_code):
    """Create a unit, at the top of a tree or below another."""
    parent = _unit_or_fail(parent_code) if parent_code else None
    try:
        unit = create_unit(name=name, kind=UnitKind(kind), code=code, parent=parent)
    except UnitError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created unit {unit.code}: {unit.name}.")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="CLI", show_default=True, help="What the token is for.")
def token_command(email, name):
    """Create an API token for a user and print it (it is shown only this once)."""
    from app.checkin.tokens import create_token

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account has the e-mail {email!r}.")
    if not user.active:
        raise click.ClickException(f"The account {user.email} is deactivated.")
    _row, token = create_token(user, name)
    db.session.commit()
    click.echo(token)

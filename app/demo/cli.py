"""`flask --app wsgi demo load`: realistic demo data in an empty database."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.demo import data
from app.extensions import db
from app.schedule.models import Campaign
from app.units.models import Unit
from app.units.services import UserData, create_unit, create_user, find_unit_by_code

demo_cli = AppGroup("demo", help="Demo data.")


def _add_tree(node, parent: Unit | None) -> int:
    code, kind, name, children = node
    unit = create_unit(name=name, kind=kind, code=code, parent=parent)
    return 1 + sum(_add_tree(child, unit) for child in children)


def load_demo() -> dict:
    """Create the demo units, campaigns and users; returns what was created."""
    units = sum(_add_tree(tree, None) for tree in data.TREES)
    for campaign in data.CAMPAIGNS:
        fields = dict(campaign)
        db.session.add(Campaign(unit=find_unit_by_code(fields.pop("unit")), **fields))
    users = []
    for email, name, unit_code, role in data.USERS:
        unit = find_unit_by_code(unit_code)
        users.append(create_user(UserData(name, email, unit, role), data.DEMO_PASSWORD))
    db.session.commit()
    return {"units": units, "campaigns": len(data.CAMPAIGNS), "users": users}


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when data exists.")
def load_command(if_empty: bool):
    """Fill an empty database with the demo units, campaigns and users."""
    if db.session.scalar(select(func.count()).select_from(Unit)):
        if if_empty:
            click.echo("The database already has data; demo not loaded again.")
            return
        raise click.ClickException("The database is not empty; demo data goes into an empty one.")
    result = load_demo()
    click.echo(f"Loaded {result['units']} units and {result['campaigns']} campaigns.")
    click.echo(f"Demo accounts (password for all: {data.DEMO_PASSWORD}):")
    for user in result["users"]:
        click.echo(f"  {user.email:<30} {user.role.label:<22} {user.unit.name}")

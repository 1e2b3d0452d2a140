"""`flask ivr ...`: operator commands."""

import click
from flask.cli import AppGroup

ivr_cli = AppGroup("ivr", help="IVR payment service commands.")


@ivr_cli.command("demo")
def demo_command():
    """Create demo pre-orders, one per hook outcome (safe to run again)."""
    from .demo import seed_demo

    click.echo("Demo order numbers:")
    for number, outcome, created in seed_demo():
        click.echo(f"  {number}  {outcome}{'  (new)' if created else ''}")

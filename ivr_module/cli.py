"""`flask ivr ...`: operator commands."""

from datetime import timedelta

import click
from flask.cli import AppGroup

from .db import utcnow

ivr_cli = AppGroup("ivr", help="IVR payment service commands.")


@ivr_cli.command("demo")
def demo_command():
    """Create demo pre-orders, one per hook outcome (safe to run again)."""
    from .demo import seed_demo

    click.echo("Demo order numbers:")
    for number, outcome, created in seed_demo():
        click.echo(f"  {number}  {outcome}{'  (new)' if created else ''}")


@ivr_cli.command("purge-hook-calls")
@click.option("--older-than-days", type=click.IntRange(min=1), required=True,
              help="Delete rows older than this many days.")
@click.option("--batch-size", type=click.IntRange(min=1), default=5000, show_default=True)
def purge_hook_calls_command(older_than_days, batch_size):
    """Delete old hook-call rows in batches (retention)."""
    from .services.hook_log import count_hook_calls_before, purge_hook_calls

    cutoff = utcnow() - timedelta(days=older_than_days)
    total = count_hook_calls_before(cutoff)
    deleted = 0
    with click.progressbar(length=total, label=f"Deleting {total} hook calls before {cutoff:%Y-%m-%d}") as bar:
        for count in purge_hook_calls(cutoff, batch_size):
            deleted += count
            bar.update(count)
    click.echo(f"Deleted {deleted} hook-call rows.")

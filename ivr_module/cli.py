"""`flask ivr ...`: operator commands."""

from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .db import db, utcnow
from .migrating import db_cli
from .models import MatchGroup, Role, User

ivr_cli = AppGroup("ivr", help="IVR payment service commands.")
ivr_cli.add_command(db_cli)


@ivr_cli.command("demo")
def demo_command():
    """Create demo pre-orders, one per hook outcome (safe to run again)."""
    from .demo import seed_demo

    click.echo("Demo order numbers:")
    for number, outcome, created in seed_demo():
        click.echo(f"  {number}  {outcome}{'  (new)' if created else ''}")


@ivr_cli.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]),
              help="admin: everything; callcentre and support: read.")
@click.option("--password", help="Prompted for (hidden, twice) when left out.")
@click.option("--update", is_flag=True,
              help="If the user exists, set its role and password (and reactivate it).")
def create_user_command(username, role, password, update):
    """Create a staff account for the admin dashboard."""
    username = username.strip()
    if not username or len(username) > 64:
        raise click.BadParameter("must be 1 to 64 characters", param_hint="USERNAME")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None and not update:
        raise click.ClickException(f"user {username!r} exists (use --update to change it)")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    created = user is None
    user = user or User(username=username)
    user.role, user.active = role, True
    try:
        user.set_password(password)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--password") from None
    db.session.add(user)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} {role} user {username!r}.")


@ivr_cli.command("generate-data")
@click.option("--hook-calls", default=1_000_000, show_default=True, type=click.IntRange(0))
@click.option("--transactions", default=200_000, show_default=True, type=click.IntRange(0))
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650),
              help="Spread the history over this many days up to now.")
@click.option("--seed", type=int, help="Make the data set repeatable.")
@click.option("--if-empty", is_flag=True, help="Do nothing if generated rows exist already.")
@click.option("--settlement-file", type=click.Path(dir_okay=False, writable=True),
              help="Also write the vendor's settlement CSV of the latest day with payments, "
                   "with a few planted differences (for `flask ivr reconcile`).")
def generate_data_command(hook_calls, transactions, days, seed, if_empty, settlement_file):
    """Write a synthetic history (paid pre-orders, transactions, hook calls) for scale tests."""
    from .datagen import already_generated, generate

    if if_empty and already_generated():
        click.echo("Generated data exists already; nothing written.")
    else:
        with click.progressbar(length=hook_calls + transactions, label="Writing rows") as bar:
            written = generate(hook_calls, transactions, days, seed, report=bar.update)
        click.echo(f"Wrote {written.transactions} transactions and {written.hook_calls} hook calls.")
    if settlement_file:
        _write_settlement_file(settlement_file)


def _write_settlement_file(path: str) -> None:
    from .datagen_settlement import write_settlement_file

    written = write_settlement_file(path)
    if written is None:
        click.echo("No payments recorded yet: no settlement file written.")
        return
    day, lines = written
    click.echo(f"Wrote the settlement file of {day:%Y-%m-%d} ({lines} lines) to {path}.")


@ivr_cli.command("reconcile")
@click.argument("file", type=click.File("rb"))
@click.option("--by", "uploaded_by", default="cli", show_default=True,
              help="Who is importing the file (kept with the import).")
def reconcile_command(file, uploaded_by):
    """Import the vendor's settlement CSV and match it against the recorded transactions."""
    from .services.reconciliation import import_settlement
    from .services.settlement_file import MAX_BYTES, SettlementFileError

    try:
        outcome = import_settlement(file.read(MAX_BYTES + 1), file.name, uploaded_by)
    except SettlementFileError as error:
        raise click.ClickException(f"{file.name}: {error} Nothing was imported.") from None
    settlement = outcome.settlement
    if outcome.already_imported:
        click.echo(f"Imported already (import {settlement.id}, {settlement.uploaded_at:%Y-%m-%d %H:%M} UTC "
                   f"by {settlement.uploaded_by}); not counted twice.")
    else:
        click.echo(f"Import {settlement.id}: {settlement.rows} lines, "
                   f"{settlement.first_day:%Y-%m-%d} to {settlement.last_day:%Y-%m-%d}.")
    for group in MatchGroup:
        click.echo(f"  {group.label + ':':30} {settlement.count_of(group)}")


@ivr_cli.command("purge-hook-calls")
@click.option("--older-than-days", type=click.IntRange(min=1), required=True,
              help="Delete rows older than this many days.")
@click.option("--batch-size", type=click.IntRange(min=1), default=5000, show_default=True)
def purge_hook_calls_command(older_than_days, batch_size):
    """Delete old hook-call rows (retention): whole months dropped on PostgreSQL, the rest in batches."""
    from .services.hook_log_retention import count_hook_calls_before, purge_hook_calls

    cutoff = utcnow() - timedelta(days=older_than_days)
    total = count_hook_calls_before(cutoff)
    deleted = 0
    with click.progressbar(length=total, label=f"Deleting {total} hook calls before {cutoff:%Y-%m-%d}") as bar:
        for count in purge_hook_calls(cutoff, batch_size):
            deleted += count
            bar.update(count)
    click.echo(f"Deleted {deleted} hook-call rows.")


@ivr_cli.command("hook-call-partitions")
def hook_call_partitions_command():
    """Make this month's and the next months' hook-call partitions (PostgreSQL), and list them."""
    from .services import hook_call_partitions as partitions
    from .worker import make_hook_call_partitions

    if not partitions.is_partitioned(db.session):
        click.echo("The hook-call log is not partitioned (SQLite, or before migration 0013).")
        return
    created = make_hook_call_partitions()
    click.echo(f"Created: {', '.join(created) or 'none (all there already)'}.")
    for month, name in sorted(partitions.monthly_partitions(db.session).items()):
        click.echo(f"  {name}  {month:%Y-%m}")
    click.echo(f"  {partitions.DEFAULT_PARTITION}  anything else")


@ivr_cli.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32),
              help="Threads sending events at once.")
def worker_command(workers):
    """Run the background worker: event delivery, the expiry sweep, hook-call retention."""
    from flask import current_app

    from .worker import run_worker

    run_worker(current_app._get_current_object(), workers)


@ivr_cli.command("purge-sandbox")
def purge_sandbox_command():
    """Delete every sandbox row: hook calls, transactions and pre-orders with live = false."""
    from .services.sandbox import purge_sandbox

    counts = purge_sandbox()
    click.echo("Deleted sandbox rows: " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".")


@ivr_cli.command("certify")
@click.option("--url", required=True, help="Base URL of the deployment to certify.")
@click.option("--junit", type=click.Path(dir_okay=False, writable=True), help="Also write a JUnit XML report.")
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds per request.")
def certify_command(url, junit, timeout):
    """Drive the deployment's sandbox through every hook outcome (touches no live data).

    The sandbox credentials and prefixes are this app's settings (IVR_SANDBOX_USERNAME,
    IVR_SANDBOX_PASSWORD, CHECKOUT_API_SANDBOX_TOKEN, IVR_HOOKS_URL_PREFIX, IVR_API_URL_PREFIX).
    """
    from flask import current_app

    from .certify import Target, certify, report

    config = current_app.config
    if not config.get("IVR_SANDBOX_USERNAME") or not config.get("IVR_SANDBOX_PASSWORD"):
        raise click.ClickException("IVR_SANDBOX_USERNAME and IVR_SANDBOX_PASSWORD are not set")
    target = Target(
        url,
        config["IVR_SANDBOX_USERNAME"],
        config["IVR_SANDBOX_PASSWORD"],
        config.get("CHECKOUT_API_SANDBOX_TOKEN"),
        config["IVR_HOOKS_URL_PREFIX"].rstrip("/"),
        config["IVR_API_URL_PREFIX"].rstrip("/"),
        timeout,
    )
    raise SystemExit(report(certify(target), junit, echo=click.echo))

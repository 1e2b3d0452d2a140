"""Prometheus metrics: hook calls by endpoint and answer, their latency, payments, lockouts, readiness.

deploy/prometheus/ alerts on them (docs/OPERATIONS.md, "Alerts").

Under gunicorn the workers share their counts through PROMETHEUS_MULTIPROC_DIR (set by
gunicorn.conf.py); without it, /metrics shows this process alone.
"""

import os

from flask import has_app_context
from prometheus_client.core import GaugeMetricFamily

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from .services.failure_codes import failure_code
from .services.error_texts import HookError

HOOK_CALLS = Counter(
    "ivr_hook_calls_total",
    "Hook calls by endpoint, the error text answered and its failure code",
    ["endpoint", "errortext", "code"],
)
HOOK_LATENCY = Histogram(
    "ivr_hook_duration_seconds",
    "Time to answer a hook call",
    ["endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
PAYMENTS = Counter("ivr_payments_recorded_total", "IVR transactions recorded", ["currency"])
# No address label: an attacker could make it grow without bound (the hook-call log has them).
LOCKOUTS = Counter("ivr_hook_lockouts_total", "Addresses locked out of the hooks after repeated `User invalid`")


def _every_answer_from_zero() -> None:
    # A series born at 1 shows no increase() to an alert; born at 0, its first call does.
    # (Each text with its plainest code; finer codes of one text are born at their first call.)
    for endpoint in ("pre_order", "complete"):
        HOOK_CALLS.labels(endpoint, "success", "success")
        for error in HookError:
            HOOK_CALLS.labels(endpoint, error.value, failure_code(error.value, ""))


_every_answer_from_zero()


# Sandbox calls (services/sandbox.py) are counted apart, so no live series includes them.
SANDBOX_HOOK_CALLS = Counter(
    "ivr_sandbox_hook_calls_total", "Sandbox hook calls by endpoint and the error text answered",
    ["endpoint", "errortext"],
)


def observe_hook_call(
    endpoint: str, errortext: str, code: str | None, seconds: float, live: bool = True
) -> None:
    """Count one hook call (by its answer and failure code) and its latency; a sandbox call apart."""
    if not live:
        SANDBOX_HOOK_CALLS.labels(endpoint, errortext or "success").inc()
        return
    HOOK_CALLS.labels(endpoint, errortext or "success", code or "success").inc()
    HOOK_LATENCY.labels(endpoint).observe(seconds)


class EventBacklogCollector:
    """The outbox as the database holds it, read at each scrape (one grouped count)."""

    def collect(self):
        """Delivered, failed and pending counts, and the age of the oldest pending event."""
        if not has_app_context():
            return
        from .services.delivery import backlog

        counts, oldest_pending_seconds = backlog()
        for state in ("delivered", "failed", "pending"):
            family = GaugeMetricFamily(f"ivr_events_{state}", f"Events {state} (outbox rows)")
            family.add_metric([], counts.get(state, 0))
            yield family
        yield GaugeMetricFamily(
            "ivr_events_oldest_pending_seconds",
            "Age of the oldest event not yet delivered nor given up (0: none)",
            value=oldest_pending_seconds,
        )


EVENT_BACKLOG = EventBacklogCollector()
REGISTRY.register(EVENT_BACKLOG)


class _Readiness:
    """ivr_ready{check}: the readiness checks, measured now by the process that is scraped."""

    def __init__(self, checks: dict[str, bool]):
        self.checks = checks

    def collect(self):
        """One gauge family: 1 per check that passes, 0 per check that fails."""
        family = GaugeMetricFamily("ivr_ready", "Whether the database and the cache answer (/readyz)",
                                   labels=["check"])
        for name, ok in self.checks.items():
            family.add_metric([name], 1.0 if ok else 0.0)
        yield family


def metrics_page(readiness: dict[str, bool]) -> tuple[bytes, str]:
    """The text exposition of every metric, across workers when running multiprocess."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(EVENT_BACKLOG)
    else:
        registry = REGISTRY
    # Measured per scrape, never stored: a registry of its own, appended to the page.
    now = CollectorRegistry()
    now.register(_Readiness(readiness))
    return generate_latest(registry) + generate_latest(now), CONTENT_TYPE_LATEST

"""Prometheus metrics: hook calls by endpoint and answer, their latency, payments recorded.

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

HOOK_CALLS = Counter(
    "ivr_hook_calls_total", "Hook calls by endpoint and the error text answered", ["endpoint", "errortext"]
)
HOOK_LATENCY = Histogram(
    "ivr_hook_duration_seconds",
    "Time to answer a hook call",
    ["endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
PAYMENTS = Counter("ivr_payments_recorded_total", "IVR transactions recorded", ["currency"])


def observe_hook_call(endpoint: str, errortext: str, seconds: float) -> None:
    """Count one hook call and its latency."""
    HOOK_CALLS.labels(endpoint, errortext or "success").inc()
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


def metrics_page() -> tuple[bytes, str]:
    """The text exposition of every metric, across workers when running multiprocess."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(EVENT_BACKLOG)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST

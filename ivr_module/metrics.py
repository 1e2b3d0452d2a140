"""Prometheus metrics: hook calls by endpoint and answer, their latency, payments recorded.

Under gunicorn the workers share their counts through PROMETHEUS_MULTIPROC_DIR (set by
gunicorn.conf.py); without it, /metrics shows this process alone.
"""

import os

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


def observe_hook_call(endpoint: str, errortext: str, code: str | None, seconds: float) -> None:
    """Count one hook call (by its answer and failure code) and its latency."""
    HOOK_CALLS.labels(endpoint, errortext or "success", code or "success").inc()
    HOOK_LATENCY.labels(endpoint).observe(seconds)


def metrics_page() -> tuple[bytes, str]:
    """The text exposition of every metric, across workers when running multiprocess."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST

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
    "ivr_hook_calls_total", "Hook calls by endpoint and the error text answered", ["endpoint", "errortext"]
)
HOOK_LATENCY = Histogram(
    "ivr_hook_duration_seconds",
    "Time to answer a hook call",
    ["endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
PAYMENTS = Counter("ivr_payments_recorded_total", "IVR transactions recorded", ["currency"])
# Sandbox calls (services/sandbox.py) are counted apart, so no live series includes them.
SANDBOX_HOOK_CALLS = Counter(
    "ivr_sandbox_hook_calls_total", "Sandbox hook calls by endpoint and the error text answered",
    ["endpoint", "errortext"],
)


def observe_hook_call(endpoint: str, errortext: str, seconds: float, live: bool = True) -> None:
    """Count one hook call and its latency (a sandbox call only in the sandbox counter)."""
    if not live:
        SANDBOX_HOOK_CALLS.labels(endpoint, errortext or "success").inc()
        return
    HOOK_CALLS.labels(endpoint, errortext or "success").inc()
    HOOK_LATENCY.labels(endpoint).observe(seconds)


def metrics_page() -> tuple[bytes, str]:
    """The text exposition of every metric, across workers when running multiprocess."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST

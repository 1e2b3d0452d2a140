"""Structured logs: one JSON object a line, carrying the request id of the request being served."""

import logging

from flask import g, has_request_context
from gunicorn import glogging
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request's id (the one stored in its hook-call row)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the request id (None outside a request); never drops a record."""
        record.request_id = g.get("ivr_request_id") if has_request_context() else None
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger with the fields operators search by."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)


class GunicornLogger(glogging.Logger):
    """gunicorn's logger, writing an access line only when an access log is asked for.

    With a logging dict config gunicorn would build the line for every request anyway (about
    a tenth of a hook call's cost in docs/BENCHMARKS.md), even when nothing is to receive it.
    """

    def access(self, resp, req, environ, request_time):
        """Log the request if GUNICORN_ACCESSLOG is set."""
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)

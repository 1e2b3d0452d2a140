"""Operations endpoints: /healthz, /readyz, /metrics (under IVR_OPS_URL_PREFIX)."""

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .cache import cache_reachable
from .db import db
from .metrics import metrics_page

logger = logging.getLogger(__name__)

bp = Blueprint("ivr_ops", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up and serving."""
    return jsonify({"status": "ok"})


def _database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return True
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.warning("readiness: database unreachable: %s", type(error).__name__)
        return False


def readiness_checks() -> dict[str, bool]:
    """Whether the database and the cache answer now."""
    return {"database": _database_reachable(), "cache": cache_reachable()}


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database and the cache answer; says which one does not."""
    checks = readiness_checks()
    body = {name: ("ok" if ok else "down") for name, ok in checks.items()}
    body["status"] = "ready" if all(checks.values()) else "not ready"
    return jsonify(body), 200 if all(checks.values()) else 503


@bp.get("/metrics")
def metrics():
    """Prometheus metrics of this process (or of all gunicorn workers, in multiprocess mode).

    Readiness is measured at each scrape, so an alert sees it without a probe of its own.
    """
    body, content_type = metrics_page(readiness_checks())
    return Response(body, content_type=content_type)

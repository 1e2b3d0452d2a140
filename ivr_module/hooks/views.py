"""The hook views: parse, check the vendor, delegate to the service, answer, log.

Nothing a caller sends can make these answer anything but HTTP 200 with the documented
shape: bad input is `Input invalid`, a database or internal failure `Service unavailable`.
"""

import logging
import time

from flask import Response, g
from sqlalchemy.exc import SQLAlchemyError

from ..db import db
from ..metrics import observe_hook_call
from ..services.answers import complete_answer, pre_order_answer
from ..services.ivr import complete_payment, read_pre_order
from ..services.hook_log import record_hook_call
from ..services.error_texts import HookError
from ..services.results import HookResult, refuse
from ..remote_address import remote_address
from ..services.vendor_auth import check_vendor
from ..services.sandbox import is_sandbox_username
from . import bp
from .body import read_body
from .parsing import InputInvalid, decode_object, parse_complete, parse_pre_order, presented

logger = logging.getLogger(__name__)

JSON = "application/json"


def _pre_order_answer(result: HookResult) -> Response:
    if result.success:  # made when the session was built, and cached with it
        return Response(result.session.answer, mimetype=JSON)
    return Response(pre_order_answer(False, result.errortext), mimetype=JSON)


def _complete_answer(result: HookResult) -> Response:
    return Response(complete_answer(result.success, result.errortext), mimetype=JSON)


def _serve_pre_order(data: dict, address: str) -> HookResult:
    call = parse_pre_order(data)
    refusal = check_vendor(call.username, call.password, address)
    return refusal or read_pre_order(call.order_number, live=not is_sandbox_username(call.username))


def _serve_complete(data: dict, address: str) -> HookResult:
    call = parse_complete(data)
    refusal = check_vendor(call.username, call.password, address)
    return refusal or complete_payment(
        call.order_number, call.reference_number, call.staff_id, call.success,
        live=not is_sandbox_username(call.username),
    )


def _handle(endpoint: str, serve, answer) -> Response:
    """Run one hook call end to end; whatever happens, answer in shape and log the call."""
    started = time.perf_counter()
    data = None
    address = remote_address()
    try:
        data = decode_object(read_body())
        result = serve(data, address)
    except InputInvalid as problem:
        result = refuse(HookError.INPUT_INVALID, str(problem))
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.error("%s: database unavailable: %s", endpoint, type(error).__name__)
        result = refuse(HookError.SERVICE_UNAVAILABLE, f"database error: {type(error).__name__}")
    except Exception:
        db.session.rollback()
        logger.exception("%s: unexpected error", endpoint)
        result = refuse(HookError.SERVICE_UNAVAILABLE, "internal error (see the application log)")
    seconds = time.perf_counter() - started
    # The answer is decided: end the call's read transaction now, not at teardown. Behind a
    # transaction pooler it would hold a server connection while the log row waits for one.
    if db.session.registry.has():  # else there is none to end, and asking would make one
        db.session.close()
    username = presented(data, "username")
    # A call presenting the sandbox username is test data, whatever it was answered.
    live = not is_sandbox_username(username)
    code = result.code
    observe_hook_call(endpoint, result.errortext, code, seconds, live)
    record_hook_call(
        endpoint=endpoint,
        remote_addr=address,
        username=username,
        order_number=presented(data, "orderNumber")
        or presented(data, "orderResultRequest", "orderNumber"),
        reference_number=presented(data, "orderResultRequest", "referenceNumber"),
        staff_id=presented(data, "orderResultRequest", "staffId"),
        success=result.success,
        error_text=result.errortext,
        error_code=code,
        detail=result.detail,
        duration_ms=round(seconds * 1000),
        request_id=g.ivr_request_id,
        live=live,
    )
    return answer(result)


# Each hook answers with and without the trailing slash, never with a redirect.
@bp.post("/pre_order/")
@bp.post("/pre_order")
def pre_order():
    """Read a pre-order's products and total for the IVR."""
    return _handle("pre_order", _serve_pre_order, _pre_order_answer)


@bp.post("/complete/")
@bp.post("/complete")
def complete():
    """Record the IVR payment of a pre-order."""
    return _handle("complete", _serve_complete, _complete_answer)

"""schemathesis hooks (SCHEMATHESIS_HOOKS): reach past `User invalid` and `404` now and then.

Random credentials, order numbers and ids would only ever meet the first refusal. These hooks
let a share of the generated cases carry the real vendor credentials, order numbers that exist
(one for each hook outcome) and pre-order ids that exist, and leave everything else generated.
The values come from the environment the test sets: IVR_FUZZ_USERNAME, IVR_FUZZ_PASSWORD,
IVR_FUZZ_ORDER_NUMBERS and IVR_FUZZ_PRE_ORDER_IDS (comma separated).
"""

import os

import schemathesis
from hypothesis import strategies as st

USERNAME = os.environ.get("IVR_FUZZ_USERNAME", "")
PASSWORD = os.environ.get("IVR_FUZZ_PASSWORD", "")
ORDER_NUMBERS = [n for n in os.environ.get("IVR_FUZZ_ORDER_NUMBERS", "").split(",") if n]
PRE_ORDER_IDS = [int(n) for n in os.environ.get("IVR_FUZZ_PRE_ORDER_IDS", "").split(",") if n]


def _known(values):
    return st.sampled_from(values) if values else st.nothing()


def _as_vendor(path: str, body: dict, number: str, known_order: bool) -> dict:
    body = {**body, "username": USERNAME, "password": PASSWORD}
    if not known_order:
        return body
    if "complete" not in path:
        return {**body, "orderNumber": number}
    if isinstance(body.get("orderResultRequest"), dict):
        body["orderResultRequest"] = {**body["orderResultRequest"], "orderNumber": number}
    return body


@schemathesis.hook
def flatmap_body(context, body):
    """Hook bodies: as generated, with the real credentials, or also with a known order number."""
    path = context.operation.path
    if not path.startswith("/hooks/") or not isinstance(body, dict):
        return st.just(body)
    return st.one_of(
        st.just(body),
        st.builds(_as_vendor, st.just(path), st.just(body), _known(ORDER_NUMBERS), st.booleans()),
    )


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Pre-order ids: as generated, or one that exists."""
    if not isinstance(path_parameters, dict) or "id" not in path_parameters:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters),
                     st.builds(lambda pid: {**path_parameters, "id": pid}, _known(PRE_ORDER_IDS)))


@schemathesis.hook
def flatmap_query(context, query):
    """Transaction look-ups: as generated, or by an order number that exists."""
    if context.operation.path != "/api/transactions" or not isinstance(query, dict):
        return st.just(query)
    return st.one_of(st.just(query),
                     st.builds(lambda number: {**query, "order_number": number}, _known(ORDER_NUMBERS)))

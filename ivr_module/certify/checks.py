"""The checks of a certification run: the magic numbers, the outcomes no number stands for, a checkout."""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..services.error_texts import HookError
from ..services.sandbox import MAGIC_AMOUNT, MAGIC_BY_KEY, MAGIC_NUMBERS
from .client import CertificationError, Target

SUCCESS = ""  # the errortext of a success


@dataclass
class Outcome:
    """One checked outcome: what was expected, what came back, and whether they agree."""

    group: str
    name: str
    expected: str
    got: str = ""
    passed: bool = False
    skipped: bool = False



class Run:
    """The checks of one certification run, and their outcomes in order."""

    def __init__(self, target: Target):
        self.target = target
        self.outcomes: list[Outcome] = []
        self._run_id = f"{int(time.time())}-{secrets.token_hex(3)}"
        self._serial = 0

    def reference(self) -> str:
        """A reference number no earlier run used."""
        self._serial += 1
        return f"CERT-{self._run_id}-{self._serial}"

    def check(self, group: str, name: str, expected: str, got: Callable[[], str]) -> bool:
        """Record one outcome: `got()` is compared with `expected`; an error is a failure."""
        outcome = Outcome(group, name, expected or "success")
        try:
            answer = got()
            outcome.got, outcome.passed = answer or "success", answer == expected
        except CertificationError as error:
            outcome.got = f"error: {error}"
        self.outcomes.append(outcome)
        return outcome.passed

    def skip(self, group: str, name: str, why: str) -> None:
        """Record an outcome that could not be checked in this run."""
        self.outcomes.append(Outcome(group, name, why, got="skipped", skipped=True))

    @property
    def failed(self) -> list[Outcome]:
        """The outcomes that did not pass."""
        return [outcome for outcome in self.outcomes if not outcome.passed and not outcome.skipped]


def _magic_numbers(run: Run) -> None:
    """Each magic number answers its documented outcome in both hooks."""
    hooks = run.target
    for magic in MAGIC_NUMBERS:
        label = f"{magic.key} ({magic.number})"
        read = magic.pre_order or f"success, total {MAGIC_AMOUNT}"
        run.check("magic", f"{label} pre_order", read, lambda m=magic: _read_total(hooks, m.number))
        run.check("magic", f"{label} complete", magic.complete or SUCCESS,
                  lambda m=magic: hooks.complete(m.number, run.reference()))


def _outcomes_without_a_number(run: Run) -> None:
    """Input invalid, User invalid, Order number invalid, Success must be true, replays."""
    hooks, success = run.target, MAGIC_BY_KEY["success"].number
    run.check("input", "Input invalid (pre_order without orderNumber)", HookError.INPUT_INVALID,
              lambda: hooks.hook("pre_order", {"username": hooks.username, "password": hooks.password})[0])
    run.check("input", "Input invalid (complete without orderResultRequest)", HookError.INPUT_INVALID,
              lambda: hooks.hook("complete", {"username": hooks.username, "password": hooks.password})[0])
    run.check("input", "User invalid (wrong password)", HookError.USER_INVALID,
              lambda: hooks.pre_order(success, password=hooks.password + "-wrong")[0])
    run.check("input", "Order number invalid (empty orderNumber)", HookError.ORDER_NUMBER_INVALID,
              lambda: hooks.pre_order("")[0])
    run.check("input", "Success must be true (success=false)", HookError.SUCCESS_MUST_BE_TRUE,
              lambda: hooks.complete(success, run.reference(), success=False))
    # A retry of a recorded payment succeeds again; its reference on another number is refused.
    reference = run.reference()
    run.check("replay", "complete with a new reference", SUCCESS, lambda: hooks.complete(success, reference))
    run.check("replay", "same reference again (a retry): success", SUCCESS, lambda: hooks.complete(success, reference))
    run.check("replay", "same reference on another number", HookError.REFERENCE_USED,
              lambda: hooks.complete(MAGIC_BY_KEY["replay"].number, reference))
    if hooks.checkout_token:
        run.check("replay", "the retry recorded nothing new", "1 transaction",
                  lambda: _transactions_of(hooks, reference))


def _transactions_of(hooks: Target, reference: str) -> str:
    status, body = hooks.api("GET", f"/transactions?reference_number={reference}")
    if status != 200:
        return f"HTTP {status}"
    count = len(body.get("transactions", []))
    return f"{count} transaction" + ("" if count == 1 else "s")


BASKET = {
    "lines": [{"sku": "CERT-1", "name": "Certification item", "quantity": 2, "unit_price": "10.25", "discount": "0.50"}],
    "shipping_amount": "4.00",
    "payment_option": {"slug": "ivr", "name": "Pay by phone", "payment_type": "cash_register"},
}
BASKET_TOTAL = "24.00"  # 2 × 10.25 − 0.50 + 4.00


def _open_and_issue(hooks: Target) -> tuple[int, str]:
    """A sandbox pre-order opened and issued a number through the checkout API."""
    status, pre_order = hooks.api("POST", "/pre-orders", BASKET)
    if status != 201:
        raise CertificationError(f"open: HTTP {status} {pre_order!r:.200}")
    status, issued = hooks.api("POST", f"/pre-orders/{pre_order['id']}/order-number", {})
    if status != 201:
        raise CertificationError(f"issue: HTTP {status} {issued!r:.200}")
    return pre_order["id"], issued["order_number"]


def _checkout_flow(run: Run) -> None:
    """A real sandbox pre-order: open, issue, read, pay, retry, poll paid; cancel; basket change."""
    hooks = run.target
    if not hooks.checkout_token:
        run.skip("checkout", "checkout-API flow", "needs --checkout-token (CHECKOUT_API_SANDBOX_TOKEN)")
        return
    state = {}

    def opened() -> str:
        state["id"], state["number"] = _open_and_issue(hooks)
        return SUCCESS

    if not run.check("checkout", "open a pre-order and issue its number", SUCCESS, opened):
        return
    number, reference = state["number"], run.reference()
    run.check("checkout", "pre_order reads the basket and its total", f"success, total {BASKET_TOTAL}",
              lambda: _read_total(hooks, number))
    run.check("checkout", "complete pays it", SUCCESS, lambda: hooks.complete(number, reference))
    run.check("checkout", "complete retried: success", SUCCESS, lambda: hooks.complete(number, reference))
    run.check("checkout", "another reference on the paid order", HookError.SESSION_NOT_FOUND,
              lambda: hooks.complete(number, run.reference()))
    run.check("checkout", "the checkout polls it paid", f"paid by {reference}",
              lambda: _polled(hooks, state["id"]))
    run.check("checkout", "pre_order after payment", HookError.SESSION_NOT_FOUND, lambda: hooks.pre_order(number)[0])
    run.check("checkout", "cancelled pre-order", HookError.SESSION_NOT_FOUND, lambda: _cancelled(hooks))
    run.check("checkout", "basket changed after issue", HookError.BASKET_CHANGED, lambda: _basket_changed(hooks))


def _read_total(hooks: Target, number: str) -> str:
    """pre_order's errortext, or on success the total it read out (with at least one product)."""
    errortext, answer = hooks.pre_order(number)
    if errortext:
        return errortext
    if not answer.get("productlist"):
        return "success without products"
    return f"success, total {Decimal(str(answer['orderprice'])):.2f}"


def _polled(hooks: Target, pre_order_id: int) -> str:
    status, pre_order = hooks.api("GET", f"/pre-orders/{pre_order_id}")
    if status != 200:
        return f"HTTP {status}"
    paid_by = (pre_order.get("transaction") or {}).get("reference_number")
    return f"{pre_order['status']} by {paid_by}"


def _cancelled(hooks: Target) -> str:
    pre_order_id, number = _open_and_issue(hooks)
    status, _ = hooks.api("POST", f"/pre-orders/{pre_order_id}/cancel")
    return f"cancel: HTTP {status}" if status != 200 else hooks.pre_order(number)[0]


def _basket_changed(hooks: Target) -> str:
    pre_order_id, number = _open_and_issue(hooks)
    status, _ = hooks.api("PATCH", f"/pre-orders/{pre_order_id}", {"shipping_amount": "5.00"})
    return f"change: HTTP {status}" if status != 200 else hooks.pre_order(number)[0]


def certify(target: Target) -> Run:
    """Run every check against the target; the outcomes are in the returned run."""
    run = Run(target)
    _magic_numbers(run)
    _outcomes_without_a_number(run)
    _checkout_flow(run)
    return run

"""The certification run: a deployment's sandbox driven through every hook outcome, over HTTP.

    python -m ivr_module.certify --url https://shop.example --username U --password P \
        [--checkout-token T] [--junit report.xml]

(or `flask ivr certify --url URL`, which takes the credentials from the app's settings). Each
magic order number (services/sandbox.py), the outcomes no number stands for, and, with the
checkout API's sandbox token, a whole checkout flow are checked; a pass/fail table is printed
and the exit status is 1 if anything failed. Only sandbox credentials are used, so no live row
is read or written: it is safe against production. Plain urllib: nothing beyond the package.
"""

import argparse
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Optional
from xml.etree import ElementTree

from .services.results import HookError
from .services.sandbox import MAGIC_AMOUNT, MAGIC_BY_KEY, MAGIC_NUMBERS

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


class CertificationError(Exception):
    """A check could not be made (unreachable server, an answer that is not JSON)."""


@dataclass
class Target:
    """The deployment under test and the sandbox credentials."""

    url: str
    username: str
    password: str
    checkout_token: Optional[str] = None
    hooks_prefix: str = "/hooks/ivr"
    api_prefix: str = "/api"
    timeout: float = 15.0

    def request(self, method: str, path: str, body=None, token: Optional[str] = None) -> tuple[int, object]:
        """(HTTP status, decoded JSON) of one request."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url.rstrip("/") + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            raise CertificationError(f"{method} {path}: {error}") from None
        try:
            return status, json.loads(raw) if raw.strip() else None
        except ValueError:
            raise CertificationError(f"{method} {path}: HTTP {status}, not JSON") from None

    def hook(self, endpoint: str, body: dict) -> tuple[str, dict]:
        """Call a hook; its errortext ("" on success) and the whole answer. Anything but 200 fails."""
        status, answer = self.request("POST", f"{self.hooks_prefix}/{endpoint}/", body)
        if status != 200 or not isinstance(answer, dict):
            raise CertificationError(f"{endpoint}: HTTP {status} {answer!r:.200}")
        result = answer.get("orderResultResponse", {}).get("result") if endpoint == "complete" else answer.get("result")
        if not isinstance(result, dict) or result.get("success") is not (result.get("errortext") == ""):
            raise CertificationError(f"{endpoint}: answer not in the documented shape: {answer!r:.200}")
        return result["errortext"], answer

    def pre_order(self, order_number, **overrides) -> tuple[str, dict]:
        """The pre_order hook with the sandbox credentials."""
        body = {"username": self.username, "password": self.password, "orderNumber": order_number}
        return self.hook("pre_order", {**body, **overrides})

    def complete(self, order_number, reference, success=True, **overrides) -> str:
        """The complete hook with the sandbox credentials; its errortext."""
        result = {"orderNumber": order_number, "referenceNumber": reference, "staffId": "certify", "success": success}
        body = {"username": self.username, "password": self.password, "orderResultRequest": result}
        return self.hook("complete", {**body, **overrides})[0]

    def api(self, method: str, path: str, body=None) -> tuple[int, object]:
        """A checkout-API call with the sandbox token."""
        return self.request(method, self.api_prefix + path, body, token=self.checkout_token)


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


def table(run: Run) -> str:
    """The outcomes as a plain-text table, one line each, and a summary line."""
    rows = [("", "check", "expected", "got")]
    for outcome in run.outcomes:
        mark = "SKIP" if outcome.skipped else "PASS" if outcome.passed else "FAIL"
        rows.append((mark, f"{outcome.group}: {outcome.name}", outcome.expected, outcome.got))
    widths = [max(len(row[index]) for row in rows) for index in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    passed = sum(outcome.passed for outcome in run.outcomes)
    skipped = sum(outcome.skipped for outcome in run.outcomes)
    lines.append(f"\n{passed} passed, {len(run.failed)} failed, {skipped} skipped")
    return "\n".join(lines)


def junit_xml(run: Run) -> bytes:
    """The outcomes as a JUnit XML report (one test case per outcome)."""
    suite = ElementTree.Element(
        "testsuite", name="ivr-certify", tests=str(len(run.outcomes)), failures=str(len(run.failed)),
        skipped=str(sum(outcome.skipped for outcome in run.outcomes)), errors="0",
    )
    for outcome in run.outcomes:
        case = ElementTree.SubElement(suite, "testcase", classname=f"ivr.certify.{outcome.group}", name=outcome.name)
        if outcome.skipped:
            ElementTree.SubElement(case, "skipped", message=outcome.expected)
        elif not outcome.passed:
            message = f"expected {outcome.expected!r}, got {outcome.got!r}"
            ElementTree.SubElement(case, "failure", message=message).text = message
    return ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)


def report(run: Run, junit: Optional[str], echo=print) -> int:
    """Print the table, write the JUnit file if asked; the exit status (1 if anything failed)."""
    echo(table(run))
    if junit:
        with open(junit, "wb") as handle:
            handle.write(junit_xml(run))
    return 1 if run.failed else 0


def main(argv=None) -> int:
    """The command line (credentials may come from the environment, to keep them out of `ps`)."""
    parser = argparse.ArgumentParser(prog="python -m ivr_module.certify", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="base URL of the deployment, e.g. https://shop.example")
    parser.add_argument("--username", default=os.environ.get("IVR_SANDBOX_USERNAME"),
                        help="sandbox username (default: $IVR_SANDBOX_USERNAME)")
    parser.add_argument("--password", default=os.environ.get("IVR_SANDBOX_PASSWORD"),
                        help="sandbox password (default: $IVR_SANDBOX_PASSWORD)")
    parser.add_argument("--checkout-token", default=os.environ.get("CHECKOUT_API_SANDBOX_TOKEN"),
                        help="checkout API sandbox token (default: $CHECKOUT_API_SANDBOX_TOKEN); "
                             "without it the checkout flow is skipped")
    parser.add_argument("--hooks-prefix", default="/hooks/ivr", help="where the hooks are (default /hooks/ivr)")
    parser.add_argument("--api-prefix", default="/api", help="where the checkout API is (default /api)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request")
    parser.add_argument("--junit", metavar="FILE", help="also write the outcomes as JUnit XML")
    args = parser.parse_args(argv)
    if not args.username or not args.password:
        parser.error("the sandbox --username and --password are required")
    target = Target(args.url, args.username, args.password, args.checkout_token,
                    args.hooks_prefix, args.api_prefix, args.timeout)
    return report(certify(target), args.junit)


if __name__ == "__main__":
    sys.exit(main())

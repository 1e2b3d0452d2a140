"""The certification run's HTTP client: the deployment's hooks and checkout API, by plain urllib."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass


class CertificationError(Exception):
    """A check could not be made (unreachable server, an answer that is not JSON)."""


@dataclass
class Target:
    """The deployment under test and the sandbox credentials."""

    url: str
    username: str
    password: str
    checkout_token: str | None = None
    hooks_prefix: str = "/hooks/ivr"
    api_prefix: str = "/api"
    timeout: float = 15.0

    def request(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, object]:
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

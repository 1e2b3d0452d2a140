"""Comparing secrets: constant time, for any text a caller sends."""

import hmac


def same_text(given: str, expected: str) -> bool:
    """Constant-time comparison of two strings (any characters, not only ASCII)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )

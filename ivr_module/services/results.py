"""The result of a hook call: an error text (error_texts.py) or success, and a detail for support."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from .error_texts import HookError
from .failure_codes import failure_code

if TYPE_CHECKING:
    from .sessions import OrderSession


@dataclass(frozen=True)
class HookResult:
    """The outcome of one hook call: an error text or success, and a detail for support staff."""

    error: Optional[HookError] = None
    detail: str = ""
    session: Optional["OrderSession"] = None

    @property
    def success(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None

    @property
    def errortext(self) -> str:
        """The text the vendor reads: empty on success."""
        return "" if self.error is None else self.error.value

    @property
    def code(self) -> Optional[str]:
        """Why it failed, finer than the error text (failure_codes.py); None on success."""
        return failure_code(self.errortext, self.detail)


def refuse(error: HookError, detail: str) -> HookResult:
    """A failed call with its error text and internal detail."""
    return HookResult(error=error, detail=detail)

"""Card numbers never reach the hook-call log: anything shaped like one, passing Luhn, is masked."""

import re

from stdnum import luhn

# Runs of 13 to 19 digits, perhaps split by white space, dashes, dots or underscores (up to
# three between two digits: "4111  1111 1111 1111"): the shape of a card number.
CARD_LIKE = re.compile(r"\d(?:[\s._-]{0,3}\d){12,18}")


def mask_card_numbers(text: str) -> str:
    """Hide anything that passes for a card number (the vendor's mistakes are not ours to keep)."""

    def mask(match):
        digits = re.sub(r"\D", "", match.group())
        if not luhn.is_valid(digits):
            return match.group()
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]

    return CARD_LIKE.sub(mask, text)

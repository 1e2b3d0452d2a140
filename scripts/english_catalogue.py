"""Fill the English catalogue: each message reads as its source text until someone rewords it.

`make translations` runs this after `pybabel update`; an English msgstr already written is kept.
"""

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUE = Path("ivr_module/translations/en/LC_MESSAGES/ivr_module.po")


def main(path: Path = CATALOGUE) -> int:
    """Give every message without an English text its msgid; say how many were filled."""
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    filled = 0
    for message in catalogue:
        if message.id and not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalogue, omit_header=False, sort_output=True, width=100)
    print(f"{path}: {filled} English messages filled from their source text")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where the module's templates, static assets and migrations are, installed or in a checkout.

The repository keeps them at its top level (templates/, static/, migrations/); the wheel
carries them inside the package (pyproject.toml's force-include). One lookup serves both.
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent


def resource_path(name: str) -> Path:
    """The folder `name` (templates, static or migrations): in the package, else the checkout's."""
    installed = PACKAGE / name
    if installed.is_dir():
        return installed
    checkout = CHECKOUT / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"ivr_module's {name}/ is neither in {PACKAGE} nor in {CHECKOUT}")

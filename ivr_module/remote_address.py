"""The caller's address: the direct peer, or X-Forwarded-For as far as trusted proxies reach.

IVR_TRUSTED_PROXIES is a count or a list of CIDRs. A count (how many proxies in front append to
X-Forwarded-For) is believed whoever the peer is, so a caller that reaches the app directly can
claim any address; a start with a count logs a warning. With CIDRs the header is read only when
the direct peer is one of those proxies, walking it from the right past further trusted proxies
to the first address that is not one (nginx's `real_ip_recursive`). The address is computed per
request from the WSGI environ, for the module's own code: the host's requests are not rewritten.
"""

import ipaddress
import logging

from flask import current_app, request

from .config import ConfigError

logger = logging.getLogger(__name__)


def parse_trusted_proxies(value):
    """The IVR_TRUSTED_PROXIES setting as a count (int) or a tuple of networks."""
    if value is None or value == "":
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ConfigError("IVR_TRUSTED_PROXIES must not be negative")
        return value
    try:
        items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
        return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"IVR_TRUSTED_PROXIES: {error}") from None


def trusted_proxies_of(config):
    """Parse the setting, warning when it is a count (spoofable by anyone who reaches the app)."""
    trusted = parse_trusted_proxies(config.get("IVR_TRUSTED_PROXIES"))
    if isinstance(trusted, int) and trusted > 0:
        logger.warning(
            "IVR_TRUSTED_PROXIES is a count (%d): X-Forwarded-For is believed from any peer; "
            "give the proxies' CIDRs instead so a caller reaching the app directly cannot pick "
            "its address",
            trusted,
        )
    return trusted


def _in_networks(text: str, networks) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in network for network in networks)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def client_address(environ, trusted) -> str:
    """The client's address for a WSGI environ, given the parsed trusted proxies."""
    peer = environ.get("REMOTE_ADDR") or ""
    if not trusted:
        return peer
    header = environ.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [hop.strip() for hop in header.split(",") if hop.strip()]
    if isinstance(trusted, int):
        return forwarded[-trusted] if len(forwarded) >= trusted else peer
    if not _in_networks(peer, trusted):
        return peer
    address = peer
    for hop in reversed(forwarded):
        if not _is_address(hop):
            break  # not written by a proxy of ours: keep the last address one vouched for
        address = hop
        if not _in_networks(hop, trusted):
            break
    return address


def remote_address() -> str:
    """This request's client address, by the app's IVR_TRUSTED_PROXIES."""
    return client_address(request.environ, current_app.extensions["ivr"].trusted_proxies)

"""`python -m ivr_module.certify`: the certification run from the command line (see __init__)."""

import argparse
import os
import sys

from . import __doc__ as PACKAGE_DOC
from .checks import certify
from .client import Target
from .report import report


def main(argv=None) -> int:
    """The command line (credentials may come from the environment, to keep them out of `ps`)."""
    parser = argparse.ArgumentParser(prog="python -m ivr_module.certify", description=PACKAGE_DOC.split("\n")[0])
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

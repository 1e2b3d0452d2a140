"""The certification run: a deployment's sandbox driven through every hook outcome, over HTTP.

    python -m ivr_module.certify --url https://shop.example --username U --password P \
        [--checkout-token T] [--junit report.xml]

(or `flask ivr certify --url URL`, which takes the credentials from the app's settings). Each
magic order number (services/sandbox.py), the outcomes no number stands for, and, with the
checkout API's sandbox token, a whole checkout flow are checked; a pass/fail table is printed
and the exit status is 1 if anything failed. Only sandbox credentials are used, so no live row
is read or written: it is safe against production. Plain urllib: nothing beyond the package.
"""


from .checks import Outcome, Run, certify
from .client import CertificationError, Target
from .report import junit_xml, report, table

__all__ = ["CertificationError", "Outcome", "Run", "Target", "certify", "junit_xml", "report", "table"]

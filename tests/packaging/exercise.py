"""Drive the installed module in host.py: checkout API, both hooks, a logged-in admin page.

Run from a directory outside the checkout after `flask --app host ivr db upgrade`; exits
non-zero (an AssertionError) when anything, a template, an asset or a migration, is missing.
"""

import re
import sys
from pathlib import Path

import ivr_module
from host import app

installed = Path(ivr_module.__file__).resolve().parent
assert "site-packages" in installed.parts, f"ivr_module imported from {installed}, not the wheel"
client = app.test_client()
token = {"Authorization": "Bearer shop-token"}
basket = {
    "lines": [{"sku": "S-1", "name": "Kettle", "quantity": 2, "unit_price": "10.00"}],
    "currency": "TRY",
    "payment_option": {"slug": "phone", "name": "Pay by phone", "payment_type": "cash_register"},
}
opened = client.post("/shop/ivr-api/pre-orders", json=basket, headers=token)
assert opened.status_code == 201, opened.text
issued = client.post(f"/shop/ivr-api/pre-orders/{opened.get_json()['id']}/order-number", headers=token)
number = issued.get_json()["order_number"]
credentials = {"username": "vendor", "password": "vendor-password"}
heard = client.post("/hooks/ivr/pre_order/", json={**credentials, "orderNumber": number}).get_json()
assert heard["result"]["success"] is True and heard["orderprice"] == 20.0, heard
paid = client.post("/hooks/ivr/complete/", json={**credentials, "orderResultRequest": {
    "orderNumber": number, "referenceNumber": "WHEEL-1", "staffId": "agent"}}).get_json()
assert paid["orderResultResponse"]["result"]["success"] is True, paid

login_page = client.get("/admin/auth/login")
assert login_page.status_code == 200, login_page.status_code
csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page.text).group(1)
client.post("/admin/auth/login", data={"username": "boss", "password": "boss-password-1", "csrf_token": csrf})
page = client.get("/admin/transactions/")
assert page.status_code == 200 and "WHEEL-1" in page.text, page.status_code
for asset in re.findall(r'(?:href|src)="(/admin/assets/[^"?]+)', page.text):
    assert client.get(asset).status_code == 200, asset
document = client.get("/openapi.json").get_json()
assert "/shop/ivr-api/pre-orders" in document["paths"]
print("installed module works:", installed)
sys.exit(0)

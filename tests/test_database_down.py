"""PostgreSQL unreachable: the hooks answer `Service unavailable` in shape, the API 503."""

from tests.helpers import API_TOKEN, BASKET, IVR_USERNAME, Hooks, pre_order_answer_failed

DEAD_DATABASE = "postgresql://postgres@127.0.0.1:1/unreachable"


def test_hooks_answer_service_unavailable(app_with):
    hooks = Hooks(app_with(DATABASE_URL=DEAD_DATABASE).test_client())  # checks each answer is a 200
    assert pre_order_answer_failed(hooks.pre_order("1234567897"), "Service unavailable")
    unavailable = {"success": False, "errortext": "Service unavailable"}
    assert hooks.complete("1234567897", reference="R", staff_id="1") == {"orderResultResponse": {"result": unavailable}}


def test_checks_before_the_database_still_answer_their_own_texts(app_with):
    client = app_with(DATABASE_URL=DEAD_DATABASE).test_client()
    body = {"username": IVR_USERNAME, "password": "wrong", "orderNumber": "1"}
    assert pre_order_answer_failed(client.post("/hooks/ivr/pre_order/", json=body).get_json(), "User invalid")
    assert pre_order_answer_failed(client.post("/hooks/ivr/pre_order/", data=b"x").get_json(), "Input invalid")


def test_checkout_api_answers_503(app_with):
    client = app_with(DATABASE_URL=DEAD_DATABASE).test_client()
    response = client.post("/api/pre-orders", json=BASKET, headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"

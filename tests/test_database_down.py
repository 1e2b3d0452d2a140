"""PostgreSQL unreachable: the hooks answer `Service unavailable` in shape, the API 503."""

from tests.conftest import API_TOKEN, BASKET, IVR_PASSWORD, IVR_USERNAME, pre_order_answer_failed

DEAD_DATABASE = "postgresql://postgres@127.0.0.1:1/unreachable"


def test_hooks_answer_service_unavailable(app_with):
    client = app_with(DATABASE_URL=DEAD_DATABASE).test_client()
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": "1234567897"}
    answer = client.post("/hooks/ivr/pre_order/", json=body).get_json()
    assert pre_order_answer_failed(answer, "Service unavailable")
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD,
            "orderResultRequest": {"orderNumber": "1234567897", "referenceNumber": "R", "staffId": "1"}}
    response = client.post("/hooks/ivr/complete/", json=body)
    assert response.status_code == 200
    assert response.get_json() == {"orderResultResponse": {"result": {"success": False,
                                                                      "errortext": "Service unavailable"}}}


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

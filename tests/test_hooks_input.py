"""Input parsing (CONTRACT.md section 3): bad input is `Input invalid`, always HTTP 200 in shape."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import IVR_PASSWORD, IVR_USERNAME, pre_order_answer_failed
from tests.hook_schema import validator

PRE_ORDER = "/hooks/ivr/pre_order/"
COMPLETE = "/hooks/ivr/complete/"

PRE_ORDER_SCHEMAS = [validator("IVRPreOrderResponse"), validator("IVRPreOrderResponse", tightened=True)]
COMPLETE_SCHEMAS = [validator("IVRCompleteResponse"), validator("IVRCompleteResponse", tightened=True)]


def pre_order_body(**changes):
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": "1234567897"}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def complete_body(fields=None, **changes):
    request = {"orderNumber": "1234567897", "referenceNumber": "R-1", "staffId": "7"}
    request.update(fields or {})
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderResultRequest": request}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def complete_errortext(response):
    assert response.status_code == 200
    return response.get_json()["orderResultResponse"]["result"]["errortext"]


BAD_STRING_VALUES = [None, True, False, {}, {"a": 1}, [], ["x"], 1.5, 1e3]


@pytest.mark.parametrize("field", ["username", "password", "orderNumber"])
@pytest.mark.parametrize("value", BAD_STRING_VALUES + [...])
def test_pre_order_required_field_missing_or_of_wrong_type(client, field, value):
    response = client.post(PRE_ORDER, json=pre_order_body(**{field: value}))
    assert response.status_code == 200
    assert pre_order_answer_failed(response.get_json(), "Input invalid")


@pytest.mark.parametrize("field", ["orderNumber", "referenceNumber", "staffId"])
@pytest.mark.parametrize("value", BAD_STRING_VALUES + ["", "   "])
def test_complete_order_field_invalid(client, field, value):
    response = client.post(COMPLETE, json=complete_body({field: value}))
    assert complete_errortext(response) == "Input invalid"


@pytest.mark.parametrize("field", ["orderNumber", "referenceNumber", "staffId"])
def test_complete_order_field_missing(client, field):
    body = complete_body()
    del body["orderResultRequest"][field]
    assert complete_errortext(client.post(COMPLETE, json=body)) == "Input invalid"


@pytest.mark.parametrize("value", [None, "yes", 1, 0, "", [], {}, "tru"])
def test_success_flag_of_another_kind_is_input_invalid(client, value):
    response = client.post(COMPLETE, json=complete_body({"success": value}))
    assert complete_errortext(response) == "Input invalid"


@pytest.mark.parametrize("value", [..., None, "x", 1, [], [{"orderNumber": "1"}]])
def test_order_result_request_not_an_object(client, value):
    response = client.post(COMPLETE, json=complete_body(orderResultRequest=value))
    assert complete_errortext(response) == "Input invalid"


@pytest.mark.parametrize(
    "changes",
    [
        {"username": ""},
        {"username": "  "},
        {"password": ""},
        {"username": "u" * 257},
        {"password": "p" * 257},
        {"orderNumber": "1" * 65},
        {"orderNumber": "bad\x00number"},
        {"orderNumber": "\ud800"},
    ],
)
def test_pre_order_empty_credentials_and_lengths(client, changes):
    response = client.post(PRE_ORDER, json=pre_order_body(**changes))
    assert pre_order_answer_failed(response.get_json(), "Input invalid")


@pytest.mark.parametrize(
    "fields",
    [{"orderNumber": "1" * 65}, {"referenceNumber": "R" * 129}, {"staffId": "s" * 65}],
)
def test_complete_lengths(client, fields):
    assert complete_errortext(client.post(COMPLETE, json=complete_body(fields))) == "Input invalid"


def test_lengths_at_the_limit_are_accepted(client):
    # Right at the limits the request is well-formed: the next check (credentials) answers.
    body = pre_order_body(username="u" * 256, password="p" * 256, orderNumber="1" * 64)
    assert pre_order_answer_failed(client.post(PRE_ORDER, json=body).get_json(), "User invalid")
    body = complete_body({"orderNumber": "1" * 64, "referenceNumber": "R" * 128, "staffId": "s" * 64})
    assert complete_errortext(client.post(COMPLETE, json=body)) == "Order Not Found"


def test_unknown_fields_are_ignored(client):
    body = pre_order_body(extra={"anything": [1, 2]}, cardNumber="4111111111111111")
    assert pre_order_answer_failed(client.post(PRE_ORDER, json=body).get_json(), "Order not found")


@pytest.mark.parametrize(
    "data, content_type",
    [
        (b"", None),
        (b"not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"a string"', "application/json"),
        (b"null", "application/json"),
        (b"{\"username\": ", "application/json"),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
        (b"[" * 100_000, "application/json"),
    ],
)
@pytest.mark.parametrize("path", [PRE_ORDER, COMPLETE])
def test_malformed_bodies_are_input_invalid(client, data, content_type, path):
    response = client.post(path, data=data, content_type=content_type)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    answer = response.get_json()
    errortext = answer["result"]["errortext"] if path == PRE_ORDER else complete_errortext(response)
    assert errortext == "Input invalid"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_body_is_read_as_json_whatever_the_content_type(client, content_type):
    data = json.dumps(pre_order_body()).encode()
    response = client.post(PRE_ORDER, data=data, content_type=content_type)
    assert pre_order_answer_failed(response.get_json(), "Order not found")


@pytest.mark.parametrize("path", [PRE_ORDER, COMPLETE])
def test_over_large_body_is_read_and_answered(client, path):
    padding = "x" * (1024 * 1024)
    body = json.dumps({**pre_order_body(), "padding": padding}).encode()
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 200
    assert b"Input invalid" in response.data


def test_body_just_under_the_limit_is_parsed(client):
    body = pre_order_body()
    body["padding"] = ""
    size = len(json.dumps(body).encode())
    body["padding"] = "x" * (1024 * 1024 - size)
    data = json.dumps(body).encode()
    assert len(data) == 1024 * 1024
    response = client.post(PRE_ORDER, data=data, content_type="application/json")
    assert pre_order_answer_failed(response.get_json(), "Order not found")


@pytest.mark.parametrize("path", [PRE_ORDER, COMPLETE, PRE_ORDER.rstrip("/"), COMPLETE.rstrip("/")])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_not_allowed(client, path, method):
    assert getattr(client, method)(path).status_code == 405


# Property tests: whatever arrives, the answer is HTTP 200 and valid against the document.

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
field_values = st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.just(IVR_USERNAME) | st.just(IVR_PASSWORD)
pre_order_like = st.fixed_dictionaries(
    {}, optional={"username": field_values, "password": field_values, "orderNumber": field_values}
)
complete_like = st.fixed_dictionaries(
    {},
    optional={
        "username": field_values,
        "password": field_values,
        "orderResultRequest": st.fixed_dictionaries(
            {},
            optional={
                "orderNumber": field_values,
                "referenceNumber": field_values,
                "staffId": field_values,
                "success": field_values,
            },
        )
        | json_values,
    },
)

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_valid(response, schemas):
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    answer = json.loads(response.data)
    for schema in schemas:
        schema.validate(answer)
    return answer


def assert_pre_order_valid(response):
    answer = assert_valid(response, PRE_ORDER_SCHEMAS)
    if not answer["result"]["success"]:
        assert answer["productlist"] == [] and answer["orderprice"] == 0.0
        assert answer["result"]["errortext"]


@PROPERTY_SETTINGS
@given(value=json_values | pre_order_like)
def test_any_json_value_to_pre_order_gets_a_valid_answer(client, value):
    assert_pre_order_valid(client.post(PRE_ORDER, data=json.dumps(value), content_type="application/json"))


@PROPERTY_SETTINGS
@given(value=json_values | complete_like)
def test_any_json_value_to_complete_gets_a_valid_answer(client, value):
    assert_valid(client.post(COMPLETE, data=json.dumps(value), content_type="application/json"), COMPLETE_SCHEMAS)


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2048))
def test_any_bytes_to_pre_order_get_a_valid_answer(client, data):
    assert_pre_order_valid(client.post(PRE_ORDER, data=data))


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2048))
def test_any_bytes_to_complete_get_a_valid_answer(client, data):
    assert_valid(client.post(COMPLETE, data=data), COMPLETE_SCHEMAS)

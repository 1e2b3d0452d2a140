"""The served OpenAPI document: the seed's hooks as they are, the checkout API as it answers."""

import json
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry, Resource

from ivr_module.openapi import seed_document
from ivr_module.services.checkout_input import IssueInput, PreOrderChange, PreOrderInput
from tests.helpers import BASKET


@pytest.fixture
def document(client):
    """The document as served."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(document).validate()


def test_hook_paths_and_components_are_the_seed_file_byte_for_byte(document):
    seed = seed_document()
    for path, operations in seed["paths"].items():
        # Same keys in the same order, same texts: compare the serialised form, not just ==.
        assert json.dumps(document["paths"][path]) == json.dumps(operations)
    for name, schema in seed["components"]["schemas"].items():
        assert json.dumps(document["components"]["schemas"][name]) == json.dumps(schema)
    assert document["info"]["title"] == seed["info"]["title"]
    assert document["security"] == seed["security"] == []
    assert seed["tags"][0] in document["tags"]


def _documented_routes(document) -> set:
    return {
        (method.upper(), re.sub(r"\{\w+\}", "<id>", path))
        for path, operations in document["paths"].items()
        for method in operations
    }


def test_every_route_of_the_app_is_documented_and_nothing_else(app, document):
    served = {
        (method, re.sub(r"<[^>]+>", "<id>", rule.rule))
        for rule in app.url_map.iter_rules()
        # The hooks also answer without the trailing slash; the seed documents the slashed paths.
        if rule.rule.startswith("/api/") or (rule.rule.startswith("/hooks/") and rule.rule.endswith("/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == _documented_routes(document)


def test_checkout_operations_need_the_bearer_token_and_hooks_do_not(document):
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, operations in document["paths"].items():
        for operation in operations.values():
            expected = [{"bearerAuth": []}] if path.startswith("/api/") else None
            assert operation.get("security") == expected
            if expected:
                assert "401" in operation["responses"] and "503" in operation["responses"]


@pytest.mark.parametrize(
    "model, component", [(PreOrderInput, "PreOrderInput"), (PreOrderChange, "PreOrderChange"),
                         (IssueInput, "IssueInput")]
)
def test_request_bodies_are_the_validating_models(document, model, component):
    schema = document["components"]["schemas"][component]
    generated = model.model_json_schema()
    assert schema["properties"].keys() == generated["properties"].keys()
    assert schema.get("required", []) == generated.get("required", [])
    assert schema["additionalProperties"] is False


class Answers:
    """Checks API answers against the document's response for that operation and status."""

    def __init__(self, document, api):
        self.document, self.api = document, api
        registry = Registry().with_resource("urn:served", Resource.opaque(document))
        self.registry, self.seen = registry, set()

    def call(self, method, template, status, path_id=None, **kwargs):
        """Make the call, insist on `status`, and validate the body against its schema."""
        path = template.replace("{id}", str(path_id))
        response = getattr(self.api, method)(path.removeprefix("/api"), **kwargs)
        assert response.status_code == status, response.get_json()
        documented = self.document["paths"][template][method]["responses"][str(status)]
        pointer = documented["content"]["application/json"]["schema"]["$ref"].removeprefix("#")
        validator = Draft202012Validator({"$ref": "urn:served#" + pointer}, registry=self.registry)
        validator.validate(response.get_json())
        self.seen.add((method, template, status))
        return response.get_json()


def test_answers_of_every_documented_status_match_their_schemas(document, api, hooks):
    answers = Answers(document, api)
    item, items = "/api/pre-orders/{id}", "/api/pre-orders"
    opened = answers.call("post", items, 201, json=BASKET)
    number, some = f"{item}/order-number", opened["id"]
    answers.call("post", items, 422, json={"lines": [{"sku": "x"}]})
    answers.call("get", item, 200, some)
    answers.call("get", item, 404, 999999)
    answers.call("patch", item, 200, some, json={"shipping_amount": "1.00"})
    answers.call("patch", item, 422, some, json={"currency": None})
    answers.call("patch", item, 404, 999999, json={})
    order_number = answers.call("post", number, 201, some, json={})["order_number"]
    answers.call("post", number, 200, some, json={})
    answers.call("post", number, 422, some, json={"order_number": " "})
    answers.call("post", number, 404, 999999, json={})
    hooks.complete(order_number)
    paid = answers.call("get", item, 200, some)
    assert paid["status"] == "paid"
    answers.call("patch", item, 409, some, json={})
    answers.call("post", number, 409, some, json={})
    answers.call("post", f"{item}/cancel", 409, some)
    answers.call("post", f"{item}/cancel", 404, 999999)
    other = answers.call("post", items, 201, json=BASKET)["id"]
    answers.call("post", f"{item}/cancel", 200, other)
    found = answers.call("get", "/api/transactions", 200, query_string={"order_number": order_number})
    assert [row["amount"] for row in found["transactions"]] == [paid["amount"]]
    answers.call("get", "/api/transactions", 422)
    over_the_limit = b"{" + b" " * (1024 * 1024) + b"}"
    for method, template in (("post", items), ("patch", item), ("post", number)):
        answers.call(method, template, 413, other, data=over_the_limit, content_type="application/json")
    answers.api.headers = {"Authorization": "Bearer wrong"}
    answers.call("get", item, 401, some)
    documented = {
        (method, path, int(status))
        for path, operations in document["paths"].items() if path.startswith("/api/")
        for method, operation in operations.items()
        for status in operation["responses"] if status != "503"
    }
    # 401 was tried on one operation; it is the same handler for all of them.
    assert documented - answers.seen == {
        (method, path, 401) for method, path, _ in documented if (method, path) != ("get", item)
    }

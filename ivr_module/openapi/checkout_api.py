"""The checkout API in OpenAPI 3.1: paths, answers, and request bodies from the pydantic models.

Request bodies are generated from `services/checkout_input.py`, the models that validate them,
so documentation and validation cannot drift apart. Answers are written out here, after
`services/representations.py` and `api/errors.py`; every status an operation can give is listed.
"""

from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from ..services.checkout_input import IssueInput, PreOrderChange, PreOrderInput

TAG = {"name": "Checkout API", "description": "Pre-orders and IVR transactions for the storefront"}
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "The CHECKOUT_API_TOKEN setting; when it is unset every call is 401. The"
        " CHECKOUT_API_SANDBOX_TOKEN opens and sees sandbox pre-orders only (docs/VENDOR_GUIDE.md)"
    ),
}
SECURITY = [{"bearerAuth": []}]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(name: str) -> dict:
    return {"oneOf": [_ref(name), {"type": "null"}]}


def _object(properties: dict, optional=()) -> dict:
    required = [name for name in properties if name not in optional]
    return {"type": "object", "required": required, "properties": properties}


MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$", "description": "Exact amount, e.g. `12.50`"}
TIME = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601"}
TEXT = {"type": "string"}

RESPONSE_SCHEMAS = {
    "PreOrderLine": _object({
        "sku": TEXT, "name": TEXT, "quantity": {"type": "integer", "minimum": 1},
        "unit_price": MONEY, "discount": MONEY, "real_price": MONEY, "discounted_price": MONEY,
    }),
    "PaymentOption": _object({"slug": TEXT, "name": TEXT, "payment_type": TEXT}),
    "Customer": _object({name: {"type": ["string", "null"]} for name in ("name", "phone", "email")}),
    "Transaction": _object({
        "reference_number": TEXT, "order_number": TEXT, "staff_id": TEXT, "amount": MONEY,
        "currency": TEXT, "created_at": TIME, "pre_order_id": {"type": "integer"},
    }),
    "PreOrder": _object({
        "id": {"type": "integer"},
        "status": {"enum": ["open", "awaiting_payment", "paid", "cancelled", "expired"]},
        "order_number": {"type": ["string", "null"]},
        "expires_at": {"oneOf": [TIME, {"type": "null"}]},
        "currency": TEXT,
        "lines": {"type": "array", "items": _ref("PreOrderLine")},
        "shipping_amount": MONEY,
        "amount": MONEY,
        "payment_option": _nullable("PaymentOption"),
        "basket_changed": {"type": "boolean"},
        "transaction": _nullable("Transaction"),
        "created_at": TIME,
        "updated_at": TIME,
        "customer": _nullable("Customer"),
    }),
    "TransactionList": _object({"transactions": {"type": "array", "items": _ref("Transaction")}}),
    "Error": _object({
        "error": _object(
            {
                "code": TEXT,
                "message": TEXT,
                "field": TEXT,
                "problems": {"type": "array", "items": _object({"field": TEXT, "message": TEXT})},
            },
            optional=("field", "problems"),
        )
    }),
}

INPUT_MODELS = (PreOrderInput, PreOrderChange, IssueInput)


class _InputSchema(GenerateJsonSchema):
    """pydantic's schemas, less `"default": null`: a field left out is simply not given.

    In a change, "left out" means "unchanged" (and `null` may mean "clear"), and a null default
    on a field that may not be null is not valid OpenAPI.
    """

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if json_schema.get("default", ...) is None:
            del json_schema["default"]
        return json_schema


def checkout_components() -> dict:
    """Component schemas of the checkout API: answers written here, bodies from pydantic."""
    _, generated = models_json_schema(
        [(model, "validation") for model in INPUT_MODELS],
        ref_template="#/components/schemas/{model}",
        schema_generator=_InputSchema,
    )
    return {**generated["$defs"], **RESPONSE_SCHEMAS}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _answer(description: str, schema: str, links=None) -> dict:
    answer = {"description": description, "content": _json(_ref(schema))}
    if links:
        answer["links"] = links
    return answer


ERRORS = {
    401: {
        "description": "Bearer token missing or wrong",
        "headers": {"WWW-Authenticate": {"required": True, "schema": TEXT}},
        "content": _json(_ref("Error")),
    },
    404: _answer("No pre-order with that id", "Error"),
    409: _answer("The pre-order's state forbids it (the message says why)", "Error"),
    413: _answer("The body is over 1 MiB", "Error"),
    422: _answer("The body or query does not validate; `field` names the first problem", "Error"),
    503: _answer("The database is unavailable; nothing was written", "Error"),
}

PRE_ORDER_ID = {
    "name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1},
}

# Where a pre-order's answer leads: the stateful tests and readers follow these.
PRE_ORDER_LINKS = {
    name: {"operationId": operation, "parameters": {"id": "$response.body#/id"}}
    for name, operation in (
        ("GetPreOrder", "getPreOrder"),
        ("ChangePreOrder", "changePreOrder"),
        ("IssueOrderNumber", "issueOrderNumber"),
        ("CancelPreOrder", "cancelPreOrder"),
    )
}
TRANSACTION_LINKS = {
    "FindTransactions": {
        "operationId": "findTransactions",
        "parameters": {"order_number": "$response.body#/order_number"},
    }
}


def _operation(operation_id, summary, answers, errors, body=None, parameters=()) -> dict:
    operation = {
        "tags": [TAG["name"]],
        "summary": summary,
        "operationId": operation_id,
        "security": SECURITY,
        "responses": {**answers, **{str(status): ERRORS[status] for status in errors}},
    }
    if parameters:
        operation["parameters"] = list(parameters)
    if body:
        # An empty body is read as {}.
        operation["requestBody"] = {"required": False, "content": _json(_ref(body))}
    return operation


def checkout_paths() -> dict:
    """The checkout API's paths, as served under /api/."""
    pre_order = _answer("The pre-order", "PreOrder", PRE_ORDER_LINKS)
    # An order number names one basket (CONTRACT.md section 4).
    issued = {
        "201": _answer("A new order number with a new snapshot: the first issue, or a re-issue after "
                       "a basket change (the old number is retired; both hooks then answer `Order "
                       "Not Found` to it)", "PreOrder", TRANSACTION_LINKS),
        "200": _answer("The same number re-issued: the basket is unchanged since the last issue; "
                       "its time to live is renewed", "PreOrder", TRANSACTION_LINKS),
        "409": _answer("No lines, no `cash_register` payment option, a paid or cancelled pre-order "
                       "(the code says which), or a brought `order_number` already issued for "
                       "another basket (`order_number_taken`) or differing from the number of an "
                       "unchanged basket (`order_number_mismatch`)", "Error"),
    }
    by_id = (PRE_ORDER_ID,)
    query = [{"name": name, "in": "query", "required": False, "schema": TEXT}
             for name in ("order_number", "reference_number")]
    return {
        "/api/pre-orders": {"post": _operation(
            "openPreOrder", "Open a pre-order", {"201": pre_order}, (401, 413, 422, 503),
            body="PreOrderInput")},
        "/api/pre-orders/{id}": {
            "get": _operation("getPreOrder", "Read a pre-order", {"200": pre_order},
                              (401, 404, 503), parameters=by_id),
            "patch": _operation(
                "changePreOrder", "Change lines, shipping, currency, payment option or customer",
                {"200": pre_order}, (401, 404, 409, 413, 422, 503), body="PreOrderChange",
                parameters=by_id),
        },
        "/api/pre-orders/{id}/order-number": {"post": _operation(
            "issueOrderNumber", "Issue or re-issue the order number", issued,
            (401, 404, 413, 422, 503), body="IssueInput", parameters=by_id)},
        "/api/pre-orders/{id}/cancel": {"post": _operation(
            "cancelPreOrder", "Cancel an unpaid pre-order", {"200": pre_order},
            (401, 404, 409, 503), parameters=by_id)},
        "/api/transactions": {"get": _operation(
            "findTransactions", "IVR transactions by order or reference number (give one)",
            {"200": _answer("The transactions, oldest first", "TransactionList")},
            (401, 422, 503), parameters=query)},
    }

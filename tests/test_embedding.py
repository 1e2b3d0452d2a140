"""The module embedded in a host Flask app, and its Python service API."""

import pytest
from flask import Flask

from ivr_module import IVRModule
from ivr_module.services import checkout
from tests.helpers import BASKET, IVR_PASSWORD, IVR_USERNAME, Hooks, dispose


def test_a_host_app_embeds_the_module(backend_config, app):
    host = Flask("host_shop")
    host.config.update(
        SECRET_KEY="host-secret-" + "x" * 32,
        IVR_USERNAME=IVR_USERNAME,
        IVR_PASSWORD=IVR_PASSWORD,
        **backend_config,
    )

    @host.get("/")
    def home():
        return "the shop"

    IVRModule().init_app(host)
    assert host.extensions["ivr"] is not None
    with host.app_context():
        # The host's own code opens and issues through the Python service API.
        pre_order = checkout.open_pre_order(dict(BASKET))
        pre_order, created = checkout.issue_order_number(pre_order.id)
        assert created and pre_order.status == "awaiting_payment"
        number = pre_order.order_number
    client = host.test_client()
    assert client.get("/").data == b"the shop"
    assert Hooks(client).pre_order(number)["orderprice"] == 59.97
    assert client.get("/no-such-page").status_code == 404
    dispose(host)


def test_service_api_refuses_invalid_input_with_the_field(app):
    with app.app_context():
        with pytest.raises(checkout.InvalidInput) as refused:
            checkout.open_pre_order({**BASKET, "shipping_amount": "-1"})
    assert refused.value.field == "shipping_amount"


def test_service_api_conflicts(app):
    with app.app_context():
        pre_order = checkout.open_pre_order({**BASKET, "lines": []})
        with pytest.raises(checkout.Conflict) as refused:
            checkout.issue_order_number(pre_order.id)
        assert refused.value.code == "no_lines"
        checkout.cancel_pre_order(pre_order.id)
        with pytest.raises(checkout.Conflict):
            checkout.change_pre_order(pre_order.id, {"shipping_amount": "1"})
        with pytest.raises(checkout.NotFound):
            checkout.get_pre_order(pre_order.id + 1000)

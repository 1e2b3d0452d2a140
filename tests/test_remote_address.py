"""The caller's address: X-Forwarded-For only as far as trusted proxies reach (IVR_TRUSTED_PROXIES)."""

import logging

import pytest
from flask import Flask, request

from ivr_module import IVRModule, create_app
from ivr_module.config import ConfigError, from_environment
from ivr_module.remote_address import client_address, parse_trusted_proxies
from tests.conftest import dispose
from tests.test_vendor_access import call, last_detail

PROXIES = "10.0.0.0/24, 2001:db8:ffff::/48"


@pytest.mark.parametrize(
    "trusted, peer, forwarded_for, expected",
    [
        (0, "203.0.113.5", "198.51.100.20", "203.0.113.5"),
        (1, "10.0.0.2", "203.0.113.5, 198.51.100.20", "198.51.100.20"),
        (2, "10.0.0.2", "203.0.113.5, 198.51.100.20", "203.0.113.5"),
        (2, "10.0.0.2", "198.51.100.20", "10.0.0.2"),  # fewer hops than proxies: the peer
        # CIDRs: the header counts only when the direct peer is a trusted proxy...
        (PROXIES, "203.0.113.5", "10.1.1.5", "203.0.113.5"),
        (PROXIES, "10.0.0.2", "10.1.1.5", "10.1.1.5"),
        (PROXIES, "10.0.0.2", "", "10.0.0.2"),
        # ...and is walked from the right, past further trusted proxies, to the first other one.
        (PROXIES, "10.0.0.2", "203.0.113.9, 198.51.100.20, 10.0.0.7", "198.51.100.20"),
        (PROXIES, "2001:db8:ffff::1", "2001:db8::5", "2001:db8::5"),
        (PROXIES, "10.0.0.2", "10.0.0.8, 10.0.0.7", "10.0.0.8"),
        # A hop that is not an address was not written by a proxy of ours: stop before it.
        (PROXIES, "10.0.0.2", "198.51.100.20, not-an-address", "10.0.0.2"),
        (PROXIES, "10.0.0.2", "not-an-address, 10.0.0.7", "10.0.0.7"),
    ],
)
def test_client_address(trusted, peer, forwarded_for, expected):
    environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded_for}
    assert client_address(environ, parse_trusted_proxies(trusted)) == expected


@pytest.mark.parametrize("value", ["-1", -1, "10.0.0.0/33", "proxy.example.com", True, 1.5])
def test_a_malformed_setting_is_refused_at_start(value):
    with pytest.raises(ConfigError, match="IVR_TRUSTED_PROXIES"):
        create_app({"SECRET_KEY": "k" * 32, "IVR_TRUSTED_PROXIES": value})


def test_the_setting_takes_cidrs_from_the_environment():
    settings = from_environment({"IVR_TRUSTED_PROXIES": "10.0.0.0/24 192.168.0.0/16"})
    assert len(parse_trusted_proxies(settings["IVR_TRUSTED_PROXIES"])) == 2
    assert parse_trusted_proxies(from_environment({"IVR_TRUSTED_PROXIES": "2"})["IVR_TRUSTED_PROXIES"]) == 2


def test_a_direct_caller_cannot_claim_an_allowed_address(app_with):
    app = app_with(IVR_ALLOWED_IPS="10.1.1.0/24", IVR_TRUSTED_PROXIES=PROXIES)
    client = app.test_client()
    assert call(client, addr="203.0.113.5", forwarded_for="10.1.1.5") == "User invalid"
    assert last_detail(app).remote_addr == "203.0.113.5"
    # Through our proxy the same header is believed.
    assert call(client, addr="10.0.0.2", forwarded_for="10.1.1.5") == "Order not found"
    assert last_detail(app).remote_addr == "10.1.1.5"


def test_a_count_of_proxies_logs_a_warning_at_start(app_with, caplog):
    with caplog.at_level(logging.WARNING, logger="ivr_module.remote_address"):
        app_with(IVR_TRUSTED_PROXIES=PROXIES)
        assert caplog.records == []
        app_with(IVR_TRUSTED_PROXIES=1)
    assert "IVR_TRUSTED_PROXIES is a count" in caplog.text


def test_the_host_apps_requests_are_not_rewritten(backend_config):
    host = Flask(__name__)
    host.config.update(TESTING=True, SECRET_KEY="s" * 32, IVR_TRUSTED_PROXIES=1, **backend_config)

    @host.get("/peer")
    def peer():
        return request.remote_addr

    IVRModule(host)
    answer = host.test_client().get(
        "/peer", headers={"X-Forwarded-For": "198.51.100.20"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    dispose(host)
    assert answer.text == "10.0.0.2"

"""Settings (CONTRACT.md section 5): environment, defaults, and what production refuses."""

import pytest

from ivr_module import create_app
from ivr_module.config import ConfigError, database_uri, from_environment


def test_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("IVR_USERNAME", "vendor")
    monkeypatch.setenv("IVR_ORDER_TTL_SECONDS", "120")
    monkeypatch.setenv("IVR_LOCKOUT_THRESHOLD", "0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    app = create_app({"SECRET_KEY": "k" * 32})
    assert app.config["IVR_USERNAME"] == "vendor"
    assert app.config["IVR_ORDER_TTL_SECONDS"] == 120
    assert app.config["IVR_LOCKOUT_THRESHOLD"] == 0


def test_defaults_match_the_contract():
    app = create_app({"SECRET_KEY": "k" * 32, "TESTING": True})
    config = app.config
    assert config["IVR_ORDER_TTL_SECONDS"] == 3600
    assert (config["IVR_LOCKOUT_THRESHOLD"], config["IVR_LOCKOUT_SECONDS"]) == (10, 900)
    assert config["IVR_TRUSTED_PROXIES"] == 0
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("/instance/ivr.sqlite3")


def test_a_malformed_number_is_refused_at_start():
    with pytest.raises(ConfigError, match="IVR_LOCKOUT_SECONDS"):
        from_environment({"IVR_LOCKOUT_SECONDS": "fifteen minutes"})


def test_a_malformed_allow_list_is_refused_at_start():
    with pytest.raises(ConfigError, match="IVR_ALLOWED_IPS"):
        create_app({"SECRET_KEY": "k" * 32, "IVR_ALLOWED_IPS": "10.0.0.0/8, not-an-address"})


@pytest.mark.parametrize("code", ["+90", "0090", "9 0", "", "turkey"])
def test_a_malformed_phone_country_code_is_refused_at_start(code):
    with pytest.raises(ConfigError, match="IVR_PHONE_COUNTRY_CODE must be 1 to 3 digits"):
        create_app({"SECRET_KEY": "k" * 32, "IVR_PHONE_COUNTRY_CODE": code})


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_use_psycopg_3(url, expected):
    assert database_uri({"DATABASE_URL": url}, "/instance") == expected


def test_development_keeps_a_generated_secret_key_in_the_instance_folder(tmp_path):
    # Built with a key, so nothing is written to the repository's instance folder; the key is
    # then taken away and generated in the test's own folder.
    first = create_app({"IVR_ENV": "development", "SECRET_KEY": "d" * 32, "DATABASE_URL": "sqlite://"})
    first.instance_path = str(tmp_path)
    from ivr_module.config import ensure_secret_key

    first.config["SECRET_KEY"] = None
    ensure_secret_key(first)
    key = first.config["SECRET_KEY"]
    assert len(key) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    first.config["SECRET_KEY"] = None
    ensure_secret_key(first)
    assert first.config["SECRET_KEY"] == key


@pytest.mark.parametrize("key", [None, "", "dev", "changeme", "short-key"])
def test_production_requires_a_real_secret_key(key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"IVR_ENV": "production", "SECRET_KEY": key, "DATABASE_URL": "sqlite://"})


def test_production_starts_with_a_real_secret_key():
    app = create_app({"IVR_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://"})
    assert app.config["SECRET_KEY"] == "s" * 40


def test_the_standalone_app_sends_hsts_in_production_only(tmp_path):
    from ivr_module import HSTS

    database = f"sqlite:///{tmp_path}/hsts.db"
    production = create_app({"IVR_ENV": "production", "SECRET_KEY": "p" * 40, "DATABASE_URL": database})
    assert production.test_client().get("/healthz").headers["Strict-Transport-Security"] == HSTS
    development = create_app({"IVR_ENV": "development", "SECRET_KEY": "d" * 40, "DATABASE_URL": database})
    assert "Strict-Transport-Security" not in development.test_client().get("/healthz").headers

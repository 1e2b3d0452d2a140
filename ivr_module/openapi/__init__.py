"""The served OpenAPI document: the seed's two hooks, unchanged, beside the checkout API.

The hooks' paths and component schemas are the seed's file (`ivr-hooks.openapi.json`), copied
as they are; the checkout API is added next to them (`checkout_api.py`), its request bodies
generated from the same pydantic models that validate them.
"""

import functools
import json
from importlib.resources import files

from flask import Blueprint, Response, current_app

from .checkout_api import BEARER_SCHEME, TAG, checkout_components, checkout_paths

SEED_FILE = "ivr-hooks.openapi.json"

# The prefixes the seed and checkout_api.py write their paths under (the module's defaults).
SEED_HOOKS_PREFIX = "/hooks/ivr"
SEED_API_PREFIX = "/api"

bp = Blueprint("ivr_openapi", __name__)


def seed_document() -> dict:
    """The seed's OpenAPI document of the two hooks, as committed."""
    return json.loads(files(__package__).joinpath(SEED_FILE).read_text(encoding="utf-8"))


def _moved(paths: dict, default_prefix: str, prefix: str) -> dict:
    """The same paths under `prefix` instead of `default_prefix`."""
    prefix = prefix.rstrip("/")
    return {prefix + path[len(default_prefix):]: item for path, item in paths.items()}


def build_document(hooks_prefix: str = SEED_HOOKS_PREFIX, api_prefix: str = SEED_API_PREFIX) -> dict:
    """The whole API: the seed's hooks and components untouched, the checkout API added.

    Paths follow the app's IVR_HOOKS_URL_PREFIX and IVR_API_URL_PREFIX; with the defaults the
    hooks' paths are the seed's, letter for letter.
    """
    document = seed_document()
    document["info"]["description"] = (
        "The IVR vendor's two hooks (the seed document, unchanged) and the checkout API "
        "(bearer token) of the IVR payment service."
    )
    document["tags"].append(TAG)
    # Relative: the document describes the server that serves it, wherever that is.
    document["servers"] = [{"url": "/", "description": "The server serving this document"}]
    document["paths"] = _moved(document["paths"], SEED_HOOKS_PREFIX, hooks_prefix)
    document["paths"].update(_moved(checkout_paths(), SEED_API_PREFIX, api_prefix))
    components = document["components"]
    for name, schema in checkout_components().items():
        if name in components["schemas"]:
            raise RuntimeError(f"checkout schema {name} would replace the seed's")
        components["schemas"][name] = schema
    components["securitySchemes"] = {"bearerAuth": BEARER_SCHEME}
    return document


@functools.cache
def _document_text(hooks_prefix: str, api_prefix: str) -> str:
    return json.dumps(build_document(hooks_prefix, api_prefix), ensure_ascii=False, indent=2)


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of this service."""
    config = current_app.config
    text = _document_text(config["IVR_HOOKS_URL_PREFIX"], config["IVR_API_URL_PREFIX"])
    return Response(text, mimetype="application/json")


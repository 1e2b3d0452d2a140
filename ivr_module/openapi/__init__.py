"""The served OpenAPI document: the seed's two hooks, unchanged, beside the checkout API.

The hooks' paths and component schemas are the seed's file (`ivr-hooks.openapi.json`), copied
as they are; the checkout API is added next to them (`checkout_api.py`), its request bodies
generated from the same pydantic models that validate them.
"""

import functools
import json
from importlib.resources import files

from flask import Blueprint, Response

from .checkout_api import BEARER_SCHEME, TAG, checkout_components, checkout_paths

SEED_FILE = "ivr-hooks.openapi.json"

bp = Blueprint("ivr_openapi", __name__)


def seed_document() -> dict:
    """The seed's OpenAPI document of the two hooks, as committed."""
    return json.loads(files(__package__).joinpath(SEED_FILE).read_text(encoding="utf-8"))


def build_document() -> dict:
    """The whole API: the seed's hooks and components untouched, the checkout API added."""
    document = seed_document()
    document["info"]["description"] = (
        "The IVR vendor's two hooks (the seed document, unchanged) and the checkout API "
        "(bearer token) of the IVR payment service."
    )
    document["tags"].append(TAG)
    # Relative: the document describes the server that serves it, wherever that is.
    document["servers"] = [{"url": "/", "description": "The server serving this document"}]
    document["paths"].update(checkout_paths())
    components = document["components"]
    for name, schema in checkout_components().items():
        if name in components["schemas"]:
            raise RuntimeError(f"checkout schema {name} would replace the seed's")
        components["schemas"][name] = schema
    components["securitySchemes"] = {"bearerAuth": BEARER_SCHEME}
    return document


@functools.cache
def _document_text() -> str:
    return json.dumps(build_document(), ensure_ascii=False, indent=2)


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of this service."""
    return Response(_document_text(), mimetype="application/json")


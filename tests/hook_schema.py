"""The hooks' response schemas from the OpenAPI document, for jsonschema validation.

`tightened` also requires every documented property and forbids others, so that an answer
missing a field (which the document's schemas alone would let pass) fails too.
"""

import copy
import json
from importlib.resources import files

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SPEC = json.loads(files("ivr_module").joinpath("openapi/ivr-hooks.openapi.json").read_text())
SPEC_URI = "urn:ivr-hooks"


def _tighten(schema):
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema:
            schema["required"] = list(schema["properties"])
            schema["additionalProperties"] = False
        for value in schema.values():
            _tighten(value)
    elif isinstance(schema, list):
        for value in schema:
            _tighten(value)
    return schema


def validator(schema_name: str, tightened: bool = False) -> Draft202012Validator:
    """A validator of one component schema of the document."""
    document = _tighten(copy.deepcopy(SPEC)) if tightened else SPEC
    registry = Registry().with_resource(SPEC_URI, Resource.opaque(document))
    reference = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
    return Draft202012Validator(reference, registry=registry)

"""Check sandbox objects and events against the pinned API's schemas.

`violations(data, "subscription")` lists every way `data` differs from Stripe's schema for
that object: a required property missing, a property the schema does not have, a wrong JSON
type, a null where the schema does not allow one, a value outside an enum. Expandable fields
(`anyOf` an id or the object) pass when any branch passes.

`sandbox_violations()` checks everything the sandbox has stored so far: every object row
(by its `object` type) and every event, including the object inside each event. Run after a
test's flows, it covers any object type an engineer adds without anyone listing it.
"""

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMAS_PATH = Path(__file__).parent / "stripe_reference" / "schemas.json.gz"
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


@cache
def schemas() -> dict[str, Any]:
    return json.loads(gzip.decompress(SCHEMAS_PATH.read_bytes()))


def violations(data: Any, schema_name: str, *, path: str | None = None) -> list[str]:
    """Every difference between `data` and the schema `schema_name`, as "path: problem"."""
    if schema_name not in schemas():
        return [f"{path or schema_name}: the pinned API has no object type {schema_name!r}"]
    return _check(data, schemas()[schema_name], path or schema_name)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = {**schemas()[schema["$ref"].rsplit("/", 1)[-1]], **_without(schema, "$ref")}
    return schema


def _without(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != key}


def _check(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    schema = _resolve(schema)
    if value is None:
        return [] if schema.get("nullable") else [f"{path}: null, but the schema has no null"]
    if "anyOf" in schema:
        branches = [_check(value, branch, path) for branch in schema["anyOf"]]
        if any(not problems for problems in branches):
            return []
        return min(branches, key=len)
    problems = _type_problems(value, schema, path)
    if problems:
        return problems
    if "enum" in schema and value not in schema["enum"]:
        allowed = schema["enum"] if len(schema["enum"]) <= 12 else "the schema's enum"
        return [f"{path}: {value!r} is not one of {allowed}"]
    if isinstance(value, dict):
        return _object_problems(value, schema, path)
    if isinstance(value, list) and "items" in schema:
        return [
            problem
            for index, item in enumerate(value)
            for problem in _check(item, schema["items"], f"{path}[{index}]")
        ]
    return []


def _type_problems(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    expected = schema.get("type")
    if expected is None:
        return []
    allowed = _JSON_TYPES[expected]
    # JSON booleans are not numbers, though Python's bool is an int.
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        return [f"{path}: {type(value).__name__} {value!r:.60}, but the schema says {expected}"]
    return []


def _object_problems(value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
    properties = schema.get("properties")
    if properties is None:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return [
                problem
                for key, item in value.items()
                for problem in _check(item, extra, f"{path}.{key}")
            ]
        return []
    problems = [
        f"{path}.{key}: required by the schema but missing"
        for key in schema.get("required", [])
        if key not in value
    ]
    for key, item in value.items():
        if key not in properties:
            problems.append(f"{path}.{key}: not a property of this object in the pinned API")
        else:
            problems.extend(_check(item, properties[key], f"{path}.{key}"))
    return problems


def sandbox_violations() -> list[str]:
    """Every schema violation in the objects and events the sandbox has stored."""
    from stripe_sandbox.models import SandboxEvent, SandboxObject

    problems: list[str] = []
    for row in SandboxObject.objects.order_by("object", "id"):
        problems.extend(violations(row.data, row.object, path=f"{row.object} {row.id}"))
    for event in SandboxEvent.objects.order_by("sequence"):
        where = f"event {event.type} {event.stripe_id}"
        problems.extend(violations(event.data, "event", path=where))
        inner = event.data.get("data", {}).get("object") or {}
        problems.extend(violations(inner, str(inner.get("object")), path=f"{where} data.object"))
    return problems

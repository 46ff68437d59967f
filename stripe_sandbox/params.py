"""Request parameters: decode Stripe's form encoding and judge it by the SDK's own TypedDicts.

`decode_form` turns `line_items[0][price]=p&expand[0]=x` into nested dicts (list indexes stay
dict keys of digits until a schema says the value is a list). `validate` checks a decoded dict
against a params TypedDict such as `stripe.params.checkout.SessionCreateParams`: an unknown
key, a missing required key, a value outside a `Literal` enum or a malformed integer or
boolean raises Stripe's `invalid_request_error` with the offending `param`; what passes comes
back coerced (ints, bools, floats, lists).
"""

import decimal
import functools
import re
import types
import typing
from typing import Any
from urllib.parse import parse_qsl

from stripe import RequestOptions
from stripe._stripe_context import StripeContext
from stripe._stripe_object import UntypedStripeObject
from typing_extensions import is_typeddict

from stripe_sandbox.errors import ApiError, invalid_parameter, missing_parameter, unknown_parameter

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_REQUEST_OPTION_KEYS = frozenset(RequestOptions.__annotations__)
# Names the SDK's annotations use without importing them at runtime.
_TYPE_NAMES = {
    "StripeContext": StripeContext,
    "Mapping": typing.Mapping,
    "Optional": typing.Optional,
    "Any": typing.Any,
    "Dict": dict,
    "Tuple": tuple,
}


def decode_form(encoded: str) -> dict[str, Any]:
    """Nested dicts from a form-encoded string; `a[]` appends, `a[0]` is kept as key "0"."""
    result: dict[str, Any] = {}
    for raw_key, value in parse_qsl(encoded, keep_blank_values=True):
        match = _KEY.match(raw_key)
        if not match:
            raise ApiError(f"Invalid parameter name: {raw_key}", param=raw_key)
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = result
        for depth, segment in enumerate(path):
            last = depth == len(path) - 1
            if segment == "":
                segment = str(len(node))
            if last:
                node[segment] = value
            else:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise ApiError(f"Invalid parameter name: {raw_key}", param=raw_key)
                node = child
    return result


@functools.cache
def _hints(schema: type) -> dict[str, Any]:
    hints = typing.get_type_hints(schema, localns=_TYPE_NAMES, include_extras=True)
    return {name: hint for name, hint in hints.items()}


def _param_keys(schema: type, *, top_level: bool) -> dict[str, Any]:
    hints = _hints(schema)
    if top_level:
        return {k: v for k, v in hints.items() if k not in _REQUEST_OPTION_KEYS}
    return hints


def validate(params: dict[str, Any], schema: type) -> dict[str, Any]:
    """`params` checked against the request TypedDict `schema`, coerced to Python types."""
    return _validate_dict(params, schema, prefix="", top_level=True)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def _validate_dict(
    params: dict[str, Any], schema: type, *, prefix: str, top_level: bool = False
) -> dict[str, Any]:
    known = _param_keys(schema, top_level=top_level)
    for key in params:
        if key not in known:
            raise unknown_parameter(_join(prefix, key))
    for key in sorted(schema.__required_keys__):  # type: ignore[attr-defined]
        if key in known and key not in params:
            raise missing_parameter(_join(prefix, key))
    return {key: _coerce(value, known[key], _join(prefix, key)) for key, value in params.items()}


def _unwrap(hint: Any) -> Any:
    while typing.get_origin(hint) in (typing.NotRequired, typing.Required, typing.Annotated):
        hint = typing.get_args(hint)[0]
    return hint


def _english_list(values: list[str]) -> str:
    if len(values) <= 2:
        return " or ".join(values)
    return ", ".join(values[:-1]) + ", or " + values[-1]


def _enum_error(param: str, allowed: list[str]) -> ApiError:
    shown = [value for value in allowed if value != ""]
    return invalid_parameter(param, f"Invalid {param}: must be one of {_english_list(shown)}")


def _coerce(value: Any, hint: Any, param: str) -> Any:
    hint = _unwrap(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _coerce_union(value, typing.get_args(hint), param)
    if origin is typing.Literal:
        allowed = [str(v) for v in typing.get_args(hint)]
        if value not in allowed:
            raise _enum_error(param, allowed)
        return value
    if origin is list:
        return _coerce_list(value, typing.get_args(hint)[0], param)
    if origin is dict or origin is UntypedStripeObject or hint is UntypedStripeObject:
        return _coerce_hash(value, param)
    if is_typeddict(hint):
        if not isinstance(value, dict):
            raise invalid_parameter(param, f"Invalid object: {param} must be a hash")
        return _validate_dict(value, hint, prefix=param)
    return _coerce_scalar(value, hint, param)


def _coerce_union(value: Any, members: tuple[Any, ...], param: str) -> Any:
    literals = [
        str(v)
        for m in members
        if typing.get_origin(m) is typing.Literal
        for v in typing.get_args(m)
    ]
    if isinstance(value, str) and value in literals:
        return value
    others = [m for m in members if typing.get_origin(m) is not typing.Literal and m is not str]
    first_error: ApiError | None = None
    for member in others:
        try:
            return _coerce(value, member, param)
        except ApiError as error:
            first_error = first_error or error
    if isinstance(value, str):
        if any(v != "" for v in literals):
            raise _enum_error(param, literals)
        if str in members:
            return value
    if first_error:
        raise first_error
    raise invalid_parameter(param, f"Invalid value for {param}")


def _coerce_list(value: Any, item_hint: Any, param: str) -> list[Any]:
    if isinstance(value, dict) and all(key.isdigit() for key in value):
        items = [value[key] for key in sorted(value, key=int)]
    elif isinstance(value, list):
        items = value
    else:
        raise invalid_parameter(param, f"Invalid array: {param} must be an array")
    return [_coerce(item, item_hint, f"{param}[{index}]") for index, item in enumerate(items)]


def _coerce_hash(value: Any, param: str) -> Any:
    if value == "":
        return ""
    if not isinstance(value, dict):
        raise invalid_parameter(param, f"Invalid object: {param} must be a hash")
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid_parameter(_join(param, key), f"Invalid string: {_join(param, key)}")
    return value


def _coerce_scalar(value: Any, hint: Any, param: str) -> Any:
    if hint is Any:
        return value
    if not isinstance(value, str):
        raise invalid_parameter(param, f"Invalid {getattr(hint, '__name__', 'value')}: {param}")
    if hint is str:
        return value
    if hint is bool:
        if value not in ("true", "false"):
            raise invalid_parameter(param, f"Invalid boolean: {value}")
        return value == "true"
    if hint is int:
        if not re.fullmatch(r"-?\d+", value):
            raise invalid_parameter(param, f"Invalid integer: {value}")
        return int(value)
    if hint in (float, decimal.Decimal):
        try:
            return decimal.Decimal(value) if hint is decimal.Decimal else float(value)
        except (ValueError, decimal.InvalidOperation):
            raise invalid_parameter(param, f"Invalid decimal: {value}") from None
    return value

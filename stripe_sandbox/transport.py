"""`SandboxHTTPClient`: the SDK's HTTP layer answered in-process by the sandbox.

The SDK encodes, retries and parses exactly as against Stripe; this client decodes the form
body, checks the API key, the `Stripe-Account` and `Idempotency-Key` headers, validates the
params against the SDK's TypedDicts, runs the endpoint in one `sandbox_operation()` (one
transaction, events delivered after it) and answers Stripe-shaped JSON with `Request-Id`.
"""

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.db import IntegrityError, transaction
from requests.structures import CaseInsensitiveDict

from stripe_sandbox import store
from stripe_sandbox.api.base import ApiRequest
from stripe_sandbox.api.routes import resolve
from stripe_sandbox.errors import ApiError
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxIdempotencyKey, SandboxObject
from stripe_sandbox.operation import sandbox_operation
from stripe_sandbox.params import decode_form, validate

logger = logging.getLogger(__name__)

_API_KEY = re.compile(r"^Bearer (sk|rk)_(test|live)_\S+$")


class SandboxHTTPClient(stripe.HTTPClient):
    """A `stripe.HTTPClient` whose every request is handled by the sandbox in-process."""

    name = "sandbox"

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        request_id = new_id("req", 14)
        status, body, extra = handle(
            method.lower(), url, dict(headers or {}), post_data, request_id
        )
        response_headers = CaseInsensitiveDict(
            {"Request-Id": request_id, "Content-Type": "application/json", **extra}
        )
        return json.dumps(body), status, response_headers

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError("The Stripe sandbox does not stream responses.")

    def close(self) -> None:
        """Nothing to close: no connections are opened."""


def handle(
    method: str, url: str, headers: dict[str, str], post_data: Any, request_id: str
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, JSON body, extra headers) for one API request; never raises ApiError."""
    lowered = {key.lower(): value for key, value in headers.items()}
    parts = urlsplit(url)
    try:
        _check_api_key(lowered.get("authorization", ""))
        account = lowered.get("stripe-account", "")
        idempotency_key = lowered.get("idempotency-key") if method in ("post", "delete") else None
        raw = parts.query if method in ("get", "delete") else _text(post_data)
        decoded = decode_form(raw)
        endpoint, schema, path_args = resolve(method, parts.path)
        params = validate(decoded, schema)
        with sandbox_operation(
            request_id=request_id, idempotency_key=idempotency_key, read_only=method == "get"
        ):
            _check_account(account)
            if idempotency_key:
                replay = _replay(
                    account, idempotency_key, _fingerprint(method, parts.path, decoded)
                )
                if replay is not None:
                    return replay
            api_request = ApiRequest(
                method, parts.path, account, params, request_id, idempotency_key
            )
            body = endpoint(api_request, **path_args)
            if body.get("object") == "list" and params.get("expand"):
                body = store.expand(body, params["expand"], account=account)
            if idempotency_key:
                _remember(account, idempotency_key, _fingerprint(method, parts.path, decoded), body)
    except ApiError as error:
        logger.info(
            "sandbox %s %s -> %s %s", method.upper(), parts.path, error.status, error.message
        )
        return error.status, error.body(), {}
    except IntegrityError:
        conflict = ApiError(
            "There is currently another in-progress request using this Stripe token.",
            status=409,
            type="idempotency_error",
        )
        return conflict.status, conflict.body(), {"Stripe-Should-Retry": "true"}
    return 200, body, {}


def _text(post_data: Any) -> str:
    if post_data is None:
        return ""
    return post_data.decode() if isinstance(post_data, bytes) else str(post_data)


def _check_api_key(authorization: str) -> None:
    if not _API_KEY.match(authorization):
        raise ApiError(
            "Invalid API Key provided. Use a secret key that starts with sk_test_ or sk_live_.",
            status=401,
            type="authentication_error",
        )


def _check_account(account: str) -> None:
    if account and not SandboxObject.objects.filter(id=account, object="account").exists():
        raise ApiError(
            "The provided key does not have access to account "
            f"'{account}' (or that account does not exist). "
            "Application access may have been revoked.",
            status=403,
            code="account_invalid",
        )


def _fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
    canonical = json.dumps([method, path, params], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(
    account: str, key: str, fingerprint: str
) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    stored = SandboxIdempotencyKey.objects.filter(account=account, key=key).first()
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise ApiError(
            "Keys for idempotent requests can only be used with the same parameters they "
            f"were first used with. Try using a key other than '{key}' if you meant to "
            "execute a different request.",
            type="idempotency_error",
        )
    return stored.status, json.loads(stored.body), {"Idempotent-Replayed": "true"}


def _remember(account: str, key: str, fingerprint: str, body: dict[str, Any]) -> None:
    with transaction.atomic():
        SandboxIdempotencyKey.objects.create(
            account=account, key=key, fingerprint=fingerprint, status=200, body=json.dumps(body)
        )

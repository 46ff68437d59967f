"""Stripe's error shape. Raising `ApiError` anywhere in a request becomes the JSON Stripe sends."""

from typing import Any

DOC_URL = "https://docs.stripe.com/error-codes"


class ApiError(Exception):
    """An error the sandbox answers with `{"error": {...}}` and `status`."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOC_URL}#{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        return {"error": error}


def unknown_parameter(param: str) -> ApiError:
    return ApiError(f"Received unknown parameter: {param}", code="parameter_unknown", param=param)


def missing_parameter(param: str) -> ApiError:
    return ApiError(f"Missing required param: {param}.", code="parameter_missing", param=param)


def invalid_parameter(param: str, message: str) -> ApiError:
    return ApiError(message, code="parameter_invalid", param=param)


def no_such(object_name: str, object_id: str, *, param: str = "id") -> ApiError:
    """Stripe's 404 for an object that does not exist on this account."""
    return ApiError(
        f"No such {object_name}: '{object_id}'",
        status=404,
        code="resource_missing",
        param=param,
    )

"""The one application error type, and the few cases callers tell apart."""


class BillingError(Exception):
    """A billing action could not be done; `message` says what a person can do about it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StripeNotConnectedError(BillingError):
    def __init__(self) -> None:
        super().__init__("Connect Stripe to start billing.")


class StripeOnboardingIncompleteError(BillingError):
    def __init__(self) -> None:
        super().__init__("Stripe still needs some details before you can take payments.")


class StripeDisconnectedError(BillingError):
    def __init__(self) -> None:
        super().__init__(
            "Stripe is disconnected, so new billing is blocked. Reconnect Stripe to bill again."
        )


class AgencySuspendedCannotBillError(BillingError):
    def __init__(self) -> None:
        super().__init__(
            "This agency is suspended: new billing is blocked until support lifts it. "
            "Existing subscriptions keep charging."
        )

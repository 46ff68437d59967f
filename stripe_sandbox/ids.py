"""Ids shaped like Stripe's: a prefix and 24 random letters and digits."""

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """A fresh id such as `cus_<24 chars>`; `prefix` is given without the underscore."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))

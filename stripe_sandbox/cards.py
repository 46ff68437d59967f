"""Stripe's test card numbers: which pay and which decline, and how."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    brand: str
    funding: str = "credit"
    country: str = "US"


@dataclass(frozen=True)
class Decline:
    message: str
    decline_code: str
    code: str = "card_declined"


TEST_CARDS = {
    "4242424242424242": TestCard("visa"),
    "4000056655665556": TestCard("visa", funding="debit"),
    "5555555555554444": TestCard("mastercard"),
    "2223003122003222": TestCard("mastercard"),
    "378282246310005": TestCard("amex"),
    "6011111111111117": TestCard("discover"),
    "3056930009020004": TestCard("diners"),
    "3566002020360505": TestCard("jcb", country="JP"),
}

DECLINES = {
    "4000000000000002": Decline("Your card was declined.", "generic_decline"),
    "4000000000009995": Decline("Your card has insufficient funds.", "insufficient_funds"),
    "4000000000000069": Decline("Your card has expired.", "expired_card", code="expired_card"),
    "4000000000000127": Decline(
        "Your card's security code is incorrect.", "incorrect_cvc", code="incorrect_cvc"
    ),
}

# What a declined test card looks like on its PaymentMethod.
DECLINED_CARD = TestCard("visa")

NOT_A_TEST_CARD = "Use a Stripe test card, such as 4242 4242 4242 4242."


def normalize(number: str) -> str:
    return "".join(number.split())

"""The platform fee: a percentage of the subtotal in minor units, rounded half up."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from invoices.services import platform_fee


def test_half_a_cent_rounds_up_and_less_rounds_down():
    assert platform_fee(5100, Decimal("0.5")) == 26  # 25.5
    assert platform_fee(5050, Decimal("0.5")) == 25  # 25.25
    assert platform_fee(5150, Decimal("0.5")) == 26  # 25.75


def test_small_amounts_can_carry_no_fee_or_a_single_cent():
    assert platform_fee(50, Decimal("0.5")) == 0  # 0.25 of a cent
    assert platform_fee(100, Decimal("0.5")) == 1  # exactly half a cent
    assert platform_fee(99, Decimal("0.5")) == 0


def test_zero_decimal_currencies_take_whole_units():
    assert platform_fee(50000, Decimal("0.5")) == 250  # ¥50,000 → ¥250
    assert platform_fee(333, Decimal("0.5")) == 2  # ¥1.665 → ¥2


def test_an_agencys_own_rate_applies():
    assert platform_fee(120000, Decimal("2.25")) == 2700


@given(
    subtotal=st.integers(min_value=0, max_value=99_999_999),
    percent=st.decimals(min_value=0, max_value=100, places=2),
)
def test_the_fee_is_the_nearest_whole_minor_unit_never_above_the_subtotal(subtotal, percent):
    fee = platform_fee(subtotal, percent)
    exact = Decimal(subtotal) * percent / 100
    assert isinstance(fee, int)
    assert abs(Decimal(fee) - exact) <= Decimal("0.5")
    assert fee == exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert 0 <= fee <= subtotal


@given(subtotal=st.integers(min_value=0, max_value=99_999_999))
def test_a_larger_subtotal_never_has_a_smaller_fee(subtotal):
    assert platform_fee(subtotal + 1, Decimal("0.5")) >= platform_fee(subtotal, Decimal("0.5"))

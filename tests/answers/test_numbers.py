"""Numbers as people type them, and as they read them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkin.answers import numbers


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("7", 7.0),
        ("2.5", 2.5),
        ("2,5", 2.5),
        (",5", 0.5),
        ("-3", -3.0),
        ("+4", 4.0),
        ("1,000", 1000.0),
        ("1,000,000", 1_000_000.0),
        ("1,234.5", 1234.5),
        ("1 000", 1000.0),
        ("1\u00a0000,5", 1000.5),
        ("\u22122", -2.0),
        ("3.", 3.0),
    ],
)
def test_numbers_are_read_as_people_type_them(typed: str, value: float) -> None:
    assert numbers.parse(typed) == value


@pytest.mark.parametrize(
    "typed", ["1.000,5", "1,00,000", "1.2.3", "²", "3²", "٣", "1e6", "inf", "nan", "", "--1", "7h"]
)
def test_what_reads_two_ways_or_is_not_a_number_is_refused(typed: str) -> None:
    assert numbers.parse(typed) is None


@pytest.mark.parametrize(
    ("value", "text", "plain"),
    [
        (1234567.5, "1,234,567.5", "1234567.5"),
        (1000.0, "1,000", "1000"),
        (1234.567, "1,234.567", "1234.567"),
        (0.25, "0.25", "0.25"),
        (-2.0, "-2", "-2"),
        (1e-7, "0.0000001", "0.0000001"),
        (12345678901234.0, "12,345,678,901,234", "12345678901234"),
    ],
)
def test_values_are_shown_with_every_digit_and_no_exponent(
    value: float, text: str, plain: str
) -> None:
    assert numbers.shown(value) == text
    assert numbers.plain(value) == plain


@given(
    st.floats(allow_nan=False, min_value=-1e15, max_value=1e15).filter(
        lambda v: v == 0 or abs(v) >= 1e-6  # what people type: not 40 zeros after the point
    )
)
def test_what_is_shown_reads_back_as_the_same_value(value: float) -> None:
    assert numbers.parse(numbers.plain(value)) == value
    assert numbers.parse(numbers.shown(value)) == value


@given(st.text())
def test_reading_never_raises(text: str) -> None:
    assert numbers.parse(text) is None or isinstance(numbers.parse(text), float)

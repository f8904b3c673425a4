"""Numbers as people type and read them.

`parse` takes what a member typed as the answer to a number question:
"7", "2.5", "2,5" (a decimal comma), "1,000" and "1,000,000" (thousands
separators), "1 000", "-3". What cannot be read one way only ("1.000,5",
"1,00,000", "1.2.3") or is not made of the ASCII digits ("²", "٣") is None,
and the person is asked again with an example.

`shown` is a value as people read it: "1,234,567.5", "1,000", "0.25", never
"1.23457e+06". `plain` is the same without grouping, for an input that is
read back (the edit modal's number input).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']")
THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
DECIMAL_POINT = re.compile(r"\d+\.?\d*|\.\d+")
DECIMAL_COMMA = re.compile(r"\d+,\d+|,\d+")
MAX_CHARS = 40
EXAMPLE = "1000.5"


def parse(text: str) -> float | None:
    """The number typed, or None when it is not one number read one way."""
    cleaned = SPACES.sub("", text or "")
    if not cleaned or len(cleaned) > MAX_CHARS:
        return None
    sign = ""
    if cleaned[0] in "+-\u2212":
        sign, cleaned = ("-" if cleaned[0] != "+" else ""), cleaned[1:]
    if not cleaned.isascii():
        return None
    if THOUSANDS.fullmatch(cleaned):
        body = cleaned.replace(",", "")
    elif DECIMAL_POINT.fullmatch(cleaned):
        body = cleaned
    elif DECIMAL_COMMA.fullmatch(cleaned):
        body = cleaned.replace(",", ".")
    else:
        return None
    value = float(sign + body)
    return value if math.isfinite(value) else None


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def shown(value: float | None) -> str:
    """ "1,234,567.5": grouped, every digit the value has, no exponent."""
    if value is None:
        return ""
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{_decimal(value):,f}"


def plain(value: float | None) -> str:
    """ "1234567.5": like `shown` without grouping, read back by `parse` as the same value."""
    if value is None:
        return ""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{_decimal(value):f}"

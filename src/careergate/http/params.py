"""Numbers in the admin API's query strings and paths, read one way everywhere.

``str.isdigit()`` accepts characters ``int()`` refuses (``²``, other superscripts), so a
check by ``isdigit()`` followed by ``int()`` answered ``?limit=²`` with a 500. A whole
number here is ASCII digits only, at most 18 of them (any id or count careergate keeps
fits, and ``int()`` is never handed thousands of digits); anything else is a 400 naming
the parameter.
"""

from __future__ import annotations

from careergate.errors import InvalidRequest

MAX_DIGITS = 18


def whole_number(text: str, param: str, *, at_most: int | None = None) -> int:
    """``text`` as a whole number from 0, lowered to ``at_most`` when given (a listing's
    limit); a 400 naming ``param`` when it is not one."""
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS:
        raise InvalidRequest(
            f"'{param}' must be a whole number (digits 0-9, at most {MAX_DIGITS} of them)",
            param=param,
        )
    value = int(text)
    return min(value, at_most) if at_most is not None else value

"""Check digits of identifiers, as their issuers publish them.

A shape alone (eleven digits, eight digits and a letter) says too little: order numbers,
ticket numbers and amounts have the same shapes. An identifier whose check digit is
right is far more likely to be one. Each function takes the identifier as written and
ignores spaces, dots and dashes.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.-]")
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text).upper()


def luhn(text: str) -> bool:
    """ISO/IEC 7812 (payment cards, Canada's SIN, Sweden's personnummer)."""
    digits = _compact(text)
    if not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card(text: str) -> bool:
    """A payment card number: 13 to 19 digits (ISO/IEC 7812) passing Luhn, not all one
    digit."""
    digits = _compact(text)
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn(digits)


def spanish_dni(text: str) -> bool:
    """Spain's DNI (eight digits and the letter of their remainder mod 23) or NIE (X, Y
    or Z standing for 0, 1, 2, seven digits and the same letter)."""
    value = _compact(text)
    if len(value) != 9 or not value[1:8].isdigit():
        return False
    first = "XYZ".find(value[0])
    if first >= 0:
        number = first * 10**7 + int(value[1:8])
    elif value[0].isdigit():
        number = int(value[:8])
    else:
        return False
    return _DNI_LETTERS[number % 23] == value[8]


def chinese_resident_id(text: str) -> bool:
    """China's resident identity number (GB 11643): ISO 7064 MOD 11-2 over 17 digits."""
    value = _compact(text)
    if len(value) != 18 or not value[:17].isdigit():
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17]


def pesel(text: str) -> bool:
    """Poland's PESEL: weights 1 3 7 9 over ten digits, the eleventh their complement."""
    value = _compact(text)
    if len(value) != 11 or not value.isdigit():
        return False
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    total = sum(int(d) * w for d, w in zip(value[:10], weights, strict=True))
    return (10 - total % 10) % 10 == int(value[10])


def turkish_identity(text: str) -> bool:
    """Turkey's T.C. Kimlik No: the tenth and eleventh digits check the first nine."""
    value = _compact(text)
    if len(value) != 11 or not value.isdigit() or value[0] == "0":
        return False
    d = [int(c) for c in value]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return tenth == d[9] and sum(d[:10]) % 10 == d[10]


def french_nir(text: str) -> bool:
    """France's social security number (NIR): 13 characters and a key, 97 minus their
    remainder mod 97 (Corsica's 2A and 2B count as 19 and 18)."""
    value = _compact(text)
    if len(value) != 15:
        return False
    body = value[:13].replace("2A", "19").replace("2B", "18")
    if not body.isdigit() or not value[13:].isdigit():
        return False
    return 97 - int(body) % 97 == int(value[13:])


def dutch_bsn(text: str) -> bool:
    """The Netherlands' BSN: the eleven test (weights 9..2 and -1)."""
    value = _compact(text)
    if len(value) != 9 or not value.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(int(d) * w for d, w in zip(value, weights, strict=True)) % 11 == 0


def australian_tfn(text: str) -> bool:
    """Australia's tax file number: weights 1 4 3 7 5 8 6 9 10, divisible by 11."""
    value = _compact(text)
    if len(value) != 9 or not value.isdigit():
        return False
    weights = (1, 4, 3, 7, 5, 8, 6, 9, 10)
    return sum(int(d) * w for d, w in zip(value, weights, strict=True)) % 11 == 0


def irish_ppsn(text: str) -> bool:
    """Ireland's PPS number: seven digits, a check letter (weights 8..2, plus 9 times a
    second letter's value, mod 23), an optional second letter."""
    value = _compact(text)
    if len(value) not in (8, 9) or not value[:7].isdigit() or not value[7:].isalpha():
        return False
    total = sum(int(d) * w for d, w in zip(value[:7], range(8, 1, -1), strict=True))
    if len(value) == 9 and value[8] != "W":
        total += 9 * (ord(value[8]) - 64)
    return "WABCDEFGHIJKLMNOPQRSTUV"[total % 23] == value[7]


def german_tax_id(text: str) -> bool:
    """Germany's Steuerliche Identifikationsnummer: ISO 7064 MOD 11,10 over ten digits."""
    value = _compact(text)
    if len(value) != 11 or not value.isdigit() or value[0] == "0":
        return False
    product = 10
    for d in value[:10]:
        total = (int(d) + product) % 10 or 10
        product = (total * 2) % 11
    return (11 - product) % 10 == int(value[10])


def japanese_my_number(text: str) -> bool:
    """Japan's Individual Number: weights 2..7 from the right over eleven digits, mod 11."""
    value = _compact(text)
    if len(value) != 12 or not value.isdigit():
        return False
    weights = [(i % 6) + 2 for i in range(11)]
    total = sum(int(d) * w for d, w in zip(reversed(value[:11]), weights, strict=True)) % 11
    return (0 if total <= 1 else 11 - total) == int(value[11])


def swedish_personnummer(text: str) -> bool:
    """Sweden's personnummer: Luhn over YYMMDDNNNC."""
    value = re.sub(r"[-+\s]", "", text)
    return len(value) in (10, 12) and value.isdigit() and luhn(value[-10:])


def iban(text: str) -> bool:
    """ISO 13616: the country code and check digits moved to the end, mod 97 is 1."""
    compact = text.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def gtin13(text: str) -> bool:
    """A 13-digit article number (EAN-13, and ISBN-13 with its 978 or 979 prefix), its
    last digit the check digit: weights 1 and 3 in turn."""
    digits = _compact(text)
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])

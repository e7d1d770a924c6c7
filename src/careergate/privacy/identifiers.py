"""National identifiers and payment card numbers.

Identifiers with a published check digit are found by their shape and the check, with
or without a label; those without one (India's PAN, Mexico's CURP, Korea's resident
registration number, Brazil's CPF, Italy's codice fiscale) by a shape distinctive
enough on its own; any other after a label that names it, in the languages of the
countries that issue it ("DNI:", "Steuer-ID:", "Sozialversicherungsnummer:", "주민등록번호",
"T.C. Kimlik No").
"""

from __future__ import annotations

import re

from careergate.privacy import checksums
from careergate.privacy.findings import PiiKind
from careergate.privacy.shape import Pattern, value_check

_ID = PiiKind.NATIONAL_ID


_LABELS = (
    r"passport(?:\s+(?:no|number))?|national\s+id(?:entity)?(?:\s+number)?|national\s+insurance"
    r"(?:\s+number)?|id\s+card|identity\s+card|social\s+security(?:\s+number)?|tax\s+id|tax\s+file"
    r"\s+number|personal\s+number|personnummer|bsn|nino|ssn|sin|tfn|ppsn?|dni|nie|nif|pan|"
    r"aadhaar|curp|rfc|cpf|rg|pesel|nip|steuer-?id(?:nr)?|steuer-identifikationsnummer|"
    r"codice\s+fiscale|n°\s+de\s+sécurité\s+sociale|numéro\s+de\s+sécurité\s+sociale|nir|"
    r"cccd|cmnd|t\.?c\.?\s+kimlik\s+no|tc\s+kimlik|kimlik\s+no|"
    r"(?:sozial|renten)?versicherungs-?(?:nummer|nr\.?)|sv-?(?:nummer|nr\.?)|svnr|ahv-?(?:nummer|nr\.?)"
)
_LABELLED = re.compile(
    rf"(?:\b(?=\w)(?i:{_LABELS})|주민등록번호|身份证号(?:码)?|マイナンバー|個人番号)"
    r"(?:\s+(?i:number|no\.?|#))?\s*[:：#]?\s*"
    r"(?P<id>[A-Z0-9](?:[A-Z0-9]|[ .-](?=[A-Z0-9])){5,22})(?![\w-])"
)


def _has_digits(match: re.Match[str]) -> bool:
    value: str = match.group("id")
    return sum(c.isdigit() for c in value) >= 4


def _checked(value: str) -> bool:
    checks = (
        checksums.spanish_dni,
        checksums.chinese_resident_id,
        checksums.pesel,
        checksums.turkish_identity,
        checksums.french_nir,
        checksums.dutch_bsn,
        checksums.australian_tfn,
        checksums.irish_ppsn,
        checksums.german_tax_id,
        checksums.japanese_my_number,
        checksums.swedish_personnummer,
        checksums.luhn,
    )
    return any(bool(check(value)) for check in checks)


IDENTIFIERS: tuple[Pattern, ...] = (
    # Cards first: of two shapes over the same digits, the first listed wins a tie. Dots
    # part a card's groups of four only, so that a decimal number is not read as one.
    Pattern(
        PiiKind.CARD,
        re.compile(r"(?<![\w+/.-])(?:\d(?:[ -]?\d){12,18}|\d{4}(?:\.\d{4}){3})(?![\w-])"),
        check=value_check(checksums.card),
        needs="digit",
    ),
    Pattern(_ID, _LABELLED, group="id", check=_has_digits, needs="digit"),
    # US social security numbers (not the reserved areas 000, 666, 9xx).
    Pattern(
        _ID,
        re.compile(r"\b(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}\b"),
        needs="digit",
    ),
    # UK National Insurance numbers.
    Pattern(
        _ID,
        re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"),
        needs="digit",
    ),
    Pattern(
        _ID,
        re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b"),
        check=value_check(checksums.iban),
        needs="digit",
    ),
    # Spain's DNI and NIE, with their check letter.
    Pattern(
        _ID,
        re.compile(r"\b(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]\b"),
        check=value_check(checksums.spanish_dni),
        needs="digit",
    ),
    # India's PAN (the fourth letter says who holds it: P a person, C a company...).
    Pattern(_ID, re.compile(r"\b[A-Z]{3}[PCHABGJLFT][A-Z]\d{4}[A-Z]\b"), needs="digit"),
    # India's Aadhaar as it is printed (4 4 4), Japan's My Number likewise.
    Pattern(
        _ID,
        re.compile(r"(?<![\d+-])(?<!\d )[2-9]\d{3} \d{4} \d{4}(?![\d-])(?! \d)"),
        needs="digit",
    ),
    # Italy's codice fiscale and Mexico's CURP.
    Pattern(_ID, re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b"), needs="digit"),
    Pattern(_ID, re.compile(r"\b[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d\b"), needs="digit"),
    # Korea's resident registration number and Brazil's CPF.
    Pattern(_ID, re.compile(r"\b\d{6}-[1-8]\d{6}\b"), needs="digit"),
    Pattern(_ID, re.compile(r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b"), needs="digit"),
    # Check-digit identifiers written as one number or in their usual groups.
    Pattern(
        _ID,
        re.compile(
            r"(?<![\w+/.-])(?:\d{17}[\dX]|\d{15}|\d{11}|\d{6}[-+]\d{4}|\d{8}[-+]\d{4}"
            r"|\d{2} \d{3} \d{3} \d{3}|\d{3} \d{3} \d{3}|\d{7}[A-W][A-IW]?)(?![\w-])"
        ),
        check=value_check(_checked),
        needs="digit",
    ),
)

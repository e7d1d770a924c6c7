"""Street addresses and postcodes, in the forms of many countries.

Statistical recognisers miss most street addresses, so they are shapes here:

- a house number and words ending in a street type, English (USPS Publication 28's
  suffixes: ``391 Johnson Burg``, ``221B Baker St, Apt 4``, ``90/7 Griffith End``) or
  another language's type first (``Calle Mayor 5``, ``aleja Piękna 503``, ``91, rue de
  Julien``, ``Praça André Sampaio, 44``) or as a suffix (``Schlosserallee 7``,
  ``Evibaan 743``, ``Bäcktorget 69``), a flat or unit before or after it;
- Korean road names (``서초대로 685``), Vietnamese (``Số 27/643 Ngõ 90``), Chinese
  (``周街r座``);
- whatever follows a label that says it is an address (``Address:``, ``Dirección:``),
  to the end of the line, and what follows "living at", "moved to"... when it holds a
  number.

Postcodes are found alone only where their shape cannot be much else (UK, Canada); a
postcode of digits (``39741``, ``31-936``, ``1404FP``) only after a label or within
the two lines after a street (``near_streets``): alone, it is a figure like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.shape import PATTERN_PRIORITY, Pattern

_ADDRESS = PiiKind.ADDRESS
# USPS Publication 28, Appendix C1 (street suffixes), with the common abbreviations.
_STREET_TYPES = (
    "Alley|Annex|Arcade|Avenue|Ave|Bayou|Beach|Bend|Bluffs?|Bottom|Boulevard|Blvd|Branch|"
    "Bridge|Brooks?|Burgs?|Bypass|Camp|Canyon|Cape|Causeway|Centers?|Circles?|Cir|Cliffs?|"
    "Close|Club|Commons?|Corners?|Course|Courts?|Ct|Coves?|Creek|Crescent|Crest|Crossing|"
    "Crossroad|Curve|Dale|Dam|Divide|Drives?|Dr|End|Estates?|Expressway|Extensions?|Falls?|"
    "Ferry|Fields?|Flats?|Fords?|Forest|Forges?|Forks?|Fort|Freeway|Gardens?|Gateway|Glens?|"
    "Greens?|Groves?|Harbors?|Haven|Heights|Highway|Hwy|Hills?|Hollow|Inlet|Islands?|Isle|"
    "Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lane|Ln|Lights?|Loaf|Locks?|Lodge|Loop|"
    "Mall|Manors?|Meadows?|Mews|Mills?|Mission|Motorway|Mount|Mountains?|Neck|Orchard|Oval|"
    "Overpass|Parade|Parks?|Parkways?|Pkwy|Pass|Passage|Path|Pike|Pines?|Place|Pl|Plains?|"
    "Plaza|Points?|Ports?|Prairie|Radial|Ramp|Ranch|Rapids?|Rest|Ridges?|River|Road|Rd|"
    "Roads|Route|Row|Rue|Run|Shoals?|Shores?|Skyway|Springs?|Spurs?|Square|Sq|Squares|"
    "Station|Stravenue|Stream|Streets?|St|Summit|Terrace|Throughway|Trace|Track|Trafficway|"
    "Trail|Trailer|Tunnel|Turnpike|Underpass|Unions?|Valleys?|Viaduct|Views?|Villages?|"
    "Ville|Vista|Walk|Walls?|Way|Ways|Wells?|Wharf|Wynd|Yard"
)
_WORD = r"(?:[A-Z\u00c0-\u00de\u0100-\u017f][\w'’.-]*|[\u3040-\u30ff\u4e00-\u9fff]+)"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Studio|Room|Rm|Bldg|Building)"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}"
_CA_POSTCODE = r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d"
_US_STATE_ZIP = r"[A-Z]{2}\s+\d{5}(?:-\d{4})?"
_POSTCODE_SHAPES = (
    rf"{_UK_POSTCODE}|{_CA_POSTCODE}|\d{{5}}-\d{{3,4}}|\d{{3}}-\d{{4}}|\d{{2}}-\d{{3}}"
    r"|\d{4}\s?[A-Z]{2}|\d{3}\s\d{2}|\d{4,8}|[AC-FHKNPRTV-Y]\d{2}\s?[0-9AC-FHKNPRTV-Y]{4}"
)
_ENGLISH_STREET = (
    rf"(?:\b{_UNIT}\.?\s*#?\s*\d+[A-Za-z]?,?\s+)?"
    r"(?<![\d.,])\b\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?){0,2},?\s+"
    rf"(?:{_WORD}\s+){{0,4}}(?:{_STREET_TYPES})\b\.?"
    rf"(?:,?\s+{_UNIT}\.?\s*#?\s*[\w-]+)?"
)
_UNIT_FIRST_STREET = (
    rf"\b{_UNIT}\.?\s*#?\s*\d+[A-Za-z]?,?\s+(?:{_WORD}\s+){{0,3}}(?:{_STREET_TYPES})\b\.?"
)
_TYPE_FIRST = (
    r"(?i:calle|c/|avenida|avda\.?|av\.|plaza|paseo|ronda|camino|carrera|travesía|carretera|"
    r"rua|praça|travessa|largo|rodovia|estrada|alameda|via|viale|piazza|corso|contrada|"
    r"vicolo|strada|borgo|largo|rue|avenue|boulevard|bd|chemin|allée|impasse|quai|place|"
    r"route|cours|ulica|ul\.|aleja|al\.|plac|osiedle|os\.|sokak|sokağı|caddesi|cad\.|"
    r"bulvarı|mahallesi|continuación|cerrada|callejón|privada|prolongación|circuito|andador|"
    r"diagonal|retorno|periférico|calzada|boulevard)"
)
_CONTINENTAL_STREET = (
    rf"\b{_TYPE_FIRST}\s+(?:[\w'’.-]+\s+){{0,4}}?[\w'’.-]+,?\s+\d{{1,4}}[A-Za-z]?"
    r"(?:\s*[-/]\s*\d{1,4})?\b"
    rf"|\b\d{{1,4}}(?:\s?bis)?,?\s+{_TYPE_FIRST}\s+(?:(?:de|du|des|la|le|les|del|de la|di|"
    r"della|da|do|dos)\s+)?[\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+){0,3}"
    r"|\b[^\W\d_]+(?i:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|laan|straat|"
    r"gracht|baan|plein|kade|singel|dreef|vej|gade|gatan|gata|vägen|väg|torget|torg|gränd|"
    r"veien|vegen|gate|tie|katu)\s*\d{1,4}[a-z]?\b"
)
_ASIAN_STREET = (
    r"(?:[가-힣]+(?:특별자치시|특별시|광역시|자치도|도|시|군|구)\s+){0,3}[가-힣0-9]+(?:로|길|대로)"
    r"\s*\d+(?:-\d+)?(?:\s*\([^)\n]{1,20}\))?"
    r"|(?:Số\s+)?\d+(?:/\d+)*,?\s+(?i:ngõ|ngách|hẻm|phố|đường)\s+[^,\n]{1,30}"
    r"|[\u4e00-\u9fff]{1,8}(?:街|路|道|巷|弄)[\w\u4e00-\u9fff]{0,6}?(?:\d+号|[A-Za-z]?座)"
)
_ADDRESS_LABEL = (
    r"(?i:\b(?:home\s+|billing\s+|postal\s+|street\s+|mailing\s+)?address|adresse|dirección"
    r"|domicilio|indirizzo|endereço|morada|adres|adress|anschrift|địa\s+chỉ)\s*[:：]"
    r"|주소\s*[:：]?|地址\s*[:：]?|住所\s*[:：]?"
)
_ADDRESS_PHRASE = (
    r"(?i:\b(?:living|lives|live|located|residing|reside|based)\s+at|\bmoved\s+to|"
    r"\baddress\s+(?:is|to)|\bship\s+(?:it\s+)?to)"
)


def _has_digit(match: re.Match[str]) -> bool:
    return any(c.isdigit() for c in match.group("address"))


ADDRESSES: tuple[Pattern, ...] = (
    Pattern(_ADDRESS, re.compile(_ENGLISH_STREET), needs="digit"),
    Pattern(_ADDRESS, re.compile(_UNIT_FIRST_STREET), needs="digit"),
    Pattern(_ADDRESS, re.compile(_CONTINENTAL_STREET), needs="digit"),
    Pattern(_ADDRESS, re.compile(_ASIAN_STREET), needs="digit"),
    Pattern(
        _ADDRESS,
        re.compile(rf"(?:{_ADDRESS_LABEL})[ \t]*(?P<address>[^\n]*[^\s.,;])"),
        group="address",
        check=_has_digit,
        needs="digit",
    ),
    Pattern(
        _ADDRESS,
        re.compile(rf"{_ADDRESS_PHRASE}\s+(?P<address>[^\n?!]*?\d[^\n?!]*?)(?=[.?!]?(?:\s|$))"),
        group="address",
        check=_has_digit,
        needs="digit",
    ),
    Pattern(_ADDRESS, re.compile(rf"\b(?:{_UK_POSTCODE}|{_CA_POSTCODE})\b"), needs="digit"),
    Pattern(_ADDRESS, re.compile(rf"(?<=,\s){_US_STATE_ZIP}\b"), needs="digit"),
    Pattern(
        _ADDRESS,
        re.compile(
            r"(?:(?i:\bpost(?:al)?\s*code|\bzip(?:\s*code)?|\bplz|\bcódigo\s+postal"
            r"|\bcode\s+postal|\bcap|\bcp)\s*[:：]|우편번호|邮编|郵便番号)"
            r"\s*[:：]?\s*(?P<code>[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9])\b"
        ),
        group="code",
        needs="digit",
    ),
)
_POSTCODE_NEAR = re.compile(rf"(?<![\w+-])(?:{_POSTCODE_SHAPES})(?![\w-])")
_NEAR = 80
"""Characters after a street in which its postcode is looked for (two short lines)."""


def near_streets(text: str, findings: list[Finding]) -> Iterator[Finding]:
    """Postcodes within the two lines after a street address (not past a blank line):
    ``12 Baker Street\\nLondon 39741``, ``Calle Mayor 5, 28013 Madrid``."""
    for finding in findings:
        if finding.kind is not PiiKind.ADDRESS:
            continue
        window = text[finding.end : finding.end + _NEAR]
        lines = window.split("\n")
        window = "\n".join(lines[:3]).split("\n\n")[0]
        for match in _POSTCODE_NEAR.finditer(window):
            digits = sum(c.isdigit() for c in match.group())
            if digits and not _looks_like_phone(window, match):
                start = finding.end + match.start()
                yield Finding(PiiKind.ADDRESS, start, start + len(match.group()), PATTERN_PRIORITY)


def _looks_like_phone(window: str, match: re.Match[str]) -> bool:
    """Part of a longer run of digits (a phone number after the address)."""
    before = window[max(0, match.start() - 2) : match.start()]
    return bool(re.search(r"[\d+(]\s?$", before))

"""Street addresses and postcodes, in the forms of many countries.

Statistical recognisers miss most street addresses, so they are shapes here:

- a house number and words ending in a street type, English (USPS Publication 28's
  suffixes: ``391 Johnson Burg``, ``221B Baker St, Apt 4``, ``90/7 Griffith End``;
  India's localities: ``22/213, Bir Chowk``) or
  another language's type first (``Calle Mayor 5``, ``aleja Piękna 503``, ``91, rue de
  Julien``, ``Praça André Sampaio, 44``) or as a suffix (``Schlosserallee 7``,
  ``Evibaan 743``, ``Bäcktorget 69``), a flat or unit before or after it;
- Korean road names (``서초대로 685``), Vietnamese (``Số 27/643 Ngõ 90``), Chinese
  (``周街r座``);
- whatever follows a label that says it is an address (``Address:``, ``Dirección:``),
  to the end of the line, and what follows "living at", "moved to"... when it holds a
  number.

A flat or a unit is found on a line of its own too (``Apt. 38``, in an address block).
Postcodes are found alone only where their shape cannot be much else (UK, Canada); a
postcode of digits (``39741``, ``31-936``, ``1404FP``) only after a label, after a
country's name at the end of a line (``Polska 13-197``) or within the two lines after a
street (``near_streets``): alone, it is a figure like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.function_words import is_function_word
from careergate.privacy.known import COMMON_WORDS
from careergate.privacy.people import CAREER_WORDS, NOT_NAME_WORDS
from careergate.privacy.references import IDENTIFIER_LABEL_BEFORE
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
    "Ville|Vista|Walks?|Walls?|Way|Ways|Wells?|Wharf|Wynd|Yard|"
    # Royal Mail's and Australia Post's further thoroughfare types.
    "Brow|Chase|Circlet|Copse|Croft|Dell|Drove|Fold|Gate|Glade|Grange|Lea|Nook|Pastures|"
    "Quay|Reach|Rise|Spinney|Triangle|Vale|Wood|Esplanade|Concourse|Retreat|Outlook|"
    "Promenade|Boardwalk|Circuit|Cove|Crest|Parade|"
    # India Post's localities and ways, as addresses write them in English.
    "Chowk|Nagar|Marg|Gali|Colony|Vihar|Bagh|Ganj|Puram|"
    # Ireland's estates, and Korea's roads as written in English ("25 Banpo-daero").
    "Lawns?|Downs|Demesne|[A-Z][a-z]+-(?:daero|ro|gil)"
)
_WORD = r"(?:[A-Z\u00c0-\u00de\u0100-\u017f][\w'’.-]*|[\u3040-\u30ff\u4e00-\u9fff]+)"
_UNIT = (
    r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Studio|Room|Rm|Bldg|Building|Level|"
    r"H\.[ \t]?No|House[ \t]+No|Flat[ \t]+No|Plot[ \t]+No|Door[ \t]+No)"
)
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}"
_CA_POSTCODE = r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d"
_EIRCODE = (
    r"\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W)[ \t]"
    r"(?=[0-9AC-FHKNPRTV-Y]{0,3}\d)(?=[0-9AC-FHKNPRTV-Y]{0,3}[AC-FHKNPRTV-Y])[0-9AC-FHKNPRTV-Y]{4}\b"
)
"""An Irish Eircode: a routing key, then four characters of its alphabet, letters and
digits mixed ("D07 N9K2"): a shape as distinctive as a British postcode's."""
_US_STATE_ZIP = r"[A-Z]{2}\s+\d{5}(?:-\d{4})?"
_POSTCODE_SHAPES = (
    rf"{_UK_POSTCODE}|{_CA_POSTCODE}|\d{{5}}-\d{{3,4}}|\d{{3}}-\d{{4}}|\d{{2}}-\d{{3}}"
    r"|\d{4}\s?[A-Z]{2}|\d{3}\s\d{2}|\d{4,8}|[AC-FHKNPRTV-Y]\d{2}\s?[0-9AC-FHKNPRTV-Y]{4}"
)
_ENGLISH_STREET = (
    rf"(?:\b{_UNIT}\.?[ \t]*#?[ \t]*\d+[A-Za-z]?,?[ \t]+){{0,2}}"
    r"(?<![\d.,])\b\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?){0,2},?[ \t]+"
    rf"(?:{_WORD}[ \t]+){{0,4}}(?:{_STREET_TYPES})\b\.?"
    rf"(?:,?[ \t]+{_UNIT}\.?[ \t]*#?[ \t]*[\w-]+)?"
)
_UNIT_FIRST_STREET = (
    rf"\b{_UNIT}\.?[ \t]*#?[ \t]*\d+[A-Za-z]?,?[ \t]+(?:{_WORD},?[ \t]+){{0,4}}"
    rf"(?:{_STREET_TYPES})\b\.?"
)
"""A flat before its street, a building's name between them or not: "Apt 12, The
Maltings, Bow Street", "Flat 304, Shree Ganesh Apartments, Karve Road"."""
_TYPE_FIRST = (
    # Spain and Mexico (Correos, SEPOMEX), Brazil (Correios' logradouros), Italy, France,
    # Poland, Turkey, Vietnam: the type of way comes first.
    r"(?i:calle|c/|avenida|avda\.?|av\.|plaza|paseo|pasaje|pasadizo|ronda|rambla|camino|"
    r"cañada|glorieta|carrera|travesía|carretera|urbanización|bulevar|cuesta|alameda|"
    r"continuación|cerrada|callejón|privada|prolongación|circuito|andador|diagonal|retorno|"
    r"periférico|calzada|circunvalación|corredor|viaducto|eje[ \t]+vial|"
    r"rua|praça|travessa|largo|rodovia|estrada|esplanada|favela|lagoa|trecho|ladeira|beco|"
    r"vila|viela|quadra|setor|chácara|sítio|núcleo|passeio|conjunto|residencial|jardim|"
    r"parque|morro|recanto|fazenda|vereda|vale|loteamento|"
    r"via|viale|piazza|piazzale|corso|contrada|vicolo|strada|borgo|incrocio|rotonda|salita|"
    r"traversa|lungomare|canale|"
    r"rue|avenue|boulevard|bd|chemin|allée|impasse|quai|place|route|cours|"
    r"ulica|ul\.|aleja|al\.|plac|pl\.|osiedle|os\.|rondo|skwer|bulwar|"
    r"sokak|sokağı|caddesi|cad\.|bulvarı|mahallesi|"
    r"khu|phố|đường|ngõ|hẻm|h\.[ \t]?no\.|house[ \t]+no\.|flat[ \t]+no\.|plot[ \t]+no\.)"
)
_TRAILING_UNITS = (
    r"(?:[ \t]*,?[ \t]*(?i:interior|int\.|edif\.|depto\.|piso|piano|apt\.?|apto\.?|bloco|casa|lote|"
    r"appartamento|apartamento|appartement|wohnung|"
    r"puerta|esc\.|escalera|planta|porta|scala)[ \t]*(?:\d+[A-Z]?|[A-Z]\b)){0,3}"
)
_TR_UPPER = "A-ZÇĞİÖŞÜ"
_TR_WORD = rf"[{_TR_UPPER}][\w'’]*"
_TURKISH_STREET = (
    rf"(?:(?:(?!Adres){_TR_WORD}[ \t]+){{1,2}}(?:Mah\.|Mh\.|Mahallesi),?[ \t]+)?"
    rf"(?:(?:{_TR_WORD}|\d{{1,5}}\.)[ \t]+){{1,3}}"
    r"(?:Cad\.|Cd\.|Caddesi|Cadde|Sok\.|Sk\.|Sokak|Sokağı|Bulvarı|Blv\.)"
    r"[ \t]*,?[ \t]*No[ \t]*:?[ \t]*\d+[A-Z]?(?:/\d+)?"
    r"(?:[ \t]*,?[ \t]*(?:D|Daire|Kat)[ \t]*:?[ \t]*\d+)?"
)
"""A Turkish address: the neighbourhood, then the street with its type after its name and
the door's number ("Caddebostan Mah. Bağdat Cad. No: 214 D: 7", "Kızılırmak Mahallesi,
1443. Cadde No: 12/8"); not the word "address" before it ("Adresim")."""
_CONTINENTAL_STREET = (
    rf"(?<![\w.]){_TYPE_FIRST}[ \t]*(?:[\w'’.-]+[ \t]+){{0,4}}?[\w'’.-]+,?[ \t]+\d{{1,4}}[A-Za-z]?"
    rf"(?:[ \t]*[-/][ \t]*\d{{1,4}})?\b(?:[ \t]+\d{{1,4}}\b)?{_TRAILING_UNITS}"
    rf"|\b\d{{1,4}}(?:[ \t]?bis)?,?[ \t]+{_TYPE_FIRST}[ \t]+(?:(?:de|du|des|la|le|les|del|de la|di|"
    r"della|da|do|dos)[ \t]+)?[\w'’-]+"
    # Its further words capitalised, or a particle before one ("66 Avenida Vinicius da
    # Mata", "4 rue Victor de Laprade").
    r"(?:[ \t]+(?:(?:de|du|des|da|do|dos|das|di|del|della|la)[ \t]+)?[A-ZÀ-Ý][\w'’-]+){0,3}"
    r"(?:,[ \t]*\d{1,4}\b(?![.,]\d))?"
    # The look ahead for a number after the word spares the search of every ending at
    # every letter of the words that have none (most words).
    r"|(?<![\w-])(?=[^\W\d_][\w-]*\.?[ \t]*\d)[^\W\d_]+(?:-[^\W\d_]+)*-?"
    r"(?i:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|"
    r"laan|straat|gracht|baan|plein|kade|singel|dreef|vej|gade|gatan|gata|vägen|väg|torget|"
    r"torg|gränd|stigen|stig|backen|leden|allén|veien|vegen|gate|tie|katu)[ \t]*\d{1,4}[a-z]?"
    r"(?:/\d{1,4})?\b"
    # Dutch ways whose type is a word's ending in lower case ("Corneliapad 7", not "iPad 9").
    r"|\b[A-Z][^\W\d_]{3,}(?:pad|steeg|hof)[ \t]*\d{1,4}[a-z]?\b"
)
_VIETNAMESE_ONLY = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĂÂĐÊÔƠƯ"
"""Letters only Vietnamese writes among the Latin scripts an address here is in."""
_ASIAN_STREET = (
    # Each alternative starts where its run of letters or digits starts: from inside a
    # run, the search would read the rest of it again at every character.
    r"(?<![가-힣0-9])(?:[가-힣]+(?:특별자치시|특별시|광역시|자치도|도|시|군|구)[ \t]+){0,3}"
    r"[가-힣0-9]+(?:로|길|대로|거리)"
    r"[ \t]*\d+(?:-\d+)?(?:[ \t]*\([^)\n]{1,20}\))?"
    r"|(?<![\d/])(?:Số[ \t]+)?\d+(?:/\d+)*,?[ \t]+(?i:ngõ|ngách|hẻm|phố|đường|khu)"
    r"[ \t]+[^,\n]{1,30}"
    # A Vietnamese house number through its lanes ("3/90/902") before a street named in
    # Vietnamese ("Trần Phú", "Phan Văn Trị"), without the word for street.
    rf"|(?<![\d/])(?:Số[ \t]+)?\d{{1,3}}(?:/\d{{1,3}}){{1,3}}(?!\d)[A-Z]?,?[ \t]+"
    rf"(?=[^\n,]{{0,16}}[{_VIETNAMESE_ONLY}])[A-ZĐ][^\W\d_]*(?:[ \t]+[A-ZĐ][^\W\d_]*){{0,3}}"
)
_CHINESE_STREET = (
    r"[\u4e00-\u9fff]{1,8}(?:街|路|道|巷|弄)[\w\u4e00-\u9fff]{0,6}?(?:\d+号|[A-Za-z]?座)"
)
_ADDRESS_LABEL = (
    # "Email address:" labels an email, found as one.
    r"(?i:(?<!mail )\b(?:home\s+|billing\s+|postal\s+|street\s+|mailing\s+)?address"
    r"|adresse|dirección"
    r"|domicilio|indirizzo|endereço|morada|adres|adress|anschrift|địa\s+chỉ"
    r"|hộ\s+khẩu\s+thường\s+trú|(?:nơi|chỗ)\s+ở\s+hiện\s+(?:nay|tại))"
    # A form's note between the label and its colon ("Current address (outside the
    # UK):", "Adresse (privée) :").
    r"(?:[ \t]*\([^()\n]{1,40}\))?\s*[:：]"
    r"|주소\s*[:：]?|地址\s*[:：]?|住所\s*[:：]?"
)
_ADDRESS_KEYS = (
    r"(?i:(?:home|street|postal|mailing|billing|current)?_?address(?:_?line_?\d)?|addr_?line_?\d"
    r"|street"
    r"|logradouro|endere[cç]o|direcci[oó]n|calle|stra(?:ss|ß)e|indirizzo|domicilio)"
)
"""Keys of a record (JSON, a log line's ``key="value"``) whose value is a street address."""
_POSTCODE_KEYS = r"(?i:post_?code|postal_?code|zip(?:_?code)?|pin_?code|cep|plz|c[oó]digo_?postal)"
_ADDRESS_PHRASE = (
    r"(?i:\b(?:living|lives|live|located|residing|reside|based)\s+at|\bmoved\s+to|"
    r"\baddress\s+(?:is|to|with)|\bship\s+(?:it\s+)?to|\bsent\s+to|\btaxi\s+to|\btake\s+me\s+to"
    r"|\bmeet\s+me\s+at|\bdeliver(?:ed)?\s+to|\bit's\s+in|\bit\s+is\s+(?=\S+\s+\S+,)"
    r"|\bvivo\s+en|\bresido\s+en|\bmoro\s+(?:em|na|no)|\bj'habite(?:\s+au|\s+à)?|\bwohne\s+in"
    r"|\babito\s+in|\bwoon\s+(?:aan|op|in)|\bmieszkam\s+(?:na|przy|w)"
    r"|\b(?:adres|adresse|dirección|endereço|indirizzo)\s+(?:is|est|es|é|è))"
)


_COUNTRY = (
    r"(?:USA|United\s+States|UK|United\s+Kingdom|India|Australia|Ireland|Éire|Canada|España|"
    r"Spain|México|Mexico|France|Deutschland|Germany|Italia|Italy|Brasil|Brazil|Nederland|"
    r"Netherlands|Polska|Poland|Sverige|Sweden|Türkiye|Turkey|Việt\s+Nam|Vietnam|Portugal|"
    r"Österreich|Austria|Schweiz|Suisse|Switzerland|Belgi[eë]|Belgique|Belgium|Danmark|"
    r"Denmark|Norge|Norway|Suomi|Finland|New\s+Zealand|South\s+Africa|Singapore)"
)
_UNIT_LINE = (
    r"^[^\w\n]{0,4}(?P<unit>(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.?[ \t]*#?[ \t]*\d+[A-Za-z]?)"
    r"[ \t]*$"
)
"""A flat or a unit on a line of its own, in an address block (``Apt. 38``)."""
_COUNTRY_POSTCODE = rf"\b{_COUNTRY}[ \t]+(?P<code>{_POSTCODE_SHAPES})[ \t]*$"
"""The last line of an address block written abroad: the country, then the postcode
(``Sverige 60498``, ``Polska 13-197``)."""


def _not_a_year(match: re.Match[str]) -> bool:
    return _YEAR.fullmatch(match.group("code")) is None


_YEAR = re.compile(r"(?:19|20)\d\d")


def _has_house_number(match: re.Match[str]) -> bool:
    """A number that is no year ("vivo en Calle Mayor 5", not "wohne in Berlin seit
    2019")."""
    return any(
        _YEAR.fullmatch(number) is None for number in re.findall(r"\d+", match.group("address"))
    )


def _a_street_under_its_key(match: re.Match[str]) -> bool:
    """A house number and a word of letters: "Lago Campos, 42", not a machine's address
    ("0x7f3a", "10.0.0.1:8080") under an ``address`` key."""
    return (
        _has_house_number(match)
        and re.search(r"[^\W\d_]{3,}", match.group("address")) is not None
        and " " in match.group("address")
    )


def _code_has_digit(match: re.Match[str]) -> bool:
    return any(c.isdigit() for c in match.group("code") or match.group("bare"))


def _quoted_or_bare(match: re.Match[str]) -> tuple[int, int]:
    return match.span("code" if match.group("code") is not None else "bare")


def _has_digit(match: re.Match[str]) -> bool:
    return any(c.isdigit() for c in match.group("address"))


_LONGEST_ADDRESS = 160
"""No address after a label runs longer (in characters)."""
_AFTER_ADDRESS = re.compile(
    r"[.!?][ \t]+(?=(?:I|We|My|Our|Please|Thanks|Thank|The|This|It|Can|Could|Would|Also|If"
    r"|When|What|How|Why|You|Your|Hi|Hello)\b)"
    # From a run of spaces' start only: tried from each space of a run, the search would
    # read the rest of it again each time.
    r"|(?<![ \t])[ \t]+(?=[^\W\d_][\w.]*(?:[ \t]+[^\W\d_][\w.]*){0,2}[ \t]*[:：][ \t])"
    r"|(?<![ \t])[ \t]*[|·•]"
)
"""Where the value after an address label ends on its line: a sentence that begins as
prose does ("… NW1 6XE. I have worked …"), the next field's label ("… HD5 3DN Mobile:
…"), a separator. A chat message or a form pasted without line breaks has its address
in the middle of a line."""


def _address_after_label(match: re.Match[str]) -> tuple[int, int] | None:
    """The address after its label: up to where the line's next part begins
    (``_AFTER_ADDRESS``), at most ``_LONGEST_ADDRESS`` characters (to a word's end)."""
    start, end = match.span("address")
    text = match.string
    after = _AFTER_ADDRESS.search(text, start, end)
    if after is not None:
        end = after.start()
    if end - start > _LONGEST_ADDRESS:
        end = text.rfind(" ", start, start + _LONGEST_ADDRESS + 1)
    while end > start and text[end - 1] in " \t.,;":
        end -= 1
    return (start, end) if end > start else None


ADDRESSES: tuple[Pattern, ...] = (
    Pattern(_ADDRESS, re.compile(_ENGLISH_STREET), needs="digit"),
    Pattern(_ADDRESS, re.compile(_UNIT_FIRST_STREET), needs="digit"),
    Pattern(_ADDRESS, re.compile(_TURKISH_STREET), needs="digit"),
    Pattern(_ADDRESS, re.compile(_CONTINENTAL_STREET), needs="digit"),
    Pattern(_ADDRESS, re.compile(_ASIAN_STREET), needs="digit"),
    Pattern(_ADDRESS, re.compile(_CHINESE_STREET), needs="cjk"),
    Pattern(
        _ADDRESS,
        re.compile(rf"(?:{_ADDRESS_LABEL})[ \t]*(?P<address>[^\n]*[^\s.,;])"),
        group="address",
        check=_has_digit,
        needs="digit",
        span=_address_after_label,
    ),
    Pattern(
        _ADDRESS,
        re.compile(
            rf"(?<![\w-])[\"']?{_ADDRESS_KEYS}[\"']?[ \t]*[:=][ \t]*[\"']"
            r"(?P<address>[^\"'\n\d]*\d[^\"'\n]*)[\"']"  # no digit before the first: linear
        ),
        group="address",
        check=_a_street_under_its_key,
        needs="digit",
    ),
    Pattern(
        _ADDRESS,
        re.compile(
            rf"(?<![\w.-])[\"']?{_POSTCODE_KEYS}[\"']?[ \t]*[:=][ \t]*"
            # In quotes; or bare as a log line writes it ("pincode=217726 ..."), under a
            # key that says postcode (not a file's ".zip: 120MB", not "zip=2024-05").
            r"(?:[\"'](?P<code>[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9])[\"']"
            r"|(?<=(?i:code[=:]))(?P<bare>[A-Za-z0-9]{0,3}\d{3}[A-Za-z0-9]{0,4})(?![\w-]))"
        ),
        check=_code_has_digit,  # "zipCode": "string" is a schema's example
        needs="digit",
        span=_quoted_or_bare,
    ),
    Pattern(
        _ADDRESS,
        re.compile(rf"{_ADDRESS_PHRASE}\s+(?P<address>[^\n?!]*?\d[^\n?!]*?)(?=[.,;?!]?(?:\s|$))"),
        group="address",
        check=_has_house_number,
        needs="digit",
    ),
    Pattern(
        _ADDRESS,
        re.compile(r"📍[ \t]*(?P<address>[^\n·|•]*\d[^\n·|•]*?)(?=[ \t]*(?:[·|•]|$))", re.M),
        group="address",
        check=_has_house_number,
        needs="digit",
    ),
    Pattern(_ADDRESS, re.compile(_UNIT_LINE, re.M), group="unit", needs="digit"),
    Pattern(
        _ADDRESS,
        re.compile(_COUNTRY_POSTCODE, re.M),
        group="code",
        check=_not_a_year,
        needs="digit",
    ),
    Pattern(_ADDRESS, re.compile(rf"\b(?:{_UK_POSTCODE}|{_CA_POSTCODE})\b"), needs="digit"),
    Pattern(_ADDRESS, re.compile(_EIRCODE), needs="digit"),
    Pattern(_ADDRESS, re.compile(rf"(?<=,\s){_US_STATE_ZIP}\b"), needs="digit"),
    Pattern(_ADDRESS, re.compile(r"〒\s?\d{3}-?\d{4}"), needs="digit"),
    # Where an Italian form says one lives, the postcode in brackets after the town:
    # "residente a Sedico (84043) in Via Majorana, 565".
    Pattern(
        _ADDRESS,
        re.compile(
            r"(?i:\bresident[ei]|\bdomiciliat[oa](?:/[ao])?)\s+(?:a|in)\s+"
            r"[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*){0,3}?[ \t]*\((?P<code>\d{5})\)"
        ),
        group="code",
        needs="digit",
    ),
    Pattern(
        _ADDRESS,
        re.compile(
            # Not a file's extension: "backup.zip: 120MB".
            r"(?:(?i:\bpost(?:al)?\s*code|(?<!\.)\bzip(?:\s*code)?|\bplz|\bcódigo\s+postal"
            r"|\bcode\s+postal|\bcap|\bcp)(?:\s+is)?\s*[:：]|(?i:\bzip\s*code\s+is|\bpostcode\s+is)"
            r"|우편번호|邮编|郵便番号)"
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
            if (
                digits
                and not _looks_like_phone(window, match)
                and _stands_as_postcode(window, match)
            ):
                start = finding.end + match.start()
                yield Finding(PiiKind.ADDRESS, start, start + len(match.group()), PATTERN_PRIORITY)


def _stands_as_postcode(window: str, match: re.Match[str]) -> bool:
    """Whether a number after a street is not a year or a count that prose leads to
    ("since 2019", "after 1730"): a postcode of digits alone follows the street, its
    town or a label, not an everyday word in lower case."""
    if any(c.isalpha() for c in match.group()):
        return True  # "SW1A 2AA": its shape says it
    before = window[: match.start()].rstrip(" \t").rsplit(None, 1)
    word = before[-1].rstrip(",;:") if before else ""
    return not (word.islower() and word in COMMON_WORDS)


def _looks_like_phone(window: str, match: re.Match[str]) -> bool:
    """Part of a longer run of digits (a phone number after the address), not a postcode
    in parentheses of its own ("(84088)")."""
    before = window[max(0, match.start() - 2) : match.start()]
    if before.endswith("(") and window[match.end() : match.end() + 1] == ")":
        return False
    return bool(re.search(r"[\d+()]\s?$", before))


_SEGMENT_END = re.compile(r"(?<!\s)\s*(?:[,|·•]|\n)\s*")
"""A separator with the spaces around it, tried only where a run of spaces begins: from
inside one the spaces would be read again to its end, from every character of it."""
_TOWN = r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,4}"
_POSTCODE_TOWN = re.compile(
    rf"(?P<code>{_POSTCODE_SHAPES})\s+(?P<town>{_TOWN})|(?P<town2>{_TOWN})\s+(?P<code2>{_POSTCODE_SHAPES})"
)
_MAX_STREET = 60


def _segments(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, separator after)`` of the text's pieces between commas, bars,
    bullets and line breaks."""
    pieces = []
    start = 0
    for match in _SEGMENT_END.finditer(text):
        pieces.append((start, match.start(), match.group().strip() or "\n"))
        start = match.end()
    pieces.append((start, len(text), "\n"))
    return [piece for piece in pieces if piece[1] > piece[0]]


def _street_like(piece: str) -> bool:
    digits = sum(c.isdigit() for c in piece)
    return (
        0 < len(piece) <= _MAX_STREET
        and any(c.isalpha() for c in piece)
        and "@" not in piece
        and "://" not in piece
        and ":" not in piece
        and digits < 7
    )


_LEAD_IN = re.compile(rf".*(?:[!?][ \t]+|(?<=[a-z]{{3}})\.[ \t]+|{_ADDRESS_PHRASE}[ \t]+)", re.S)
"""What leads to a street in its piece: a sentence (ended by "!", "?" or a full stop
after a word in lower case, not an abbreviation's: "221 Mt. Rushmore") or an address
phrase."""


def _street_start(text: str, start: int, end: int) -> int:
    """Where the street begins in the piece before a postcode: after the sentence or the
    words that lead to it ("hola Ana! vivo en [Calle Mayor 5], 28013 Madrid")."""
    lead_in = _LEAD_IN.match(text, start, end)
    return lead_in.end() if lead_in is not None and lead_in.end() < end else start


def _postcode_town(piece: str) -> tuple[int, int] | None:
    """Where the postcode is, when ``piece`` is a postcode and a town (either way round)."""
    match = _POSTCODE_TOWN.fullmatch(piece)
    if match is None:
        return None
    group = "code" if match.group("code") is not None else "code2"
    town = match.group("town") or match.group("town2") or ""
    if all(word.islower() for word in town.split()):
        return None  # "3000 customers": a town has a capital ("thành phố Hải Phòng")
    year = re.fullmatch(r"(?:19|20)\d{2}", match.group(group))
    if year and all(word.casefold().strip(".") in NOT_NAME_WORDS for word in town.split()):
        return None  # "May 2024", "Sprint 2031"
    if (year or len(match.group(group)) <= 3) and _common_words(town):
        return None  # "Depuis 2019", "certification 2026", "Engineering 23"
    if IDENTIFIER_LABEL_BEFORE.search(piece, 0, match.start(group)):
        return None  # "Job Reference 384219"
    return match.span(group)


def _common_words(town: str) -> bool:
    """A function word or a word of the skills' labels among ``town``'s, or a month:
    what a year or a count follows in a sentence, not a town's name."""
    words = town.casefold().split()
    return any(
        is_function_word(word) or word in CAREER_WORDS or word.strip(".") in NOT_NAME_WORDS
        for word in words
    )


def postcode_lines(text: str) -> Iterator[Finding]:
    """A postcode with its town, as a piece of a line to itself (``55509 Hammelburg``,
    ``Rudolstadt 82620``), and the street before it: the pieces before it on its line,
    or the line before (``al. Okrężna 700`` then ``69-035 Sandomierz``), when they hold a
    number. Address blocks are laid out so, whatever the street's words."""
    pieces = _segments(text)
    for index, (start, end, _) in enumerate(pieces):
        found = _postcode_town(text[start:end])
        if found is None:
            continue
        yield Finding(_ADDRESS, start + found[0], start + found[1], PATTERN_PRIORITY)
        street: list[tuple[int, int]] = []
        back = index - 1
        while back >= 0 and len(street) < 3:
            piece_start, piece_end, separator = pieces[back]
            if separator not in (",", "\n") or not _street_like(text[piece_start:piece_end]):
                break
            street.insert(0, (piece_start, piece_end))
            if separator == "\n" and any(c.isdigit() for c in text[piece_start:piece_end]):
                break  # the line before, or the two before when the first is the town's
            back -= 1
        if any(any(c.isdigit() for c in text[s:e]) for s, e in street):
            yield Finding(
                _ADDRESS, _street_start(text, *street[0]), street[-1][1], PATTERN_PRIORITY
            )

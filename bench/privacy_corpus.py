"""The privacy evaluation set: labelled documents written from material the project did
not write, in a test and a development split.

Sources:

- the sentence templates of Microsoft's ``presidio-evaluator`` 0.3.2 (MIT, vendored in
  ``tests/data/privacy/presidio_templates.txt`` with its licence);
- Faker 40.54.0's locales for the values: names in their own scripts and orders,
  streets, postcodes, phone numbers, emails' domains, national identifiers with their
  issuers' check digits (Spain's DNI and NIE, Italy's codice fiscale, the Netherlands'
  BSN, Poland's PESEL, Sweden's personnummer, Brazil's CPF, Korea's RRN, China's resident
  id, France's NIR, the UK's NINO, India's Aadhaar) and Luhn-valid card numbers;
- identifiers Faker lacks, built here from their issuers' published rules: India's PAN
  (five letters, the fourth ``P`` for a person, four digits, a letter), Ireland's PPSN
  (seven digits and a mod-23 check letter), Australia's TFN (weights 1 4 3 7 5 8 6 9 10,
  mod 11), Canada's SIN (Luhn);
- documents written by hand in the forms personal data takes in career texts: CV
  headers (capitals, a name over two lines, family name first), cover letters, forms,
  chat messages, in the conventions of 20 locales (labels and dates of birth in their
  languages, CJK dates), career texts with no personal data at all (tools, certifications,
  places, ticket and order numbers), and chat messages carrying credentials in their
  published formats.

Each split uses its own half of the templates (alternate ones) and its own seed, so the
test split holds layouts that tuning on the development split never saw. Output: one
JSON object per line, ``{"id", "kind", "locale", "text", "values": [[KIND, value]...],
"subject": {...} | null, "secrets": [value...]}``; ``values`` are the personal data a
reader would recognise, each a literal substring of ``text``.

Run: ``python bench/privacy_corpus.py --split test`` (and ``--split dev``); deterministic
for a given Faker version (the day Faker counts from is fixed), offline.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import time_machine
from faker import Faker
from faker.providers.address.it_IT import Provider as ItalianAddresses

from privacy_layouts_4 import DEV_LAYOUT_TEMPLATES_4

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "privacy"
SEEDS = {"test": 15_001, "dev": 15_002}
CORPUS_DAY = date(2026, 12, 4)
"""The day the splits were generated on (``build``)."""
LOCALES = [
    "en_US",
    "en_GB",
    "en_IN",
    "en_AU",
    "en_IE",
    "en_CA",
    "es_ES",
    "es_MX",
    "fr_FR",
    "de_DE",
    "it_IT",
    "pt_BR",
    "nl_NL",
    "pl_PL",
    "sv_SE",
    "ko_KR",
    "vi_VN",
    "zh_CN",
    "ja_JP",
    "tr_TR",
]
FAMILY_FIRST = {"ko_KR", "zh_CN", "ja_JP", "vi_VN"}
NO_SPACE = {"ko_KR", "zh_CN"}

# ---------------------------------------------------------------------------------------
# Identifiers Faker lacks, from their issuers' rules.


def pan(rng: random.Random, family: str) -> str:
    """India's Permanent Account Number: AAA, P (a person), the surname's initial, four
    digits, a letter."""
    initial = (_ascii(family)[:1] or "K").upper()
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
    digits = "".join(rng.choice(string.digits) for _ in range(4))
    return f"{letters}P{initial}{digits}{rng.choice(string.ascii_uppercase)}"


def ppsn(rng: random.Random) -> str:
    """Ireland's PPS number: seven digits and a check letter (weights 8..2, mod 23)."""
    digits = [rng.randrange(10) for _ in range(7)]
    total = sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    return "".join(map(str, digits)) + "WABCDEFGHIJKLMNOPQRSTUV"[total % 23]


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni(rng: random.Random) -> str:
    """Spain's DNI: eight digits and the letter of their remainder mod 23."""
    number = rng.randrange(10**7, 10**8)
    return f"{number}{DNI_LETTERS[number % 23]}"


def nie(rng: random.Random) -> str:
    """Spain's NIE: X, Y or Z (0, 1, 2), seven digits, the DNI's check letter."""
    first = rng.randrange(3)
    number = rng.randrange(10**7)
    return f"{'XYZ'[first]}{number:07d}{DNI_LETTERS[(first * 10**7 + number) % 23]}"


def tfn(rng: random.Random) -> str:
    """Australia's tax file number: nine digits whose weighted sum is divisible by 11."""
    weights = (1, 4, 3, 7, 5, 8, 6, 9, 10)
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        if digits[0] and sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 == 0:
            text = "".join(map(str, digits))
            return f"{text[:3]} {text[3:6]} {text[6:]}"


def luhn_complete(prefix: str) -> str:
    total = 0
    for i, char in enumerate(reversed(prefix)):
        d = int(char)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return prefix + str((10 - total % 10) % 10)


def sin(rng: random.Random) -> str:
    """Canada's social insurance number (Luhn), written 3-3-3."""
    text = luhn_complete(str(rng.choice((1, 2, 4, 5, 6, 7, 9))) + f"{rng.randrange(10**7):07d}")
    return f"{text[:3]} {text[3:6]} {text[6:]}"


def _ascii(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if c.isascii() and (c.isalnum() or c in " -")
    )


# ---------------------------------------------------------------------------------------
# A person of a locale, with every form a document may write them in.

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pl": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października "
    "listopada grudnia",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "tr": "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık",
}
DOB_LABELS = {
    "en": ("Date of birth: ", "DOB: ", "D.O.B. ", "Born ", "Birthday: "),
    "es": ("Fecha de nacimiento: ", "F. nacimiento: ", "Nacido el "),
    "fr": ("Date de naissance : ", "Né le ", "Née le "),
    "de": ("Geburtsdatum: ", "geb. ", "Geboren am "),
    "it": ("Data di nascita: ", "Nato il ", "Nata il "),
    "pt": ("Data de nascimento: ", "Nascido em ", "Nascida em "),
    "nl": ("Geboortedatum: ", "Geboren op "),
    "pl": ("Data urodzenia: ", "Ur. "),
    "sv": ("Födelsedatum: ", "Född "),
    "ko": ("생년월일: ", "생년월일 "),
    "zh": ("出生日期：", "出生年月："),
    "ja": ("生年月日：", "生年月日 "),
    "vi": ("Ngày sinh: ", "Sinh ngày "),
    "tr": ("Doğum tarihi: ", "D. Tarihi: "),
}


def dob_forms(language: str, day: date, rng: random.Random) -> str:
    """A date of birth as a document of ``language`` writes it."""
    d, m, y = day.day, day.month, day.year
    if language in ("ko",):
        return f"{y}년 {m}월 {d}일" if rng.random() < 0.7 else f"{y}.{m:02d}.{d:02d}"
    if language in ("zh", "ja"):
        return f"{y}年{m}月{d}日" if rng.random() < 0.8 else f"{y}/{m:02d}/{d:02d}"
    numeric = {
        "en": (f"{d:02d}/{m:02d}/{y}", f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}"),
        "de": (f"{d:02d}.{m:02d}.{y}", f"{d}.{m}.{y}"),
        "pl": (f"{d:02d}.{m:02d}.{y}",),
        "tr": (f"{d:02d}.{m:02d}.{y}",),
        "sv": (f"{y}-{m:02d}-{d:02d}",),
        "nl": (f"{d:02d}-{m:02d}-{y}",),
    }.get(language, (f"{d:02d}/{m:02d}/{y}",))
    if language not in MONTHS or rng.random() < 0.5:
        return rng.choice(numeric)
    month = MONTHS[language].split()[m - 1]
    if language == "en":
        return rng.choice((f"{d} {month} {y}", f"{month} {d}, {y}", f"{d}-{month[:3]}-{y}"))
    if language in ("es", "pt"):
        return f"{d} de {month} de {y}"
    if language == "de":
        return f"{d}. {month} {y}"
    return f"{d} {month} {y}"


@dataclass
class Person:
    locale: str
    given: str
    family: str
    name: str
    email: str
    phone: str
    street: str
    postcode: str
    city: str
    country: str
    dob: str
    dob_label: str
    id_label: str
    national_id: str
    card: str
    link: str
    link2: str
    extra: dict[str, str] = field(default_factory=dict)


ID_RULES: dict[str, tuple[str, Callable[[Faker, random.Random, str], str]]] = {
    "en_US": ("SSN", lambda f, r, fam: f.ssn()),
    "en_GB": ("National Insurance number", lambda f, r, fam: f.ssn()),
    "en_IN": ("Aadhaar", lambda f, r, fam: _spaced(f.aadhaar_id(), 4)),
    "en_AU": ("TFN", lambda f, r, fam: tfn(r)),
    "en_IE": ("PPSN", lambda f, r, fam: ppsn(r)),
    "en_CA": ("SIN", lambda f, r, fam: sin(r)),
    "es_ES": ("DNI", lambda f, r, fam: dni(r) if r.random() < 0.6 else nie(r)),
    "es_MX": ("CURP", lambda f, r, fam: _curp(r, fam)),
    "fr_FR": ("N° de sécurité sociale", lambda f, r, fam: f.ssn()),
    "de_DE": ("Steuer-ID", lambda f, r, fam: _steuer_id(r)),
    "it_IT": ("Codice fiscale", lambda f, r, fam: f.ssn()),
    "pt_BR": ("CPF", lambda f, r, fam: f.cpf()),
    "nl_NL": ("BSN", lambda f, r, fam: f.ssn()),
    "pl_PL": ("PESEL", lambda f, r, fam: f.pesel()),
    "sv_SE": ("Personnummer", lambda f, r, fam: f.ssn()),
    "ko_KR": ("주민등록번호", lambda f, r, fam: f.ssn()),
    "vi_VN": ("CCCD", lambda f, r, fam: "0" + "".join(r.choice(string.digits) for _ in range(11))),
    "zh_CN": ("身份证号", lambda f, r, fam: f.ssn()),
    "ja_JP": ("マイナンバー", lambda f, r, fam: _spaced(_my_number(r), 4)),
    "tr_TR": ("T.C. Kimlik No", lambda f, r, fam: _tc_kimlik(r)),
}
COUNTRY = {
    "en_US": "USA", "en_GB": "United Kingdom", "en_IN": "India", "en_AU": "Australia",
    "en_IE": "Ireland", "en_CA": "Canada", "es_ES": "España", "es_MX": "México",
    "fr_FR": "France", "de_DE": "Deutschland", "it_IT": "Italia", "pt_BR": "Brasil",
    "nl_NL": "Nederland", "pl_PL": "Polska", "sv_SE": "Sverige", "ko_KR": "대한민국",
    "vi_VN": "Việt Nam", "zh_CN": "中国", "ja_JP": "日本", "tr_TR": "Türkiye",
}  # fmt: skip


def _spaced(text: str, every: int) -> str:
    digits = text.replace(" ", "")
    return " ".join(digits[i : i + every] for i in range(0, len(digits), every))


def _curp(rng: random.Random, family: str) -> str:
    letters = (_ascii(family).upper() + "XX")[:2] + "".join(rng.choices("AEIOUXLMRS", k=2))
    born = f"{rng.randrange(60, 100):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    return (
        letters
        + born
        + rng.choice("HM")
        + rng.choice(("DF", "JC", "NL", "PL"))
        + "".join(rng.choices(string.ascii_uppercase, k=3))
        + "0"
        + str(rng.randrange(10))
    )


def _steuer_id(rng: random.Random) -> str:
    """Germany's Steuerliche Identifikationsnummer: 10 digits (ISO 7064 MOD 11,10 check)."""
    digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(9)]
    product = 10
    for d in digits:
        total = (d + product) % 10 or 10
        product = (total * 2) % 11
    check = (11 - product) % 10
    text = "".join(map(str, digits)) + str(check)
    return f"{text[:2]} {text[2:5]} {text[5:8]} {text[8:]}"


def _my_number(rng: random.Random) -> str:
    """Japan's Individual Number: 11 digits and a check digit (weights 2..7, mod 11)."""
    digits = [rng.randrange(10) for _ in range(11)]
    weights = [(i % 6) + 2 for i in range(11)]
    total = sum(d * w for d, w in zip(reversed(digits), weights, strict=True)) % 11
    return "".join(map(str, digits)) + str(0 if total <= 1 else 11 - total)


def _tc_kimlik(rng: random.Random) -> str:
    """Turkey's identity number: 11 digits, the 10th and 11th checks of the first nine."""
    d = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(8)]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    eleventh = (sum(d) + tenth) % 10
    return "".join(map(str, [*d, tenth, eleventh]))


def card_number(fake: Faker, rng: random.Random) -> str:
    number = fake.credit_card_number()
    if rng.random() < 0.6 and len(number) == 16:
        return _spaced(number, 4)
    if rng.random() < 0.3 and len(number) == 16:
        return "-".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


ITALIAN_TOWNS = tuple(sorted(ItalianAddresses.cities))


def city(fake: Faker) -> str:
    """A town of the locale. Faker's Italian towns come from a set, whose order changes
    from run to run, so they are chosen from their sorted list."""
    if fake.locales == ["it_IT"]:
        return str(fake.random_element(ITALIAN_TOWNS))
    return str(fake.city())


def person(fake: Faker, rng: random.Random, locale: str) -> Person:
    given, family = fake.first_name(), fake.last_name()
    if locale in FAMILY_FIRST:
        name = f"{family}{given}" if locale in NO_SPACE else f"{family} {given}"
        if locale == "vi_VN":
            middle = fake.middle_name() if hasattr(fake, "middle_name") else "Văn"
            name = f"{family} {middle} {given}"
    elif rng.random() < 0.2 and locale in ("es_ES", "es_MX", "pt_BR"):
        family = f"{family} {fake.last_name()}"
        name = f"{given} {family}"
    else:
        name = f"{given} {family}"
    latin = f"{_ascii(given)}.{_ascii(family)}".lower().replace(" ", "").strip(".")
    if not re.search(r"[a-z]{2}", latin):
        latin = fake.user_name()
    email = f"{latin}{rng.choice(('', '', str(rng.randrange(10, 99))))}@{fake.free_email_domain()}"
    language = locale[:2]
    born = fake.date_of_birth(minimum_age=20, maximum_age=64)
    label, make_id = ID_RULES[locale]
    slug = latin.replace(".", "-")
    link = rng.choice(
        (
            f"https://www.linkedin.com/in/{slug}-{rng.randrange(100, 999)}",
            f"linkedin.com/in/{slug}",
            f"https://github.com/{slug.replace('-', '')}",
            f"https://{slug.replace('-', '')}.dev",
            f"https://www.xing.com/profile/{slug.replace('-', '_').title()}",
        )
    )
    link2 = rng.choice(
        (f"github.com/{slug}", f"https://behance.net/{slug}", f"https://{slug}.github.io")
    )
    street = fake.street_address().replace("\n", ", ")
    if locale == "en_AU" and rng.random() < 0.5:
        street = f"Unit {rng.randrange(1, 40)}/{street}"
    return Person(
        locale=locale,
        given=given,
        family=family,
        name=name,
        email=email,
        phone=fake.phone_number(),
        street=street,
        postcode=fake.postcode(),
        city=city(fake),
        country=COUNTRY[locale],
        dob=dob_forms(language, born, rng),
        dob_label=rng.choice(DOB_LABELS.get(language, DOB_LABELS["en"])),
        id_label=label,
        national_id=make_id(fake, rng, family),
        card=card_number(fake, rng),
        link=link,
        link2=link2,
    )


# ---------------------------------------------------------------------------------------
# Hand-written documents. Fields in braces; which are personal data is said by FIELD_KINDS.

FIELD_KINDS = {
    "name": "PERSON", "NAME": "PERSON", "given": "PERSON", "family": "PERSON",
    "FAMILY": "PERSON", "GIVEN": "PERSON", "ref": "PERSON", "ref_given": "PERSON",
    "email": "EMAIL", "ref_email": "EMAIL", "phone": "PHONE", "ref_phone": "PHONE",
    "street": "ADDRESS", "postcode": "POSTCODE", "dob": "DATE_OF_BIRTH",
    "national_id": "NATIONAL_ID", "card": "CARD", "card2": "CARD", "link": "LINK",
    "link2": "LINK",
}  # fmt: skip

PII_TEMPLATES: tuple[str, ...] = (
    # CV headers
    "{NAME}\n{role}\n{street}, {postcode} {city} | {phone} | {email}\n{link}\n\nPROFILE\n"
    "{role} with {years} years of experience in {tool1}, {tool2} and {tool3}. At {company} I "
    "{achievement}.\n\nEXPERIENCE\n{company} — {role} ({year1}–present)\n- {achievement2}\n",
    "{given}\n{family}\n{role}\n\n{email} · {phone} · {city}, {country}\n{link}\n\n"
    "Summary: {years} years building {domain} products with {tool1} and {tool2}. Certified "
    "{cert}.\n",
    "CURRICULUM VITAE\n\n{NAME}\n{dob_label}{dob}\n{street}\n{postcode} {city}\nTel. {phone}\n"
    "E-mail: {email}\n\nBERUFSERFAHRUNG / EXPERIENCE\n{year1}–{year2} {role}, {company}\n"
    "Skills: {tool1}, {tool2}, {tool3}, {tool4}\n",
    "{name} | {role} | {city}\n{phone} | {email} | {link} | {link2}\n\n{role} focused on "
    "{domain}; {achievement}. Languages: English, {language}.\n",
    "RÉSUMÉ — {FAMILY} {GIVEN}\n{role}\nAddress: {street}, {city} {postcode}\nMobile: {phone}"
    "\nEmail: {email}\n{dob_label}{dob}\n{id_label}: {national_id}\n\nKEY SKILLS\n{tool1} · "
    "{tool2} · {tool3} · {cert}\n",
    "{name}\n{street}\n{city} {postcode}\n{country}\n{phone}\n{email}\n\nObjective: a "
    "{role} position where I can apply {tool1} and {tool2}.\n",
    # cover letters
    "{city}, {year2}\n\nDear Hiring Manager,\n\nMy name is {name} and I am applying for the "
    "{role} position at {company}. For {years} years I have worked with {tool1} and {tool2}; "
    "{achievement}. My former manager, {ref}, can be reached at {ref_email} or {ref_phone}.\n\n"
    "Kind regards,\n{name}\n{phone} · {email}\n",
    "Dear {ref_given},\n\nThank you for our call about the {role} opening. As promised, my "
    "portfolio is at {link} and my code at {link2}. I currently live at {street}, {postcode} "
    "{city}, and could relocate.\n\nBest,\n{given}\n",
    "To the recruitment team at {company},\n\nI, {name}, {dob_label}{dob}, hereby apply for "
    "the {role} role. I hold the {cert} certification and have {years} years of experience in "
    "{domain}.\n\nSincerely,\n{NAME}\n{email}\n",
    "Hello,\n\nI'm {given} {family}. I saw the {role} job at {company} and would love to "
    "talk. {achievement}. You can reach me on {phone}.\n\nThanks,\n{given}\n",
    # forms
    "APPLICATION FORM\nFull name: {name}\n{dob_label}{dob}\n{id_label}: {national_id}\n"
    "Address: {street}\nPostcode: {postcode}\nCity: {city}\nPhone: {phone}\nEmail: {email}\n"
    "Position applied for: {role}\nNotice period: {years} weeks\n",
    "Onboarding details for payroll\nEmployee: {NAME}\nHome address: {street}, {postcode} "
    "{city}, {country}\n{id_label}: {national_id}\nCorporate card on file: {card}\nEmergency "
    "contact: {ref} ({ref_phone})\n",
    "Name / Nombre / Nom: {name}\nE-mail: {email}\nTelephone: {phone}\n{dob_label}{dob}\n"
    "Profile: {link}\n",
    "Candidate: {family}, {given}\nReference check with {ref} ({ref_email})\nID verified: "
    "{id_label} {national_id}\nExpenses refunded to card {card}\n",
    # chat messages
    "hi! can you rewrite my summary? i'm {given}, {role} at {company}, email {email}, phone "
    "{phone}. want it to sound more senior",
    "My card {card} was charged twice for the premium CV plan, the account is under {name} "
    "({email}). Please refund.",
    "Can you translate my details for the visa form? {name}, {dob_label}{dob}, {id_label} "
    "{national_id}, living at {street}, {postcode} {city}.",
    "please add my links to the header: {link} and {link2}. and change the phone to {phone}",
    "{ref} told me to message you — I'm {name}, we met at the {company} meetup. My number is "
    "{phone}.",
    "Update my address to {street}, {city} {postcode} and my email to {email}, thanks. — {given}",
    # payment, links and identifiers, in pairs so that each split gets one of each
    "Payment for the {cert} exam voucher\nCardholder: {NAME}\nCard number: {card}\nBilling "
    "address: {street}, {postcode} {city}\n",
    "i can't find where to update my card, the old one was {card} and the new one is "
    "{card2}. also my new profile is {link}",
    "Portfolio: {link}\nCode: {link2}\n{name} — {role}, {city}\n{phone}\n",
    "{name}\n{role} · {link} · {link2}\n\nI design {domain} systems with {tool1} and {tool2}.",
    "Identity check for {company} contractors\n{id_label}: {national_id}\nSurname: {FAMILY}\n"
    "Given names: {GIVEN}\n{dob_label}{dob}\n",
    "hey, the background check form wants my {id_label} ({national_id}) and my date of birth "
    "({dob}) — is it safe to paste them in the cover letter? I'm {given}.",
)

NO_PII_TEMPLATES: tuple[str, ...] = (
    "{role}, {company} ({year1}–{year2}), {city}\n- Migrated {count} services from {tool1} to "
    "{tool2}, cutting p99 latency from {n1} ms to {n2} ms.\n- Built CI/CD with {tool3} and "
    "{tool4}; deployments went from weekly to {n3} a day.\n- Mentored {n4} engineers; led the "
    "{cert} study group.\n- Closed ticket {ticket} and {ticket2} on the billing platform.\n",
    "Skills: {tool1}, {tool2}, {tool3}, {tool4}, {tool5}, {tool6}.\nCertifications: {cert} "
    "({year2}), {cert2} ({year1}).\nLanguages: English (C1), {language} (B2).\n",
    "We are hiring a {role} in {city} to work on our {domain} platform. You will use {tool1}, "
    "{tool2} and {tool3} daily, on-call one week in {n4}. Salary {n5},000–{n6},000 EUR, "
    "{n4} days of remote work a week. Reference {ticket}. Nice to have: {cert}.\n",
    "Sprint {n4} review: {ticket} (upgrade to {tool1} {version}) is done; {ticket2} is blocked "
    "on the {tool2} licence renewal. Order {order} for the new build agents ships from "
    "{city} on {day}. Error rate fell {n3}.{n4}% after the {tool3} rollout.\n",
    "Project: {domain} analytics at {company}. Stack: {tool1}, {tool2}, {tool4}. Processed "
    "{n5} million events a day across {n4} regions ({city}, {city2}). Reduced cloud spend by "
    "{n3}% in {year2} with {tool5} autoscaling. Passed the {cert} exam with {n6} points.\n",
    "Course notes: {cert} — module {n4}. Topics: {tool1} networking, {tool2} pipelines, "
    "{tool3} dashboards. Exam code {exam}. Practice lab at the {city} office, room {room}, "
    "{day} {year2}.\n",
    "Release {version} of the {domain} service ships on {day}. Changes: {tool1} bumped to "
    "{version2}, {tool2} retries capped at {n4}, the {tool3} exporter now sends to port "
    "{port}. Incident {incident} is resolved; postmortem in the {company} wiki.\n",
    "Team {city2} moved the {domain} backlog to {tool6}: {n5} issues triaged, {n6} closed. "
    "The {role} role stays open; the panel meets on {day}. Budget line {order} covers the "
    "{cert} and {cert2} vouchers.\n",
)

TOOLS = (
    "Spring Boot", "Ruby on Rails", "React Native", "Jenkins", "Kafka", "Apache Spark", "Power "
    "BI", "Tableau", "Azure DevOps", "Google Analytics", "Kubernetes", "Terraform", "Ansible",
    "PostgreSQL", "Redis", "Elasticsearch", "Grafana", "Prometheus", "Datadog", "Splunk",
    "Salesforce", "SAP S/4HANA", "Django", "FastAPI", "Next.js", "Vue.js", "Angular", "Swift",
    "Kotlin", "Jira", "Confluence", "GitHub Actions", "GitLab CI", "Snowflake", "dbt",
    "Airflow", "Looker", "Figma", "Adobe XD", "Unity", "TensorFlow", "PyTorch", "scikit-learn",
    "Pandas", "Hadoop", "Jupyter", "Docker", "Helm", "Argo CD", "Istio", "Cassandra",
    "MongoDB", "RabbitMQ", "Celery", "Flask", "Laravel", "Symfony", "WordPress", "Magento",
    "Shopify", "Zendesk", "HubSpot", "Marketo", "Workday", "ServiceNow", "Oracle Fusion",
    "Microsoft Dynamics", "Visual Studio", "IntelliJ IDEA", "Xcode", "Blender", "AutoCAD",
    "SolidWorks", "MATLAB", "Simulink", "LabVIEW", "Selenium", "Cypress", "Playwright",
    "Postman", "Charles Proxy", "Wireshark", "Nagios", "Zabbix", "Sentry", "New Relic",
    "Dynatrace", "Apache Flink", "Apache Beam", "Delta Lake", "Databricks", "BigQuery",
    "Redshift", "Athena", "Lambda", "CloudFormation", "Pulumi", "Vault", "Consul", "Nomad",
)  # fmt: skip
CERTS = (
    "AWS Cloud Practitioner", "AWS Solutions Architect Associate", "Azure Fundamentals AZ-900",
    "Google Professional Data Engineer", "Certified Kubernetes Administrator", "PMP",
    "PRINCE2 Practitioner", "Certified ScrumMaster", "ITIL 4 Foundation", "CompTIA Security+",
    "CISSP", "Oracle Certified Professional Java SE 17", "Salesforce Certified Administrator",
    "Cisco CCNA", "Six Sigma Green Belt", "HashiCorp Terraform Associate", "TOGAF 9",
    "Microsoft Power BI Data Analyst PL-300", "Google Analytics Individual Qualification",
    "Certified Ethical Hacker",
)  # fmt: skip
ROLES = (
    "Senior Backend Engineer", "Data Analyst", "Product Manager", "DevOps Engineer",
    "UX Designer", "Machine Learning Engineer", "Site Reliability Engineer", "QA Lead",
    "Frontend Developer", "Solutions Architect", "Marketing Manager", "HR Business Partner",
    "Financial Controller", "Customer Success Manager", "Mobile Developer",
)  # fmt: skip
DOMAINS = ("payments", "logistics", "healthcare", "e-commerce", "recruiting", "insurance",
           "streaming", "travel", "energy", "education")  # fmt: skip
ACHIEVEMENTS = (
    "cut onboarding time by 40%", "launched a mobile app used by 2 million people",
    "reduced infrastructure costs by 30%", "grew the team from 3 to 12 engineers",
    "shipped the new checkout in 6 weeks", "raised test coverage from 45% to 90%",
    "built the data platform behind 300 dashboards", "halved the support backlog",
)  # fmt: skip
LANGUAGES = (
    "Spanish", "German", "French", "Korean", "Vietnamese", "Mandarin", "Polish",
    "Portuguese", "Italian", "Dutch", "Swedish", "Turkish", "Japanese", "Hindi",
)  # fmt: skip


def fillers(fake: Faker, rng: random.Random) -> dict[str, str]:
    tools = rng.sample(TOOLS, 6)
    certs = rng.sample(CERTS, 2)
    year1 = rng.randrange(2008, 2020)
    return {
        **{f"tool{i + 1}": tool for i, tool in enumerate(tools)},
        "cert": certs[0],
        "cert2": certs[1],
        "role": rng.choice(ROLES),
        "company": fake.company(),
        "domain": rng.choice(DOMAINS),
        "achievement": rng.choice(ACHIEVEMENTS),
        "achievement2": rng.choice(ACHIEVEMENTS).capitalize(),
        "language": rng.choice(LANGUAGES),
        "years": str(rng.randrange(3, 19)),
        "year1": str(year1),
        "year2": str(rng.randrange(year1 + 1, 2026)),
        "count": str(rng.randrange(4, 40)),
        **{
            f"n{i}": str(rng.randrange(lo, hi))
            for i, (lo, hi) in enumerate(
                ((100, 900), (20, 99), (2, 60), (2, 9), (10, 90), (50, 999)), start=1
            )
        },
        "ticket": f"{rng.choice(('JIRA', 'PAY', 'OPS', 'CORE', 'HR'))}-{rng.randrange(100, 99999)}",
        "ticket2": f"INC{rng.randrange(10**6, 10**7):07d}",
        "order": f"PO-{rng.randrange(2019, 2026)}-{rng.randrange(1000, 99999):05d}",
        "incident": f"INC-{rng.randrange(2019, 2026)}{rng.randrange(1, 13):02d}"
        f"{rng.randrange(1, 29):02d}-{rng.randrange(1, 999):03d}",
        "exam": f"{rng.choice(('SAA-C03', 'AZ-104', 'CLF-C02', 'DP-203', 'PL-300'))}",
        "room": f"{rng.randrange(1, 9)}.{rng.randrange(10, 60)}",
        "version": f"{rng.randrange(1, 9)}.{rng.randrange(0, 30)}.{rng.randrange(0, 20)}",
        "version2": f"{rng.randrange(1, 5)}.{rng.randrange(0, 12)}",
        "port": str(rng.choice((4317, 8080, 9090, 5432, 6379, 9411))),
        "day": rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"))
        + f" {rng.randrange(1, 29)} {rng.choice(MONTHS['en'].split())}",
        "city": city(fake),
        "city2": city(fake),
    }


# ---------------------------------------------------------------------------------------
# Secrets in their published formats.


def _token(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits


def secrets(rng: random.Random) -> dict[str, str]:
    b64 = ALNUM + "+/"
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(
        json.dumps({"sub": str(rng.randrange(10**6)), "iat": 1_700_000_000}).encode()
    ).rstrip(b"=")
    pem_body = "\n".join(_token(rng, b64, 64) for _ in range(4))
    return {
        "aws_key_id": "AKIA" + _token(rng, string.ascii_uppercase + "234567", 16),
        "aws_secret": _token(rng, b64, 40),
        "github": "ghp_" + _token(rng, ALNUM, 36),
        "github_pat": "github_pat_" + _token(rng, ALNUM + "_", 82),
        "gitlab": "glpat-" + _token(rng, ALNUM + "-_", 20),
        "slack": f"xoxb-{rng.randrange(10**11, 10**12)}-{rng.randrange(10**12, 10**13)}-"
        + _token(rng, ALNUM, 24),
        "stripe": "sk_live_" + _token(rng, ALNUM, 24),
        "openai": "sk-proj-" + _token(rng, ALNUM + "-_", 48),
        "google": "AIza" + _token(rng, ALNUM + "-_", 35),
        "jwt": f"{header}.{payload.decode()}.{_token(rng, ALNUM + '-_', 43)}",
        "pem": f"-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----",
        "password": rng.choice(("Summer2024!", "hunter2hunter", "P@ssw0rd-91", "correct-horse-7"))
        + _token(rng, string.digits, 2),
    }


SECRET_TEMPLATES: tuple[str, ...] = (
    "my deploy fails, here's the env:\nAWS_ACCESS_KEY_ID={aws_key_id}\n"
    "AWS_SECRET_ACCESS_KEY={aws_secret}\nwhat's wrong with the region setting?",
    "Can you explain why this curl returns 401? curl -H 'Authorization: Bearer {openai}' "
    "https://api.example.org/v1/models",
    "I pasted my token by mistake: {github}. Anyway, how do I write a GitHub Actions job that "
    "runs pytest?",
    "our CI uses {gitlab} for the registry and the Slack bot token {slack} for alerts — is "
    "that a bad idea for a junior DevOps portfolio project?",
    "Stripe says my key {stripe} is restricted. What permissions does a checkout page need?",
    "Here is the config for the job scraper: api_key: {google}\npassword: {password}\nplease "
    "turn it into a .env file",
    "why does this key not load?\n{pem}\nthe server logs say 'bad decrypt'",
    "Decode this session for me: {jwt} — I think it expired.",
    "login for the staging portal is admin / password: {password}. write the Selenium test "
    "for the login page",
    "export OPENAI_API_KEY={openai}\nexport GITHUB_TOKEN={github_pat}\nnow the script says "
    "quota exceeded, why?",
)


# ---------------------------------------------------------------------------------------
# Documents.


@dataclass
class Document:
    id: str
    kind: str
    locale: str
    text: str
    values: list[tuple[str, str]]
    subject: dict[str, list[str]] | None = None
    secrets: list[str] = field(default_factory=list)


def _render(template: str, fields: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    text = template.format(**fields)
    used = set(re.findall(r"\{(\w+)\}", template))
    values = [(FIELD_KINDS[name], fields[name]) for name in sorted(used) if name in FIELD_KINDS]
    return text, [(kind, value) for kind, value in values if value and value in text]


def people_fields(
    fake_of: Callable[[str], Faker], rng: random.Random, locale: str
) -> dict[str, str]:
    """A document's person (in ``locale``) and a reference from anywhere, with the
    fillers of a career text: the fields templates are written with."""
    fake = fake_of(locale)
    p = person(fake, rng, locale)
    ref_locale = rng.choice(LOCALES)
    ref = person(fake_of(ref_locale), rng, ref_locale)
    return {
        **fillers(fake, rng),
        **{k: v for k, v in vars(p).items() if isinstance(v, str)},
        "NAME": p.name.upper() if p.name.isascii() or rng.random() < 0.8 else p.name,
        "FAMILY": p.family.upper(),
        "GIVEN": p.given,
        "ref": ref.name,
        "ref_given": ref.given,
        "ref_email": ref.email,
        "ref_phone": ref.phone,
    }


def hand_written(fake_of: Callable[[str], Faker], rng: random.Random, templates: list[str],
                 count: int, split: str) -> list[Document]:  # fmt: skip
    documents = []
    for i in range(count):
        locale = LOCALES[i % len(LOCALES)]
        fake = fake_of(locale)
        fields = {**people_fields(fake_of, rng, locale), "card2": card_number(fake, rng)}
        text, values = _render(templates[i % len(templates)], fields)
        documents.append(Document(f"{split}-pii-{i:04d}", "pii", locale, text, values))
    return documents


def presidio_documents(fake_of: Callable[[str], Faker], rng: random.Random,
                       templates: list[str], count: int, split: str) -> list[Document]:  # fmt: skip
    """presidio-evaluator's templates, filled from Faker's locales."""
    documents = []
    for i in range(count):
        locale = LOCALES[(i * 7) % len(LOCALES)]
        fake = fake_of(locale)
        template = templates[i % len(templates)]
        values: list[tuple[str, str]] = []

        def fill(match: re.Match[str], fake: Faker = fake, locale: str = locale,
                 values: list[tuple[str, str]] = values) -> str:  # fmt: skip
            slot = match.group(1)
            value, kind = slot_value(slot, fake, rng, locale)
            if kind == "ADDRESS+POSTCODE":  # street, postcode town: the town is no one's
                street, _, rest = value.rpartition(" | ")
                postcode, town = rest.split(" ", 1)
                postcode = postcode.replace(chr(160), " ")
                values += [("ADDRESS", street), ("POSTCODE", postcode)]
                return f"{street}, {postcode} {town}"
            if kind:
                values.append((kind, value))
            return value

        text = re.sub(r"\{\{(\w+)\}\}", fill, template.replace("\\n", "\n"))
        documents.append(Document(f"{split}-presidio-{i:04d}", "pii", locale, text, values))
    return documents


def slot_value(slot: str, fake: Faker, rng: random.Random, locale: str) -> tuple[str, str]:
    p = person(fake, rng, locale)
    people = {
        "person": p.name, "name": p.name, "name_female": p.name, "name_male": p.name,
        "first_name": p.given, "first_name_male": p.given, "first_name_female": p.given,
        "first_name_nonbinary": p.given, "last_name": p.family, "last_name_male": p.family,
        "last_name_female": p.family,
    }  # fmt: skip
    if slot in people:
        return people[slot], "PERSON"
    labelled = {
        "email": (p.email, "EMAIL"),
        "phone_number": (p.phone, "PHONE"),
        "address": (
            f"{p.street} | {p.postcode.replace(' ', chr(160))} {p.city}",
            "ADDRESS+POSTCODE",
        ),
        "street_address": (p.street, "ADDRESS"),
        "secondary_address": (
            fake.secondary_address()
            if hasattr(fake, "secondary_address")
            else f"Apt. {rng.randrange(1, 99)}",
            "ADDRESS",
        ),
        "postcode": (p.postcode, "POSTCODE"),
        "zipcode": (p.postcode, "POSTCODE"),
        "credit_card_number": (p.card, "CARD"),
        "iban": (fake.iban(), "NATIONAL_ID"),
        "ssn": (p.national_id, "NATIONAL_ID"),
        "date_of_birth": (p.dob, "DATE_OF_BIRTH"),
        "url": (p.link, "LINK"),
    }
    if slot in labelled:
        return labelled[slot]
    plain: dict[str, Callable[[], str]] = {
        "city": lambda: p.city, "country": lambda: p.country, "organization": fake.company,
        "nationality": lambda: rng.choice(LANGUAGES), "job": lambda: rng.choice(ROLES),
        "year": lambda: str(rng.randrange(1990, 2026)), "age": lambda: str(rng.randrange(20, 70)),
        "date_time": lambda: f"{rng.randrange(1, 29)} {rng.choice(MONTHS['en'].split())} "
        f"{rng.randrange(2015, 2026)}",
        "day_of_week": lambda: rng.choice(("Monday", "Friday", "Sunday")),
        "prefix_male": lambda: "Mr.", "prefix_female": lambda: rng.choice(("Ms.", "Mrs.")),
        "prefix": lambda: "Dr.", "state_abbr": lambda: rng.choice(("CA", "NY", "TX", "WA")),
        "nation_woman": lambda: "Spanish woman", "nation_plural": lambda: "Koreans",
        "building_number": lambda: str(rng.randrange(1, 400)),
        "street_name": fake.street_name,
    }  # fmt: skip
    return plain.get(slot, lambda: slot)(), ""


USABLE_SLOT = re.compile(r"\{\{(\w+)\}\}")


def presidio_templates() -> list[str]:
    """The vendored templates that hold personal data of the kinds scored and nothing
    this set cannot fill (IP addresses, US driver licences, religions)."""
    usable = []
    for line in (DATA / "presidio_templates.txt").read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line or re.search(r"(?<!\{)\{[a-z_]+\}(?!\})", line):
            continue
        # "{{building_number}} {{street_name}}" is one street address.
        line = re.sub(r"\{\{building_number\}\}\s+\{\{street_name\}\}", "{{street_address}}", line)
        slots = set(USABLE_SLOT.findall(line))
        if slots & {"ip_address", "us_driver_license", "religion", "building_number",
                    "street_name"}:  # fmt: skip
            continue
        if slots & {"person", "name", "first_name", "last_name", "email", "phone_number",
                    "street_address", "address", "credit_card_number", "ssn", "iban",
                    "date_of_birth", "url", "postcode", "zipcode", "name_female",
                    "name_male", "first_name_male", "first_name_female", "last_name_male",
                    "last_name_female", "first_name_nonbinary"}:  # fmt: skip
            usable.append(line)
    return usable


def subject_documents(fake_of: Callable[[str], Faker], rng: random.Random, count: int,
                      split: str, flip: int) -> list[Document]:  # fmt: skip
    """Documents about a subject the caller names, written in other spellings of it."""
    forms = (
        "Rewrite this for LinkedIn: {UPPER} — {role}. {given} has {years} years in {tool1}.",
        "Feedback on {family_ascii}'s interview: strong on {tool1}, weak on {tool2}. Send to "
        "{email_upper}.",
        "{initial}. {family} ({role}) will join the {domain} team. Call {given} on {phone_alt}.",
        "Cover letter signed {given_ascii} {family_ascii}; address to {family}, {given}.",
        "Thanks {given}! — {INITIALS} {FAMILY}",
    )
    documents = []
    for i in range(count):
        locale = LOCALES[(i * 3 + flip) % len(LOCALES)]
        fake = fake_of(locale)
        p = person(fake, rng, locale)
        digits = re.sub(r"\D", "", p.phone)
        phone_alt = " ".join(digits[j : j + 3] for j in range(0, len(digits), 3))
        fields = {
            **fillers(fake, rng),
            "UPPER": p.name.upper(),
            "given": p.given,
            "family": p.family,
            "FAMILY": p.family.upper(),
            "given_ascii": _ascii(p.given) or p.given,
            "family_ascii": _ascii(p.family) or p.family,
            "initial": p.given[:1],
            "INITIALS": p.given[:1] + ".",
            "email_upper": p.email.upper(),
            "phone_alt": phone_alt,
        }
        template = forms[(i + flip) % len(forms)]
        text = template.format(**fields)
        used = set(re.findall(r"\{(\w+)\}", template))
        kinds = {"UPPER": "PERSON", "given": "PERSON", "family": "PERSON", "FAMILY": "PERSON",
                 "given_ascii": "PERSON", "family_ascii": "PERSON", "email_upper": "EMAIL",
                 "phone_alt": "PHONE"}  # fmt: skip
        values = [(kinds[n], fields[n]) for n in sorted(used) if n in kinds]
        subject = {"names": [p.name], "emails": [p.email], "phones": [p.phone]}
        documents.append(
            Document(f"{split}-subject-{i:04d}", "subject", locale, text, values, subject)
        )
    return documents


DEV_EXTRA_TEMPLATES: tuple[str, ...] = (
    "set these before running the scraper:\nexport OPENAI_API_KEY={openai}\nexport "
    "SLACK_BOT_TOKEN={slack}\nwhy does it 401?",
    "my .env has GITLAB_TOKEN={gitlab} and STRIPE_SECRET={stripe} — safe to commit?",
    "this cookie looks like {jwt}, and the maps key is {google}. what do they hold?",
    "Hi, I'm {given} {family}. My birthday is {dob} and my date of birth ({dob2}) is "
    "wrong on the form.",
    "Candidate: {family}, {given}\nDOB is {dob}\nInterviewer: {ref}",
    "{given}\n{family}\n{role}\n{email}\n",
    "Thanks for the call!\n— {given}",
)

DEV_LAYOUT_TEMPLATES: tuple[str, ...] = (
    # Template j is always filled from locale LOCALES[j % 20], so the documents in another
    # language sit at that language's place (6 es_ES, 9 de_DE, 15 ko_KR, ...).
    # 0 en_US: a two-column CV header flattened into lines
    "{NAME}                                        {role}\n"
    "{street}                              {email}\n"
    "{city}, {postcode}                             {phone}\n"
    "{link}\n\n"
    "EXPERIENCE                                    SKILLS\n"
    "{company}   {year1}–{year2}                {tool1} · {tool2}\n"
    "{achievement2}.                              {tool3} · {cert}\n",
    # 1 en_GB: a recruiter's email with a signature and an office address block
    "Hi {ref_given},\n\nGreat to speak earlier. As discussed I've put you forward for the "
    "{role} role at {company} — the hiring manager is keen to meet you on {day}. I'll send "
    "the invite once you confirm; if anything changes, ring me directly.\n\n"
    "Kind regards,\n\n{given}\n\n--\n{name}\nSenior Talent Partner | {company}\n"
    "M: {phone}\nE: {email}\n{street}\n{city}\n{postcode}\n",
    # 2 en_IN: a chat message to HR
    "hey {ref_given}, quick one — offer letter still has my old address. new one is "
    "{street}, {city} {postcode}. also pls send the docs to my personal mail {email}, the "
    "office one bounces. thx, {given}",
    # 3 en_AU: an onboarding form with an emergency contact
    "NEW STARTER FORM — {company}\n\nEmployee name: {family}, {given}\nStart date: {day}\n"
    "Residential address: {street}\n{city} {postcode}\nMobile: {phone}\nPersonal email: "
    "{email}\n{id_label}: {national_id}\n\nEMERGENCY CONTACT\nName: {ref}\n"
    "Relationship: partner\nPhone: {ref_phone}\n",
    # 4 en_IE: a reference letter
    "To whom it may concern,\n\nI am pleased to recommend {name}, who worked in my team at "
    "{company} as a {role} from {year1} to {year2}. In that time {given} {achievement} and "
    "became the person everyone went to with {tool1} questions. I would hire {given} again "
    "without hesitation.\n\nShould you wish to discuss {family}'s application, please "
    "contact me at {ref_email} or on {ref_phone}.\n\nYours faithfully,\n\n{ref}\n"
    "Head of Engineering, {company}\n",
    # 5 en_CA: interview scheduling notes
    "Interview notes — {role}\n{day}, 10:30, room {room}\nCandidate: {name} (goes by "
    "{given}), cell {phone}\nPanel: {ref} + someone from finance\nTODO: email {given} the "
    "{tool1} take-home at {email}; {ref_given} to book the follow-up before Friday.\n",
    # 6 es_ES: a Spanish application form
    "SOLICITUD DE EMPLEO\nPuesto: {role}\nNombre: {given}\nApellidos: {family}\n"
    "Fecha de nacimiento: {dob}\nDNI/NIE: {national_id}\nDomicilio: {street}\n"
    "C.P.: {postcode}    Localidad: {city}\nTeléfono móvil: {phone}\n"
    "Correo electrónico: {email}\n¿Cómo nos conoció?: me lo recomendó {ref}\n",
    # 7 es_MX: a Spanish cover letter
    "{city}, {year2}\n\nApreciable {ref}:\n\nPor medio de la presente me permito postularme "
    "a la vacante de {role} publicada por {company}; cuento con {years} años de experiencia "
    "en {tool1} y {tool2}. Quedo a sus órdenes en el {phone} o en {email}.\n\n"
    "Atentamente,\n\n{NAME}\nCURP: {national_id}\n",
    # 8 fr_FR: a French application form
    "FICHE DE CANDIDATURE\nNom : {FAMILY}\nPrénom : {given}\nNé(e) le : {dob}\n"
    "Adresse : {street}, {postcode} {city}\nTél. : {phone}\nCourriel : {email}\n"
    "N° de sécurité sociale : {national_id}\nPoste souhaité : {role}\n"
    "Disponibilité : immédiate\n",
    # 9 de_DE: a German application form
    "Bewerbungsbogen\n\nName, Vorname: {family}, {given}\nGeburtsdatum: {dob}\n"
    "Anschrift: {street}, {postcode} {city}\nTelefon: {phone}\nE-Mail: {email}\n"
    "Steuer-ID: {national_id}\nXING/LinkedIn: {link}\nGewünschte Position: {role}\n"
    "Kündigungsfrist: {n4} Wochen zum Monatsende\n",
    # 10 it_IT: an Italian application form with a tab between two fields
    "MODULO DI CANDIDATURA\nCognome: {FAMILY}\tNome: {given}\nData di nascita: {dob}\n"
    "Codice fiscale: {national_id}\nResidenza: {street} – {postcode} {city}\n"
    "Cellulare: {phone}\nEmail: {email}\nAutorizzo il trattamento dei miei dati personali ai "
    "sensi del GDPR.\nFirma: {name}\n",
    # 11 pt_BR: a Portuguese registration form
    "FICHA DE INSCRIÇÃO – PROCESSO SELETIVO\nNome completo: {name}\n"
    "Data de nascimento: {dob}\nCPF: {national_id}\nEndereço: {street}\n"
    "CEP: {postcode} – {city}\nCelular/WhatsApp: {phone}\nE-mail: {email}\n"
    "LinkedIn: {link}\nIndicado por: {ref}\n",
    # 12 nl_NL: a Dutch application form
    "Sollicitatieformulier\nAchternaam: {family}\nVoorna(a)m(en): {given}\n"
    "Geboortedatum: {dob}\nBSN: {national_id}\nAdres: {street}\n"
    "Postcode en woonplaats: {postcode} {city}\nTelefoonnummer: {phone}\n"
    "E-mailadres: {email}\nFunctie: {role}\n",
    # 13 pl_PL: a Polish candidate questionnaire
    "KWESTIONARIUSZ OSOBOWY DLA OSOBY UBIEGAJĄCEJ SIĘ O ZATRUDNIENIE\n"
    "1. Imię (imiona) i nazwisko: {name}\n2. Data urodzenia: {dob}\n3. PESEL: {national_id}\n"
    "4. Adres zamieszkania: {street}, {postcode} {city}\n"
    "5. Dane kontaktowe: tel. {phone}, e-mail: {email}\n6. Stanowisko: {role}\n",
    # 14 sv_SE: a CV header, family name in capitals first
    "{FAMILY} {given}\n{role}\n{street} · {postcode} {city} · {country}\n"
    "{phone} · {email}\n{dob_label}{dob}\n\n{company}    {year1}–{year2}\n{achievement2}\n",
    # 15 ko_KR: a Korean application form mixed with English
    "[입사지원서 / Application Form]\n성명 (Name): {name}\n성 (Surname): {family} / 이름 "
    "(Given name): {given}\n생년월일 (DOB): {dob}\n주민등록번호: {national_id}\n"
    "주소 (Address): {street} ({postcode})\nMobile: {phone}\nE-mail: {email}\n"
    "지원 분야 (Position): {role}\n",
    # 16 vi_VN: a Vietnamese application form
    "ĐƠN XIN VIỆC\nHọ và tên: {NAME}\nNgày sinh: {dob}\nSố CCCD: {national_id}\n"
    "Địa chỉ thường trú: {street}, {city}\nĐiện thoại: {phone}\nEmail: {email}\n"
    "Vị trí ứng tuyển: {role}\nNgười giới thiệu: anh/chị {ref}\n",
    # 17 zh_CN: a Chinese résumé header mixed with English
    "个人简历 / Résumé\n姓名 Name：{name}\n出生日期 DOB：{dob}\n身份证号 ID No.：{national_id}\n"
    "手机 Mobile：{phone}\n邮箱 Email：{email}\n地址 Address：{street}（{postcode}）\n"
    "GitHub：{link2}\n求职意向 Objective：{role}\n",
    # 18 ja_JP: a Japanese résumé mixed with English
    "履歴書 / Rirekisho\n氏名 Name: {name}\n生年月日 Date of birth: {dob}\n"
    "現住所 Address: 〒{postcode} {street}\n電話 Tel: {phone}\nメール E-mail: {email}\n"
    "志望動機: I would like to work with {tool1} and {tool2} at {company}.\n",
    # 19 tr_TR: a Turkish application form
    "İŞ BAŞVURU FORMU\nAdı Soyadı: {name}\nT.C. Kimlik No: {national_id}\n"
    "Doğum Tarihi: {dob}\nAdres: {street}, {postcode} {city}\nCep Telefonu: {phone}\n"
    "E-posta: {email}\nBaşvurulan Pozisyon: {role}\nReferans: {ref} ({ref_phone})\n",
    # 20 en_US: a CV header with icons
    "{given} {family}\n{role} · {years}+ yrs · {domain}\n"
    "☎ {phone}   ✉ {email}   📍 {city}, {postcode}\n🔗 {link}\n",
    # 21 en_GB: a cover letter's closing
    "...I would welcome the chance to discuss how my experience with {tool1} could help "
    "{company} grow its {domain} business. {ref}, who managed me for {years} years, has "
    "kindly agreed to act as a referee and can be reached on {ref_phone}.\n\n"
    "Thank you for your time and consideration.\n\nYours sincerely,\n\n{given} {family}\n"
    "{street}, {city} {postcode}\n{phone}\n",
    # 22 en_IN: a table row pasted from an HR spreadsheet
    "Emp name\tDOB\t{id_label}\tMobile\tEmail\tCity\n"
    "{name}\t{dob}\t{national_id}\t{phone}\t{email}\t{city}\n",
    # 23 en_AU: a recruiter's chat message to a candidate
    "no worries! ask for {ref_given} at reception when you get there, they'll sign you in. "
    "address is on the invite but it's {street}, {city}. if you're running late just text "
    "me on {phone} — {given}",
    # 24 en_IE: a payroll form
    "PAYROLL SET-UP — CONFIDENTIAL\nSurname: {FAMILY}\nFirst name(s): {given}\n"
    "{id_label}: {national_id}\nDate of birth: {dob}\nHome address: {street}, {city}, "
    "{postcode}\nCompany expense card: {card}\n\nPlease return this form to {ref_given} from "
    "accounts ({ref_email}) before {day}.\n",
    # 25 en_CA: a LinkedIn-style About section with a middle initial
    "About\nI'm {given} M. {family}, a {role} who has spent {years} years in {domain}. Most "
    "recently at {company} I {achievement}. Outside work I mentor career switchers learning "
    "{tool1}. If you're hiring, drop me a line at {email} or look at my side projects on "
    "{link2}.",
    # 26 es_ES: a Spanish chat message
    "hola {ref_given}! te paso mis datos para el contrato: {name}, DNI/NIE {national_id}, "
    "vivo en {street}, {postcode} {city}. si necesitas algo más llámame al {phone} 🙏",
    # 27 es_MX: a recruiter's email in Spanish with a signature
    "Hola {given}:\n\nTe confirmo la entrevista para la vacante de {role} el próximo jueves "
    "a las 11:00 en nuestras oficinas. Tengo registrado tu celular como {phone}, ¿es "
    "correcto? Cualquier cambio, escríbeme.\n\nSaludos cordiales,\n\n{ref}\n"
    "Atracción de Talento | {company}\nTel. {ref_phone}\n{ref_email}\n",
    # 28 fr_FR: a French cover letter
    "{given} {FAMILY}\n{street}\n{postcode} {city}\n{phone} – {email}\n\n"
    "Objet : candidature au poste de {role}\n\nMadame, Monsieur,\n\nSur les conseils de "
    "{ref}, rencontré(e) lors d'un salon de l'emploi, je me permets de vous adresser ma "
    "candidature. Fort(e) de {years} ans d'expérience sur {tool1}, je souhaite rejoindre "
    "{company}.\n\nJe vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations "
    "distinguées.\n\n{given} {FAMILY}\n",
    # 29 de_DE: a German recruiter's email
    "Guten Tag {given} {family},\n\nvielen Dank für Ihre Bewerbung als {role}. {ref} aus der "
    "Fachabteilung möchte Sie gern persönlich kennenlernen. Passt Ihnen Donnerstag um "
    "14 Uhr? Bitte bestätigen Sie kurz per Mail an {ref_email} oder telefonisch unter "
    "{ref_phone}.\n\nMit freundlichen Grüßen\n{ref}\n{company}\n",
    # 30 it_IT: an Italian email to a recruiter
    "Buongiorno {ref_given},\n\nle scrivo per confermare il colloquio per la posizione di "
    "{role}. Il mio numero aggiornato è {phone}; per l'invio del contratto può usare "
    "{email}. Da questo mese abito in {street}, {postcode} {city}.\n\nCordiali saluti,\n"
    "{given} {family}\n",
    # 31 pt_BR: a WhatsApp message in Portuguese
    "oi {ref_given}, tudo bem? aqui é {given}, da entrevista de ontem pra vaga de {role} 😊 "
    "segue meu e-mail {email} e meu CPF {national_id} pro cadastro. qualquer coisa me chama "
    "no zap {phone}",
    # 32 nl_NL: a Dutch address change
    "Beste {ref_given},\n\nIk ben vorige week verhuisd. Mijn nieuwe adres is {street}, "
    "{postcode} {city}. Wil je dit doorgeven aan de salarisadministratie? Mijn BSN is "
    "{national_id}, mocht je dat nodig hebben.\n\nGroet,\n{given} {family}\n{phone}\n",
    # 33 pl_PL: a Polish cover letter
    "Dzień dobry,\n\nnazywam się {name} i chciałbym aplikować na stanowisko {role} w "
    "firmie {company}. Państwa ogłoszenie przekazał mi {ref}, z którym pracowałem przy "
    "projektach {tool1}. W załączeniu przesyłam CV.\n\nKontakt: {phone}, {email}\n\n"
    "Z poważaniem\n{given} {family}\n",
    # 34 sv_SE: a calendar invite for an interview
    "Calendar invite: {role} – final round\nWhen: {day}, 13:00–14:30 CET\n"
    "Where: {company}, {street}, {postcode} {city}\nCandidate: {name} ({email})\n"
    "Notes: {given} asked to keep it short, has a flight at 17:00. Call {given} on {phone} "
    "if the room changes. {ref} runs the {tool1} exercise.\n",
    # 35 ko_KR: a Korean chat message mixed with English
    "안녕하세요 {ref_given}님, {name}입니다. 지난주 interview 정말 감사했습니다! 요청하신 "
    "portfolio 링크 보내드려요: {link}\n연락은 {phone} 또는 {email}로 부탁드립니다.",
    # 36 vi_VN: a Vietnamese message to a recruiter
    "Chào chị {ref_given},\nEm là {name}, ứng viên vị trí {role}. Em gửi lại thông tin ạ: "
    "số điện thoại {phone}, email {email}, địa chỉ {street}, {city}. Ngày sinh của em là "
    "{dob}. Em cảm ơn chị!",
    # 37 zh_CN: a Chinese chat message mixed with English
    "Hi {ref_given}，我是{name}，昨天跟你聊过 {role} 的 position。CV 在附件里，GitHub 是 "
    "{link2}。手机 {phone}，微信同号。Email: {email}",
    # 38 ja_JP: a Japanese email with a signature
    "{ref}様\n\nお世話になっております。{family}です。\n先日は interview の機会をいただき、"
    "誠にありがとうございました。{tool1} の課題は今週中に提出いたします。\n\n"
    "--\n{name}\nTel: {phone}\nMail: {email}\n〒{postcode} {street}\n",
    # 39 tr_TR: a Turkish chat message
    "merhaba {ref_given}, ben {name}. dün konuştuğumuz {role} pozisyonu için CV'mi "
    "{email} adresinden gönderdim. doğum tarihim {dob}, telefonum {phone}. iyi çalışmalar",
)

DEV_LAYOUT_TEMPLATES_2: tuple[str, ...] = (
    # A second batch of layouts, in forms the first does not have. Template j is filled
    # from locale LOCALES[j % 20], as above.
    # 0 en_US: a Slack thread between colleagues, with an @mention
    "#hiring-backend\n\n{ref}  10:42 AM\n@{given} are you still ok to sit in on the {role} "
    "loop on {day}? the candidate asked to move it to the afternoon\n\n{name}  10:44 AM\n"
    "yep, can do. if I'm late it's the train, just text me on {phone}\n\n{ref}  10:45 AM\n"
    "thanks {given}! I'll send the invite to {email} since your work calendar is full 🙏\n",
    # 1 en_GB: an out-of-office reply naming the colleague who covers
    "Automatic reply: {role} shortlist\n\nThank you for your email. I am out of the office "
    "until {day} with limited access to email. For anything urgent regarding recruitment at "
    "{company}, please contact my colleague {ref} on {ref_phone} or at {ref_email}, who is "
    "looking after my candidates while I'm away.\n\nMany thanks,\n{given} {family}\n"
    "{company} | {street}, {city} {postcode}\nDirect line: {phone}\n",
    # 2 en_IN: a student's CV with a permanent address and a PIN code
    "{NAME}\nB.Tech (Computer Science & Engineering), final year | CGPA 8.{n4}/10\n"
    "{email} | Mobile: {phone} | {link2}\nDate of Birth: {dob}\n\nPermanent Address:\n"
    "{street},\n{city} - {postcode}\n\nEDUCATION\nB.Tech, {year2}–present\n"
    "Class XII (CBSE), {year1}: 9{n4}%\n\nPROJECTS\n- Attendance tracker with {tool1} and "
    "{tool2}\n- Summer intern at {company}: {achievement}\n",
    # 3 en_AU: a gig worker's profile on a task marketplace
    "Tasker profile · {city} {postcode}\n\n{given} {family[0]}.\n★ 4.9 ({n5} reviews) · "
    "ID verified ✓ · Police check ✓\n\nG'day! I'm {given} — furniture assembly, small "
    "removals and odd {tool1} jobs for local businesses. Happy to travel around {city}.\n"
    "Past work: {link}\nFor bookings outside the app: {phone}\n",
    # 4 en_IE: a reference request naming the referee and their mobile, with an Eircode
    "Subject: Reference request — {name}\n\nDear Prof. {ref},\n\n{name} has applied for the "
    "position of {role} with {company} and has given your name as a referee. We would be "
    "grateful if you could confirm {given}'s dates of employment and comment briefly on "
    "their {tool1} work. If it is easier to talk, could I ring you on your mobile, "
    "{ref_phone}, one morning this week?\n\nCandidate's address on file:\n{street}\n{city}\n"
    "{postcode}\n\nKind regards,\nHR Operations, {company}\n",
    # 5 en_CA: a background-check consent form, family name first and a province code
    "CONSENT TO A CRIMINAL RECORD AND BACKGROUND CHECK\n\nLast name, First name: {family}, "
    "{given}\nOther names used: none\nDate of birth: {dob}\nSIN (optional): {national_id}\n"
    "Current address: {street}, {city}, ON  {postcode}\nTelephone: {phone}\n\nI, {name}, "
    "authorize {company} and its screening provider to verify my identity, criminal record "
    "and employment history for the position of {role}.\n\nSignature: ______________   "
    "Date: {day}\n",
    # 6 es_ES: a video-call transcript with speaker names
    "Transcripción — Entrevista {role}\n\n{ref}   0:02\nBueno, empezamos. {given}, ¿me oyes "
    "bien?\n\n{name}   0:05\nSí, perfecto. Perdona el retraso, el enlace que me llegó a "
    "{email} no funcionaba.\n\n{ref}   0:11\nNada, no pasa nada. Si se corta te llamo al "
    "{phone}, ¿vale? Cuéntame un poco de tu experiencia con {tool1}.\n",
    # 7 es_MX: an applicant-tracking-system CSV export, quoted
    "candidatos_export_{year2}.csv\n"
    '"id","nombre","apellidos","correo","celular","curp","vacante","etapa"\n'
    '"{n6}{n1}","{given}","{family}","{email}","{phone}","{national_id}","{role}",'
    '"Entrevista técnica"\n',
    # 8 fr_FR: a French CV header, born on and where
    "{given} {FAMILY}\n{role}\n\n{street} – {postcode} {city}\n{phone} | {email}\n"
    "Né(e) le {dob} à {city2} – Permis B\n\nEXPÉRIENCES PROFESSIONNELLES\n{year1} – {year2}"
    " | {company} | {role}\n• {achievement2}\n",
    # 9 de_DE: a German Lebenslauf header with tab-aligned personal data
    "Lebenslauf\n\nPersönliche Daten\n\nName:\t\t\t{given} {family}\nAnschrift:\t\t{street}\n"
    "\t\t\t{postcode} {city}\nGeburtsdatum:\t\t{dob}\nGeburtsort:\t\t{city2}\n"
    "Staatsangehörigkeit:\tdeutsch\nFamilienstand:\t\tverheiratet, zwei Kinder\n"
    "Telefon:\t\t{phone}\nE-Mail:\t\t\t{email}\n\nBeruflicher Werdegang\n{year1} – heute\t"
    "{role}, {company}\n",
    # 10 it_IT: a doctor's certificate for sick leave
    "CERTIFICATO MEDICO DI MALATTIA\n\nSi certifica di aver visitato in data odierna il/la "
    "Sig./Sig.ra {NAME}, nato/a il {dob}, residente a {city} in {street} ({postcode}), "
    "codice fiscale {national_id}, e di aver riscontrato una patologia che ne determina "
    "l'incapacità temporanea al lavoro per giorni {n4}, salvo complicazioni.\n\nDott. {ref}\n"
    "Medico di Medicina Generale\n",
    # 11 pt_BR: a JSON error pasted into a chat
    "oi! o cadastro no portal deu erro e o suporte pediu pra eu mandar o que apareceu no "
    'console:\n\n{{"candidato": {{"nome": "{name}", "cpf": "{national_id}", "email": '
    '"{email}", "celular": "{phone}", "endereco": {{"logradouro": "{street}", "cep": '
    '"{postcode}", "cidade": "{city}"}}}}, "status": 422}}\n\nalguém sabe o que é isso?',
    # 12 nl_NL: a payroll bank-details form, the holder with initials
    "Formulier wijziging bankgegevens (salarisbetaling)\n\nPersoneelsnummer: {n6}{n2}\n"
    "Naam rekeninghouder: {given[0]}. {family}\nVoornamen: {GIVEN}\nBSN: {national_id}\n"
    "Woonadres: {street}\nPostcode/woonplaats: {postcode} {city}\n"
    "Nummer betaalpas/creditcard ter verificatie: {card}\n\n"
    "Handtekening medewerker: ______________\n",
    # 13 pl_PL: an e-mail thread quoted with "W dniu ... napisał(a):"
    "Dziękuję, termin mi pasuje. Do zobaczenia w czwartek!\n\n{given}\n\n"
    "W dniu 0{n4}.03.{year2} o 09:14, {ref} <{ref_email}> napisał(a):\n> Dzień dobry,\n"
    "> zapraszamy na rozmowę na stanowisko {role} w czwartek o 10:00. Proszę o "
    "potwierdzenie.\n>\n> W dniu 2{n4}.02.{year2} o 21:47, {name} <{email}> napisał(a):\n"
    ">> W załączeniu przesyłam CV. Adres do korespondencji: {street}, {postcode} {city}, "
    "tel. {phone}.\n",
    # 14 sv_SE: a Swedish employment contract
    "ANSTÄLLNINGSAVTAL – TILLSVIDAREANSTÄLLNING\n\nArbetsgivare: {company}\n"
    "Arbetstagare: {name}\nPersonnummer: {national_id}\nAdress: {street}, {postcode} {city}"
    "\nTelefon: {phone}\nE-post: {email}\n\nBefattning: {role}\nTillträdesdag: "
    "{year2}-0{n4}-01\nMånadslön: {n5} 000 kr\nProvanställning: 6 månader\n",
    # 15 ko_KR: a KakaoTalk group chat export
    "[{company} 채용 TF] 카카오톡 대화\n\n[{ref}] [오후 2:14] {given}님, 다음 주 면접 일정 "
    "확정됐어요!\n[{name}] [오후 2:15] 감사합니다 ㅎㅎ 혹시 연락처가 바뀌어서 {phone}으로 "
    "부탁드려요\n[{ref}] [오후 2:16] 넵 반영할게요. 서류는 {email}로 보내드릴게요\n"
    "[{name}] [오후 2:16] 넵 👍\n",
    # 16 vi_VN: a Zalo group chat between colleagues
    "Nhóm Zalo: Tuyển dụng {company}\n\n{ref}: Mọi người ơi, bạn {given} bên team {tool1} "
    "mới đổi số điện thoại nha: {phone}. Có việc gì gấp thì gọi {given} số này.\n{name}: Dạ "
    "em cảm ơn anh/chị. Email của em vẫn là {email} ạ.\n{ref}: ok em 👌 nhớ gửi bản sao "
    "CCCD {national_id} cho phòng nhân sự trước thứ Sáu nha\n",
    # 17 zh_CN: an onboarding registration table with a salary card
    "员工入职登记表\n\n| 姓名 | {name} | 性别 | 男 | 出生日期 | {dob} |\n"
    "| 身份证号 | {national_id} | 联系电话 | {phone} |\n| 现住址 | {street}（邮编 {postcode}） |"
    "\n| 工资卡号（招商银行） | {card} |\n| 紧急联系人 | {ref} | 电话 | {ref_phone} |\n"
    "| 入职岗位 | {role} | 入职日期 | {year2}年{n4}月1日 |\n",
    # 18 ja_JP: a Slack post in Japanese with an @channel mention
    "#採用-エンジニア\n\n{ref}  午前 9:58\n@channel 本日14時の{role}面接の候補者 {name} さん"
    "（{email}）から、電車遅延で10分ほど遅れると連絡がありました🙏\n{family}さんの携帯は "
    "{phone} です。繋がらない場合はこのスレッドで教えてください。\n",
    # 19 tr_TR: a Turkish CV header
    "ÖZGEÇMİŞ\n\n{NAME}\n{role}\n\nKİŞİSEL BİLGİLER\nDoğum Tarihi / Yeri: {dob} / {city2}\n"
    "Medeni Hali: Bekâr\nAskerlik Durumu: Tamamlandı\nEhliyet: B\nAdres: {street}, "
    "{postcode} {city}\nGSM: {phone}\nE-posta: {email}\n",
    # 20 en_US: a recruiter's LinkedIn InMail
    "LinkedIn · InMail\nFrom: {ref} · Senior Technical Recruiter at {company}\nTo: {name}\n"
    "Subject: {role} — remote, {domain}\n\nHi {given},\n\nI came across your profile "
    "({link}) and your {tool1} work really stood out. We're building out a {domain} team "
    "and I think you'd be a great fit. Would you be open to a 15-minute call this week? My "
    "direct line is {ref_phone}, or just reply here.\n\nBest,\n{ref_given}\n",
    # 21 en_GB: an e-mail thread quoted with "On ..., <name> <email> wrote:"
    "Thanks {ref_given}, Thursday at 2 works for me. I'll bring my passport for the "
    "right-to-work check.\n\nBest,\n{given[0]}. {family}\n\nOn Tue, {n4} Mar {year2} at "
    "09:14, {ref} <{ref_email}> wrote:\n> Hi {given},\n> Thanks for getting back to me. "
    "Could you come in on Thursday to meet the team?\n>\n> On Fri, 2{n4} Feb {year2} at "
    "17:32, {name} <{email}> wrote:\n>> Hello, please find my CV attached. I'm currently "
    "at {street}, {city} {postcode}, and can be reached on {phone}.\n",
    # 22 en_IN: a doctor's certificate for sick leave
    "MEDICAL CERTIFICATE FOR LEAVE\n\nThis is to certify that Mr./Ms. {name}, D.O.B. {dob}, "
    "resident of {street}, {city} - {postcode}, was examined by me on {day} and is "
    "suffering from viral fever. {given} is advised complete rest for {n4} days and may "
    "resume duties thereafter.\n\nPatient's contact: {phone}\n\nDr. {ref}\n"
    "MBBS, MD (General Medicine)\n",
    # 23 en_AU: a relocation form, passport-style, with an address abroad
    "RELOCATION TO {company} LONDON — APPLICANT DETAILS (as shown in your passport)\n\n"
    "1. Family name: {FAMILY}\n2. Given names: {GIVEN}\n3. Date of birth: {dob}\n"
    "4. Place of birth: {city2}, {country}\n5. Current address (outside the UK): {street}, "
    "{city} {postcode}\n6. Australian TFN (for your final tax return): {national_id}\n"
    "7. Contact phone: {phone}    Email: {email}\n",
    # 24 en_IE: a meeting transcript with speaker names and timestamps
    "Meeting transcript — Hiring sync ({role})\n\n{ref}  00:00:04\nRight, let's start. "
    "{given}, you spoke to the candidate's referee?\n\n{name}  00:00:11\nI did, yeah. Her "
    "old manager, lovely. Notes are in the ATS. If anyone needs to follow up I'm on "
    "{phone}, or email me at {email}.\n\n{ref}  00:00:37\nGreat, thanks {given}. Can you "
    "also send the offer draft to {ref_email} before {day}?\n\n{name}  00:00:42\nWill do.\n",
    # 25 en_CA: an offer letter to Mx. with a province code
    "{day}, {year2}\n\nPERSONAL AND CONFIDENTIAL\nMx. {given} {family}\n{street}\n"
    "{city} ON  {postcode}\n\nDear Mx. {family},\n\nOn behalf of {company}, I am pleased to "
    "offer you the position of {role}, starting on the date agreed with {ref}. Please sign "
    "and return this letter to {ref_email} within five business days.\n\nSincerely,\n\n"
    "{ref}\nPeople & Culture\n",
    # 26 es_ES: a payroll bank-details form
    "DATOS BANCARIOS PARA EL ABONO DE LA NÓMINA\n\nTitular: {FAMILY}, {given}\n"
    "NIF/NIE: {national_id}\nDomicilio fiscal: {street}\nCP: {postcode}   Municipio: {city}\n"
    "Tarjeta de débito asociada a la cuenta: {card}\nTeléfono de contacto: {phone}\n\n"
    "Firmado: {given} {family}\n",
    # 27 es_MX: a Teams channel, mentions by full name
    "Teams · Reclutamiento › General\n\n{ref}  11:02\n@{name} ¿ya le marcaste a la "
    "candidata de {tool1}? no contesta mi correo\n\n{given} {family}  11:05\nsí, quedó "
    "para el jueves. por cierto cambié de número, ahora es {phone}, guárdenlo porfa\n\n"
    "{ref}  11:06\nva, gracias {given} 🙌\n",
    # 28 fr_FR: an e-mail reply quoting "Le ..., <name> <email> a écrit :"
    "Bonjour {ref_given},\n\nMerci pour votre retour. Je vous confirme ma disponibilité pour "
    "l'entretien du jeudi à 10 h.\n\nBien cordialement,\n{given} {family}\n\n"
    "Le lun. {n4} mars {year2} à 18:12, {ref} <{ref_email}> a écrit :\n> Bonjour Madame "
    "{family},\n> Suite à votre candidature au poste de {role}, nous souhaiterions vous "
    "rencontrer. Pourriez-vous nous confirmer que le {phone} est toujours le bon numéro ?\n",
    # 29 de_DE: an out-of-office reply signed by a doctor
    "Abwesenheitsnotiz\n\nVielen Dank für Ihre Nachricht. Ich bin bis einschließlich "
    "{n4}. August nicht im Büro und habe keinen Zugriff auf meine E-Mails. In dringenden "
    "Fällen wenden Sie sich bitte an {ref} ({ref_email}, Tel. {ref_phone}).\n\n"
    "Mit freundlichen Grüßen\nDr. {given} {family}\nLeitung Recruiting | {company}\n"
    "Tel.: {phone}\n",
    # 30 it_IT: a Europass CV header
    "CURRICULUM VITAE EUROPASS\n\nINFORMAZIONI PERSONALI\t{given} {FAMILY}\n\t{street}, "
    "{postcode} {city} (Italia)\n\t{phone}\n\t{email}\n\t{link}\nSesso F | Data di nascita "
    "{dob} | Nazionalità italiana\n\nPOSIZIONE RICOPERTA\t{role}\n",
    # 31 pt_BR: a Brazilian CV header
    "CURRÍCULO\n\n{name}\nBrasileira, solteira\n{street} – {city}\nCEP {postcode}\n"
    "Tel./WhatsApp: {phone} | E-mail: {email}\nLinkedIn: {link}\n\nOBJETIVO\nAtuar como "
    "{role} na área de {domain}.\n",
    # 32 nl_NL: a reference request in Dutch
    "Geachte heer/mevrouw {ref},\n\n{name} heeft bij {company} gesolliciteerd naar de "
    "functie van {role} en heeft u opgegeven als referent. Zou ik u deze week kort mogen "
    "bellen op {ref_phone}? Ik hoor graag hoe {given} bij u functioneerde en of u mevrouw "
    "{family} opnieuw zou aannemen. Uiteraard behandelen wij uw antwoorden vertrouwelijk."
    "\n\nMet vriendelijke groet,\nTeam Recruitment, {company}\n",
    # 33 pl_PL: a key=value log line from an applicant-tracking system
    '2025-03-0{n4}T10:42:11Z ats.sync INFO candidate_updated id={n6}{n3} imie="{given}" '
    'nazwisko="{family}" pesel={national_id} tel="{phone}" email={email} '
    'adres="{street}, {postcode} {city}" etap=rozmowa_HR\n',
    # 34 sv_SE: a Slack message to payroll, lower case
    "hej {ref_given}! {given} {family} börjar hos oss på måndag som {role}, kan du lägga upp "
    "hen i lönesystemet? personnr {national_id}, mobil {phone}, mejl {email}. adressen är "
    "{street}, {postcode} {city} om du behöver den till avtalet 🙂 tack!!",
    # 35 ko_KR: a certificate of employment
    "경 력 증 명 서\n(Certificate of Employment)\n\n성명: {name}\n생년월일: {dob}\n"
    "주소: {street} ({postcode})\n근무기간: {year1}년 3월 2일 ~ {year2}년 8월 31일\n"
    "직위: {role}\n\n위 사람은 당사에서 상기 기간 동안 재직하였음을 증명합니다. {given} 님의 "
    "앞날에 발전이 있기를 바랍니다.\n\n{company}\n대표이사 {ref} (인)\n",
    # 36 vi_VN: an HR offer e-mail
    "Kính gửi Anh/Chị {name},\n\nPhòng Nhân sự {company} trân trọng thông báo Anh/Chị đã "
    "trúng tuyển vị trí {role}. Anh/Chị {given} vui lòng có mặt lúc 8h30 ngày đầu tiên tại "
    "văn phòng và mang theo bản sao CCCD số {national_id}.\n\nMọi thắc mắc xin liên hệ chị "
    "{ref} qua số {ref_phone} hoặc email {ref_email}.\n\nTrân trọng,\nPhòng Nhân sự\n",
    # 37 zh_CN: a letter of recommendation in prose
    "推荐信 Letter of Recommendation\n\n尊敬的{company}招聘负责人：\n\n我谨推荐{name}应聘贵公司"
    "的{role}职位。{given}在我们团队工作了{years}年，负责 {tool1} 和 {tool2} 相关的项目，"
    "表现非常出色。候选人的邮箱是 {email}。如需进一步了解，请拨打我的手机 {ref_phone} 或发邮件"
    "至 {ref_email}。\n\n推荐人：{ref}\n",
    # 38 ja_JP: an out-of-office reply in Japanese
    "【自動返信】不在のお知らせ\n\nお問い合わせいただきありがとうございます。\n誠に勝手ながら、"
    "8月{n4}日まで休暇のため不在にしております。\n急ぎのご用件は、採用担当の{ref}"
    "（{ref_email}／{ref_phone}）までご連絡ください。\n\n{name}\n{company}\n携帯：{phone}\n",
    # 39 tr_TR: a payroll account form
    "MAAŞ HESABI BİLGİ FORMU\n\nAdı: {given}\nSoyadı: {FAMILY}\nT.C. Kimlik No: "
    "{national_id}\nBanka Kartı No: {card}\nİkamet Adresi: {street}, {postcode} {city}\n"
    "Cep Telefonu: {phone}\n\nYukarıdaki bilgilerin doğruluğunu beyan ederim.\n"
    "{given} {family}\n",
)

DEV_LAYOUT_TEMPLATES_3: tuple[str, ...] = (
    # A third batch of layouts, in forms neither batch above has. Template j is filled
    # from locale LOCALES[j % 20], as above.
    # 0 en_US: a WhatsApp chat export, the recruiter not yet a saved contact
    "WhatsApp Chat with {given}.txt\n\n11/3/25, 8:47 PM - Messages and calls are "
    "end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or "
    "listen to them. Tap to learn more.\n11/3/25, 8:47 PM - {ref_phone}: Hi, is this "
    "{given}? This is {ref} from {company}, we met at the {domain} career fair\n"
    "11/3/25, 8:52 PM - {name}: hi! yes that's me 😊\n11/3/25, 8:53 PM - {ref_phone}: "
    "Great! The {role} team would like to do a phone screen Thursday. Is {phone} still the "
    "best number?\n11/3/25, 8:55 PM - {name}: yes that works. can you send the details to "
    "{email}? my work email filters everything\n11/3/25, 8:55 PM - {name}: <Media omitted>"
    "\n11/3/25, 8:56 PM - {name}: ^ updated resume, the {tool1} one is outdated lol\n"
    "11/4/25, 9:10 AM - {ref_phone}: Invite sent 👍 ref {ticket} if anyone asks\n",
    # 1 en_GB: a voicemail transcript, numbers read out in words and digits
    "Voicemail · from {phone} · 1:02 · received {day}, 16:12\nTranscript (beta, may "
    "contain errors):\n\n\"Hiya, this is {given} {family}, um, I'm ringing about the "
    "{role} interview on Thursday, I think I've been sent the wrong address, the letter "
    "says the {city2} office but the email said {city}? Could someone call me back, I'm on "
    "{phone}, that's {phone}, or email me, it's {email}. My candidate number is four "
    'seven {n1}, oh and the reference on the letter is {ticket}. Cheers, bye."\n\n'
    "Was this transcript useful?  Yes · No\n",
    # 2 en_IN: a Markdown table of a shortlist pasted into a team chat
    "Sharing the shortlist for the {role} hiring drive, pls update status by EOD 🙏\n\n"
    "| # | Candidate | Email | Mobile | Current CTC (LPA) | Notice | Interviewer |\n"
    "|---|-----------|-------|--------|-------------------|--------|-------------|\n"
    "| 1 | {name} | {email} | {phone} | {n5}.5 | {n4}0 days | {ref} |\n"
    "| 2 | _(withdrawn)_ | – | – | – | – | – |\n"
    "| 3 | TBD ({company} referral) | – | – | – | – | {ref_given} |\n\n"
    "Round 1 is the {tool1} + {tool2} assessment, {n4}th floor, room {room}.\n",
    # 3 en_AU: an onboarding portal export, label: value pairs on one line split by " | "
    "TFN DECLARATION & SUPER CHOICE — exported from the {company} onboarding portal\n"
    "Name: {name} | DOB: {dob} | TFN: {national_id} | Mobile: {phone} | Email: {email} | "
    "Address: {street}, {city} {postcode} | Residency: Australian resident for tax purposes "
    "| Tax-free threshold: Yes | HELP debt: No | Fund: AustralianSuper (USI STA0100AU) | "
    "Cost centre: {n1}-{n6} | Start: {day} | Emergency contact: {ref} ({ref_phone})\n",
    # 4 en_IE: an Outlook reply chain, the signature repeated under each message
    "Thanks {ref_given}, that's perfect — see you then.\n\n{given}\n\n{name}\n{role} | "
    "{company}\nM: {phone}\n\nFrom: {ref} <{ref_email}>\nSent: {day} {year2} 09:41\nTo: "
    "{name} <{email}>\nSubject: RE: Interview – {role}\n\nHi {given},\n\nWe've booked room "
    "{room} in our {city2} office. Please bring photo ID and your PPSN for the contract "
    "paperwork.\n\nKind regards,\n{ref}\nTalent Acquisition\n\nFrom: {name} <{email}>\n"
    "Sent: {day} {year2} 18:02\nTo: {ref_email}\nSubject: Interview – {role}\n\nHi,\n\n"
    "I'd be delighted to come in. My address for the offer pack is {street}, {city}, "
    "{postcode}, and my PPSN is {national_id} if payroll needs it in advance.\n\nMany "
    "thanks,\n{given}\n\n{name}\n{role} | {company}\nM: {phone}\n",
    # 5 en_CA: an interview scheduling text thread, written in lower case
    "Messages · {ref_given} (recruiter)\n\nToday 9:14 AM\n{ref_given}: hey {given} its "
    "{ref_given} from {company}. hiring mgr can do tues 2:30 or wed 10 for the {role} "
    "interview, which works?\n{given}: wed 10 works!! is it at the king st office or on "
    "teams\n{ref_given}: king st, {n4}th floor. ask for {ref} at the desk. ill send the "
    "invite to {email}\n{given}: perfect. if the ttc dies ill call u at {ref_phone}\n"
    "{ref_given}: 👍 bring a void cheque too, for the offer paperwork if it goes well\n"
    "{given}: haha ok. sin is {national_id} if u want to pre-fill\nRead 9:31 AM\n",
    # 6 es_ES: a CV with a "Datos personales" block
    "{NAME}\n{role}\n\nDATOS PERSONALES\nNombre y apellidos: {given} {family}\nLugar y "
    "fecha de nacimiento: {city2}, {dob}\nDNI/NIE: {national_id}\nDirección: {street}, "
    "{postcode} {city}\nTeléfono: {phone}\nCorreo electrónico: {email}\nCarné de conducir: "
    "B, vehículo propio\n\nFORMACIÓN ACADÉMICA\n{year1} · Grado en Ingeniería Informática, "
    "Universidad Politécnica de Madrid\n\nEXPERIENCIA PROFESIONAL\n{year2} – actualidad · "
    "{company} · {role}\n· {achievement2}\n\nIDIOMAS\nInglés: C1 (Cambridge Advanced, "
    "{year2})\n",
    # 7 es_MX: an SQL INSERT pasted into a developers' chat
    "oigan alguien sabe por qué me truena este insert en MySQL? me sale ERROR 1064 (42000) "
    "near line 2 🤦\n\n```sql\nINSERT INTO candidatos (nombre, apellidos, curp, correo, "
    "celular, fecha_nac, vacante_id)\nVALUES ('{given}', '{family}', '{national_id}', "
    "'{email}', '{phone}', '{dob}', {n6});\n```\n\nla tabla la generé con {tool1} y la "
    "vacante {n6} es la de {role}. será el formato de la fecha?\n",
    # 8 fr_FR: a payslip copied out of a PDF
    "BULLETIN DE PAIE\nPériode du 01/0{n4}/{year2} au 30/0{n4}/{year2} — Paiement le "
    "28/0{n4}/{year2} par virement\n\nEmployeur : {company}\nSIRET : {n1} {n1} {n1} "
    "000{n4}{n4} — Code NAF : 6202A\nConvention collective : Syntec (IDCC 1486)\n\n"
    "Salarié(e) : {FAMILY} {given}\n{street}\n{postcode} {city}\nN° de sécurité sociale : "
    "{national_id}\nEmploi : {role} — Statut : Cadre — Coefficient 1{n4}0\nDate "
    "d'entrée : 0{n4}/09/{year1}\n\nSalaire de base          151,67 h      {n4} {n1},00\n"
    "Indemnité télétravail                        {n2},00\nTitres-restaurant (part "
    "salariale)           -{n2},{n5}\nNET À PAYER AVANT IMPÔT SUR LE REVENU   {n4} {n6},{n5} €"
    "\nImpôt sur le revenu prélevé à la source (taux {n3},{n4} %)\n",
    # 9 de_DE: an Arbeitszeugnis, the person named in full throughout
    "{company}\nPersonalabteilung\n\n{city2}, 30. Juni {year2}\n\nARBEITSZEUGNIS\n\n"
    "{given} {family}, geboren am {dob} in {city}, war vom 1. April {year1} bis zum "
    "30. Juni {year2} in unserem Unternehmen als {role} tätig.\n\nZu den Aufgaben gehörten "
    "die Betreuung unserer {tool1}-Plattform und der Aufbau der Auswertungen in {tool2}. "
    "{given} {family} verfügt über ein umfassendes und fundiertes Fachwissen, das "
    "stets sicher und gewinnbringend eingesetzt wurde. Die übertragenen Aufgaben wurden "
    "stets zu unserer vollsten Zufriedenheit erledigt.\n\nDas Arbeitsverhältnis endet auf "
    "eigenen Wunsch. Wir bedauern diese Entscheidung sehr und wünschen für die berufliche "
    "und private Zukunft alles Gute und weiterhin viel Erfolg.\n\n{ref}\nLeitung "
    "Personal\n",
    # 10 it_IT: a self-certification under D.P.R. 445/2000
    "DICHIARAZIONE SOSTITUTIVA DI CERTIFICAZIONE\n(art. 46 D.P.R. 28 dicembre 2000, "
    "n. 445)\n\nIl/La sottoscritto/a {FAMILY} {given}\nnato/a a {city2} il {dob}\n"
    "residente a {city} ({postcode}) in {street}\ncodice fiscale {national_id}\n\n"
    "consapevole delle sanzioni penali previste dall'art. 76 del D.P.R. 445/2000 per le "
    "ipotesi di falsità in atti e dichiarazioni mendaci,\n\nDICHIARA\n\n☒ di aver "
    "conseguito la Laurea Magistrale in Ingegneria Informatica presso il Politecnico di "
    "Milano in data 2{n4}/07/{year1} con votazione 110/110\n☐ di essere iscritto/a nelle "
    "liste di collocamento\n\nLetto, confermato e sottoscritto.\n{city}, lì ____________\n\n"
    "Il/La dichiarante\n{given} {family}\n",
    # 11 pt_BR: a freelancer's payment receipt (RPA) with the CPF as the Pix key
    "RECIBO DE PAGAMENTO A AUTÔNOMO – RPA Nº {n1}/{year2}\n\nRecebi de {company}, CNPJ "
    "{n5}.{n1}.{n1}/0001-{n5}, a importância líquida de R$ {n4}.{n1},{n2}, referente a "
    "serviços de consultoria em {tool1} prestados em março/{year2}.\n\nDADOS DO PRESTADOR"
    "\nNome: {name}\nCPF: {national_id}\nEndereço: {street}, {city} – CEP {postcode}\n"
    "Telefone: {phone}\nChave Pix (CPF): {national_id}\n\nValor bruto: R$ {n4}.{n6},00\n"
    "INSS (11%): R$ {n1},{n2}\nIRRF: isento\n\n{city}, {n4} de abril de {year2}\n\n"
    "______________________________\n{NAME}\n",
    # 12 nl_NL: a LinkedIn profile copied whole, About and Experience in Dutch
    "{name}\n{role} bij {company} | {tool1} · {tool2}\n{city}, Nederland · "
    "Contactgegevens\n500+ connecties\n\nInfo\nAls {role} help ik teams in de "
    "{domain}-sector sneller en slimmer te werken. Bij {company} {achievement}. Open voor "
    "nieuwe uitdagingen! Mail me op {email} of bel {phone}.\n\nErvaring\n{role}\n{company} "
    "· Fulltime\njan. {year2} - heden · {n4} jr {n4} mnd\n{city}, Nederland · Hybride\n"
    "{achievement2}.\n\nSenior Consultant\nCapgemini · Fulltime\n{year1} - {year2} · "
    "{n4} jr\n\nContactgegevens\nProfiel van {given}\n{link}\nE-mail\n{email}\n",
    # 13 pl_PL: a Polish CV with PESEL and the GDPR (RODO) consent clause
    "CURRICULUM VITAE\n\n{NAME}\n\nDANE OSOBOWE\nData urodzenia: {dob}\nPESEL: "
    "{national_id}\nAdres: {street}, {postcode} {city}\nTelefon: {phone}\nE-mail: {email}\n"
    "LinkedIn: {link}\n\nDOŚWIADCZENIE ZAWODOWE\n{year1}–{year2}  {company}, {city2} — "
    "{role}\n• {achievement2}\n\nUMIEJĘTNOŚCI\n{tool1}, {tool2}, {tool3}; prawo jazdy kat. B"
    "\n\nWyrażam zgodę na przetwarzanie moich danych osobowych przez pracodawcę w celu "
    "prowadzenia rekrutacji na aplikowane przeze mnie stanowisko, zgodnie z art. 6 ust. 1 "
    "lit. a Rozporządzenia Parlamentu Europejskiego i Rady (UE) 2016/679 z dnia 27 kwietnia "
    "2016 r. (RODO).\n",
    # 14 sv_SE: a vCard pasted into a chat, the name split by a semicolon
    "kan du lägga in den här kontakten i CRM:et? fick den som .vcf från {ref_given}\n\n"
    "BEGIN:VCARD\nVERSION:3.0\nN:{family};{given};;;\nFN:{name}\nORG:{company}\nTITLE:"
    "{role}\nTEL;TYPE=CELL:{phone}\nEMAIL;TYPE=INTERNET:{email}\nADR;TYPE=HOME:;;{street};"
    "{city};;{postcode};{country}\nURL:{link}\nNOTE:Träffades på {tool1}-meetupen i "
    "{city2}\nEND:VCARD\n",
    # 15 ko_KR: a job-site résumé header
    "[사람인 이력서] {role} 지원\n\n{name}  |  {dob}\n휴대폰  {phone}\n이메일  {email}\n"
    "주소  ({postcode}) {street}\n포트폴리오  {link}\n\n학력사항\n{year1}.03 ~ {year2}.02  "
    "한국대학교 컴퓨터공학과 졸업 (학점 3.{n4}/4.5)\n\n경력사항  총 {years}년\n{company}  "
    "|  {role}  |  {year2}.0{n4} ~ 재직중\n· {tool1}, {tool2} 기반 서비스 운영\n\n자격증\n"
    "정보처리기사 ({year1}.11)  ·  TOEIC 8{n2}\n",
    # 16 vi_VN: a "Sơ yếu lý lịch" (personal history statement)
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\nSƠ YẾU LÝ LỊCH\n\n"
    "I. THÔNG TIN BẢN THÂN\nHọ và tên (chữ in hoa): {NAME}    Giới tính: Nam ☐ Nữ ☐\n"
    "Sinh ngày: {dob}    Nơi sinh: {city2}\nSố CCCD: {national_id}    Ngày cấp: "
    "1{n4}/0{n4}/{year2}    Nơi cấp: Cục Cảnh sát QLHC về TTXH\nHộ khẩu thường trú: "
    "{street}, {city}\nĐiện thoại: {phone}    Email: {email}\nKhi cần báo tin cho: {ref}, "
    "số điện thoại {ref_phone}\n\nII. QUÁ TRÌNH CÔNG TÁC\n{year1} - {year2}: {role} tại "
    "{company}\n\nTôi xin cam đoan những lời khai trên là đúng sự thật.\n{city}, ngày "
    "{n4} tháng {n4} năm {year2}\nNgười khai\n{name}\n",
    # 17 zh_CN: a shopping site's delivery address pasted to HR, with the salary card
    "HR同学你好，笔记本电脑和工牌麻烦寄到下面这个地址（直接从淘宝收货地址复制的）：\n\n"
    "收货人：{name}\n手机号码：{phone}\n所在地区：{city}\n详细地址：{street}\n邮政编码："
    "{postcode}\n\n另外入职材料里要的身份证号是 {national_id}，工资卡号 {card}。有问题打我"
    "电话或者发邮件到 {email}，谢谢！\n（工号 {n6}{n1}，{role}，{year2}年{n4}月{n4}日入职）\n",
    # 18 ja_JP: a JIS résumé (履歴書) copied out of its PDF, the furigana lines empty
    "履　歴　書　　　　　　　　{year2}年{n4}月{n4}日現在\n\nふりがな\n氏　　名　{family}　"
    "{given}\n\n生年月日　{dob}生（満　　歳）\n\nふりがな\n現住所　〒{postcode}\n{street}\n"
    "電話　{phone}\nE-mail　{email}\n\nふりがな\n連絡先　〒　　　　（現住所以外に連絡を"
    "希望する場合のみ記入）\n同上\n\n年　　月　　学歴・職歴\n　　　　　　学　歴\n{year1}　"
    "3　　都立高等学校　卒業\n　　　　　　職　歴\n{year2}　4　　{company}　入社\n　　　　　　"
    "{role}として{tool1}を用いた開発に従事\n　　　　　　　　　　　　　　　以上\n",
    # 19 tr_TR: a leave petition (dilekçe) to HR
    "{company}\nİNSAN KAYNAKLARI MÜDÜRLÜĞÜNE\n\nŞirketinizde {role} olarak görev "
    "yapmaktayım. {year2} yılına ait yıllık ücretli iznimden {n4} iş günü kullanmak "
    "istiyorum. İzin süresince görevlerime {ref} vekâlet edecektir; bana aşağıdaki adres ve "
    "telefondan ulaşılabilir.\n\nGereğini bilgilerinize arz ederim.\n\n"
    "{n4}.0{n4}.{year2}\n\nAdı Soyadı: {name}\nT.C. Kimlik No: {national_id}\nSicil No: "
    "{n6}\nİzin adresi: {street}, {postcode} {city}\nTelefon: {phone}\nİmza:\n\nEk: Yok\n",
)


def dev_extras(fake_of: Callable[[str], Faker], seed: int) -> list[Document]:
    """Documents only the development split holds, in forms written after the test split
    was frozen (so that the test split stays as committed)."""
    rng = random.Random(seed + 1)
    documents = []
    for i in range(70):
        locale = LOCALES[i % len(LOCALES)]
        fake = fake_of(locale)
        p = person(fake, rng, locale)
        ref_locale = rng.choice(LOCALES)
        ref = person(fake_of(ref_locale), rng, ref_locale)
        fields = {
            **fillers(fake, rng),
            **{k: v for k, v in vars(p).items() if isinstance(v, str)},
            **secrets(rng),
            "dob2": dob_forms("en", fake.date_of_birth(minimum_age=20, maximum_age=60), rng),
            "ref": ref.name,
        }
        template = DEV_EXTRA_TEMPLATES[i % len(DEV_EXTRA_TEMPLATES)]
        text = template.format(**fields)
        used = sorted(set(re.findall(r"\{(\w+)\}", template)))
        kinds = {**FIELD_KINDS, "dob2": "DATE_OF_BIRTH"}
        values = [(kinds[n], fields[n]) for n in used if n in kinds]
        credentials = [fields[n] for n in used if n in secrets(random.Random(0))]
        kind = "secret" if credentials else "pii"
        documents.append(
            Document(f"dev-extra-{i:04d}", kind, locale, text, values, None, credentials)
        )
    return documents


def written_layouts(
    fake_of: Callable[[str], Faker], rng: random.Random, templates: tuple[str, ...], prefix: str
) -> list[Document]:
    """Documents only the development split holds, in layouts written after the test split
    was frozen, without the detector in view: 80 of them, over ``templates`` in turn."""
    documents = []
    for i in range(80):
        locale = LOCALES[i % len(LOCALES)]
        text, values = _render(templates[i % len(templates)], people_fields(fake_of, rng, locale))
        documents.append(Document(f"{prefix}-{i:04d}", "pii", locale, text, values))
    return documents


def build(split: str) -> list[Document]:
    """The documents of ``split``, as on ``CORPUS_DAY``: Faker counts dates of birth (and
    the identifiers that hold them) back from today, so without a fixed day the same
    seed would give other documents on another day."""
    with time_machine.travel(CORPUS_DAY, tick=False):
        return _documents(split)


def _documents(split: str) -> list[Document]:
    seed = SEEDS[split]
    flip = 0 if split == "dev" else 1
    rng = random.Random(seed)
    fakes: dict[str, Faker] = {}

    def fake_of(locale: str) -> Faker:
        if locale not in fakes:
            fakes[locale] = Faker(locale)
            fakes[locale].seed_instance(seed + len(fakes))
        return fakes[locale]

    def half(templates: tuple[str, ...] | list[str]) -> list[str]:
        """Every other template of each group (by the rarest kind it holds), so that both
        splits get dates of birth, cards, identifiers and links."""
        groups: dict[str, list[str]] = {}
        for template in templates:
            rare = [f for f in ("{dob", "{card", "{national_id", "{link") if f in template]
            groups.setdefault(rare[0] if rare else "", []).append(template)
        chosen = {t for group in groups.values() for i, t in enumerate(group) if i % 2 == flip}
        return [t for t in templates if t in chosen]

    documents = [
        *hand_written(fake_of, rng, half(PII_TEMPLATES), 260, split),
        *presidio_documents(fake_of, rng, half(presidio_templates()), 160, split),
        *subject_documents(fake_of, rng, 40, split, flip),
    ]
    for i in range(300):
        fake = fake_of(LOCALES[i % len(LOCALES)])
        text = half(NO_PII_TEMPLATES)[i % 4].format(**fillers(fake, rng))
        documents.append(Document(f"{split}-clean-{i:04d}", "clean", fake.locales[0], text, []))
    for i in range(30):
        found = secrets(rng)
        template = half(SECRET_TEMPLATES)[i % 5]
        text = template.format(**found)
        used = [found[n] for n in sorted(set(re.findall(r"\{(\w+)\}", template)))]
        documents.append(Document(f"{split}-secret-{i:04d}", "secret", "en_US", text, [], None,
                                  used))  # fmt: skip
    if split == "dev":
        documents += dev_extras(fake_of, seed)
        documents += written_layouts(
            fake_of, random.Random(seed + 2), DEV_LAYOUT_TEMPLATES, "dev-layout"
        )
        documents += written_layouts(
            fake_of, random.Random(seed + 3), DEV_LAYOUT_TEMPLATES_2, "dev-layout2"
        )
        documents += written_layouts(
            fake_of, random.Random(seed + 4), DEV_LAYOUT_TEMPLATES_3, "dev-layout3"
        )
        documents += written_layouts(
            fake_of, random.Random(seed + 5), DEV_LAYOUT_TEMPLATES_4, "dev-layout4"
        )
        documents += clean_texts()
        documents += fresh_documents()
    for document in documents:
        document.values = [(k, v) for k, v in dict.fromkeys(document.values) if v in document.text]
    return documents


CLEAN_TEXTS = Path(__file__).resolve().parent / "data" / "privacy_clean"


def clean_texts() -> list[Document]:
    """The career texts without personal data in ``data/privacy_clean`` (its README says
    what each is), as the development split's ``dev-clean2-NN``."""
    languages = dict(
        re.findall(
            r"^\| (\d+)\.txt \| .+ \| (\w+) \|$", (CLEAN_TEXTS / "README.md").read_text(), re.M
        )
    )
    return [
        Document(f"dev-clean2-{path.stem}", "clean", languages[path.stem], path.read_text(), [])
        for path in sorted(CLEAN_TEXTS.glob("*.txt"))
    ]


FRESH = Path(__file__).resolve().parent / "data" / "privacy_fresh" / "documents.jsonl"


def fresh_documents() -> list[Document]:
    """Documents with personal data from 17 countries in ``data/privacy_fresh``, written
    for the project without the detector in view (2026-12-07), as the development
    split's ``dev-fresh-NN``."""
    documents = []
    for line in FRESH.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        values = [
            (kind, _untitled(value) if kind == "PERSON" else value)
            for kind, value in item["values"]
        ]
        number = item["id"].rsplit("-", 1)[1]
        documents.append(
            Document(f"dev-fresh-{number}", "pii", item["locale"], item["text"], values)
        )
    return documents


_TITLES = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Dr|Herr|Frau|Monsieur|Madame|Mme|Sr|Sra|dott|dott\.ssa|ing|signora"
    r"|Mevrouw|Pani)\.?\s+)+"
)
"""The titles the batch's writers put before family names ("Frau Mair", "dott.ssa
Rossi", "Herr Dr. Brandt"), read off its values."""


def _untitled(value: str) -> str:
    """A name without the titles before it: the rest of the set labels a name without
    them, as de-identification guidelines do (a title is not the person's data), and
    strict scoring would otherwise call a masked family name a leak for its "Ms"."""
    title = _TITLES.match(value)
    return value[title.end() :] if title else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=sorted(SEEDS), required=True)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or DATA / f"{args.split}.jsonl"
    documents = build(args.split)
    with out.open("w", encoding="utf-8") as sink:
        for document in documents:
            sink.write(json.dumps(vars(document), ensure_ascii=False) + "\n")
    values = sum(len(d.values) for d in documents)
    print(f"{out}: {len(documents)} documents, {values} personal values")


if __name__ == "__main__":
    main()

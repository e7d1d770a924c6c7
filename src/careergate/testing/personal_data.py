"""Synthetic documents full of personal data, with every value labelled.

For measuring what the privacy step lets through (leakage per kind) and what it takes
that it should not (over-masking), here and in the platform's own tests. Documents are
resumes and chat messages in the shapes a career platform sees, with names from many
cultures, phone numbers and addresses in several national formats, and ordinary content
(skills, employers, years, figures) that must survive untouched. The same seed gives the
same documents.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from careergate.privacy.findings import PiiKind

GIVEN = [
    "Jane",
    "Michael",
    "Priya",
    "Oluwaseun",
    "Mei",
    "Carlos",
    "Fatima",
    "Liam",
    "Sofia",
    "Hiroshi",
    "Anna",
    "Mateo",
    "Aisha",
    "Lukas",
    "Chloe",
    "Dmitri",
    "Nkechi",
    "Rahul",
    "Ingrid",
    "Tomasz",
    "Yusuf",
    "Camille",
    "Kwame",
    "Elena",
    "Arjun",
    "Freya",
    "Diego",
    "Leila",
    "Jonas",
    "Amara",
    "Pierre",
    "Siobhan",
    "Wei",
    "Gabriela",
    "Omar",
    "Hannah",
    "Kenji",
    "Zanele",
    "Marco",
]
FAMILY = [
    "Doe",
    "Chen",
    "Patel",
    "Adeyemi",
    "Wong",
    "Garcia",
    "Haddad",
    "Murphy",
    "Rossi",
    "Tanaka",
    "Kowalski",
    "Fernandez",
    "Khan",
    "Schmidt",
    "Dubois",
    "Ivanov",
    "Okafor",
    "Sharma",
    "Larsen",
    "Nowak",
    "Yilmaz",
    "Moreau",
    "Mensah",
    "Petrova",
    "Gupta",
    "Andersen",
    "Torres",
    "Nasser",
    "Becker",
    "Diallo",
    "Lefebvre",
    "Brennan",
    "Zhang",
    "Silva",
    "Farouk",
    "Weber",
    "Nakamura",
    "Dlamini",
    "Bianchi",
]
STREETS = [
    "Baker",
    "Maple",
    "Oak",
    "High",
    "Church",
    "Station",
    "Elm",
    "Victoria",
    "Park",
    "Mill",
    "King",
    "Queen",
    "Cedar",
    "Willow",
    "Chestnut",
]
STREET_TYPES = ("Street", "St", "Road", "Avenue", "Lane", "Drive", "Close", "Way")
TOWNS = ("London", "Leeds", "Bristol", "Springfield", "Portland", "Austin", "Dublin", "Denver")
DOMAINS = ("example.com", "mail.example.org", "inbox.example.net", "example.co.uk")
EMPLOYERS = ("Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Bank")
TITLES = ("Data Engineer", "Staff Nurse", "Logistics Coordinator", "Financial Analyst", "Teacher")
SKILLS = ("Python", "SQL", "Kubernetes", "patient care", "forecasting", "Excel", "Spanish")


@dataclass
class LabelledDocument:
    text: str
    values: list[tuple[PiiKind, str]] = field(default_factory=list)
    """Every piece of personal data in ``text``."""
    keep: list[str] = field(default_factory=list)
    """Ordinary content that must survive (skills, employers, titles, years, figures)."""
    subject: dict[str, list[str]] = field(default_factory=dict)
    """What the platform knows of the document's subject (``SubjectSpec`` fields)."""


class _Maker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values: list[tuple[PiiKind, str]] = []

    def put(self, kind: PiiKind, value: str) -> str:
        self.values.append((kind, value))
        return value

    def name(self) -> str:
        return f"{self.rng.choice(GIVEN)} {self.rng.choice(FAMILY)}"

    def email(self, name: str) -> str:
        given, family = name.lower().split()
        user = self.rng.choice([f"{given}.{family}", f"{given[0]}{family}", f"{given}_{family}7"])
        return f"{user}@{self.rng.choice(DOMAINS)}"

    def phone(self) -> str:
        r = self.rng
        formats = [
            f"+44 20 {r.randint(7000, 8999)} {r.randint(1000, 9999)}",
            f"07{r.randint(100, 999)} {r.randint(100000, 999999)}",
            f"({r.randint(201, 989)}) {r.randint(200, 999)}-{r.randint(1000, 9999)}",
            f"+1 {r.randint(201, 989)} {r.randint(200, 999)} {r.randint(1000, 9999)}",
            f"+49 30 {r.randint(1000000, 9999999)}",
            f"{r.randint(201, 989)}.{r.randint(200, 999)}.{r.randint(1000, 9999)}",
        ]
        return r.choice(formats)

    def address(self) -> str:
        r = self.rng
        forms = [
            f"{r.randint(1, 250)} {r.choice(STREETS)} {r.choice(STREET_TYPES)}, "
            f"{r.choice(TOWNS[:3])} {r.choice(['NW1', 'LS2', 'BS8', 'SW1A'])} "
            f"{r.randint(1, 9)}{r.choice(['AB', 'XE', 'HQ', 'JT'])}",
            f"{r.randint(1, 9999)} {r.choice(STREETS)} {r.choice(STREET_TYPES)}, "
            f"{r.choice(TOWNS[3:])}, {r.choice(['IL', 'OR', 'TX', 'CO'])} "
            f"{r.randint(10000, 99999)}",
            f"{r.choice(['Haupt', 'Linden', 'Garten', 'Berg'])}straße {r.randint(1, 120)}",
            f"{r.randint(1, 80)} rue de la {r.choice(['Paix', 'Gare', 'République'])}",
            f"{r.randint(1, 300)}B {r.choice(STREETS)} St, Apt {r.randint(1, 40)}",
        ]
        return r.choice(forms)

    def birth_date(self) -> str:
        r = self.rng
        day, month, year = r.randint(1, 28), r.randint(1, 12), r.randint(1960, 2003)
        months = (
            "January February March April May June July August September October November December"
        )
        return r.choice(
            [
                f"{day:02d}/{month:02d}/{year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{months.split()[month - 1]} {day}, {year}",
            ]
        )

    def national_id(self) -> str:
        r = self.rng
        return r.choice(
            [
                f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}",
                f"{r.choice(['AB', 'CE', 'JK', 'PR'])} {r.randint(10, 99)} {r.randint(10, 99)} "
                f"{r.randint(10, 99)} {r.choice('ABCD')}",
            ]
        )


def labelled_documents(count: int, seed: int = 7) -> list[LabelledDocument]:
    """``count`` documents, half resumes and half chat messages."""
    rng = random.Random(seed)
    return [(_resume if n % 2 == 0 else _message)(_Maker(rng)) for n in range(count)]


def _resume(m: _Maker) -> LabelledDocument:
    r = m.rng
    name = m.name()
    given = name.split()[0]
    email, phone, address = m.email(name), m.phone(), m.address()
    link = f"https://linkedin.com/in/{name.lower().replace(' ', '-')}-{r.randint(10, 99)}"
    birth, ident = m.birth_date(), m.national_id()
    referee = m.name()
    employer, title, skill = r.choice(EMPLOYERS), r.choice(TITLES), r.choice(SKILLS)
    start = r.randint(2008, 2018)
    figure = f"{r.randint(10, 60)}%"
    text = (
        f"{m.put(PiiKind.PERSON, name)}\n{m.put(PiiKind.ADDRESS, address)}\n"
        f"Email: {m.put(PiiKind.EMAIL, email)} | Phone: {m.put(PiiKind.PHONE, phone)}\n"
        f"Profile: {m.put(PiiKind.LINK, link)}\n"
        f"Date of birth: {m.put(PiiKind.DATE_OF_BIRTH, birth)}. "
        f"National ID: {m.put(PiiKind.NATIONAL_ID, ident)}\n\n"
        f"Summary: {title} with {r.randint(3, 15)} years of experience in {skill}.\n"
        f"Experience: {title}, {employer}, {start} - {start + 3}. "
        f"Cut costs by {figure} and trained {r.randint(2, 20)} colleagues.\n"
        f"Reference: {m.put(PiiKind.PERSON, referee)}, manager at {employer}.\n"
        f"{m.put(PiiKind.PERSON, given)} is available from {start + 5}."
    )
    subject = {
        "names": [name],
        "emails": [email],
        "phones": [phone],
        "addresses": [address],
        "links": [link],
    }
    keep = [employer, title, skill, str(start), figure]
    return LabelledDocument(text, m.values, keep, subject)


def _message(m: _Maker) -> LabelledDocument:
    r = m.rng
    name, colleague = m.name(), m.name()
    email, phone = m.email(name), m.phone()
    employer, title = r.choice(EMPLOYERS), r.choice(TITLES)
    text = r.choice(
        [
            f"Hi, I'm {m.put(PiiKind.PERSON, name)} and I'm applying for the {title} role at "
            f"{employer}. My colleague {m.put(PiiKind.PERSON, colleague)} recommended it. "
            f"You can reach me on {m.put(PiiKind.PHONE, phone)} or "
            f"{m.put(PiiKind.EMAIL, email)}.",
            f"Please write a cover letter for {m.put(PiiKind.PERSON, name)} "
            f"({m.put(PiiKind.EMAIL, email)}), who lives at "
            f"{m.put(PiiKind.ADDRESS, m.address())} and worked as a {title} at {employer}.",
            f"My manager {m.put(PiiKind.PERSON, colleague)} asked me to update my profile. "
            f"I was born on {m.put(PiiKind.DATE_OF_BIRTH, m.birth_date())} and my number is "
            f"{m.put(PiiKind.PHONE, phone)}. I have worked at {employer} as a {title}.",
        ]
    )
    return LabelledDocument(text, m.values, [employer, title], {"names": [name], "emails": [email]})

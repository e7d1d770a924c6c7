"""What matching reads of an advert's terms, phrase by phrase: whether it sponsors a
visa, and what languages it asks for at what level, against a résumé's fluency. Each
phrase is one adverts and CVs write; the expected reading is a recruiter's."""

from __future__ import annotations

import pytest

from careergate.features.documents import Segment, job_segments
from careergate.features.extraction.finder import SkillFinder
from careergate.features.fit.languages import language_level, required_languages
from careergate.features.fit.sponsorship import Sponsorship, sponsorship

OFFERED, REQUIRED, SILENT = Sponsorship.OFFERED, Sponsorship.REQUIRED, Sponsorship.SILENT


@pytest.mark.parametrize(
    ("said", "reading"),
    [
        ("Visa sponsorship available for the right candidate.", OFFERED),
        ("Sponsorship available.", OFFERED),
        ("H-1B sponsorship available.", OFFERED),
        ("Certificate of Sponsorship provided.", OFFERED),
        ("We are a Home Office licensed sponsor.", OFFERED),
        ("Customs Clearance Specialist (relocation and visa provided)", OFFERED),
        ("Must be eligible to work in the UK; sponsorship considered.", OFFERED),
        ("Full working rights in Australia, or eligible for sponsorship", OFFERED),
        ("Sponsorship is available for applicants without the right to work in Canada.", OFFERED),
        ("Visa sponsorship available, but no relocation package.", OFFERED),
        ("We will sponsor your visa at no cost to you.", OFFERED),
        ("Wir bieten Visa-Sponsoring und Umzugshilfe.", OFFERED),
        ("Wij bieden sponsoring voor kennismigranten.", OFFERED),
        ("Ofrecemos patrocinio de visado.", OFFERED),
        ("Sponsorship: No", REQUIRED),
        ("Sponsorship is not available for this role.", REQUIRED),
        ("Visa sponsorship: N/A", REQUIRED),
        ("Visa sponsorship is unavailable for this position.", REQUIRED),
        ("Visa sponsorship for the U.S. is not available.", REQUIRED),
        ("Visa sponsorship (e.g. H-1B) is not provided.", REQUIRED),
        ("We are unable to offer sponsorship for this role.", REQUIRED),
        ("We cannot sponsor.", REQUIRED),
        ("No H-1B sponsorship.", REQUIRED),
        ("Applicants must be authorized to work in Canada without sponsorship.", REQUIRED),
        ("Applicants requiring visa assistance need not apply.", REQUIRED),
        ("Keine Visa-Sponsorship möglich.", REQUIRED),
        ("Nous ne sponsorisons pas de visa.", REQUIRED),
        ("Geen sponsoring voor kennismigranten mogelijk.", REQUIRED),
        ("Valid work authorization required.", REQUIRED),
        ("Must be a US citizen or Green Card holder.", REQUIRED),
        ("Full right-to-work in Canada required.", REQUIRED),
        ("Employees are eligible for company-sponsored medical, dental and vision cover.", SILENT),
        ("Fully sponsored HGV Class 2 licence training.", SILENT),
        ("We will sponsor your forklift licence.", SILENT),
        ("Work with the executive sponsor to deliver the office relocation.", SILENT),
        ("Liaise with the sponsor on import permits and ethics approvals.", SILENT),
        ("Sell sponsorship and licence packages to brands.", SILENT),
        ("Annual leave and sponsored certifications.", SILENT),
        ("Visa support for business trips to our Shenzhen suppliers.", SILENT),
        ("Visa assistance with client visits abroad is arranged by our travel desk.", SILENT),
    ],
)
def test_what_an_advert_says_of_sponsoring_a_visa(said: str, reading: Sponsorship) -> None:
    assert sponsorship([Segment("description", said)]) is reading


def test_an_offer_anywhere_outweighs_a_demand_and_a_benefit_is_no_offer() -> None:
    """ "We are unable to sponsor visas" stays a refusal beside a company-sponsored
    pension, and a demand gives way to an offer in another sentence."""
    refused = "Must be authorized to work in Canada. We are unable to sponsor visas."
    benefits = "Full-time employees are eligible for company-sponsored benefits."
    assert sponsorship([Segment("description", f"{refused} {benefits}")]) is REQUIRED
    offered = "Must be eligible to work in the UK. Visa sponsorship is available."
    assert sponsorship([Segment("qualifications[0]", offered)]) is OFFERED


@pytest.fixture(scope="module")
def finder() -> SkillFinder:
    return SkillFinder.shipped()


@pytest.mark.parametrize(
    ("asked", "needs"),
    [
        ("Fluent English required", [("English", 5)]),
        ("Languages: English C1, German B2", [("English", 5), ("German", 4)]),
        ("English: fluent, German: basic", [("English", 5), ("German", 2)]),
        ("Spanish native, English C1", [("Spanish", 6), ("English", 5)]),
        ("German (C1) and good English", [("German", 5), ("English", 4)]),
        ("English (min. B2) required", [("English", 4)]),
        ("English, level C1 or higher", [("English", 5)]),
        ("English at C1 level and German required", [("English", 5), ("German", None)]),
        ("Near-native English required", [("English", 5)]),
        ("A good team player who speaks basic German", [("German", 2)]),
        ("C1 driving licence and spoken English required", [("English", None)]),
        ("Category C1 licence holder, English speaker", [("English", None)]),
        ("React Native developer, English speaking", [("English", None)]),
        ("Advanced Excel skills and spoken English required", [("English", None)]),
        ("Fluent English required, German preferred", [("English", 5)]),
        (
            "Fluent German and English required (French is a plus)",
            [("German", 5), ("English", None)],
        ),
        ("Very good English and basic German.", [("English", 4), ("German", 2)]),
        ("Excellent command of English and French", [("English", 5), ("French", None)]),
        ("Our good English teachers will help you every day", []),
        ("Portuguese or Spanish a plus", []),
        ("Languages: German (nice to have)", []),
        ("English (essential), French (a plus)", [("English", None)]),
        ("German (B2 or better) or English (C1)", [("English|German", 4)]),
    ],
)
def test_the_languages_an_advert_asks_for_and_at_what_level(
    finder: SkillFinder, asked: str, needs: list[tuple[str, int | None]]
) -> None:
    segments = job_segments({"title": "Engineer", "qualifications": [asked]})
    found = [f for f in finder.find(segments) if f.skill.uri in finder.language_uris]
    text = {s.field: s.text for s in segments}
    read = [
        ("|".join(sorted(_label(finder, uri) for uri in need.languages)), need.level)
        for need in required_languages(found, text)
    ]
    assert read == needs


def _label(finder: SkillFinder, uri: str) -> str:
    return next(
        name for name in ("English", "German", "French", "Spanish", "Portuguese")
        if (skill := finder.lookup(name)) is not None and skill.uri == uri
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fluency", "level"),
    [
        ("Native speaker", 6),
        ("Muttersprache", 6),
        ("Fluent (C2)", 6),
        ("C1 - Advanced", 5),
        ("Full professional proficiency", 5),
        ("Native-like", 5),
        ("Good (B2)", 4),
        ("Professional working proficiency", 4),
        ("B2 (working towards C1)", 4),
        ("Conversational fluency", 3),
        ("Intermediate (B1)", 3),
        ("Pre-intermediate", 2),
        ("Basic (A2)", 2),
        ("Level 2", None),
    ],
)
def test_a_resumes_fluency_is_read_as_a_level(fluency: str, level: int | None) -> None:
    assert language_level(fluency) == level

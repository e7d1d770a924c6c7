"""What job matching reads from a posting and from a profile, besides their words:
skills (and which the posting must have), title words, seniority, credentials, place,
the right to work and languages.

Reading a posting takes about a millisecond, so what is read is kept per process,
keyed by a hash of the document's segments: a board of postings ranked again for the
next profile is not read again. The cache is bounded; the least recently used go first.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from careergate.features.documents import FLUENCY, Segment
from careergate.features.extraction.finder import SkillFinder
from careergate.features.extraction.labels import Found, normalise
from careergate.features.fit.credentials import Credentials
from careergate.features.fit.languages import LanguageNeed, required_languages, spoken_levels
from careergate.features.fit.levels import (
    Seniority,
    level_in,
    posting_seniority,
    profile_seniority,
)
from careergate.features.fit.place import Gazetteer, Place, place_of, rights
from careergate.features.fit.sponsorship import Sponsorship, sponsorship

_MUST = re.compile(r"\b(?:required|essential|must|need|needed)\b", re.I)
_NOT_TITLE = frozenset(
    # Grammar, gender marks ("(m/w/d)"), shifts and terms of employment: adverts put
    # them in titles ("Qualified Dental Nurse - Full Time") and they say nothing of the
    # line of work. ("Night" and "Contract" stay: a Night Porter's and a Contract
    # Manager's titles have little else.)
    """band m w d f x h the of and for in at a an nights days full part time permanent
    temporary temp fixed term locum hybrid remote qualified immediate start
    urgent""".split()  # noqa: SIM905 - a word list reads better as text
)
_ENGLISH_SPEAKING = frozenset({"GB", "IE", "US", "CA", "AU", "NZ"})
_USING_A_LANGUAGE = re.compile(
    r"(?:interact verbally in|understand spoken|understand written|write) (.+)"
)
"""ESCO's skills of using a language ("interact verbally in English", "write German")."""
_BETWEEN_PARTS = r"\s[-–—|]\s"
"""A dash or bar between spaces: where a title's parts meet."""
_QUALIFIED = re.compile(_BETWEEN_PARTS + r"|[,(]")
"""Where a person's title's qualifier starts: between parts, a comma, a bracket."""


@dataclass(frozen=True)
class Facts:
    skills: dict[str, str]
    """URI -> label of every skill shown."""
    must: frozenset[str] = frozenset()
    """The skills a posting requires (named among its qualifications, or as required)."""
    titles: tuple[frozenset[str], ...] = ()
    title_heads: tuple[frozenset[str], ...] = ()
    """A posting: the word naming the job of each of ``titles`` (``job_head``)."""
    title_cores: tuple[frozenset[str], ...] = ()
    """A person's titles before what qualifies them ("Software Engineer" of "Software
    Engineer - Payments Platform Team"), in the order of ``titles``."""
    seniority: Seniority = field(default_factory=lambda: Seniority(None, 0.0))
    credentials: frozenset[str] = frozenset()
    place: Place | None = None
    sponsorship: Sponsorship = Sponsorship.SILENT
    """A posting: what it says of the right to work of a person from abroad."""
    allowed: frozenset[str] = frozenset()
    """A profile: the countries the person may work in."""
    languages: frozenset[str] = frozenset()
    """A profile: the languages the person speaks."""
    language_levels: dict[str, int] = field(default_factory=dict)
    """A profile: the level of each language its languages section gives one (1 to 6)."""
    required_languages: tuple[LanguageNeed, ...] = ()
    """A posting: the languages it requires, each need met by any one of its languages
    ("German or English") at the level it asks."""


class FactReader:
    """Reads facts with the shared skill finder, credentials and gazetteer."""

    def __init__(self, finder: SkillFinder, today: date | None = None, cached: int = 50_000):
        self.finder = finder
        self.credentials = Credentials.shipped()
        self.gazetteer = Gazetteer.shipped()
        self.today = today or date.today()
        self._cache: OrderedDict[bytes, Facts] = OrderedDict()
        self._limit = cached
        self._lock = threading.Lock()

    def posting(self, segments: list[Segment]) -> Facts:
        return self._cached(b"job", segments, self._read_posting)

    def profile(self, segments: list[Segment]) -> Facts:
        return self._cached(b"resume", segments, self._read_profile)

    def _cached(
        self, kind: bytes, segments: list[Segment], read: Callable[[list[Segment]], Facts]
    ) -> Facts:
        digest = hashlib.blake2b(kind, digest_size=16)
        for segment in segments:
            digest.update(f"{segment.field}\0{segment.text}\0".encode())
        key = digest.digest()
        with self._lock:
            known = self._cache.get(key)
            if known is not None:
                self._cache.move_to_end(key)
                return known
        facts = read(segments)
        with self._lock:
            self._cache[key] = facts
            while len(self._cache) > self._limit:
                self._cache.popitem(last=False)
        return facts

    def _read_posting(self, segments: list[Segment]) -> Facts:
        found = self.finder.find(segments)
        text = {s.field: s.text for s in segments}
        must = {
            f.skill.uri
            for f in found
            if f.field.startswith("qualifications") or _MUST.search(text.get(f.field, ""))
        }
        title = next((s.text for s in segments if s.field == "title"), "")
        titles = _posting_titles(title)
        return Facts(
            skills={f.skill.uri: f.skill.label for f in found},
            must=frozenset(must),
            titles=tuple(titles),
            title_heads=tuple(titles.values()),
            seniority=posting_seniority(segments),
            credentials=frozenset(self.credentials.required(segments)),
            place=place_of(segments, "location"),
            sponsorship=sponsorship(segments),
            required_languages=required_languages(self._languages_of(found), text),
        )

    def _read_profile(self, segments: list[Segment]) -> Facts:
        found = self.finder.find(segments)
        home = place_of(segments, "basics.location")
        titles = [
            s.text for s in segments if s.field == "basics.label" or s.field.endswith(".position")
        ]
        spoken = self._languages_of(found)
        languages = {f.skill.uri for f in spoken}
        fluency = {
            s.field.removesuffix(FLUENCY) + ".language": s.text
            for s in segments
            if s.field.endswith(FLUENCY)
        }
        if home is not None and home.country in _ENGLISH_SPEAKING:
            english = self.finder.lookup("English")
            languages |= {english.uri} if english else set()
        return Facts(
            skills={f.skill.uri: f.skill.label for f in found},
            titles=tuple(_title_words(t) for t in titles),
            title_cores=tuple(_title_words(_QUALIFIED.split(t, maxsplit=1)[0]) for t in titles),
            seniority=profile_seniority(segments, self.today),
            credentials=frozenset(self.credentials.held(segments)),
            place=home,
            allowed=frozenset(rights(segments, home)),
            languages=frozenset(languages),
            language_levels=spoken_levels(spoken, fluency),
        )

    def _languages_of(self, found: list[Found]) -> list[Found]:
        """The languages among ``found``: a language's own skill, or one of ESCO's skills
        of speaking, understanding or writing it, read as the language ("speak English"
        is ESCO's "interact verbally in English")."""
        languages = []
        for finding in found:
            if finding.skill.uri in self.finder.language_uris:
                languages.append(finding)
            elif (using := _USING_A_LANGUAGE.fullmatch(finding.skill.label)) is not None:
                language = self.finder.lookup(using[1])
                if language is not None and language.uri in self.finder.language_uris:
                    languages.append(finding.as_skill(language))
        return languages


def title_fit(posting: Facts, profile: Facts, weights: dict[str, float]) -> float:
    """How alike the posting's title and the closest of the person's titles are: the
    harmonic mean of the share of the posting title's words the person's title has and
    the share of the person's title's words (before its qualifier) the posting's has,
    each word weighed (``weights``; a word no posting's title has weighs as the rarest).
    Both ways, so that "Site Engineer" is not taken for all of "Site Reliability
    Engineer"; a person's "- Payments Platform Team" is where they did the job, not
    another job. The first share is the best of the posting title whole and of each of
    its parts (``_posting_titles``): "£30k - Project Manager", "NHS Lothian - Staff
    Nurse" and "Carpenter - First and Second Fix (New Build)" name their job in one part.
    (A qualifier that holds the person's words counts too: "Accountant - Retail" fits a
    Retail Assistant, whose "Assistant" is a level word; reading only the part that
    names the job lost "Employer - Job" titles, which are common.) Titles that share
    only a generic head ("Officer") count for ``GENERIC_ONLY``."""
    whole = posting.titles[0] if posting.titles else frozenset()
    unseen = max(weights.values(), default=1.0)

    def weight(word: str) -> float:
        return weights.get(word, unseen)

    if not sum(map(weight, whole)):
        return 0.0
    heads = posting.title_heads or (frozenset(),) * len(posting.titles)
    parts = [
        (wanted, nouns, sum(map(weight, wanted)))
        for wanted, nouns in zip(posting.titles, heads, strict=True)
    ]
    words = whole.union(*posting.titles, *heads)
    best = 0.0
    for title, core in zip(profile.titles, profile.title_cores or profile.titles, strict=True):
        own = sum(map(weight, core))
        if not own:
            continue
        shown = sum(weight(o) for o in core if any(_same_word(w, o) for w in whole)) / own
        # The posting's words this title has a form of, each pair compared once.
        had = {w for w in words if any(_same_word(w, o) for o in title)}
        for wanted, nouns, total in parts:
            shared = wanted & had
            covered = sum(map(weight, shared)) / total
            if covered and shown:
                fit = 2 * covered * shown / (covered + shown)
                # "Consultant" is "Consultant"; "Office" shares only a rank with "Officer".
                generic = fit < 1.0 and all(_generic(w, title) for w in shared)
                if generic:
                    fit *= GENERIC_ONLY
                elif nouns and not nouns & had:
                    fit *= OTHER_HEAD
                best = max(best, fit)
    return best


GENERIC_ONLY = 0.3
"""What a title fit counts for when the titles share only a word that heads titles in
every line of work: a Project Officer and a Payroll Officer share a rank, not a job."""
OTHER_HEAD = 0.5
"""What a title fit counts for when the person's title lacks the word that names the
posting's doer (``job_head``): a Medical Imaging Receptionist's post shares two words
with a Medical Imaging Technologist and is another job."""
_GENERIC_HEADS = frozenset(
    """officer executive manager assistant specialist associate coordinator consultant
    advisor adviser administrator technician worker operative representative agent
    lead head director supervisor clerk partner""".split()  # noqa: SIM905 - a word list
)


_STATUSES = frozenset(["registered", "licensed", "certified", "chartered", "accredited"])
"""Words of a professional status that titles in many lines of work hold: a Registered
Pharmacy Technician and a Registered Veterinary Technician share a status and a rank,
not a job."""


def _generic(word: str, title: frozenset[str]) -> bool:
    """A generic head or status, or a word that is a form of only the generic heads of
    ``title`` ("office" of an "Officer")."""
    if word in _GENERIC_HEADS or word in _STATUSES:
        return True
    return all(o in _GENERIC_HEADS for o in title if _same_word(word, o))


def _posting_titles(title: str) -> dict[frozenset[str], frozenset[str]]:
    """A posting title's words whole, then those of each of its parts (split at a dash
    or bar between spaces, or a bracket; ``_title_pieces``), each part with words:
    "Remote - Data Engineer", "NHS Lothian - Staff Nurse", "(Senior) Data Engineer
    (m/w/d)"; each with its head (``job_head``; the whole title's is its first part's),
    a set of none or one."""
    parts = [(words, part) for part in _title_pieces(title) if (words := _title_words(part))]
    unique = {_title_words(title): job_head(parts[0][1]) if parts else frozenset()}
    for words, part in parts:
        if words not in unique:
            unique[words] = job_head(part)
    return unique


def _title_pieces(title: str) -> list[str]:
    """A posting title's parts, and a part's alternatives after a slash between spaces
    where what stands before it is a title of its own ("Junior Quantity Surveyor /
    Baukalkulator", "Receptionist / Administrator"; not "Mechanical / Electrical
    Engineer" nor "Kitchen / Catering Assistant", whose first word only qualifies the
    job after it)."""
    pieces = []
    for part in _POSTING_QUALIFIED.split(title):
        first, slash, rest = part.partition(" / ")
        words = _ordered_title_words(first)
        if slash and (len(words) >= 2 or (words and _is_doer(words[-1]))):
            pieces += [first, rest]
        else:
            pieces.append(part)
    return pieces


def job_head(title: str) -> frozenset[str]:
    """The word that names the job when it names a doer: the last of the title's words
    (levels, grades and noise left out), with an agent noun's ending ("Receptionist" of
    "Medical Imaging Receptionist", "Engineer" of "Data Protection Engineer",
    "Technician" of "Data Center Technician"). None for a title that ends otherwise
    ("Registered Nurse RGN", "Chef de Partie", "Motor Mechanic") or in a generic rank
    ("Facilities Coordinator"): nothing is asked of those."""
    words = _ordered_title_words(title)
    return frozenset(words[-1:]) if words and _is_doer(words[-1]) else frozenset()


def _ordered_title_words(title: str) -> list[str]:
    """A title's words in order, without level words, numbers and noise, crudely
    stemmed."""
    every = [w for w in normalise(title) if not w.isdigit()]
    return _stemmed([w for w in every if w not in _NOT_TITLE and level_in(w) is None])


def _stemmed(words: list[str]) -> list[str]:
    return [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words]


def _is_doer(word: str) -> bool:
    return (
        len(word) > 4
        and word.endswith(_DOERS)
        and not word.endswith("ment")
        and word not in _GENERIC_HEADS
        and word not in _NOT_DOERS
    )


_NOT_DOERS = frozenset(
    """floor door motor center centre water power computer customer interior exterior
    sector order number paper contractor freelancer""".split()  # noqa: SIM905 - a word list
)
"""Words with an agent noun's ending that name no doer ("Shop Floor Assistant"), or the
terms the job is done on ("Data Engineer Contractor")."""


_DOERS = ("er", "or", "ist", "ian", "ant", "ent", "eur", "euse", "era", "ero", "ista")
"""Endings of agent nouns in the platform's languages."""

_POSTING_QUALIFIED = re.compile(_BETWEEN_PARTS + r"|[()]")
"""Where a posting title's parts meet: not at a comma, which may be inside the job's
name ("Health, Safety and Environment Manager"); a slash, see ``_title_pieces``."""


@functools.lru_cache(maxsize=1 << 16)
def _same_word(one: str, other: str) -> bool:
    """The same word, or forms of one ("carer" and "care", "nurse" and "nursing",
    "finance" and "financial", "actuary" and "actuarial"), not a word that merely begins
    alike ("care" and "carpenter", "port" and "portal", "trainee" and "trainer").
    Remembered: ranking compares every posting title's words with every title of the
    person's, and titles are made of few distinct words."""
    if one == other:
        return True
    short, long = sorted((one, other), key=len)
    if len(short) < 4:
        return False
    if short.endswith("y"):
        # "actuar-y" and "actuar-ial"; not "physiotherap-ist" nor "librar-ian", whose
        # fields ("Physiotherapy Assistant", "Library Assistant") are other jobs.
        stem, ending = short[:-1], long[len(short) - 1 :]
        return long.startswith(stem) and ending in _Y_ENDINGS
    stem = short[:-1] if short.endswith("e") else short
    ending = long[len(stem) :]
    if not long.startswith(stem) or ending not in _ENDINGS:
        return False
    return stem == short or ending[0] in "aeio"  # "police" is not "policy"


_Y_ENDINGS = frozenset({"ial"})
_ENDINGS = frozenset(
    """e s er ers es ing ion ist ian ant ery ry y ial ician nician istrator therapist
    therapy""".split()  # noqa: SIM905 - a word list reads better as text
)
"""What a form of a word adds to its stem ("teach-er", "electric-ian", "financ-ial"),
and what a short form of a title's word leaves out ("admin-istrator", "tech-nician",
"physio-therapist")."""


def _title_words(title: str) -> frozenset[str]:
    """``_ordered_title_words`` as a set; a title made of nothing else ("Porter",
    "Supervisor") keeps its words."""
    words = _ordered_title_words(title)
    return frozenset(words or _stemmed([w for w in normalise(title) if not w.isdigit()]))

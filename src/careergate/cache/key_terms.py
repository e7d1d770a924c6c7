"""The key terms of a question: what two questions must share for one's answer to serve
the other, however close their meanings look.

An embedding scores "a team of five developers" and "... fifty developers", or "a civil
engineer" and "a mechanical engineer", as near-identical, yet each pair asks two
questions. So the semantic cache (``semantic.py``) compares only questions whose key
terms are equal, as sets:

- numbers and quantities: digits and number words (``five`` is ``5``), years, a
  multiplier after one (``100k`` is ``100,000``, not ``100``; ``50m`` is not ``50k``)
  and any other ending written onto one (``7am`` is not ``7pm``, ``30s`` not ``30``),
  the currency sign before one ("$90,000" is not "£90,000"), and a comparison before one
  ("under 50" is not "over 50");
- negation and polarity: ``not``, ``no``, ``never``, ``without``, ``n't``, and verbs that
  turn a question round (``avoid``, ``stop``, ``decline``...), as one term: present or not;
- names: proper nouns as written (a capital not at a sentence's start, an acronym, an
  inner capital: ``Berlin``, ``SQL``, ``LinkedIn``), which is also how places are
  written, in any script (``Łódź``, ``Иван``); not stemmed (``AWS`` is no plural);
- skills: what a skill finder finds (the gateway gives the one of
  ``features.extraction``: ESCO and Lightcast), as the skill's identifier, so synonyms
  the taxonomies know are one term;
- occupations: the words of job titles (``data/occupation_words.txt``), seniority
  (``junior``, ``senior``, ``apprentice``...) and agent nouns (``-ist``, ``-ian``, ``-eer``);
- career documents: ``resume``, ``cover letter``, ``resignation letter``, ``portfolio``...;
- direction: a term after ``from`` and one after a later ``to``, or after ``into``, are
  marked as such ("from teaching into design" is not "from design into teaching"), and
  so are the terms after ``instead``, ``rather``, ``than``, ``versus`` ("a bonus instead
  of a raise" is not "a raise instead of a bonus");
- who does what to whom: the pronouns of others and the asker as an object
  (``_PERSONS``: "Should I hire them?" is not "Should they hire me?", nor "a company that
  I rejected" "a company that rejected me");
- every other word too, stemmed (``pharmacists`` is ``pharmacist``), but the words that
  only frame a request (``_FRAME``: articles, the asker as subject, ``you``, the
  auxiliaries, ``how`` and ``what``, politeness): a question differs from another in
  any word that carries meaning ("before the interview" is not "after", "part-time" not
  "full-time", "renew a visa" not "apply for one"), not only in the kinds above;
- the order of those words, and of negations: "love coding but hate maths" is not "love
  maths but hate coding", nor "the same position at several companies" "several
  positions at the same company".

So two questions share their key terms when they ask with the same words of meaning in
the same order, however they are framed ("What skills do I need to become a data
engineer?" and "Which skills are needed to become a data engineer?"). A paraphrase that
changes a word of meaning ("my boss" for "my manager", "pay" for "salary") is a miss: a
wrong answer is worse than a miss. The cost is a fraction of a millisecond per question,
far below the embedding's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from importlib import resources
from itertools import pairwise

import Stemmer

_COUNTING = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"  # noqa: E501 - the numbers 0 to 20
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(_COUNTING.split())} | {
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
    "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000",
    "million": "1000000", "dozen": "12", "once": "1", "twice": "2", "single": "1",
    "double": "2", "first": "1", "second": "2", "third": "3",
}  # fmt: skip
_NEGATIONS = frozenset(
    "not no never without none nothing nor neither cannot nobody nowhere".split()  # noqa: SIM905 - a word list reads better as text
)
_POLARITY = frozenset(
    """avoid stop quit decline refuse reject exclude dislike lack fail prevent against
    outside off disable unable""".split()  # noqa: SIM905 - a word list reads better as text
)
_COMPARATORS = frozenset(
    """under over above below less more fewer before after within than least most min max
    minimum maximum up""".split()  # noqa: SIM905 - a word list reads better as text
)
_SENIORITY = frozenset(
    """junior senior lead head chief principal master apprentice trainee intern graduate
    entry mid""".split()  # noqa: SIM905 - a word list reads better as text
)
_DOCUMENTS = frozenset(
    """resume cv letter cover resignation reference recommendation motivation email bio
    biography portfolio headline summary post profile""".split()  # noqa: SIM905 - a word list reads better as text
)
_FRAME = frozenset(
    """a an the this that these those some any i me my mine myself you your yours we us our
    they them their it its he him his she her one someone anyone be am is are was were been
    being do does did doing done have has had having what which how whats hows of in on at
    from into for by with about as to and so if then there here please thanks thank hi
    hello hey just really actually also kindly tip tips advice help way ways idea ideas go
    going get getting s re ve ll d""".split()  # noqa: SIM905 - a word list reads better as text
)
"""Words that frame a request without changing what it asks; every other word is a key
term. ``why``, ``when``, ``where``, ``who``, the modals (``can`` is not ``must``) and
``or`` are not among them."""
_PERSONS = {
    "me": "me", "they": "they", "he": "they", "she": "they", "them": "them", "him": "them",
    "her": "them", "their": "their", "his": "their", "we": "we", "us": "us", "our": "our",
}  # fmt: skip
"""The pronouns that say who does what to whom, as the person and case they mark (the
gender aside): "Should I hire them?" is not "Should they hire me?". The asker as subject
(``I``, ``my``) is how most questions are framed, and ``you`` the assistant asked: both
framing words, so "How do I..." and "What is the way to..." still match."""
_SCALES = {"k": 3, "m": 6, "mm": 6, "mn": 6, "b": 9, "bn": 9}
"""Multipliers written after a number, as powers of ten: ``k``, ``m`` (and ``mm``,
``mn``) for a million, ``b``, ``bn`` for a billion."""
_ORDINAL_ENDINGS = frozenset({"", "st", "nd", "rd", "th"})
_MODALS = {"could": "can", "would": "will", "might": "may", "cannot": "can"}
"""The modals' other forms, as one term with their base."""
_ALTERNATIVE = frozenset({"instead", "rather", "than", "versus", "vs"})
_ROLE_WORD = re.compile(r"\b(?:from|to|into|instead|rather|than|versus|vs)\b", re.IGNORECASE)
_LETTER = r"[^\W_]"
"""A letter or a digit, of any script: a name in Polish or Russian is as much a name (and
the embedder reads those languages); on ASCII text, ``[A-Za-z0-9]``."""
_CURRENCY = "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Sc")
"""Every currency sign (``$``, ``£``, ``€``, ``₹``...): "$90,000" is not "£90,000"."""
_CURRENCY_SIGNS = frozenset(_CURRENCY)
_TOKEN = re.compile(
    rf"\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|{_LETTER}(?:{_LETTER}|['’+#.])*(?:{_LETTER}|[+#])|\w"
    rf"|[{re.escape(_CURRENCY)}]"
)
_AGENT = re.compile(r"[a-z]{3,}(?:ist|ian|eer)s?$")
_SENTENCE_END = re.compile(r"[.!?:;\n]")
_CLAUSE_END = re.compile(r"[.!?:;,\n]")
_CLAUSE_WORDS = frozenset({"but", "and", "or", "while", "whereas", "rather", "instead"})
_POSSESSIVE = re.compile(r"['’]s$")


SkillsIn = Callable[[str], Iterable[tuple[int, str]]]
"""The skills a text names: where each starts, and its identifier."""


class KeyTerms:
    """The key terms of questions (``runtime.semantic_key_terms`` builds the gateway's)."""

    def __init__(self, skills: SkillsIn, occupation_words: frozenset[str]) -> None:
        self.skills = skills
        self._stem = Stemmer.Stemmer("english").stemWord
        stem = self._stem
        self.occupations = frozenset(stem(w) for w in (*occupation_words, *_SENIORITY))
        self.documents = frozenset(stem(w) for w in _DOCUMENTS)
        self.polarity = frozenset(stem(w) for w in _POLARITY)

    def __call__(self, text: str) -> frozenset[str]:
        terms: set[str] = set()
        # The words of meaning (and negations) as they come: the same words in another
        # order ask another question, which the set alone would not tell.
        order: list[str] = []
        roles = _roles(text)
        role, previous, end = "", "", 0
        # Where each negation reaches: from it to the end of its clause. What it covers
        # is a term of its own ("GPA but not the year" is not "the year but not GPA").
        negated: list[tuple[int, int]] = []
        for match in _TOKEN.finditer(text):
            word = match.group().rstrip(".")
            lower = word.lower()
            initial = end == 0 or _SENTENCE_END.search(text, end, match.start()) is not None
            clause_ends = lower in _CLAUSE_WORDS or _CLAUSE_END.search(text, end, match.start())
            if negated and clause_ends:
                negated[-1] = (negated[-1][0], min(negated[-1][1], match.start()))
            end = match.end()
            role = _next_role(lower, role)
            negative = lower.endswith(("n't", "n’t")) or lower in _NEGATIONS
            if negative or self._stem(lower) in self.polarity:
                terms.add("!not")
                order.append("!not")
                if negative:
                    negated.append((match.end(), len(text)))
            scoped = role
            if any(start <= match.start() < stop for start, stop in negated):
                scoped = "not:" + role
            if (person := _PERSONS.get(lower)) is not None:
                terms.add(f"{scoped}P:{person}")
            number = _number(lower)
            if number is not None and previous in _COMPARATORS:
                terms.add(f"<{previous}")
            if lower not in _CURRENCY_SIGNS:  # "under $50,000" compares as "under 50,000"
                previous = lower
            if _is_name(word, initial):
                term: str | None = f"N:{_POSSESSIVE.sub('', lower)}"
            elif number is not None:
                term = "#" + "-".join(number)
                terms.update(f"{scoped}#{n}" for n in number)
            elif negative:  # a negation is the one term ``!not``, whatever its word
                term = None
            else:
                term = self._word(_POSSESSIVE.sub("", lower))
            if term is not None:
                order.append(term)
                if number is None:
                    terms.add(scoped + term)
        for start, skill in self.skills(text):
            scope = "not:" if any(a <= start < b for a, b in negated) else ""
            terms.add(f"{scope}{_role_at(roles, start)}S:{skill}")
        terms.add("order:" + " ".join(order))
        return frozenset(terms)

    def _word(self, lower: str) -> str | None:
        """A word of meaning, stemmed and marked (a career document's, an occupation's,
        any other); ``None`` for a word that only frames the request."""
        lower = _MODALS.get(lower, lower)
        if lower in _FRAME or lower in _ALTERNATIVE:
            return None
        if lower in _CURRENCY_SIGNS:
            return f"C:{lower}"
        stemmed = self._stem(lower)
        if stemmed in self.documents:
            return f"D:{stemmed}"
        if stemmed in self.occupations or _AGENT.match(lower):
            return f"O:{stemmed}"
        return f"W:{stemmed}"


def _number(lower: str) -> list[str] | None:
    """The numbers a word writes ("30-60-90", "24/7", "five", "100k"), if any."""
    found = []
    for piece in re.split(r"[-/]", lower):
        digits = re.match(r"\d[\d,.]*", piece)
        if digits:
            number = digits.group().rstrip(".,").replace(",", "")
            found.append(_scaled(number, re.sub(r"['’]", "", piece[digits.end() :])))
        elif piece in _NUMBER_WORDS:
            found.append(_NUMBER_WORDS[piece])
    return found or None


def _scaled(number: str, suffix: str) -> str:
    """A number with what is written right after it: a multiplier applied ("100k" is
    100000, as "100,000" is, and not 100; "50m" is not "50k"), an ordinal's ending
    dropped ("3rd" is 3), any other kept ("5yrs", "30s", "10x" are not the bare number)."""
    if suffix in _SCALES and number.count(".") <= 1:
        return format(Decimal(number).scaleb(_SCALES[suffix]).normalize(), "f")
    return number if suffix in _ORDINAL_ENDINGS else number + suffix


def _is_name(word: str, initial: bool) -> bool:
    """Written as a proper noun: a capital not at a sentence's start, an acronym or an
    inner capital; never the pronoun ``I`` (``I'm``, ``I've``)."""
    if word == "I" or word.startswith(("I'", "I’")) or word[0].isdigit():
        return False  # a number's multiplier or unit in capitals ("100K") is no name
    if len(word) > 1 and word.isupper():
        return True
    inner = any(a.islower() and b.isupper() for a, b in pairwise(word))
    return (word[0].isupper() and not initial) or inner


def _roles(text: str) -> dict[int, str]:
    """Where the direction changes: after ``from`` the terms are its origin, after a
    later ``to`` or after ``into`` its destination, after ``instead`` (``rather``,
    ``than``...) the alternative."""
    roles: dict[int, str] = {}
    role = ""
    for match in _ROLE_WORD.finditer(text):
        changed = _next_role(match.group().lower(), role)
        if changed != role:
            roles[match.end()] = role = changed
    return roles


def _next_role(lower: str, role: str) -> str:
    """The role of the terms after the word ``lower``, those before it having ``role``."""
    if lower == "from":
        return "from:"
    if lower == "into" or (lower == "to" and role):
        return "to:"
    if lower in _ALTERNATIVE:
        return "or:"
    return role


def _role_at(roles: dict[int, str], position: int) -> str:
    role = ""
    for start, marked in roles.items():
        if start <= position:
            role = marked
    return role


def occupation_words() -> frozenset[str]:
    """The words of job titles shipped with careergate (``data/occupation_words.txt``)."""
    text = resources.files("careergate.cache").joinpath("data/occupation_words.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))

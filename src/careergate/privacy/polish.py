"""Polish text, and the cases Polish puts a person's name in.

Polish declines names: "z Kamilem", "CV Piotra", "przekaż Tomaszowi", "z Anną
Kowalską", "o Annie Kowalskiej", "Pani Agnieszko". A name looked for only as the records
write it (the nominative) is found in one case of seven. Both directions are here: a
word's possible nominatives (``nominatives``, on the word in lower case: is it a known
given name in some case?) and a nominative's forms in the other cases (``declined``, on
words folded as ``known.fold`` folds them, as the text is searched: where else does the
text name the caller's person?). Both count only where the text around the word is
Polish (``polish_around``): elsewhere "Annie" is a name of its own, and "Jana" one too.
Colleagues write a short form of a given name as often ("Gosia" for Małgorzata,
"Bartek" for Bartosz: ``short_forms``), in its cases too ("z Gosią", "Bartka").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from careergate.privacy.short_forms import short_form_table
from careergate.privacy.word_lists import word_list

POLISH_ADDRESS = r"pani|panie|panią|pan|pana|panu|panem|cześć|hej|witaj"
"""Polish titles in their cases and greetings, before a name ("Panie Michale", "Cześć
Kasiu"), as a regular expression's alternatives in lower case."""

_POLISH_WORD = re.compile(
    r"\b(?:się|że|jest|są|oraz|dla|czy|przez|już|także|też|więc|bardzo|tylko|jeszcze|gdy"
    r"|kiedy|który|która|które|którego|będzie|może|został|została|był|była"
    r"|(?=[a-ząęłńśźżćó]{4})[a-zó]*[ąęłńśźżć][a-ząęłńśźżćó]*)\b"
)
"""Polish function words no other language of the platform's texts writes (not "ale" or
"jak", Czech's too), and words of four letters or more in lower case with a letter only
Polish writes ("dziękuję", "szybką"; not "zł" or "inż."): two of them
near a word make its text Polish. A capitalised word's letters do not: an English letter
may name Wrocław or Łucja."""
_SIGNALS = 2
_POLISH_REACH = 300
"""Characters either side of a word within which the function words are counted."""


def polish_around(text: str, at: int) -> bool:
    """Whether the text around ``at`` is Polish (``_POLISH_WORD``)."""
    signals = _polish_words(text)
    first = bisect_left(signals, at - _POLISH_REACH) + _SIGNALS - 1
    return first < len(signals) and signals[first] < at + _POLISH_REACH


def has_polish(text: str) -> bool:
    """Whether ``text`` holds as many Polish words as ``polish_around`` asks for, however
    far apart: a text without them has no word in a Polish case to look for, and its
    names' patterns leave the cases out."""
    return len(_polish_words(text)) >= _SIGNALS


@lru_cache(maxsize=32)
def _polish_words(text: str) -> tuple[int, ...]:
    """Where ``text``'s Polish words start: one reading of a text, however many of its
    words are looked up (a text of thousands of capitalised words asks for each)."""
    return tuple(match.start() for match in _POLISH_WORD.finditer(text))


# -- a declined word back to its nominative ------------------------------------------

_CASE_ENDINGS = (
    ("owi", ""),  # dative: Tomaszowi
    ("em", ""),  # instrumental: Kamilem
    ("ie", "a"),  # dative, locative: Annie
    ("ii", "ia"),  # genitive: Marii
    ("iu", "ia"),  # vocative of a diminutive: Kasiu
    ("ą", "a"),  # instrumental: Anną
    ("ę", "a"),  # accusative: Annę
    ("o", "a"),  # vocative: Agnieszko
    ("y", "a"),  # genitive: Anny
    ("i", "a"),  # genitive: Agnieszki
    ("u", ""),  # vocative: Tomaszu
    ("a", ""),  # genitive, accusative: Piotra
)
"""A case ending and the nominative's ending in its place, on words in lower case with
their diacritics (a list of names tells "Kärt" from "Kart"). Not here: the endings that
change the stem too ("Michale" of Michał, "Agnieszce")."""
_MIN_STEM = 3


def nominatives(word: str) -> list[str]:
    """The nominatives ``word`` (in lower case) may be a case of, by its ending alone
    (most are no word: the caller looks each up in a list of names)."""
    return [
        word[: -len(ending)] + nominative
        for ending, nominative in _CASE_ENDINGS
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM
    ]


# -- a nominative to its cases --------------------------------------------------------

_ADJECTIVE_MASCULINE = ("ski", "cki", "dzki")
"""A family name declined as an adjective: Kowalski, Kowalskiego, Kowalskiemu,
Kowalskim."""
_ADJECTIVE_FEMININE = ("ska", "cka", "dzka")
"""Its feminine: Kowalska, Kowalskiej (Kowalską folds to the nominative)."""
_SOFTENED = {"ka": "ce", "ga": "dze", "ta": "cie", "da": "dzie", "ra": "rze", "cha": "sze"}
"""A feminine ending and what the dative and locative make of it: Agnieszce, Oldze,
Marcie, Wandzie, Barbarze."""
_CONSONANT_ENDINGS = ("a", "owi", "u")
"""A name that ends in a consonant, in every case of these: Piotra, Tomaszowi, Tomaszu."""
_CONSONANT_CASES = {
    **dict.fromkeys("kg", ("iem",)),  # Nowakiem, Markiem
    **dict.fromkeys("bfmnpswvz", ("em", "ie")),  # Adamem, Adamie, Janie, Józefie
    "l": ("em", "e"),  # Michałem, Michale (Michał folds to "michal"), Pawle
}
"""The instrumental and locative (the vocative's too) after the name's last consonant;
"em" after any other."""
_LOCATIVE = {"r": "rze", "t": "cie", "d": "dzie"}
"""A last consonant the locative changes: Piotrze, Robercie, Konradzie."""
_MOBILE_E = re.compile(r"i?e(?=[klc]$)")
"""An "e" (or "ie") before the last consonant that the other cases drop: Marek, Marka;
Paweł, Pawła; Wróbel, Wróbla; Kozieł, Kozła. Some names keep it (Daniel, Daniela): both
stems are tried."""
_MIN_DECLINED = 3


@lru_cache(maxsize=4096)
def declined(folded: str) -> tuple[str, ...]:
    """A name's word (folded, in the nominative) in Polish's other cases, folded: what
    a Polish text may write of it. More forms than the language has (a name's gender and
    its exceptions are not known here); none the same as the word itself."""
    if len(folded) < _MIN_DECLINED or not folded.isalpha():
        return ()
    forms: list[str] = []
    if folded.endswith(_ADJECTIVE_MASCULINE):
        forms = [folded + ending for ending in ("ego", "emu", "m")]
    elif folded.endswith(_ADJECTIVE_FEMININE):
        forms = [folded[:-1] + "iej"]
    elif folded.endswith("a"):
        stem = folded[:-1]
        forms = [stem + ending for ending in ("y", "i", "ie", "e", "o")]
        if folded.endswith("ia"):
            forms += [stem, stem + "u"]  # Kasi, Kasiu
        forms += [
            folded[: -len(ending)] + softened
            for ending, softened in _SOFTENED.items()
            if folded.endswith(ending)
        ]
    elif folded[-1] not in "eiouy":
        for stem in dict.fromkeys([folded, _MOBILE_E.sub("", folded)]):
            endings = (*_CONSONANT_ENDINGS, *_CONSONANT_CASES.get(stem[-1], ("em",)))
            forms += [stem + ending for ending in endings]
            if stem[-1] in _LOCATIVE:
                forms.append(stem[:-1] + _LOCATIVE[stem[-1]])
    return tuple(form for form in dict.fromkeys(forms) if form != folded)


def short_forms() -> dict[str, tuple[str, ...]]:
    """Given names (case folded) and the short forms written for them
    (``data/polish_diminutives.tsv``)."""
    return short_form_table("polish_diminutives.tsv")


POLISH_WORDS = word_list("polish_words.txt")
"""Polish words in everyday use, in lower case with their diacritics
(``scripts/build_polish_words.py``): a name's case or short form that is one ("Ale",
"Idzie", "Pole") is taken for the word."""


def is_polish_word(word: str) -> bool:
    """Whether ``word`` is a Polish word in everyday use (``POLISH_WORDS``)."""
    return word.casefold() in POLISH_WORDS

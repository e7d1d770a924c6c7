"""The sentences of a posting's description that speak of the employer, not the job.

Real adverts open with the company ("Kaveri Biologics develops and manufactures
monoclonal antibodies…", "Our central procurement team buys everything from cleaning to
IT, security…") and close with what it offers ("health insurance after probation",
"the public service pension scheme"). What such a sentence names is the employer's
business or benefits, not a skill the post asks for; a sentence that addresses the
reader or names the post ("We are looking for…", "You will…", "Our QA department is
hiring…") is about the job, and so is one that names what the job does or uses
("Build the APIs in Python", "We use Google Classroom").
"""

from __future__ import annotations

import re

POSTING_DESCRIPTION = "description"
"""The JSON Resume job schema's field of free text about the post and the employer."""

_ABOUT_THE_JOB = re.compile(
    r"\b(?:you|your|you'?ll|you'?re|candidates?|applicants?|looking for|seeking|"
    r"we need|hiring|join|(?:the|this) (?:role|post|position|job))\b",
    re.IGNORECASE,
)
_BENEFITS = re.compile(
    r"\b(?:we offer|you'?ll get|what you get|in return|benefits|perks)\b", re.IGNORECASE
)
_NAMED_EMPLOYER = re.compile(
    r"^(?:[A-Z][\w&'’.-]*\s+(?:(?:and|of|for|the|&)\s+)?){1,6}"
    r"(?:is|are|has|have|was|provides|develops|builds|serves|supplies|operates|employs|"
    r"runs|manufactures|makes|delivers|designs|produces|sells|works)\b"
)
_OURS = re.compile(r"^Our\s")
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")


def employer_sentences(text: str) -> list[tuple[int, int]]:
    """Where the sentences of ``text`` (a posting's description) that speak of the
    employer or its benefits are: (start, end) of each."""
    spans = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group().strip()
        if _is_about_the_employer(sentence):
            spans.append(match.span())
    return spans


def _is_about_the_employer(sentence: str) -> bool:
    if _BENEFITS.search(sentence):
        return True
    if _ABOUT_THE_JOB.search(sentence):
        return False
    return bool(_NAMED_EMPLOYER.match(sentence) or _OURS.match(sentence))

"""The sentences of a posting's description that speak of the employer, not the job.

Real adverts open with the company ("Kaveri Biologics develops and manufactures
monoclonal antibodies…") and close with what it offers ("We offer health insurance after
probation"). What such a sentence names is the employer's business or benefits, not a
skill the post asks for. A sentence that addresses the reader, names the post or states
a requirement ("We are looking for…", "You will…", "Python is essential") is about the
job, and so is one that opens with "We" or "Our" ("Our nurses administer medication",
"We have a modern stack"): a team's work is the job's. A technology the employer's
sentence names stays ("Acme builds on AWS"): the post likely works with it.
"""

from __future__ import annotations

import bisect
import re

POSTING_DESCRIPTION = "description"
"""The JSON Resume job schema's field of free text about the post and the employer."""

_ABOUT_THE_JOB = re.compile(
    r"\b(?:you|your|you'?ll|you'?re|candidates?|applicants?|looking for|seeking|"
    r"we need|hiring|join|(?:the|this) (?:role|post|position|job)|essential|required|"
    r"requirements?|must|desirable|advantage)\b",
    re.IGNORECASE,
)
_BENEFITS = re.compile(
    r"\b(?:we offer|in return|what you(?:'ll)? get\b(?! to)|benefits(?: include|:)|perks)",
    re.IGNORECASE,
)
_NAMED_EMPLOYER = re.compile(
    r"^(?!(?:We|Our|You|Your|It|They|This|These|The)\b)"
    r"(?:[A-Z][\w&'’.-]*\s+(?:(?:and|of|for|the|&)\s+)?){1,6}"
    r"(?:is|are|has|have|was|provides|develops|builds|serves|supplies|operates|employs|"
    r"runs|manufactures|makes|delivers|designs|produces|sells|buys|works|offers|owns|"
    r"helps|creates|specialises|specializes)\b"
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
LONGEST_SENTENCE = 400
"""Longer, a "sentence" is text without its stops (a description pasted as one line):
its opening says nothing of the rest."""


class EmployerSentences:
    """Where the sentences of a posting's description that speak of the employer or its
    benefits are, found once and asked about by position."""

    def __init__(self, description: str) -> None:
        self._starts: list[int] = []
        self._spans: list[tuple[int, int, bool]] = []
        """(where what the sentence says of the employer starts, its end, whether it
        offers benefits)."""
        for match in _SENTENCE.finditer(description):
            sentence = match.group()
            if len(sentence) > LONGEST_SENTENCE:
                continue
            offset = match.start() + len(sentence) - len(sentence.lstrip())
            sentence = sentence.strip()
            if _BENEFITS.search(sentence):
                self._starts.append(match.start())
                self._spans.append((match.start(), match.end(), True))
            elif not _ABOUT_THE_JOB.search(sentence):
                named = _NAMED_EMPLOYER.match(sentence)
                if named is not None:  # the name itself may be a skill's words
                    self._starts.append(match.start())
                    self._spans.append((offset + named.end(), match.end(), False))

    def __bool__(self) -> bool:
        return bool(self._starts)

    def hold(self, position: int, technology: bool) -> bool:
        """Whether ``position`` lies in what such a sentence says of the employer (after
        its name: "Health and Safety is a priority" names a skill), a technology
        excepted but in an offer of benefits ("AWS" there is a wage supplement)."""
        at = bisect.bisect_right(self._starts, position) - 1
        if at < 0:
            return False
        start, end, benefits = self._spans[at]
        return start <= position < end and (benefits or not technology)

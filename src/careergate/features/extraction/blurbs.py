"""The sentences of a posting's description that speak of the employer, not the job.

Real adverts open with the company ("Kaveri Biologics develops and manufactures
monoclonal antibodies…") and close with what it offers ("We offer health insurance after
probation") and its hiring policy ("committed to employment equity"). What such a
sentence names is the employer's business, benefits or policy, not a skill the post asks
for (a policy sentence that makes it the work, "You will advise on the Employment Equity
Act", is the job's). A sentence that addresses the reader, names the post or states
a requirement ("We are looking for…", "You will…", "Python is essential") is about the
job, and so is one that opens with "We" or "Our" ("Our nurses administer medication",
"We have a modern stack"): a team's work is the job's. The finder keeps the tools
Lightcast files as technology wherever they stand ("Acme builds on AWS"): the post
likely works with them. A "sentence" over ``LONGEST_SENTENCE`` is a description pasted
without its stops, whose opening says nothing of the rest.
"""

from __future__ import annotations

import bisect
import re

POSTING_DESCRIPTION = "description"
"""The JSON Resume job schema's field of free text about the post and the employer."""

_ABOUT_THE_JOB = re.compile(
    r"\b(?:you|your|you'?ll|you'?re|candidates?|applicants?|looking for|seeking|"
    r"we need|hiring|recruiting|vacancy|opening|join|(?:the|this) (?:role|post|position|job)|"
    r"essential|required|requirements?|must|desirable|advantage|experience|knowledge|"
    r"skills?|ability)\b",
    re.IGNORECASE,
)
_BENEFITS = re.compile(
    r"\b(?:we offer|in return|what you(?:'ll)? get\b(?! to)|benefits(?: include|:)|perks)",
    re.IGNORECASE,
)
_POLICY = re.compile(
    r"\b(?:an? (?:equal[- ]opportunit(?:y|ies)|inclusive|diverse) employer|we value diversity|"
    r"promote equality|committed to (?:employment equity|equal|diversity|inclusion|equality)|"
    r"employment equity plan|in line with (?:our|its|the) employment equity|"
    r"(?:preference|priority) will be given|designated groups|"
    r"affirmative action (?:employer|policy)|(?:we welcome|encourage) applications from)",
    re.IGNORECASE,
)
"""An employer's statement of its hiring policy ("an equal opportunity employer")."""
_DUTY = re.compile(
    r"^(?:lead|deliver|provide|manage|prepare|run|develop|support|coordinate|maintain|"
    r"report|ensure|advise|implement|assess|handle|plan|teach)\b|"
    r"\b(?:you will|you'll|your role|responsib\w*|legislation|act|compliance|knowledge|"
    r"experience (?:of|in|with))\b",
    re.IGNORECASE,
)
"""What makes a policy sentence the post's work: a duty's verb opening it ("Lead the
diversity and inclusion strategy"), the reader's role, the law."""
_NAMED_EMPLOYER = re.compile(
    r"^(?!(?:We|Our|You|Your|It|They|This|These|The)\b)"
    r"(?:[A-Z][\w&'’.-]*\s+(?:(?:and|of|for|the|&)\s+)?){1,6}"
    r"(?:is|are|has|have|was|provides|develops|builds|serves|supplies|operates|employs|"
    r"runs|manufactures|makes|delivers|designs|produces|sells|buys|works|offers|owns|"
    r"helps|creates|specialises|specializes)\b"
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
LONGEST_SENTENCE = 400


class EmployerSentences:
    """Where the sentences of a posting's description that speak of the employer or its
    benefits are, found once and asked about by position."""

    def __init__(self, description: str) -> None:
        spans = [
            m.span()
            for m in _SENTENCE.finditer(description)
            if len(m.group()) <= LONGEST_SENTENCE and _of_the_employer(m.group().strip())
        ]
        self._starts = [start for start, _ in spans]
        self._ends = [end for _, end in spans]

    def __bool__(self) -> bool:
        return bool(self._starts)

    def hold(self, position: int) -> bool:
        """Whether ``position`` lies in such a sentence."""
        at = bisect.bisect_right(self._starts, position) - 1
        return at >= 0 and position < self._ends[at]


def _of_the_employer(sentence: str) -> bool:
    if _BENEFITS.search(sentence):
        return True
    if _POLICY.search(sentence) and not _DUTY.search(sentence):
        return True
    return not _ABOUT_THE_JOB.search(sentence) and _NAMED_EMPLOYER.match(sentence) is not None

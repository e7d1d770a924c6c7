"""Profiles (JSON Resume) and job postings (JSON Resume's job schema): validated, with an
error that names the field, and cut into the text segments features read.

Segments leave out contact details (email, phone, street address, postal code, profiles'
URLs): no feature needs them, so none is ever sent to a model. The town and country are
kept (``basics.location``, a posting's ``location``), and the dates of each job, because
job matching weighs where a person can work and how long they have worked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import jsonschema

from careergate.errors import InvalidRequest


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a document's text and where it is (``work[0].highlights[1]``)."""

    field: str
    text: str


NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
"""A number as a resume writes it ("30%", "1,200", "4.5"), without a sentence's closing
punctuation: what resume generation and content optimisation may not invent."""


@cache
def schema(name: str) -> dict[str, Any]:
    """A vendored JSON Schema (``resume-schema.json``, ``job-schema.json``)."""
    text = resources.files("careergate.features").joinpath(f"data/{name}").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


MAX_DOCUMENT_CHARS = 100_000
"""The most text one resume, posting or ``text`` may hold: about forty pages, far past
any real CV or advert. The features read a document on the event loop (a 250-word one
in about 2 ms), so a megabyte pasted in would hold every other request of the worker
for seconds."""


MAX_DEPTH = 32
"""How deeply a document's values may nest: JSON Resume's own go five deep. A deeper one
is no resume, and copying or encoding it meets the interpreter's recursion limits."""


def validate(document: Any, kind: str) -> dict[str, Any]:
    """``document`` if it is a valid ``resume`` or ``job``; else a 400 naming the field."""
    if not isinstance(document, dict):
        raise InvalidRequest(f"The {kind} must be a JSON object.", param=kind)
    if _depth(document) > MAX_DEPTH:
        raise InvalidRequest(
            f"The {kind} nests its values more than {MAX_DEPTH} levels deep.",
            code="invalid_document",
            param=kind,
        )
    rules = schema("resume-schema.json" if kind == "resume" else "job-schema.json")
    validator = jsonschema.Draft7Validator(rules)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(the document)"
        raise InvalidRequest(
            f"The {kind} is not valid at `{where}`: {error.message}.",
            code="invalid_document",
            param=f"{kind}.{where}" if error.absolute_path else kind,
        )
    return document


def _depth(document: Any) -> int:
    """How deeply ``document``'s objects and arrays nest (walked without recursion, and
    no further than one level past ``MAX_DEPTH``)."""
    deepest, level = 0, [(document, 1)]
    while level:
        value, depth = level.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(value, dict):
            level.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            level.extend((item, depth + 1) for item in value)
    return deepest


_RESUME_FIELDS = {
    "basics": ("label", "summary"),
    "work": ("position", "summary", "highlights"),
    "volunteer": ("position", "summary", "highlights"),
    "education": ("area", "studyType", "courses"),
    "awards": ("title", "summary"),
    "certificates": ("name",),
    "publications": ("name", "summary"),
    "skills": ("name", "keywords"),
    "languages": ("language", "fluency"),
    "interests": ("name", "keywords"),
    "projects": ("name", "description", "highlights", "keywords", "roles"),
}
_JOB_FIELDS = (
    "title",
    "experience",
    "remote",
    "description",
    "responsibilities",
    "qualifications",
    "skills",
)
_PLACE_FIELDS = ("city", "region", "countryCode")
"""Of a location, what matching reads; never the street address or postal code."""
_DATE_FIELDS = ("startDate", "endDate")


FLUENCY = ".fluency"
"""A résumé's level of one of its languages (``languages[0].fluency``)."""
FACT_FIELDS = ("basics.location", "location", "remote", "experience", "Date")
"""Segments that state facts (where, since when, what level) rather than prose."""


class Requested(NamedTuple):
    document: dict[str, Any]
    segments: list[Segment]


def requested(document: Any, kind: str) -> Requested:
    """A ``resume`` or ``job`` a caller sent, valid (``validate``) and holding no more
    text than the features read (``MAX_DOCUMENT_CHARS``, counted over the fields they
    read: a photo as a data URI in ``basics.image`` is not text), with its segments:
    read once, for the bound and for the feature."""
    checked = validate(document, kind)
    segments = resume_segments(checked) if kind == "resume" else job_segments(checked)
    bounded(sum(len(segment.text) for segment in segments), kind)
    return Requested(checked, segments)


def requested_pair(payload: dict[str, Any]) -> tuple[Requested, Requested]:
    """The ``resume`` and ``job`` of a request, each checked and read (``requested``)."""
    return requested(payload["resume"], "resume"), requested(payload["job"], "job")


def bounded(size: int, kind: str) -> None:
    """A 400 if a document of ``size`` characters is longer than the features read."""
    if size > MAX_DOCUMENT_CHARS:
        raise InvalidRequest(
            f"The {kind} holds {size:,} characters of text; at most "
            f"{MAX_DOCUMENT_CHARS:,} are read.",
            code="document_too_long",
            param=kind,
        )


def prose(segments: list[Segment]) -> list[Segment]:
    """The segments without the facts: what a model reading for skills or wording needs
    (where the person lives is not a skill, so it is not sent)."""
    return [s for s in segments if not s.field.endswith(FACT_FIELDS)]


def clipped(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, cut where values end: after a whole
    line, else after a JSON string, a sentence or a clause, in the window's second half;
    else before a space (nothing, for a run of ``limit`` characters without one).

    What a feature sends a model is cut to fit its prompt before the privacy step reads
    it; cut inside an email, a token, a phone number or an address, the part left no
    longer has the detectors' shape and would reach the upstream readable. Values hold
    spaces ("+44 20 7946 0958", "742 Evergreen Terrace"), rarely a line break or the end
    of a sentence or a clause."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    for end, keep in _CUTS:
        at = head.rfind(end)
        if at >= limit // 2:
            return head[: at + keep]
    space = max(head.rfind(" "), head.rfind("\t"))
    return head[:space] if space > 0 else ""


_CUTS = (("\n", 0), ('",', 1), (". ", 1), ("; ", 1), (", ", 1))
"""Where a value has ended, best first, and how much of the mark the cut keeps."""


def _place(where: str, location: Any) -> list[Segment]:
    if not isinstance(location, dict):
        return []
    parts = [str(location[k]).strip() for k in _PLACE_FIELDS if isinstance(location.get(k), str)]
    text = ", ".join(p for p in parts if p)
    return [Segment(where, text)] if text else []


def resume_segments(resume: dict[str, Any]) -> list[Segment]:
    """The resume's text, without contact details."""
    found: list[Segment] = []
    for section, fields in _RESUME_FIELDS.items():
        value = resume.get(section)
        entries = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            where = section if isinstance(value, dict) else f"{section}[{index}]"
            for name in fields:
                found.extend(_texts(f"{where}.{name}", entry.get(name)))
            if section == "work":
                for name in _DATE_FIELDS:
                    found.extend(_texts(f"{where}.{name}", entry.get(name)))
    basics = resume.get("basics")
    if isinstance(basics, dict):
        found.extend(_place("basics.location", basics.get("location")))
    return found


def job_segments(job: dict[str, Any]) -> list[Segment]:
    found: list[Segment] = []
    for name in _JOB_FIELDS:
        value = job.get(name)
        if name == "skills" and isinstance(value, list):
            for index, skill in enumerate(value):
                if isinstance(skill, dict):
                    found.extend(_texts(f"skills[{index}].name", skill.get("name")))
                    found.extend(_texts(f"skills[{index}].keywords", skill.get("keywords")))
            continue
        found.extend(_texts(name, value))
    found.extend(_place("location", job.get("location")))
    return found


def _texts(where: str, value: Any) -> list[Segment]:
    if isinstance(value, str) and value.strip():
        return [Segment(where, value)]
    if isinstance(value, list):
        return [
            Segment(f"{where}[{i}]", item)
            for i, item in enumerate(value)
            if isinstance(item, str) and item.strip()
        ]
    return []


def segments_of(payload: Any) -> list[Segment]:
    """The segments of a request naming exactly one of ``resume``, ``job`` or ``text``."""
    if not isinstance(payload, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    given = [name for name in ("resume", "job", "text") if payload.get(name) is not None]
    if len(given) != 1:
        raise InvalidRequest(
            "Give exactly one of `resume` (JSON Resume), `job` (a JSON Resume job posting) "
            f"or `text`; this request gives {', '.join(given) or 'none'}.",
            code="invalid_document",
        )
    kind = given[0]
    if kind == "text":
        text = payload["text"]
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequest("`text` must be a non-empty string.", param="text")
        bounded(len(text), "text")
        return [Segment("text", text)]
    segments = requested(payload[kind], kind).segments
    if not segments:
        raise InvalidRequest(f"The {kind} holds no text to read skills from.", param=kind)
    return segments


MAX_CANDIDATES = 10_000


def match_request(payload: Any) -> tuple[list[Segment], list[tuple[str, list[Segment]]], bool]:
    """(the query's segments, each candidate's id and segments, whether the query is a
    posting) of ``{"resume", "jobs": [{"id", "job"}]}`` or ``{"job", "resumes": [...]}``."""
    if not isinstance(payload, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    if payload.get("resume") is not None and payload.get("jobs") is not None:
        query = requested(payload["resume"], "resume").segments
        kind, many = "job", "jobs"
    elif payload.get("job") is not None and payload.get("resumes") is not None:
        query = requested(payload["job"], "job").segments
        kind, many = "resume", "resumes"
    else:
        raise InvalidRequest(
            "Give `resume` with `jobs` (postings for a profile) or `job` with `resumes` "
            "(profiles for a posting).",
            code="invalid_document",
        )
    entries = payload[many]
    if not isinstance(entries, list) or not entries or len(entries) > MAX_CANDIDATES:
        raise InvalidRequest(
            f"`{many}` must be a list of 1 to {MAX_CANDIDATES} entries.", param=many
        )
    candidates: list[tuple[str, list[Segment]]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise InvalidRequest(
                f"`{many}[{index}]` must be an object with a string `id` and a `{kind}`.",
                param=f"{many}[{index}]",
            )
        if entry["id"] in seen:
            raise InvalidRequest(f"The id {entry['id']!r} appears twice in `{many}`.")
        seen.add(entry["id"])
        try:
            segments = requested(entry.get(kind), kind).segments
        except InvalidRequest as error:
            error.param = f"{many}[{index}].{error.param}"
            raise
        candidates.append((entry["id"], segments))
    return query, candidates, kind == "resume"

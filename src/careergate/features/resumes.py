"""Resume generation: a resume tailored to a posting from the profile's real content,
as valid JSON Resume, rendered to Markdown and HTML.

Nothing is invented. The model writes from the profile without its contact details; its
resume is then checked fact by fact against the profile. An employer, title, date,
institution, degree or number the profile does not hold cannot be traced, so the entry
or line holding it is dropped and flagged. Contact details are put back from the profile
afterwards. Fallback: the profile itself, its highlights and skills ordered (and the
least relevant highlights left out) by what the posting asks for.
"""

from __future__ import annotations

import asyncio
import copy
import html
from dataclasses import dataclass, field
from typing import Any

import orjson

from careergate.errors import InvalidRequest
from careergate.features.documents import NUMBER, clipped, job_segments, validate
from careergate.features.extraction.finder import SkillFinder
from careergate.features.extraction.labels import tokens
from careergate.features.model_access import ModelCaller, ModelUnavailable, bounded_content

FEATURE = "resume-generation"
PROMPT_VERSION = "resume-v1"
MAX_TOKENS = 3000
"""The longest resume the model may write."""
HIGHLIGHTS_KEPT = 4
_CONTACT = ("name", "email", "phone", "url", "location", "profiles", "image")


@dataclass
class GeneratedResume:
    resume: dict[str, Any]
    flags: list[str]
    degraded: bool
    reason: str | None = None
    model: str | None = None
    markdown: str = field(default="")
    html: str = field(default="")

    def to_json(self) -> dict[str, Any]:
        return {
            "resume": self.resume,
            "markdown": self.markdown,
            "html": self.html,
            "flags": self.flags,
            "degraded": self.degraded,
            "reason": self.reason,
            "model": self.model,
            "prompt_version": PROMPT_VERSION,
        }


class ResumeBuilder:
    def __init__(self, skills: SkillFinder, model: str = "gpt-4o-mini") -> None:
        self.skills = skills
        self.model = model

    async def build(
        self, profile: dict[str, Any], posting: dict[str, Any], caller: ModelCaller | None
    ) -> GeneratedResume:
        wanted = {w for s in job_segments(posting) for w, _, _ in tokens(s.text)}
        reason: str | None = "no model was asked (offline)"
        result: GeneratedResume | None = None
        if caller is not None:
            try:
                result = await self._with_model(profile, posting, caller)
            except ModelUnavailable as exc:
                reason = str(exc)
        if result is None:
            result = GeneratedResume(_tailored(profile, wanted), [], degraded=True, reason=reason)
        validate(result.resume, "resume")  # what goes out is valid JSON Resume
        result.markdown, result.html = to_markdown(result.resume), to_html(result.resume)
        return result

    async def _with_model(
        self, profile: dict[str, Any], posting: dict[str, Any], caller: ModelCaller
    ) -> GeneratedResume:
        private = {k: v for k, v in (profile.get("basics") or {}).items() if k in _CONTACT}
        shared = copy.deepcopy(profile)
        shared["basics"] = {
            k: v for k, v in (profile.get("basics") or {}).items() if k not in _CONTACT
        }
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {
                    "role": "system",
                    "content": "Write a JSON Resume tailored to the posting from this profile. "
                    "Reorder and rephrase; never add employers, titles, dates, degrees, "
                    "institutions or numbers that are not in the profile.",
                },
                {
                    "role": "user",
                    "content": "Posting:\n"
                    + clipped(orjson.dumps(posting).decode(), 4000)
                    + "\n\nProfile:\n"
                    + clipped(orjson.dumps(shared).decode(), 12000),
                },
            ],
            "response_format": {"type": "json_object"},
            "max_completion_tokens": MAX_TOKENS,
        }
        answer = await caller.chat(body)
        try:
            generated = await asyncio.to_thread(_read, bounded_content(answer, MAX_TOKENS))
        except (KeyError, IndexError, TypeError, orjson.JSONDecodeError) as exc:
            raise ModelUnavailable(f"the model's resume could not be read: {exc}") from exc
        except InvalidRequest as exc:
            raise ModelUnavailable(f"the model's resume is not valid: {exc.message}") from exc
        traced, flags = await asyncio.to_thread(trace, generated, profile)
        if profile.get("work") and not traced.get("work"):
            raise ModelUnavailable("the model's resume kept none of the profile's experience")
        traced["basics"] = {**(traced.get("basics") or {}), **private}
        model = answer.get("model")
        return GeneratedResume(
            traced, flags, degraded=False, model=model if isinstance(model, str) else None
        )


def _read(text: str) -> dict[str, Any]:
    """The model's resume, parsed and checked against JSON Resume's schema (CPU work on
    up to ``MAX_TOKENS`` of text: run off the event loop)."""
    return validate(orjson.loads(text), "resume")


def trace(generated: dict[str, Any], profile: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``generated`` with every fact it cannot trace to ``profile`` dropped, and what was
    dropped and why."""
    facts = _Facts(profile)
    flags: list[str] = []
    result = copy.deepcopy(generated)
    basics = result.get("basics") or {}
    for key in ("label", "summary"):
        if isinstance(basics.get(key), str) and not facts.numbers_ok(basics[key]):
            flags.append(f"basics.{key}: a number not in the profile; the profile's own kept")
            original = (profile.get("basics") or {}).get(key)
            if original is None:
                basics.pop(key)
            else:
                basics[key] = original
    kept_work = []
    for index, entry in enumerate(result.get("work") or []):
        where = f"work[{index}]"
        if not facts.known(facts.employers, entry.get("name")):
            flags.append(f"{where}: employer {entry.get('name')!r} is not in the profile; dropped")
            continue
        if entry.get("position") and not facts.known(facts.titles, entry["position"]):
            flags.append(f"{where}: title {entry['position']!r} is not in the profile; dropped")
            continue
        if any(entry.get(d) and entry[d] not in facts.dates for d in ("startDate", "endDate")):
            flags.append(f"{where}: a date not in the profile; dropped")
            continue
        entry["highlights"] = facts.keep_lines(
            entry.get("highlights"), f"{where}.highlights", flags
        )
        if isinstance(entry.get("summary"), str) and not facts.numbers_ok(entry["summary"]):
            flags.append(f"{where}.summary: a number not in the profile; removed")
            entry.pop("summary")
        kept_work.append(entry)
    if "work" in result:
        result["work"] = kept_work
    kept_education = []
    for index, entry in enumerate(result.get("education") or []):
        fields = ("institution", "studyType", "area", "startDate", "endDate", "score")
        unknown = [f for f in fields if entry.get(f) and not facts.in_profile(entry[f])]
        if unknown:
            flags.append(f"education[{index}]: {', '.join(unknown)} not in the profile; dropped")
            continue
        kept_education.append(entry)
    if "education" in result:
        result["education"] = kept_education
    for section in ("awards", "certificates", "publications", "projects", "volunteer"):
        kept = []
        for index, entry in enumerate(result.get(section) or []):
            text = orjson.dumps(entry).decode()
            if not facts.numbers_ok(text):
                flags.append(f"{section}[{index}]: a number or date not in the profile; dropped")
                continue
            kept.append(entry)
        if section in result:
            result[section] = kept
    return result, flags


class _Facts:
    def __init__(self, profile: dict[str, Any]) -> None:
        work = profile.get("work") or []
        self.employers = {_norm(w.get("name")) for w in work if w.get("name")}
        self.titles = {_norm(w.get("position")) for w in work if w.get("position")}
        text = orjson.dumps(profile).decode()
        self.text = _norm(text)
        self.numbers = set(NUMBER.findall(text))
        self.dates = {
            entry[d]
            for section in ("work", "education", "volunteer", "projects")
            for entry in profile.get(section) or []
            for d in ("startDate", "endDate")
            if isinstance(entry, dict) and entry.get(d)
        }

    def known(self, names: set[str], value: Any) -> bool:
        return isinstance(value, str) and _norm(value) in names

    def in_profile(self, value: Any) -> bool:
        return isinstance(value, str) and _norm(value) in self.text

    def numbers_ok(self, text: str) -> bool:
        return set(NUMBER.findall(text)) <= self.numbers

    def keep_lines(self, lines: Any, where: str, flags: list[str]) -> list[str]:
        kept = []
        for index, line in enumerate(lines or []):
            if isinstance(line, str) and self.numbers_ok(line):
                kept.append(line)
            else:
                flags.append(f"{where}[{index}]: a number not in the profile; dropped")
        return kept


def _norm(value: Any) -> str:
    return " ".join(str(value).lower().split())


def _tailored(profile: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    """The profile with highlights and skills ordered by the posting's words."""
    result = copy.deepcopy(profile)

    def relevance(text: str) -> int:
        return sum(1 for w, _, _ in tokens(text) if w in wanted)

    for entry in result.get("work") or []:
        highlights = entry.get("highlights") or []
        ranked = sorted(highlights, key=lambda h: -relevance(h))
        entry["highlights"] = ranked[:HIGHLIGHTS_KEPT] if highlights else highlights
    skills = result.get("skills") or []
    for group in skills:
        group["keywords"] = sorted(group.get("keywords") or [], key=lambda k: -relevance(k))
    skills.sort(key=lambda g: -relevance(" ".join([g.get("name", ""), *g.get("keywords", [])])))
    return result


def to_markdown(resume: dict[str, Any]) -> str:
    basics = resume.get("basics") or {}
    lines = [f"# {basics.get('name', 'Resume')}"]
    if basics.get("label"):
        lines.append(f"**{basics['label']}**")
    contact = [str(basics[k]) for k in ("email", "phone", "url") if basics.get(k)]
    if contact:
        lines.append(" · ".join(contact))
    if basics.get("summary"):
        lines += ["", basics["summary"]]
    if resume.get("work"):
        lines += ["", "## Experience"]
        for entry in resume["work"]:
            when = " – ".join(x for x in (entry.get("startDate"), entry.get("endDate")) if x)
            lines += ["", f"### {entry.get('position', '')}, {entry.get('name', '')}"]
            if when:
                lines.append(f"*{when}*")
            lines += [f"- {h}" for h in entry.get("highlights") or []]
    if resume.get("education"):
        lines += ["", "## Education"]
        for entry in resume["education"]:
            degree = " ".join(x for x in (entry.get("studyType"), entry.get("area")) if x)
            lines.append(f"- {degree}, {entry.get('institution', '')}")
    if resume.get("skills"):
        lines += ["", "## Skills"]
        for group in resume["skills"]:
            lines.append(f"- **{group.get('name', '')}**: {', '.join(group.get('keywords') or [])}")
    return "\n".join(lines) + "\n"


def to_html(resume: dict[str, Any]) -> str:
    """The same content as ``to_markdown``, as a standalone HTML page (all text escaped)."""
    e = html.escape
    basics = resume.get("basics") or {}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(basics.get('name', 'Resume'))}</title></head><body>",
        f"<h1>{e(basics.get('name', 'Resume'))}</h1>",
    ]
    if basics.get("label"):
        parts.append(f"<p><strong>{e(basics['label'])}</strong></p>")
    if basics.get("summary"):
        parts.append(f"<p>{e(basics['summary'])}</p>")
    if resume.get("work"):
        parts.append("<h2>Experience</h2>")
        for entry in resume["work"]:
            parts.append(f"<h3>{e(entry.get('position', ''))}, {e(entry.get('name', ''))}</h3>")
            items = "".join(f"<li>{e(h)}</li>" for h in entry.get("highlights") or [])
            if items:
                parts.append(f"<ul>{items}</ul>")
    if resume.get("education"):
        parts.append("<h2>Education</h2><ul>")
        for entry in resume["education"]:
            degree = " ".join(x for x in (entry.get("studyType"), entry.get("area")) if x)
            parts.append(f"<li>{e(degree)}, {e(entry.get('institution', ''))}</li>")
        parts.append("</ul>")
    if resume.get("skills"):
        parts.append("<h2>Skills</h2><ul>")
        for group in resume["skills"]:
            words = ", ".join(group.get("keywords") or [])
            parts.append(f"<li><strong>{e(group.get('name', ''))}</strong>: {e(words)}</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)

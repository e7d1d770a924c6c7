"""The privacy step of the request path: find personal data, replace it before the request
leaves, put it back in the answer.

``PrivacyShield.protect`` rewrites the request body in place and returns a ``Protection``
that restores the answer (whole, or chunk by chunk for a stream). What was found is
reported by kind only, for the usage record and the audit log: values never leave it.

A request may tell what it knows of its subject in a ``careergate`` object (stripped
before the request leaves)::

    {"model": "...", "messages": [...],
     "careergate": {"subject": {"names": ["Jane Doe"], "emails": ["jane@example.com"]}}}

or ``{"careergate": {"resume": <JSON Resume>}}``; the subject registered for the request's
user is added to it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import ValidationError

from careergate.endpoints import EndpointSpec
from careergate.endpoints.spec import StreamForm
from careergate.errors import InvalidRequest
from careergate.memo import Memo
from careergate.privacy.detector import PiiDetector
from careergate.privacy.findings import Finding
from careergate.privacy.offload import LONG_TEXT
from careergate.privacy.placeholders import Placeholders, taken_numbers
from careergate.privacy.policy import PrivacyPolicy
from careergate.privacy.stream import StreamRestorer
from careergate.privacy.subject import Subject, SubjectSpec
from careergate.privacy.subject_directory import SubjectDirectory
from careergate.settings import PrivacyMode

EXTENSION = "careergate"
END_USER_FIELDS = ("user", "safety_identifier")
"""OpenAI's fields naming the end user, for its abuse monitoring."""
REMEMBERED_REQUESTS = 1024
REMEMBERED_CHARACTERS = 2_000_000
"""Bounds of the memo of whole requests rewritten (``memo.py``)."""
HANDLED = {
    PrivacyMode.OFF: "off",
    PrivacyMode.PSEUDONYMISE: "pseudonymised",
    PrivacyMode.MASK: "masked",
    PrivacyMode.REFUSE: "refused",
}
_JSON = json.JSONDecoder()
_NOBODY = Subject()
_NOTHING = Placeholders(_NOBODY)
"""The table of a request in which nothing was replaced: empty, and never written to (a
request's own table is made as soon as there is anything to put in it)."""


@dataclass(slots=True)
class Protection:
    """What the privacy step did to one request, and how to undo it in the answer."""

    endpoint: EndpointSpec
    mode: PrivacyMode
    placeholders: Placeholders
    structured: bool

    @property
    def replaced(self) -> bool:
        """Whether anything in the request was replaced."""
        return bool(self.placeholders.kinds)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self.placeholders.kinds))

    @property
    def action(self) -> str:
        """``none`` when nothing was found, else what was done: ``pseudonymised``,
        ``masked`` or ``refused``."""
        return HANDLED[self.mode] if self.replaced else "none"

    def refusal(self) -> InvalidRequest | None:
        """The error for a request ``refuse`` mode stops, naming the kinds found."""
        if self.mode is not PrivacyMode.REFUSE or not self.replaced:
            return None
        kinds = ", ".join(f"{kind} ({n})" for kind, n in sorted(self.placeholders.kinds.items()))
        return InvalidRequest(
            f"The request contains personal data ({kinds}) and this key or feature does "
            "not allow personal data to be sent to a model.",
            code="personal_data_refused",
            param=self.endpoint.text_param,
        )

    def restore_answer(self, answer: dict[str, Any]) -> bool:
        """Put the values back into an answer; ``False`` when no text of it changed (it
        held no placeholder): the upstream's bytes can then be relayed as they came."""
        if not self.placeholders.restorable:
            return False
        changed = False
        for slot in self.endpoint.answer_slots(answer, self.structured):
            text = slot.get()
            restored = self.placeholders.restore(text, in_json=slot.in_json)
            if restored != text:
                slot.set(restored)
                changed = True
        return changed

    def stream_restorer(self) -> ChunkRestorer | None:
        """Restores a stream of this endpoint chunk by chunk; ``None`` when nothing can
        need restoring."""
        form = self.endpoint.stream
        if not self.placeholders.restorable or form is None:
            return None
        return ChunkRestorer(form, StreamRestorer(self.placeholders, self.structured))


@dataclass(slots=True)
class ChunkRestorer:
    """The chunks of one stream, restored as its endpoint's stream form lays them out."""

    form: StreamForm
    texts: StreamRestorer

    def restore(self, chunk: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The chunks to send for ``chunk`` (changed in place), or ``None``: unchanged."""
        return self.form.restore(chunk, self.texts)

    def release(self, last: dict[str, Any]) -> list[dict[str, Any]]:
        """The chunks that carry what is still held back when the stream ends."""
        return self.form.release(self.texts, last)


class PrivacyShield:
    def __init__(
        self,
        policy: PrivacyPolicy,
        detector: PiiDetector,
        directory: SubjectDirectory | None = None,
    ) -> None:
        self.policy = policy
        self.detector = detector
        self.directory = directory
        """Users' registered personal data, when this gateway keeps any."""
        self._rewrites: Memo[Rewrite] = Memo(REMEMBERED_REQUESTS, REMEMBERED_CHARACTERS)
        """Whole requests rewritten lately: a client retrying, or sending the same
        prompt for every user, sends the very same texts again. Reading them again
        (each text's findings are remembered by the detector too) and numbering their
        values costs far more than looking the rewrite up, and the rewrite is a
        function of the key (texts, subject, mode, earlier table) alone."""

    async def protect(
        self,
        endpoint: EndpointSpec,
        body: dict[str, Any],
        extension: Any,
        key_mode: PrivacyMode | None,
        feature: str | None,
        user: str | None,
        earlier: Mapping[str, str] | None = None,
    ) -> Protection | None:
        """Rewrite ``body`` as its mode says; ``None`` when the mode is off. ``extension``
        is the request's ``careergate`` field, already taken out of ``body``; ``earlier``:
        the placeholders of the earlier request this one continues, if any.

        Under ``refuse`` the body is not sent: ``Protection.refusal`` says why.
        """
        mode = self.policy.mode_for(key_mode, feature)
        if mode is PrivacyMode.OFF:
            return None
        slots = [*endpoint.text_slots(body), *endpoint.extension_slots(body)]
        texts = [slot.get() for slot in slots]
        spec = await self._subject(extension, user)
        for embedded in _embedded_resumes(texts):
            spec = (spec or SubjectSpec()).merged(SubjectSpec.from_resume(embedded))
        subject = Subject.of(spec) if spec is not None else _NOBODY
        masked = mode is not PrivacyMode.PSEUDONYMISE
        key = (tuple(texts), subject, masked, tuple(earlier.items()) if earlier else None)
        done = self._rewrites.get(key)
        if done is None:
            done = await self._rewrite(texts, subject, masked, earlier)
            self._rewrites.put(key, done, sum(map(len, texts)))
        participants = endpoint.participant_slots(body)
        if done is _NOTHING_FOUND:
            if not participants:
                # Nothing to replace and nothing to restore (most requests, and every
                # text of a conversation that holds no personal data): no table of its own.
                return Protection(endpoint, mode, _NOTHING, endpoint.structured(body))
            done = _rewritten(subject, masked, earlier, texts, [[] for _ in texts])
        placeholders, rewritten = done
        if participants:
            # The remembered table is shared by every request that sends these texts and
            # is only read once made: a request that adds to it adds to a copy.
            placeholders = placeholders.copy()
        for slot, text in zip(slots, rewritten, strict=True):
            if text is not None:
                slot.set(text)
        for slot in participants:
            slot.set(placeholders.participant(slot.get()))
        return Protection(endpoint, mode, placeholders, endpoint.structured(body))

    async def _rewrite(
        self, texts: list[str], subject: Subject, masked: bool, earlier: Mapping[str, str] | None
    ) -> Rewrite:
        """The request's table and its texts rewritten, or ``_NOTHING_FOUND``."""
        findings = await self.detector.detect(texts, subject)
        if not (subject.values or earlier or any(findings)):
            return _NOTHING_FOUND
        rewrite = (subject, masked, earlier, texts, findings)
        size = sum(map(len, texts))
        if size > LONG_TEXT:
            return await self.detector.off_the_loop(partial(_rewritten, *rewrite), size)
        return _rewritten(*rewrite)

    async def put_subject(self, user: str, spec: SubjectSpec) -> None:
        if self.directory is None:
            raise InvalidRequest("this gateway keeps no registered subjects")
        await self.directory.put(user, spec)

    async def forget_subject(self, user: str) -> bool:
        return self.directory is not None and await self.directory.forget(user)

    async def _subject(self, extension: Any, user: str | None) -> SubjectSpec | None:
        """What the request and the user's registration tell of the subject; ``None``
        when neither tells anything (most requests: no model is built for them)."""
        spec = None
        if extension is not None:
            spec = subject_of_document(extension, EXTENSION)
        if self.directory is not None and user is not None:
            registered = await self.directory.get(user)
            if registered is not None:
                spec = registered.merged(spec or SubjectSpec())
        return spec


Rewrite = tuple[Placeholders, tuple[str | None, ...]]
"""A request's table, and each of its texts with its findings replaced (``None``:
nothing found in it)."""
_NOTHING_FOUND: Rewrite = (_NOTHING, ())
"""The rewrite of texts in which nothing was found, for a subject of whom nothing is
known, and no earlier table."""


def _rewritten(
    subject: Subject,
    masked: bool,
    earlier: Mapping[str, str] | None,
    texts: list[str],
    findings: list[list[Finding]],
) -> Rewrite:
    placeholders = Placeholders(subject, mask=masked, taken=taken_numbers(texts), earlier=earlier)
    rewritten = tuple(
        placeholders.replace(text, found) if found else None
        for text, found in zip(texts, findings, strict=True)
    )
    return placeholders, rewritten


def _embedded_resumes(texts: list[str]) -> Iterator[dict[str, Any]]:
    """JSON Resume documents pasted into the texts: their ``basics`` are the subject's
    own data (usernames and postcodes no pattern would find)."""
    for text in texts:
        if '"basics"' not in text:
            continue
        start = text.find("{")
        while start != -1:
            try:
                document, end = _JSON.raw_decode(text, start)
            except ValueError:
                start = text.find("{", start + 1)
                continue
            if isinstance(document, dict) and isinstance(document.get("basics"), dict):
                yield document
                break
            start = text.find("{", end)  # some other JSON first: the resume may follow


def subject_of_document(document: Any, where: str = "body") -> SubjectSpec:
    """A subject from ``{"subject": SubjectSpec}`` or ``{"resume": JSON Resume}``; a 400
    naming the field when it is neither."""
    if not isinstance(document, dict) or not set(document) <= {"subject", "resume"}:
        raise InvalidRequest(
            f"'{where}' must be an object with 'subject' (names, emails, phones, addresses, "
            "links, dates_of_birth, national_ids) or 'resume' (a JSON Resume document).",
            param=where,
        )
    if "resume" in document:
        resume = document["resume"]
        if not isinstance(resume, dict):
            raise InvalidRequest(
                f"'{where}.resume' must be a JSON Resume object.", param=f"{where}.resume"
            )
        return SubjectSpec.from_resume(resume)
    try:
        return SubjectSpec.model_validate(document.get("subject") or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise InvalidRequest(
            f"'{where}.subject.{field}': {error['msg']}.", param=f"{where}.subject.{field}"
        ) from None


def digest_end_user(body: dict[str, Any]) -> bool:
    """Replace the end user's id in ``body`` (``user``, ``safety_identifier``) by a
    digest of it; whether one was there. OpenAI asks for an id that names no one ("hash
    their username or email address") and keeps it; callers send what they have, often
    an email. The digest is stable, so the upstream still tells users apart."""
    replaced = False
    for field in END_USER_FIELDS:
        value = body.get(field)
        if isinstance(value, str) and value and not _DIGESTED.fullmatch(value):
            body[field] = "cg-" + hashlib.sha256(value.encode()).hexdigest()[:32]
            replaced = True
    return replaced


_DIGESTED = re.compile(r"cg-[0-9a-f]{32}")
"""A digest already (a batch line checked again, a request replayed)."""

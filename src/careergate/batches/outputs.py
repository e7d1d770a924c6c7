"""A batch's files as its owner downloads them, and the output and error files of a
batch the gateway ran.

Downloaded output is restored line by line: each line's answer gets back the personal
data its request was sent without, from the placeholders the input file's plan keeps
for its ``custom_id`` (so a line's placeholders never fill another line's answer). An
input file comes back as it was sent, its texts restored likewise.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson

from careergate.batches.lines import render_lines
from careergate.batches.metering import LineOutcome
from careergate.batches.plan import FilePlan, LinePlan
from careergate.endpoints.slots import Slot
from careergate.storage.tables import TaskItemRow

Json = dict[str, Any]


def restore_output(content: bytes, plan: FilePlan) -> bytes:
    """An output or error file with each answer's personal data put back."""

    def slots(line: LinePlan, item: Json) -> list[Slot]:
        response = item.get("response")
        body = response.get("body") if isinstance(response, dict) else None
        if not isinstance(body, dict):
            return []
        return line.spec.answer_slots(body, line.structured)

    return _restore(content, plan, slots)


def restore_input(content: bytes, plan: FilePlan) -> bytes:
    """An input file with each request's texts as the caller sent them."""

    def slots(line: LinePlan, item: Json) -> list[Slot]:
        body = item.get("body")
        if not isinstance(body, dict) or line.spec.text_param not in body:
            return []  # a line emptied with its user (``erasure.py``) has no texts left
        return line.spec.text_slots(body)

    return _restore(content, plan, slots)


def _restore(
    content: bytes, plan: FilePlan, slots_of: Callable[[LinePlan, Json], list[Slot]]
) -> bytes:
    """Each line restored; a line of a ``custom_id`` already given, or of one the input
    never had, is left out, as from the metering (``metering.once_each``): one answer
    per request, as the API promises."""
    out: list[bytes] = []
    given: set[str] = set()
    for text in content.splitlines():
        if not text.strip():
            continue
        try:
            item = orjson.loads(text)
        except orjson.JSONDecodeError:
            out.append(text)
            continue
        custom_id = item.get("custom_id") if isinstance(item, dict) else None
        if isinstance(custom_id, str):
            if custom_id in given or (plan and custom_id not in plan):
                continue
            given.add(custom_id)
        out.append(_restored_line(text, item, plan, slots_of))
    return b"\n".join(out) + (b"\n" if out else b"")


def _restored_line(
    text: bytes, item: Any, plan: FilePlan, slots_of: Callable[[LinePlan, Json], list[Slot]]
) -> bytes:
    custom_id = item.get("custom_id") if isinstance(item, dict) else None
    line = plan.get(custom_id) if isinstance(custom_id, str) else None
    restorer = line.restorer() if line is not None else None
    if line is None or restorer is None:
        return text
    for slot in slots_of(line, item):
        slot.set(restorer.restore(slot.get(), in_json=slot.in_json))
    return orjson.dumps(item)


def outcomes_of(content: bytes) -> Iterator[LineOutcome]:
    """The lines of an upstream's output or error file, as outcomes to meter (each
    ``custom_id`` once: ``once_each``)."""
    for text in content.splitlines():
        if not text.strip():
            continue
        try:
            item = orjson.loads(text)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(item, dict) or not isinstance(item.get("custom_id"), str):
            continue
        response = item.get("response")
        error = item.get("error")
        if isinstance(response, dict):
            body = response.get("body")
            status = response.get("status_code")
            ok = isinstance(status, int) and status < 400 and isinstance(body, dict)
            yield LineOutcome(
                item["custom_id"],
                status if isinstance(status, int) else 200,
                body if ok else None,
                None if ok else _code(body),
            )
        else:
            yield LineOutcome(item["custom_id"], 500, None, _code({"error": error}))


def _code(body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code)[:64] if code else "batch_line_failed"


def local_files(
    items: list[TaskItemRow], expired: Sequence[str] = ()
) -> tuple[bytes, bytes, int, int]:
    """The output and error files of a batch the gateway ran, from its task's items in
    order: (output, errors, lines completed, lines failed). Lines never run (the batch
    was cancelled first) are in neither, as OpenAI leaves them out; the ``expired``
    lines (``custom_id``s of lines unfinished when the batch's window ended) close the
    error file with OpenAI's ``batch_expired`` error, and count as failed."""
    output: list[Json] = []
    errors: list[Json] = []
    for item in items:
        payload = item.payload if isinstance(item.payload, dict) else {}
        custom_id = payload.get("custom_id")
        result = item.result if isinstance(item.result, dict) else None
        if item.status == "done" and result is not None and "body" in result:
            output.append(
                _line(custom_id, result["status_code"], result["request_id"], result["body"])
            )
        elif item.status == "done" and result is not None:
            errors.append(_line(custom_id, result["status_code"], None, result["error"]))
        elif item.status == "failed":
            failure = item.error or {"code": "batch_line_failed", "message": "The line failed."}
            errors.append(_line(custom_id, 500, None, {"error": failure}, failure))
    errors.extend(_expired(custom_id) for custom_id in expired)
    return render_lines(output), render_lines(errors), len(output), len(errors)


def _expired(custom_id: str) -> Json:
    """An unfinished line of an expired batch, as OpenAI writes it in the error file."""
    return {
        "id": "batch_req_" + secrets.token_hex(12),
        "custom_id": custom_id,
        "response": None,
        "error": {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        },
    }


def _line(
    custom_id: Any, status: int, request_id: str | None, body: Any, error: Any = None
) -> Json:
    return {
        "id": "batch_req_" + secrets.token_hex(12),
        "custom_id": custom_id,
        "response": {"status_code": status, "request_id": request_id, "body": body},
        "error": error,
    }

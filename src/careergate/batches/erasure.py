"""A user's lines in other submitters' batch files, erased with the user.

A line of a batch is the user's whom its request body names (OpenAI's ``user`` field):
the request path attributes the line to them when its batch names no user of its own,
and ``tasks/governance.py`` counts the line, as a task item, as theirs. A platform
service submitting one batch for many users keeps their lines in its own files: its
input file and, once the batch has run, its output and error files, all sealed in the
vault (the user's own files are sealed under their name, and go whole).

Erasing the user rewrites those files line by line, as an item of another's task that
names them is erased: each of their lines keeps its place, its ``custom_id`` and its
shape (OpenAI's batch formats, so the file is still valid JSON lines), and loses what
it held: an input line keeps its ``method``, ``url`` and ``model`` and loses the rest of
its body; an output or error line keeps its ``id``, status code and request id, and
loses the answer's body and the error's message. Their placeholders go from the input
file's plan too. Each file is re-sealed in place (``Vault.rewrite_named``): a file
deleted meanwhile stays deleted, and two erasures rewriting one file at once each see
the other's work. The plan first, then the outputs, then the input: an erasure cut
short still finds the input naming the user when it is run again. The file's recorded
size follows its new content.

A batch ending while the erasure runs writes its output from its items as it read
them; it then reads them again, and erases from the files it wrote the lines whose
items were erased meanwhile (``follower.py``), so whichever comes second does it.

Files an upstream's Batch API keeps are the upstream's, not rewritten here.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection
from typing import Any

import orjson
from sqlalchemy import case, select, update

from careergate.batches.plan import CONTENT_KIND, PLAN_KIND, LinePlan
from careergate.batches.store import FILES
from careergate.storage.database import Database
from careergate.storage.tables import BatchFileRow, BatchRow
from careergate.vault.store import Vault

ERASED_MESSAGE = "Erased with the user it was for."
INPUT = "batch"
"""The purpose of an input file (``batch_output`` and ``batch_error`` are a batch's)."""


def _item(text: bytes) -> dict[str, Any] | None:
    try:
        item = orjson.loads(text) if text.strip() else None
    except orjson.JSONDecodeError:
        return None
    return item if isinstance(item, dict) else None


def named_lines(content: bytes, user: str) -> list[str]:
    """The ``custom_id`` of every input line whose request body names ``user``."""
    if orjson.dumps(user)[1:-1] not in content:  # as the file's JSON spells it
        return []
    named = []
    for text in content.split(b"\n"):
        item = _item(text)
        body = item.get("body") if item is not None else None
        custom_id = item.get("custom_id") if item is not None else None
        if isinstance(body, dict) and body.get("user") == user and isinstance(custom_id, str):
            named.append(custom_id)
    return named


def without_lines(content: bytes, custom_ids: Collection[str]) -> bytes:
    """``content`` with the lines of ``custom_ids`` emptied (``_emptied``); every other
    byte as it was."""
    out = []
    for text in content.split(b"\n"):
        item = _item(text)
        if item is not None and item.get("custom_id") in custom_ids:
            text = orjson.dumps(_emptied(item))
        out.append(text)
    return b"\n".join(out)


def _emptied(item: dict[str, Any]) -> dict[str, Any]:
    """A line as it stays once its user is erased: its id and shape, none of its text."""
    if "response" not in item and "error" not in item:  # an input line
        body = item.get("body")
        model = body.get("model") if isinstance(body, dict) else None
        return {
            "custom_id": item["custom_id"],
            "method": item.get("method", "POST"),
            "url": item.get("url"),
            "body": {"model": model} if isinstance(model, str) else {},
        }
    response, error = item.get("response"), item.get("error")
    if isinstance(response, dict):
        kept = ("status_code", "request_id")
        response = {**{k: response.get(k) for k in kept}, "body": {}}
    if error is not None:
        code = error.get("code") if isinstance(error, dict) else None
        error = {"code": code if isinstance(code, str) else None, "message": ERASED_MESSAGE}
    return {
        "id": item.get("id"),
        "custom_id": item["custom_id"],
        "response": response,
        "error": error,
    }


def plan_without(document: bytes, custom_ids: Collection[str]) -> bytes | None:
    """A file's plan without the placeholders of ``custom_ids`` (``None``: none had
    any)."""
    plan = orjson.loads(document)
    changed = False
    for custom_id in custom_ids:
        kept = plan.get(custom_id)
        if not isinstance(kept, list):
            continue
        line = LinePlan.from_json(kept)
        if line.placeholders:
            plan[custom_id] = dataclasses.replace(line, placeholders={}).to_json()
            changed = True
    return orjson.dumps(plan) if changed else None


async def erase_lines_in(
    database: Database, vault: Vault, row: BatchFileRow, custom_ids: Collection[str]
) -> bool:
    """Empty the lines of ``custom_ids`` in the file's sealed content, and record its new
    size: whether it changed (``False`` too when the gateway does not keep it)."""
    sizes: list[tuple[int, int]] = []

    def change(content: bytes) -> bytes | None:
        rewritten = without_lines(content, custom_ids)
        sizes.append((len(content), len(rewritten)))
        return rewritten if rewritten != content else None

    if row.deployment is not None or not custom_ids:
        return False
    if not await vault.rewrite_named(CONTENT_KIND, row.id, change):
        return False
    before, after = sizes[-1]
    # An input's size is the upload's, not what is kept of it: it shrinks by as much.
    smaller = FILES.c.bytes - (before - after)
    size = case((smaller > 0, smaller), else_=after) if row.purpose == INPUT else after
    async with database.engine.begin() as connection:
        await connection.execute(update(FILES).where(FILES.c.id == row.id).values(bytes=size))
    return True


async def erase_named_lines(database: Database, vault: Vault, user: str) -> int:
    """Erase ``user``'s lines from the batch files of others the gateway keeps (see the
    module's docs): how many input lines named them. Reads every input file kept here:
    erasures are rare."""
    query = select(BatchFileRow).where(
        BatchFileRow.purpose == INPUT, BatchFileRow.deployment.is_(None)
    )
    async with database.session() as session:
        inputs = list((await session.scalars(query.order_by(BatchFileRow.id))).all())
    erased = 0
    for source in inputs:
        content = await vault.open_named(CONTENT_KIND, source.id)
        named = named_lines(content, user) if content is not None else []
        if not named:
            continue
        await vault.rewrite_named(
            PLAN_KIND, source.id, functools.partial(plan_without, custom_ids=named)
        )
        made = select(BatchRow.id).where(BatchRow.input_file_id == source.id)
        outputs = select(BatchFileRow).where(BatchFileRow.batch_id.in_(made))
        async with database.session() as session:
            found = list((await session.scalars(outputs)).all())
        for output in found:
            await erase_lines_in(database, vault, output, named)
        await erase_lines_in(database, vault, source, named)
        erased += len(named)
    return erased

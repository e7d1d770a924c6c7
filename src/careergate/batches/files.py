"""``/v1/files``: upload a batch's input (``purpose=batch``), retrieve, list, delete,
and download a file's content.

A file belongs to the key that uploaded it (or made the batch whose output it is):
other keys get a 404, as for a file that does not exist, and admin keys see all. An
upload is checked whole before anything leaves (``intake.py``); its lines then go to
the deployment whose Batch API will run them, or are sealed in the vault for the
gateway to run. Downloads are restored (``outputs.py``): the first download of a
batch's output starts the grace after which its placeholders are erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from careergate.auth.principal import Principal, Role
from careergate.batches.intake import LineChecks
from careergate.batches.lines import read_lines, render_lines
from careergate.batches.objects import OutputExpired, file_object, missing, new_id, page
from careergate.batches.outputs import restore_input, restore_output
from careergate.batches.plan import Plans
from careergate.batches.store import BatchStore, now
from careergate.batches.upstream import BatchUpstream
from careergate.errors import InvalidRequest, NotFound, PermissionDenied, UpstreamStatusError
from careergate.settings import BatchSettings
from careergate.storage.tables import BatchFileRow
from careergate.upstream.router import Deployment, Router

Json = dict[str, Any]
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Upload:
    purpose: str
    filename: str
    content: bytes


class FileService:
    def __init__(
        self,
        store: BatchStore,
        plans: Plans,
        checks: LineChecks,
        upstream: BatchUpstream,
        router: Router,
        settings: BatchSettings,
    ) -> None:
        self.store = store
        self.plans = plans
        self.checks = checks
        self.upstream = upstream
        self.router = router
        self.settings = settings

    async def upload(
        self,
        principal: Principal,
        user: str | None,
        upload: Upload,
        credentials: tuple[str, ...] = (),
    ) -> Json:
        """Check every line, take out its credentials (``credentials``: the caller's own
        secrets) and personal data, send the lines where they will run, and keep the
        file's sealed plan: the file object."""
        if principal.role is Role.READER:
            raise PermissionDenied("A reader key cannot upload files.")
        if upload.purpose != "batch":
            raise InvalidRequest(
                "Only files with purpose 'batch' can be uploaded through this gateway.",
                param="purpose",
            )
        lines = read_lines(upload.content, self.settings.max_lines)
        intake = await self.checks.take(principal, user, lines, credentials)
        content = render_lines([line.to_json() for line in intake.lines])
        file_id = new_id("file-")
        upstream_id = None
        if intake.deployment is not None:
            uploaded = await self.upstream.upload(intake.deployment, upload.filename, content)
            upstream_id = str(uploaded.get("id"))
        else:
            await self.plans.keep_content(file_id, content, user)
        await self.plans.keep(file_id, intake.plan, user)
        row = await self.store.add_file(
            {
                "id": file_id,
                "key_id": principal.key_id,
                "user_id": user,
                "purpose": "batch",
                "filename": upload.filename[:400],
                "bytes": len(upload.content),
                "lines": len(lines),
                "deployment": intake.deployment.name if intake.deployment else None,
                "upstream_id": upstream_id,
                "batch_id": None,
                "created_at": now(),
            }
        )
        return file_object(row)

    async def owned(self, principal: Principal, file_id: str) -> BatchFileRow:
        row = await self.store.file(file_id)
        if row is None or (row.key_id != principal.key_id and principal.role is not Role.ADMIN):
            raise missing("file", file_id)
        return row

    async def retrieve(self, principal: Principal, file_id: str) -> Json:
        return file_object(await self.owned(principal, file_id))

    async def list(
        self, principal: Principal, purpose: str | None, after: str | None, limit: int
    ) -> Json:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidRequest(f"`limit` must be 1 to {MAX_PAGE}.", param="limit")
        key = None if principal.role is Role.ADMIN else principal.key_id
        rows = await self.store.files(key, purpose, after, limit + 1)
        return page([file_object(row) for row in rows[:limit]], len(rows) > limit)

    async def delete(self, principal: Principal, file_id: str) -> Json:
        """The file gone here and upstream; an input's plan stays while a batch needs it."""
        row = await self.owned(principal, file_id)
        deployment = self._deployment(row)
        if deployment is not None and row.upstream_id is not None:
            try:
                await self.upstream.delete(deployment, row.upstream_id)
            except UpstreamStatusError as error:
                if error.status != 404:
                    raise
        await self.plans.forget_content(file_id)
        if row.purpose == "batch" and not await self.store.used_by(file_id):
            await self.plans.forget(file_id)
        await self.store.remove_file(file_id)
        return {"id": file_id, "object": "file", "deleted": True}

    async def content(self, principal: Principal, file_id: str) -> bytes:
        """The file's lines, their personal data put back."""
        row = await self.owned(principal, file_id)
        raw = await self._raw(row)
        if row.purpose == "batch":
            plan = await self.plans.plan(file_id)
            return restore_input(raw, plan) if plan is not None else raw
        batch = await self.store.batch(row.batch_id) if row.batch_id else None
        plan = await self.plans.plan(batch.input_file_id) if batch is not None else None
        if batch is None or plan is None:
            raise OutputExpired(
                f"The output of batch '{row.batch_id}' can no longer be restored: its "
                "personal data was erased after its first download or its retention.",
            )
        restored = restore_output(raw, plan)
        await self.store.fetched(batch.id, self.settings.output_grace_seconds)
        return restored

    async def _raw(self, row: BatchFileRow) -> bytes:
        deployment = self._deployment(row)
        if deployment is not None and row.upstream_id is not None:
            return await self.upstream.content(deployment, row.upstream_id)
        kept = await self.plans.content(row.id)
        if kept is None:
            raise NotFound(f"The content of file '{row.id}' is no longer kept.", param="file_id")
        return kept

    def _deployment(self, row: BatchFileRow) -> Deployment | None:
        if row.deployment is None:
            return None
        return next((d for d in self.router.deployments if d.name == row.deployment), None)

"""A batch on an upstream's Batch API whose files cannot be believed: an output file
that repeats each line (or names lines the input never had) bills each line of the
batch once, within what it held, and gives its owner one answer per line."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from careergate.settings import BatchSettings
from careergate.storage.tables import BudgetWindowRow
from conftest import RunningGateway, gateway_settings, start_gateway
from loopback import LoopbackServer, Received, Reply, chat_completion
from test_batches import jsonl, line
from test_batches_llmock import batch_rows, table


class RepeatingBatchApi:
    """An upstream Batch API that runs every batch at once and writes each line's
    answer ``repeats`` times into its output file, with a line of its own invention."""

    def __init__(self, repeats: int) -> None:
        self.repeats = repeats
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.loopback = LoopbackServer(self._answer)
        self.base_url = f"{self.loopback.url}/v1"

    def _answer(self, request: Received) -> Reply:
        path = request.path.split("?")[0]
        if request.method == "POST" and path == "/v1/files":
            file_id = f"file-{len(self.files)}"
            self.files[file_id] = request.body  # the multipart form: its lines are inside
            return Reply.of_json({"id": file_id, "object": "file", "purpose": "batch"})
        if request.method == "POST" and path == "/v1/batches":
            body = request.json()
            batch_id = f"batch_{len(self.batches)}"
            custom_ids = re.findall(rb'"custom_id":\s*"([^"]+)"', self.files[body["input_file_id"]])
            self.files[f"{batch_id}-out"] = self._output([c.decode() for c in custom_ids])
            self.batches[batch_id] = {
                **body,
                "id": batch_id,
                "object": "batch",
                "status": "completed",
                "output_file_id": f"{batch_id}-out",
                "created_at": int(time.time()),
                "request_counts": {"total": 2, "completed": 2, "failed": 0},
            }
            return Reply.of_json(self.batches[batch_id])
        if match := re.fullmatch(r"/v1/batches/([^/]+)", path):
            return Reply.of_json(self.batches[match.group(1)])
        if match := re.fullmatch(r"/v1/files/([^/]+)/content", path):
            return Reply(content_type="application/jsonl", body=self.files[match.group(1)])
        return Reply.of_json({"object": "list", "data": []})

    def _output(self, custom_ids: list[str]) -> bytes:
        lines = []
        for custom_id in [*custom_ids, "invented"]:
            answer = chat_completion("ok", 9, 40)
            item = {"custom_id": custom_id, "response": {"status_code": 200, "body": answer}}
            lines += [json.dumps(item)] * self.repeats
        return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[RunningGateway]:
    upstream = RepeatingBatchApi(repeats=3)
    deployment = {
        "name": "repeating",
        "provider": "openai-compatible",
        "base_url": upstream.base_url,
        "endpoints": ["chat/completions", "batches"],
    }
    settings = gateway_settings(tmp_path, [deployment], batches=BatchSettings(poll_seconds=0.1))
    try:
        yield from start_gateway(settings, None)  # type: ignore[arg-type]
    finally:
        upstream.loopback.close()


def test_a_line_an_upstream_repeats_or_invents_is_billed_once_or_not_at_all(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key(user="ann", budget_usd=Decimal("5")))
    content = jsonl(line("a", "Hello", max_tokens=50), line("b", "Hi there", max_tokens=50))
    uploaded = client.files.create(file=("requests.jsonl", content), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    rows = batch_rows(gateway, 2)
    time.sleep(0.3)  # a third record, were one written, would be there by now
    rows = batch_rows(gateway, 2)
    assert len(rows) == 2
    assert all(row.completion_tokens == 40 for row in rows)
    spent = sum(window.spent_nano_usd for window in table(gateway.settings, BudgetWindowRow))
    assert spent == sum(row.cost_nano_usd or 0 for row in rows) > 0  # once each, no more
    ended = client.batches.retrieve(batch.id)
    assert ended.output_file_id is not None
    output = client.files.content(ended.output_file_id).text.splitlines()
    assert [json.loads(text)["custom_id"] for text in output] == ["a", "b"]

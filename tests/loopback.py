"""A small HTTP server on loopback for tests whose counterpart answers as the test
scripts it (an upstream that breaks or lies, a webhook receiver): every request is kept
and handed to the test's ``answer``, and what it returns is sent back."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    content_type: str = "application/json"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of_json(cls, value: Any, status: int = 200) -> Reply:
        return cls(status, "application/json", json.dumps(value).encode())

    @classmethod
    def of_events(cls, events: list[Any]) -> Reply:
        """A server-sent event stream: each event as JSON (a string as it is)."""
        lines = (e if isinstance(e, str) else json.dumps(e) for e in events)
        return cls(200, "text/event-stream", "".join(f"data: {e}\n\n" for e in lines).encode())


def chat_completion(content: str, prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """A chat completion of one choice saying ``content``, with its usage."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class LoopbackServer:
    """Serves ``answer(request)`` on 127.0.0.1 at a free port until closed; ``url`` is
    its root (no trailing slash), ``received`` every request in the order it came."""

    def __init__(self, answer: Callable[[Received], Reply]) -> None:
        self.received: list[Received] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = Received(self.command, self.path, headers, self.rfile.read(length))
                received.append(request)
                reply = answer(request)
                self.send_response(reply.status)
                if reply.status != 204:  # a 204 has no body, nor a length of one
                    self.send_header("content-type", reply.content_type)
                    self.send_header("content-length", str(len(reply.body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # Polled every 10 ms, it stops at once (the default half second adds up over tests).
        serving = {"poll_interval": 0.01}
        threading.Thread(target=self.server.serve_forever, kwargs=serving, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

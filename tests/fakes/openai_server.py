"""A fake OpenAI-compatible Chat Completions server on loopback, for tests of the LLM path.

    with FakeOpenAI() as fake:
        fake.reply_with(lambda body: fake.completion({"recommendations": [...]}))
        settings.OPENAI_BASE_URL = fake.base_url
        ...
        assert fake.requests[0]["messages"][1]["content"] ...

Every POST to /v1/chat/completions is recorded (parsed JSON body, headers) in `requests`. The reply is
whatever the current handler returns: a `Reply` (status, body, delay in seconds). By default the handler
picks the first candidate ids it finds in the user message, like a well-behaved model.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[dict[str, Any]], Reply]

_CANDIDATE_RE = re.compile(r"^(\d+) \| (.+?) \| ", re.MULTILINE)


def candidate_ids(body: dict[str, Any]) -> list[tuple[int, str]]:
    """(tmdb_id, title) of every candidate line in the request's user message, in order."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    return [(int(i), t) for i, t in _CANDIDATE_RE.findall(user)]


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.handler: Handler = self._default
        self._stop = threading.Event()
        fake = self

        class _RequestHandler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode(errors="replace")}
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(Reply(status=404, body={"error": {"message": "unknown path"}}))
                    return
                fake.requests.append(body)
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = fake.handler(body)
                if reply.delay and fake._stop.wait(reply.delay):
                    return
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if isinstance(reply.body, dict):
                    payload = json.dumps(reply.body).encode()
                elif isinstance(reply.body, str):
                    payload = reply.body.encode()
                else:
                    payload = reply.body
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _RequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def reply_with(self, handler: Handler) -> None:
        self.handler = handler

    @staticmethod
    def completion(
        content: dict[str, Any] | str,
        *,
        model: str = "fake-model",
        prompt_tokens: int = 321,
        completion_tokens: int = 54,
        finish_reason: str = "stop",
    ) -> Reply:
        """A Chat Completions answer whose message content is `content` (JSON-encoded when a dict)."""
        text = content if isinstance(content, str) else json.dumps(content)
        return Reply(
            body={
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text, "refusal": None},
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )

    def _default(self, body: dict[str, Any]) -> Reply:
        picks = candidate_ids(body)[:3]
        return self.completion(
            {"recommendations": [{"tmdb_id": i, "title": t, "reason": f"Fake pick: {t}."} for i, t in picks]}
        )

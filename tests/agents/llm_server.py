"""Fake language-model servers on 127.0.0.1: OpenAI chat completions and Anthropic messages.

A small HTTP/1.1 server on asyncio (keep-alive, no dependencies) that answers

- ``POST …/chat/completions`` in the OpenAI format (``message.reasoning_content``, logprobs
  with top-k alternatives, usage with reasoning tokens), and
- ``POST …/messages`` in the Anthropic format (thinking blocks, ``stop_reason``),

with replies chosen by a *script*: a function of the request that returns a `Reply` or a list
of them (the n-th request with the same messages gets the n-th, the last one repeats). A reply
can also be a fault: an HTTP status with headers (429 with ``Retry-After``, 500, 503), a delay
longer than the client's timeout (``fault="timeout"``: no answer at all), a connection reset,
a malformed JSON body, or well-formed JSON that is not a completion (``fault="not_a_completion"``).

The server counts requests per prompt (the request's messages, hashed), keeps every request
body, and can run in a thread of the test process (`FakeLLMServer`) or as its own process::

    python -m tests.agents.llm_server --latency 0.1     # prints the port, serves until killed
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Fault = Literal["reset", "malformed", "timeout", "not_a_completion"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer (or fault) of the server."""

    content: str = "Final answer: row 0"
    reasoning: str | None = None
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    fault: Fault | None = None
    prompt_tokens: int = 100
    completion_tokens: int = 10
    reasoning_tokens: int = 0
    cached_tokens: int = 0  # of the prompt tokens, served from the provider's prompt cache
    reasoning_field: str = "reasoning_content"  # OpenAI format: newer vLLM says "reasoning"
    finish_reason: str = "stop"
    error_code: str | None = None  # the error body's code (default: the status)


@dataclass(frozen=True)
class Request:
    """What the script sees of a request."""

    api: Literal["openai", "anthropic"]
    path: str
    model: str
    messages: list[dict[str, Any]]
    body: dict[str, Any]
    headers: dict[str, str]
    key: str  # hash of the messages: the prompt the counts are kept by
    n: int  # how many requests with the same messages came before this one

    @property
    def prompt(self) -> str:
        """The first user message's text."""
        for m in self.messages:
            if m.get("role") == "user":
                return _text(m.get("content"))
        return ""

    @property
    def last(self) -> str:
        """The last message's text."""
        return _text(self.messages[-1].get("content")) if self.messages else ""


Script = Callable[[Request], "Reply | Sequence[Reply]"]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def prompt_key(messages: list[dict[str, Any]]) -> str:
    canon = [{"role": m.get("role"), "content": _text(m.get("content"))} for m in messages]
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()[:16]


def default_script(req: Request) -> Reply:
    return Reply()


def token_logprobs(content: str, k: int) -> list[dict[str, Any]]:
    """Deterministic logprobs for ``content``: token i has logprob -0.25 * (i % 4)."""
    out = []
    pieces = [p for p in _split_tokens(content) if p]
    for i, tok in enumerate(pieces):
        lp = -0.25 * (i % 4)
        top = [{"token": tok, "logprob": lp, "bytes": list(tok.encode())}]
        for j in range(1, k):
            alt = f"alt{j}"
            top.append({"token": alt, "logprob": lp - j, "bytes": list(alt.encode())})
        out.append(
            {"token": tok, "logprob": lp, "bytes": list(tok.encode()), "top_logprobs": top[:k]}
        )
    return out


def _split_tokens(text: str) -> list[str]:
    out: list[str] = []
    cur = ""
    for ch in text:
        if ch.isspace() and cur and not cur.isspace():
            out.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def openai_body(req: Request, r: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": r.content}
    if r.reasoning is not None:
        message[r.reasoning_field] = r.reasoning
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": r.finish_reason}
    if req.body.get("logprobs"):
        k = int(req.body.get("top_logprobs") or 0)
        choice["logprobs"] = {"content": token_logprobs(r.content, k)}
    usage = {
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "total_tokens": r.prompt_tokens + r.completion_tokens,
        "completion_tokens_details": {"reasoning_tokens": r.reasoning_tokens},
        "prompt_tokens_details": {"cached_tokens": r.cached_tokens},
    }
    return {
        "id": f"chatcmpl-{req.key}-{req.n}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": req.model,
        "choices": [choice],
        "usage": usage,
    }


def anthropic_body(req: Request, r: Reply) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if r.reasoning is not None:
        content.append({"type": "thinking", "thinking": r.reasoning, "signature": "sig-test"})
    if r.content:
        content.append({"type": "text", "text": r.content})
    stop = {"stop": "end_turn", "length": "max_tokens"}.get(r.finish_reason, r.finish_reason)
    return {
        "id": f"msg_{req.key}_{req.n}",
        "type": "message",
        "role": "assistant",
        "model": req.model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": r.prompt_tokens, "output_tokens": r.completion_tokens},
    }


def error_body(api: str, status: int, code: str | None = None) -> dict[str, Any]:
    kind = {
        400: "invalid_request_error",
        401: "authentication_error",
        429: "rate_limit_error",
        500: "api_error",
        503: "overloaded_error",
    }.get(status, "api_error")
    message = f"scripted {status}"
    if api == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": code or str(status)}}


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
_REASONS |= {429: "Too Many Requests"}
_REASONS |= {500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class ServerState:
    script: Script = default_script
    latency: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    ok: Counter[str] = field(default_factory=Counter)  # answers served, per prompt
    in_flight: int = 0
    max_in_flight: int = 0
    open_connections: int = 0  # client connections not yet closed
    log: list[Request] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    keep_log: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())


class _Handler:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        with self.state.lock:
            self.state.open_connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if not await self.respond(method, path, headers, body, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            writer.close()
            with self.state.lock:
                self.state.open_connections -= 1

    async def respond(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        writer: asyncio.StreamWriter,
    ) -> bool:
        route = path.split("?", 1)[0].rstrip("/")
        api: Literal["openai", "anthropic"]
        if method == "POST" and route.endswith("/chat/completions"):
            api = "openai"
        elif method == "POST" and route.endswith("/messages"):
            api = "anthropic"
        else:
            await self.send(writer, 404, {"error": {"message": f"no route {path}"}})
            return True
        body = json.loads(raw or b"{}")
        messages = list(body.get("messages") or [])
        if api == "anthropic" and body.get("system"):
            messages = [{"role": "system", "content": body["system"]}, *messages]
        key = prompt_key(messages)
        st = self.state
        with st.lock:
            n = st.counts[key]
            st.counts[key] += 1
            st.times.append(time.monotonic())
        req = Request(api, path, str(body.get("model", "")), messages, body, headers, key, n)
        if st.keep_log:
            with st.lock:
                st.log.append(req)
        got = st.script(req)
        replies = [got] if isinstance(got, Reply) else list(got)
        reply = replies[min(n, len(replies) - 1)]
        wait = st.latency + reply.delay
        with st.lock:
            st.in_flight += 1
            st.max_in_flight = max(st.max_in_flight, st.in_flight)
        try:
            if wait > 0:
                await asyncio.sleep(wait)
        finally:
            with st.lock:
                st.in_flight -= 1
        if reply.fault in ("reset", "timeout"):  # a timeout: no answer within ``delay``
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if reply.fault == "malformed":
            await self.send(writer, 200, b'{"id": "x", "choices": [{"message": {"content": ')
            return True
        if reply.fault == "not_a_completion":
            await self.send(writer, 200, {"object": "list", "data": []})
            return True
        if reply.status != 200:
            await self.send(
                writer, reply.status, error_body(api, reply.status, reply.error_code), reply.headers
            )
            return True
        out = openai_body(req, reply) if api == "openai" else anthropic_body(req, reply)
        await self.send(writer, 200, out, reply.headers)
        with st.lock:
            st.ok[key] += 1
        return True

    @staticmethod
    async def send(
        writer: asyncio.StreamWriter,
        status: int,
        payload: dict[str, Any] | bytes,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        head += ["content-type: application/json", f"content-length: {len(data)}"]
        head += [f"{k}: {v}" for k, v in extra]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await writer.drain()


class FakeLLMServer:
    """The server on 127.0.0.1 in a background thread; a context manager.

    ``url`` is ``http://127.0.0.1:PORT``; litellm reaches the OpenAI endpoint with
    ``api_base=url + "/v1"`` and the Anthropic one with ``api_base=url``.
    """

    def __init__(self, script: Script = default_script, *, latency: float = 0.0) -> None:
        self.state = ServerState(script=script, latency=latency)
        self._handler = _Handler(self.state)
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def script(self) -> Script:
        return self.state.script

    @script.setter
    def script(self, fn: Script) -> None:
        self.state.script = fn

    def start(self) -> FakeLLMServer:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = fut.result(10)
        return self

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._handler, "127.0.0.1", 0, backlog=1024)
        return int(self._server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            tasks = list(self._handler.tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def reset(self, script: Script | None = None) -> None:
        """Forget the counts and the log (and set a new script)."""
        with self.state.lock:
            self.state.counts.clear()
            self.state.ok.clear()
            self.state.log.clear()
            self.state.times.clear()
            self.state.max_in_flight = 0
        if script is not None:
            self.state.script = script

    @property
    def counts(self) -> Counter[str]:
        with self.state.lock:
            return Counter(self.state.counts)

    @property
    def log(self) -> list[Request]:
        with self.state.lock:
            return list(self.state.log)

    def total(self) -> int:
        return self.state.total()

    def answered(self) -> int:
        """Requests answered with a response (not a fault), over every prompt."""
        with self.state.lock:
            return sum(self.state.ok.values())

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def serve_forever(latency: float, port: int) -> None:
    state = ServerState(latency=latency, keep_log=False)
    server = await asyncio.start_server(_Handler(state), "127.0.0.1", port, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="fake OpenAI/Anthropic server on 127.0.0.1")
    ap.add_argument("--latency", type=float, default=0.1, help="seconds before each reply")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    asyncio.run(serve_forever(args.latency, args.port))


if __name__ == "__main__":
    main()

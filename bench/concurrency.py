"""Requests per second of the API agent against a loopback server, beside bare clients.

    python bench/concurrency.py [--latency 0.1] [--connections 1 16 64 256] [--seconds 3]

A fake OpenAI-compatible server (`tests.agents.llm_server`, its own process) answers every
request after ``--latency`` seconds. For each number of connections N, five clients each send
N requests at a time, each client in a fresh process of its own (so that one client's
background threads cannot slow the next):

- ``aiohttp``: bare ``aiohttp`` posts, the floor of what Python can do here;
- ``openai``: a bare ``openai.AsyncOpenAI`` client;
- ``litellm``: bare ``litellm.acompletion`` calls;
- ``litellm-quiet``: the same with litellm's logging switches off (`QUIET_SWITCHES`), to
  measure what they save;
- ``stratlens``: the stratlens agent (`LLMAgent`: gate, retry policy, answer parsing, response
  cache on a fresh file, every request a cache miss) with its litellm client;
- ``stratlens-http``: the same agent with ``-M client=http`` (OpenAI-compatible servers);
- ``stratlens-default``: the same agent without ``-M client`` (what an ``openai/`` model with
  an ``api_base`` gets by default);
- ``http-unfrozen``: ``stratlens-http`` with the whole heap left to the garbage collector.

The stratlens clients run inside `stratlens._gc.frozen_heap`, as the runner plays a run;
``http-unfrozen`` does not, which shows what that is worth.

The N workers start spread over one latency (a server with a constant latency would otherwise
keep them in lockstep, every answer arriving in the same millisecond), and the figures are
taken over the steady state: from the 2N-th answer to the (n-N)-th, so that opening the
connections and draining the last requests are left out. Printed per N and client: requests
per second, as a ratio of the ideal N / latency, and the client process's CPU milliseconds
per request, so that the overhead of each layer stands beside the others, all from one run,
and after each N the stratlens clients' CPU per request minus bare ``openai``'s, and for the
http client, frozen and not, the objects on the heap and its full garbage collections (count,
longest) during the measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stratlens.agents import Turn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-0000000000000000")

CLIENTS = (
    "aiohttp",
    "openai",
    "litellm",
    "litellm-quiet",
    "stratlens",
    "stratlens-http",
    "stratlens-default",
    "http-unfrozen",
)
#: litellm's own switches for logging and bookkeeping that change no answer and no cost.
QUIET_SWITCHES = {
    "turn_off_message_logging": True,  # no messages in logging payloads
    "logging": False,
    "disable_token_counter": True,
    "disable_streaming_logging": True,
}
Send = Callable[[], Awaitable[None]]


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.agents.llm_server", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


def game_prompt() -> tuple[Turn, str]:
    """A real decision: (its Turn, its prompt) for player 0 of the prisoner's dilemma."""
    from stratlens.agents import Turn
    from stratlens.games import decision_view, get_game
    from stratlens.games.prompts import render

    spec = get_game("prisoners_dilemma")
    state = spec.game().new_initial_state()
    r = render(spec, state, 0, "vanilla")
    view = decision_view(spec, state, 0)
    legal = r.legal_actions
    turn = Turn(spec.id, 0, r.rules, r.observation, legal, "vanilla", r.prompt, view, seed=0)
    return turn, r.prompt


async def make_client(name: str, url: str, connections: int, cache_dir: str) -> Send:
    """A coroutine function that sends one request with client ``name`` and checks the answer."""
    turn, prompt = game_prompt()
    messages = [{"role": "user", "content": prompt}]
    if name == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))
        body = json.dumps({"model": "gpt-4o-mini", "messages": messages}).encode()
        headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-bench"}

        async def send_aiohttp() -> None:
            async with session.post(f"{url}/chat/completions", data=body, headers=headers) as r:
                assert (await r.json())["choices"][0]["message"]["content"]

        return send_aiohttp
    if name == "openai":
        import httpx
        import openai

        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        client = openai.AsyncOpenAI(
            base_url=url, max_retries=0, http_client=openai.DefaultAsyncHttpxClient(limits=limits)
        )

        async def send_openai() -> None:
            out = await client.chat.completions.create(
                model="gpt-4o-mini",
                messages=messages,  # type: ignore[arg-type]
            )
            assert out.choices[0].message.content

        return send_openai
    if name in ("litellm", "litellm-quiet"):
        import litellm

        litellm.suppress_debug_info = True
        if name == "litellm-quiet":
            for switch, value in QUIET_SWITCHES.items():
                setattr(litellm, switch, value)

        async def send_litellm() -> None:
            out = await litellm.acompletion(
                model="openai/gpt-4o-mini",
                messages=messages,
                api_base=url,
                max_retries=0,
                timeout=120.0,
            )
            assert out.choices[0].message.content

        return send_litellm
    from dataclasses import replace

    from stratlens.agents.llm import LLMAgent, RunOptions, parse_settings

    args = {"api_base": url}
    if name != "stratlens-default":
        args["client"] = "litellm" if name == "stratlens" else "http"
    settings = parse_settings("openai/gpt-4o-mini", args)
    cache = str(Path(cache_dir) / f"cache-{name}-{connections}.db")
    agent = LLMAgent(settings, RunOptions(max_connections=connections, cache=cache))
    seeds = itertools.count()  # every request another sample: a cache miss

    async def send_stratlens() -> None:
        d = await agent.act(replace(turn, seed=next(seeds)))
        assert d.parse_status == "ok" and not d.cached, d.error

    return send_stratlens


async def steady_state(send: Send, connections: int, n: int, latency: float) -> dict[str, float]:
    """Requests per second and CPU seconds per request between the 2N-th and (n-N)-th answer."""
    jobs = iter(range(n))
    lo, hi = min(2 * connections, n // 4), n - connections
    done = 0
    marks: dict[int, tuple[float, float]] = {}

    async def worker(k: int) -> None:
        nonlocal done
        await asyncio.sleep(k * latency / connections)
        for _ in jobs:
            await send()
            done += 1
            if done in (lo, hi):
                marks[done] = (time.perf_counter(), time.process_time())

    await asyncio.gather(*(worker(k) for k in range(connections)))
    (t0, c0), (t1, c1) = marks[lo], marks[hi]
    return {"rps": (hi - lo) / (t1 - t0), "cpu": (c1 - c0) / (hi - lo)}


def measure_here(name: str, url: str, connections: int, n: int, latency: float) -> None:
    """One client at one N, in this process; prints its figures as JSON."""

    from stratlens._gc import frozen_heap

    full: list[float] = []  # seconds of each full (generation 2) collection
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started[0] = time.perf_counter()
            else:
                full.append(time.perf_counter() - started[0])

    async def run() -> dict[str, float]:
        with tempfile.TemporaryDirectory() as tmp:
            send = await make_client(name, url, connections, tmp)
            heap = float(len(gc.get_objects()))
            gc.callbacks.append(timed)
            if not name.startswith("stratlens"):  # bare clients and http-unfrozen
                out = await steady_state(send, connections, n, latency)
            else:
                with frozen_heap():  # as the runner plays a run
                    out = await steady_state(send, connections, n, latency)
            gc.callbacks.remove(timed)
            return {**out, "heap": heap, "full_gc": len(full), "full_gc_max": max(full, default=0)}

    print(json.dumps(asyncio.run(run())))


def measure(name: str, url: str, connections: int, n: int, latency: float) -> dict[str, float]:
    """One client at one N, in a fresh process."""
    cmd = [sys.executable, __file__, "--measure", name, url, str(connections), str(n)]
    out = subprocess.run(
        [*cmd, "--latency", str(latency)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{name} at {connections} connections failed:\n{out.stderr[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--connections", type=int, nargs="+", default=[1, 16, 64, 256])
    ap.add_argument("--seconds", type=float, default=3.0, help="ideal duration of each run")
    ap.add_argument("--max-requests", type=int, default=2000, help="requests per run at most")
    ap.add_argument("--clients", nargs="+", choices=CLIENTS, default=list(CLIENTS))
    ap.add_argument("--measure", nargs=4, metavar=("CLIENT", "URL", "N", "REQUESTS"))
    args = ap.parse_args(argv)
    if args.measure:
        name, url, c, n = args.measure
        measure_here(name, url, int(c), int(n), args.latency)
        return 0

    proc, url = start_server(args.latency)
    try:
        print(
            f"loopback server, {args.latency * 1000:.0f} ms per request, {os.cpu_count()} CPUs; "
            "ratio = requests per second / ideal (connections / latency); "
            "cpu = client CPU ms per request"
        )
        print(f"{'connections':>11} {'ideal':>6} {'client':>15} {'rps':>8} {'ratio':>6} {'cpu':>6}")
        for c in args.connections:
            ideal = c / args.latency
            n = max(4 * c, min(args.max_requests, int(ideal * args.seconds)))
            cpu: dict[str, float] = {}
            gc_stats: dict[str, tuple[float, int, float]] = {}
            for name in args.clients:
                m = measure(name, url, c, n, args.latency)
                cpu[name] = m["cpu"] * 1000
                gc_stats[name] = (m["heap"], int(m["full_gc"]), m["full_gc_max"])
                print(
                    f"{c:>11} {ideal:>6.0f} {name:>15} {m['rps']:>8.1f} "
                    f"{m['rps'] / ideal:>6.2f} {cpu[name]:>6.2f}",
                    flush=True,
                )
            for name in ("stratlens-http", "stratlens-default", "http-unfrozen"):
                if name in gc_stats:
                    heap, count, longest = gc_stats[name]
                    print(
                        f"{'':>11} {name}: {heap:,.0f} objects on the heap, {count} full "
                        f"collections, the longest {longest * 1000:.0f} ms"
                    )
            if "openai" in cpu:
                beside = [
                    f"{name} {cpu[name] - cpu['openai']:+.2f} ms"
                    for name in ("stratlens", "stratlens-http", "stratlens-default")
                    if name in cpu
                ]
                print(f"{'':>11} CPU per request beside bare openai: {', '.join(beside)}")
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

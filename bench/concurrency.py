"""Requests per second of the litellm agent against a loopback server, beside bare `openai`.

    python bench/concurrency.py [--latency 0.1] [--connections 1 16 64 256] [--seconds 3]

A fake OpenAI-compatible server (`tests.agents.llm_server`, its own process) answers every
request after ``--latency`` seconds. For each number of connections N, three clients each send
N requests at a time for about ``--seconds`` (at most ``--max-requests``): a bare
``openai.AsyncOpenAI`` client, bare ``litellm.acompletion`` calls, and the stratlens agent
(`LLMAgent`: gate, retry policy, litellm, answer parsing, response cache on a fresh file, every
request a cache miss). Printed per N: requests per second of each as a ratio of the ideal
N / latency, and the client process's CPU time per request of each, so that the overhead of
litellm over the SDK and of stratlens over litellm stand side by side, all from this one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-0000000000000000")


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.agents.llm_server", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


async def drive(send: Callable[[int], Awaitable[None]], connections: int, n: int) -> float:
    """Seconds to send ``n`` requests, ``connections`` at a time (one worker per connection)."""
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            await send(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - start


def measure(
    make: Callable[[int], Callable[[int], Awaitable[None]]], connections: int, n: int
) -> tuple[float, float]:
    """(requests per second, client CPU seconds per request) in a fresh event loop."""

    async def run() -> tuple[float, float]:
        send = make(connections)
        await drive(send, connections, min(n, 2 * connections))  # warm the connections
        cpu = time.process_time()
        wall = await drive(send, connections, n)
        return n / wall, (time.process_time() - cpu) / n

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--connections", type=int, nargs="+", default=[1, 16, 64, 256])
    ap.add_argument("--seconds", type=float, default=3.0, help="ideal duration of each run")
    ap.add_argument("--max-requests", type=int, default=1500, help="requests per run at most")
    args = ap.parse_args(argv)

    import httpx
    import litellm
    import openai

    from stratlens.agents.llm import LLMAgent, RunOptions, parse_settings
    from stratlens.games import decision_view, get_game
    from stratlens.games.prompts import render

    spec = get_game("prisoners_dilemma")
    state = spec.game().new_initial_state()
    r = render(spec, state, 0, "vanilla")
    view = decision_view(spec, state, 0)
    proc, url = start_server(args.latency)
    tmp = tempfile.TemporaryDirectory()
    try:

        def stratlens_client(connections: int) -> Callable[[int], Awaitable[None]]:
            from stratlens.agents import Turn

            settings = parse_settings("openai/gpt-4o-mini", {"api_base": f"{url}/v1"})
            cache = str(Path(tmp.name) / f"cache-{connections}-{time.monotonic_ns()}.db")
            agent = LLMAgent(settings, RunOptions(max_connections=connections, cache=cache))

            async def send(i: int) -> None:
                turn = Turn(spec.id, 0, r.rules, r.observation, r.legal_actions, "vanilla",
                            r.prompt, view, seed=i)  # fmt: skip
                d = await agent.act(turn)
                assert d.parse_status == "ok", d.error

            return send

        def bare_client(connections: int) -> Callable[[int], Awaitable[None]]:
            limits = httpx.Limits(
                max_connections=connections, max_keepalive_connections=connections
            )
            client = openai.AsyncOpenAI(
                base_url=f"{url}/v1",
                max_retries=0,
                http_client=openai.DefaultAsyncHttpxClient(limits=limits),
            )
            messages = [{"role": "user", "content": r.prompt}]

            async def send(i: int) -> None:
                out = await client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=messages,  # type: ignore[arg-type]
                )
                assert out.choices[0].message.content

            return send

        def litellm_client(connections: int) -> Callable[[int], Awaitable[None]]:
            litellm.suppress_debug_info = True
            messages = [{"role": "user", "content": r.prompt}]

            async def send(i: int) -> None:
                out = await litellm.acompletion(
                    model="openai/gpt-4o-mini",
                    messages=messages,
                    api_base=f"{url}/v1",
                    max_retries=0,
                    timeout=120.0,
                )
                assert out.choices[0].message.content

            return send

        clients = [("openai", bare_client), ("litellm", litellm_client)]
        clients.append(("stratlens", stratlens_client))
        print(
            f"loopback server, {args.latency * 1000:.0f} ms per request, "
            f"{os.cpu_count()} CPUs; ratio = achieved requests per second / ideal "
            "(connections / latency); cpu = client process CPU ms per request"
        )
        head = f"{'connections':>11} {'ideal':>6}"
        for name, _ in clients:
            head += f" {name + ' rps':>14} {'ratio':>5} {'cpu':>5}"
        print(head + f" {'litellm-openai':>15} {'stratlens-litellm':>18}")
        for c in args.connections:
            ideal = c / args.latency
            n = max(c, min(args.max_requests, int(ideal * args.seconds)))
            line = f"{c:>11} {ideal:>6.0f}"
            cpu = {}
            for name, make in clients:
                rps, cpu[name] = measure(make, c, n)
                line += f" {rps:>14.1f} {rps / ideal:>5.2f} {cpu[name] * 1000:>5.2f}"
            line += f" {(cpu['litellm'] - cpu['openai']) * 1000:>12.2f} ms"
            line += f" {(cpu['stratlens'] - cpu['litellm']) * 1000:>15.2f} ms"
            print(line, flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load on a local ``derive serve --workers 2``: 200 concurrent 10-line checks, then with hostile
requests mixed in. Loopback only; every loop is bounded in count and time.

    python benchmarks/web_load.py [--count 200] [--workers 2]

Prints p50/p95 latency (warm, one at a time; 200 at once; 200 at once among hostile
requests), throughput, and the memory (PSS) of the server and its workers. Every
answer is compared with ``check --json`` computed in this process; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derive.grade import check_text  # noqa: E402
from tests.webserver import serve  # noqa: E402

TIMEOUT = 600.0


def ten_lines(a: int, b: int, wrong_at: int | None = None) -> str:
    """A 10-line derivation of d/dx (a x + b)^2 sin x; one line made wrong when asked."""
    lines = [
        f"d/dx ({a}*x + {b})^2 * sin(x)",
        f"= 2*{a}*({a}*x + {b})*sin(x) + ({a}*x + {b})^2*cos(x)   # product and chain rule",
        f"= ({a}*x + {b})*(2*{a}*sin(x) + ({a}*x + {b})*cos(x))",
        f"= ({a}*x + {b})*(2*{a}*sin(x) + {a}*x*cos(x) + {b}*cos(x))",
        f"= 2*{a}^2*x*sin(x) + 2*{a}*{b}*sin(x) + ({a}*x + {b})^2*cos(x)",
        f"= 2*{a}^2*x*sin(x) + 2*{a}*{b}*sin(x) + ({a}^2*x^2 + 2*{a}*{b}*x + {b}^2)*cos(x)",
        f"= 2*{a}^2*x*sin(x) + 2*{a}*{b}*sin(x) + {a}^2*x^2*cos(x) + 2*{a}*{b}*x*cos(x)"
        f" + {b}^2*cos(x)",
        f"= {a}^2*x*(2*sin(x) + x*cos(x)) + 2*{a}*{b}*(sin(x) + x*cos(x)) + {b}^2*cos(x)",
        f"= {a}^2*(2*x*sin(x) + x^2*cos(x)) + 2*{a}*{b}*(sin(x) + x*cos(x)) + {b}^2*cos(x)",
        f"= 2*{a}^2*x*sin(x) + {a}^2*x^2*cos(x) + 2*{a}*{b}*sin(x) + 2*{a}*{b}*x*cos(x)"
        f" + {b}^2*cos(x)",
    ]
    if wrong_at is not None:
        lines[wrong_at] = lines[wrong_at].replace("cos(x)", "cos(2*x)", 1)
    return "\n".join(lines) + "\n"


def corpus(count: int) -> list[str]:
    """``count`` distinct derivations; every third has one wrong line."""
    texts = []
    for k in range(count):
        a, b = 1 + k % 9, 1 + k // 9
        texts.append(ten_lines(a, b, wrong_at=2 + k % 8 if k % 3 == 0 else None))
    return texts


HOSTILE = [
    ("huge body", b'{"text": "' + b"x" * 2_000_000 + b'"}', 413),
    ("nested brackets", json.dumps({"text": "(" * 5000 + "x" + ")" * 5000 + "\n= x"}).encode(),
     400),
    ("tex injection", json.dumps({"text": "\\input{/etc/passwd}\n= 0"}).encode(), 400),
    ("python injection", json.dumps({"text": "__import__('os').system('id')\n= 0"}).encode(), 400),
    ("tower", json.dumps({"text": "9^9^9^9\n= 1"}).encode(), 400),
    ("not json", b"{'text': ", 400),
    ("long line", json.dumps({"text": "x" + " + x" * 5000 + "\n= x"}).encode(), 400),
]


def pss_of_tree(root: int) -> int:
    """Proportional set size (bytes) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class MemoryWatch:
    """Samples the server tree's PSS every 0.2 s while the load runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, pss_of_tree(self.pid))

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def one(client: httpx.AsyncClient, body: bytes) -> tuple[float, int, bytes]:
    start = time.perf_counter()
    response = await client.post("/api/check", content=body,
                                 headers={"Content-Type": "application/json"})
    return time.perf_counter() - start, response.status_code, response.content


async def load(url: str, bodies: list[bytes], hostile: list[bytes] = ()) -> tuple[list, float]:
    """All requests at once; the timings and answers of ``bodies`` (hostile ones interleaved)."""
    limits = httpx.Limits(max_connections=len(bodies) + len(hostile))
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT, limits=limits) as client:
        start = time.perf_counter()
        normal = [one(client, b) for b in bodies]
        extra = [one(client, h) for h in hostile]
        mixed = [x for pair in zip(normal, extra + [None] * len(normal), strict=False)
                 for x in pair if x is not None]
        results = await asyncio.gather(*mixed)
        wall = time.perf_counter() - start
    return results, wall


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def row(name: str, times: list[float], wall: float | None = None) -> str:
    ms = [t * 1000 for t in times]
    rate = f"{len(times) / wall:6.1f}/s" if wall else "      -"
    return (f"| {name:<44} | {len(ms):>4} | {percentile(ms, 50):8.0f} | {percentile(ms, 95):8.0f}"
            f" | {rate} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warm", type=int, default=40, help="one-at-a-time requests")
    args = parser.parse_args()

    texts = corpus(args.count)
    start = time.perf_counter()
    expected = [check_text(t).json() for t in texts]
    oracle = (time.perf_counter() - start) / len(texts)
    bodies = [json.dumps({"text": t}).encode() for t in texts]
    hostile = [HOSTILE[k % len(HOSTILE)] for k in range(args.count // 2)]

    with tempfile.TemporaryDirectory() as folder, \
            serve(Path(folder), workers=args.workers) as server:
        idle = pss_of_tree(server.process.pid)

        async def warm() -> list[float]:
            async with httpx.AsyncClient(base_url=server.url, timeout=TIMEOUT) as client:
                out = []
                for body in bodies[: args.warm]:
                    out.append((await one(client, body))[0])
                return out

        sequential = asyncio.run(warm())
        with MemoryWatch(server.process.pid) as memory:
            plain, plain_wall = asyncio.run(load(server.url, bodies))
            mixed, mixed_wall = asyncio.run(load(server.url, bodies, [h[1] for h in hostile]))

    def wrong_answers(results: list, candidates: list) -> int:
        by_body = dict(zip(bodies, expected, strict=True))
        bad = 0
        for (_, status, content), body in zip(results, candidates, strict=True):
            if body in by_body:
                bad += status != 200 or json.loads(content) != by_body[body]
            else:
                want = next(h[2] for h in HOSTILE if h[1] == body)
                bad += status != want or "error" not in json.loads(content)
        return bad

    order = [x for pair in zip(bodies, [h[1] for h in hostile] + [None] * len(bodies),
                               strict=False) for x in pair if x is not None]
    normal_mixed = [r[0] for r, b in zip(mixed, order, strict=True) if b in set(bodies)]
    hostile_times = [r[0] for r, b in zip(mixed, order, strict=True) if b not in set(bodies)]
    print(f"derive serve --workers {args.workers}: {args.count} distinct 10-line checks "
          f"(every third with one wrong line), {len(hostile)} hostile requests mixed in\n")
    print("| load | n | p50 ms | p95 ms | rate |")
    print("|---|---|---|---|---|")
    print(row("warm, one at a time", sequential))
    print(row(f"{args.count} at once", [r[0] for r in plain], plain_wall))
    print(row(f"{args.count} at once among {len(hostile)} hostile", normal_mixed, mixed_wall))
    print(row("  the hostile requests themselves", hostile_times))
    slow = percentile(normal_mixed, 50) / percentile([r[0] for r in plain], 50)
    slow95 = percentile(normal_mixed, 95) / percentile([r[0] for r in plain], 95)
    print(f"\nhostile requests slow the others by x{slow:.2f} at p50, x{slow95:.2f} at p95"
          " (target: at most x2)")
    print(f"wrong or lost answers: {wrong_answers(plain, bodies)} of {len(plain)} (plain), "
          f"{wrong_answers(mixed, order)} of {len(mixed)} (mixed)")
    print(f"memory (PSS of server, fork server and workers): idle {idle / 2**20:.0f} MiB, "
          f"peak under load {memory.peak / 2**20:.0f} MiB")
    print(f"the same check in process (no server): {oracle * 1000:.0f} ms each")


if __name__ == "__main__":
    main()

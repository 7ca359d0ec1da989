"""Requests per second and latency over HTTP: gunicorn (gunicorn.conf.py) on loopback, wrk as load.

Each endpoint gets the same bounded run: ``/api/v1/partnerships/<key>/suggestions`` (the
suggestions endpoint: JSON with reasons, a different random partnership per request),
``/partnerships/<key>`` (the public HTML page that shows the same suggestions) and ``/healthz``
(nothing but the framework). The per-address rate limit on suggestions is raised for the run, so
the limiter is still consulted on every request but never refuses one. Without wrk (``apt-get install wrk``) a small Python load
generator with keep-alive connections does the same, less efficiently.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"

_LUA = """
local paths = {%(paths)s}
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "errors": %%d, "non_2xx": %%d, '
      .. '"p50_us": %%d, "p95_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _ready(base: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before it was ready")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn not ready after {timeout} s")


def _wrk(base: str, paths: list[str], seconds: int, connections: int, seed: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA % {"paths": ", ".join(json.dumps(p) for p in paths), "seed": seed})
    try:
        result = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {result.stdout} {result.stderr}")
    raw = json.loads(line[len("RESULT ") :])
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "errors": raw["errors"],
        "non_2xx": raw["non_2xx"],
    }


def _python_load(base: str, paths: list[str], seconds: int, connections: int, seed: int) -> dict:
    """A keep-alive load generator in threads: the fallback when wrk is missing."""
    import random

    host, port = base.removeprefix("http://").split(":")
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0, 0]  # transport, non-2xx
    lock = threading.Lock()

    def worker(n: int) -> None:
        rng = random.Random(seed + n)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        mine = []
        while time.monotonic() < deadline:
            t = time.perf_counter()
            try:
                conn.request("GET", rng.choice(paths))
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - t)
                if not 200 <= response.status < 300:
                    errors[1] += 1
            except OSError:
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(q: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)
            if latencies
            else 0.0
        )

    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "errors": errors[0],
        "non_2xx": errors[1],
    }


def run(
    db_url: str,
    keys: list[str],
    *,
    workers: int = 2,
    seconds: int = 15,
    connections: int = 8,
    seed: int = 1,
    log_path: str | None = None,
    redis_url: str | None = None,
) -> dict:
    """Start gunicorn on a loopback port, load each endpoint for ``seconds``, stop gunicorn.

    With ``redis_url`` the rate limiter keeps its counts in Redis, as in production."""
    port = _free_port()
    base = f"http://{LOOPBACK}:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
        "GUNICORN_BIND": f"{LOOPBACK}:{port}",  # loopback only: this is never a load test of anything else
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESSLOG": "",
        "LOG_LEVEL": "WARNING",
        "SUGGESTIONS_RATE_LIMIT": "1000000 per minute",  # one address asks everything here
        "REDIS_URL": redis_url or "",
        "RATELIMIT_KEY_PREFIX": f"bench-{os.getpid()}",
    }
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    load = _wrk if shutil.which("wrk") else _python_load
    try:
        started = time.perf_counter()
        _ready(base, process, timeout=600)
        startup = round(time.perf_counter() - started, 1)
        api = [f"/api/v1/partnerships/{k}/suggestions" for k in keys]
        pages = [f"/partnerships/{k}" for k in keys]
        load(base, api + pages, min(3, seconds), connections, seed)  # warm both workers
        suggestions = load(base, api, seconds, connections, seed)
        page = load(base, pages, seconds, connections, seed)
        health = load(base, ["/healthz"], seconds, connections, seed)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    return {
        "tool": "wrk" if load is _wrk else "python",
        "rate_limit_storage": "redis" if redis_url else "memory",
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "startup_s": startup,
        "suggestions": suggestions,
        "page": page,
        "healthz": health,
        "ratio": round(suggestions["rps"] / health["rps"], 3) if health["rps"] else None,
    }

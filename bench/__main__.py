"""``python -m bench --sizes 1000,10000,100000 --out results.json [--db URL] [--http]``

For each size: generate profiles (bench/generate.py), import them into an empty database
(SQLite file, or the PostgreSQL database given with --db: its tables are dropped and created),
then measure in a fresh process (bench/measure.py). With --http, also gunicorn + wrk at 10,000
profiles (bench/http.py). Writes the JSON file, prints a Markdown table, and keeps the latest
run in bench/results/latest.json and latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from . import generate, http
from .report import markdown

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HTTP_SIZE = 10_000


def _child(*args: str, timeout: int = 3600) -> dict:
    """Run one bench.measure step in its own process; its last stdout line is the result."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.measure", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench.measure {args[0]} failed (exit {result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _document(size: int, seed: int, workdir: Path) -> Path:
    path = workdir / f"profiles-{size}-seed{seed}.json"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(generate.document(size, seed), ensure_ascii=False), encoding="utf-8"
        )
        tmp.rename(path)
    return path


def _db_url(args, size: int, workdir: Path) -> str:
    if args.db:
        return args.db
    path = workdir / f"bench-{size}.db"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _meta(args) -> dict:
    try:
        git = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        commit = git.stdout.strip()
    except OSError:
        commit = ""
    seeds = json.loads(generate.SEEDS.read_text(encoding="utf-8"))["partnerships"]
    return {
        "spread": {  # lengths and vocabulary of the seeds beside 2,000 synthetic profiles
            "seeds": generate.spread(seeds),
            "synthetic": generate.spread(generate.document(2000, args.seed)["partnerships"]),
        },
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "database": "postgresql" if args.db else "sqlite",
        "seed": args.seed,
        "queries": args.queries,
        "updates": args.updates,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="comma-separated profile counts"
    )
    parser.add_argument("--out", required=True, help="where to write the JSON results")
    parser.add_argument(
        "--db",
        help="PostgreSQL URL (its tables are dropped!); default: a fresh SQLite file per size",
    )
    parser.add_argument(
        "--http", action="store_true", help="also measure gunicorn + wrk at 10,000 profiles"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--queries", type=int, default=300, help="suggestion queries per size (at least 200)"
    )
    parser.add_argument("--updates", type=int, default=50, help="profile edits per size")
    parser.add_argument("--http-seconds", type=int, default=15, help="load time per endpoint")
    parser.add_argument(
        "--redis",
        help="Redis URL for the rate limiter's counts in the HTTP part (default: in memory)",
    )
    parser.add_argument(
        "--workdir", help="generated files and SQLite databases (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="matchmaker-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)

    steps = [(size, step) for size in sizes for step in ("generate", "import", "serve")]
    if args.http:
        if HTTP_SIZE not in sizes:
            steps += [(HTTP_SIZE, "generate"), (HTTP_SIZE, "import")]
        steps.append((HTTP_SIZE, "http"))
    results: dict = {"meta": _meta(args), "sizes": [], "http": None}
    rows: dict[int, dict] = {}
    databases: dict[int, str] = {}
    last_imported = None
    bar = tqdm(steps, desc="bench", unit="step", disable=not sys.stderr.isatty())
    for size, step in bar:
        bar.set_postfix_str(f"{step} {size:,}")
        row = rows.setdefault(size, {"size": size})
        if step == "generate":
            path = _document(size, args.seed, workdir)
            row["file_mb"] = round(path.stat().st_size / 1e6, 1)
        elif step == "import":
            databases[size] = _db_url(args, size, workdir)
            row["load_before_import"] = os.getloadavg()[0]
            row.update(
                _child("import", str(_document(size, args.seed, workdir)), "--db", databases[size])
            )
            last_imported = size
        elif step == "serve":
            row["load_before_serve"] = os.getloadavg()[0]
            args_ = [
                "--queries",
                str(args.queries),
                "--updates",
                str(args.updates),
                "--seed",
                str(args.seed),
            ]
            row.update(_child("serve", "--db", databases[size], *args_))
            if size in sizes:
                results["sizes"].append(row)
        elif step == "http":
            if (
                args.db and last_imported != HTTP_SIZE
            ):  # the one PostgreSQL database holds another size now
                _child("import", str(_document(HTTP_SIZE, args.seed, workdir)), "--db", args.db)
            document = json.loads(
                _document(HTTP_SIZE, args.seed, workdir).read_text(encoding="utf-8")
            )
            keys = [p["key"] for p in document["partnerships"]]
            results["http"] = {
                "size": HTTP_SIZE,
                "load_before": os.getloadavg()[0],
                **http.run(
                    databases[HTTP_SIZE],
                    keys,
                    seconds=args.http_seconds,
                    seed=args.seed,
                    log_path=str(workdir / "gunicorn.log"),
                    redis_url=args.redis,
                ),
            }
    bar.close()
    results["meta"]["load_after"] = os.getloadavg()[0]
    text = markdown(results)
    payload = json.dumps(results, indent=2)
    Path(args.out).write_text(payload + "\n", encoding="utf-8")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.json").write_text(payload + "\n", encoding="utf-8")
    (HERE / "results" / "latest.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

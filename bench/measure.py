"""One measurement in a process of its own (so peak memory is this step's alone); prints JSON.

    python -m bench.measure import FILE --db URL
    python -m bench.measure serve --db URL [--queries 300] [--updates 50] [--seed 1]

``import`` creates the schema on an empty database and times the ``import-profiles`` command
(the same code path as on the command line, in process). ``serve`` times fitting the index the
way a worker does (``current_index``: load the rows, fit), warm suggestions through the service
function ``suggest``, the raw floor (sparse product of a precomputed query with the index and
top-k selection), and edits through ``save_profile`` followed by the suggestions that show them.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time

import numpy as np
from tqdm import tqdm

SECRET = "benchmark-secret-key-0123456789abcdef"


def _app(db_url: str):
    from matchmaker import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}
    )


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _bar(items, label: str):
    return tqdm(items, desc=label, leave=False, disable=not sys.stderr.isatty())


def import_profiles(path: str, db_url: str) -> dict:
    from matchmaker.extensions import db

    app = _app(db_url)
    with app.app_context():
        db.drop_all()
        db.create_all()  # the schema as the models say (a migration may not be generated yet)
        db.session.remove()
    runner = app.test_cli_runner()
    start = time.perf_counter()
    result = runner.invoke(args=["import-profiles", path])
    seconds = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"import failed: {result.output}")
    return {
        "import_s": round(seconds, 2),
        "import_output": result.output.strip(),
        "import_rss_mb": peak_rss_mb(),
    }


def _percentiles(values: list[float]) -> tuple[float, float]:
    return round(float(np.percentile(values, 50)) * 1000, 3), round(
        float(np.percentile(values, 95)) * 1000, 3
    )


def serve(db_url: str, queries: int, updates: int, seed: int, limit: int = 5) -> dict:
    from matchmaker.services import matching, profiles

    rng = random.Random(seed)
    app = _app(db_url)
    out: dict = {}
    with app.app_context():
        start = time.perf_counter()
        loaded = matching.load_profiles()
        out["load_s"] = round(time.perf_counter() - start, 2)
        del loaded
        start = time.perf_counter()
        index = matching.current_index()
        out["build_s"] = round(
            time.perf_counter() - start, 2
        )  # what a worker waits: load the rows and fit
        out["fit_s"] = round(out["build_s"] - out["load_s"], 2)
        out["rss_after_build_mb"] = peak_rss_mb()
        out["profiles"] = len(index)
        out["vocabulary"] = len(index.vocabulary)
        keys = sorted(index.position)
        asked = [rng.choice(keys) for _ in range(queries)]
        for key in asked[:20]:  # warm: caches, first-use allocations
            matching.suggest(key, limit=limit)
        timings = []
        for key in _bar(asked, "suggest"):
            t = time.perf_counter()
            matching.suggest(key, limit=limit)
            timings.append(time.perf_counter() - t)
        out["suggest_p50_ms"], out["suggest_p95_ms"] = _percentiles(timings)
        out["queries"] = len(timings)

        # The floor: the word product of a precomputed query with the index and the top-k, and the
        # passage product (the precomputed requests against the passages of the best candidates).
        from matchmaker.matching.ranking import PASSAGE_POOL
        from matchmaker.matching.evidence import request_weights
        from matchmaker.matching.passage_index import passage_scores

        prepared = []
        for key in asked:
            asking = index.profile(key)
            requests = index._requests(asking)
            request_rows = [r.row() for r in requests]
            weights = request_weights(requests)
            prepared.append((index._query(asking)[0], request_rows, weights))
        floors = []
        for need, request_rows, weights in prepared:
            t = time.perf_counter()
            scores = index.word_scores(need)
            np.argpartition(-scores, limit)[:limit]
            if request_rows:
                top = np.argpartition(-scores, PASSAGE_POOL)[:PASSAGE_POOL]
                passage_scores(index._passages.candidates(top, request_rows), weights)
            floors.append(time.perf_counter() - t)
        out["floor_p50_ms"], out["floor_p95_ms"] = _percentiles(floors)
        out["suggest_over_floor"] = round(out["suggest_p50_ms"] / max(out["floor_p50_ms"], 1e-6), 2)

        context = matching.match_context()
        old_enough = context.current_year - context.min_years
        mentors = [
            k
            for k in keys
            if index._can_mentor[index.position[k]] and index.profile(k).founded <= old_enough
        ]
        timings, reflected = [], 0
        for _ in _bar(range(updates), "update"):
            mentor, mentee = rng.choice(mentors), rng.choice(keys)
            while mentee == mentor:
                mentee = rng.choice(keys)
            row = profiles.get_partnership(mentor)
            record = profiles.to_record(row)
            record["experiences"] = profiles.get_partnership(
                mentee
            ).challenges  # now the best mentor for it
            t = time.perf_counter()
            profiles.save_profile(record, existing=row)
            suggestions = matching.suggest(mentee, limit=limit)
            timings.append(time.perf_counter() - t)
            reflected += mentor in [s.key for s in suggestions]
        if timings:
            out["update_p50_ms"], out["update_p95_ms"] = _percentiles(timings)
        out["updates"] = len(timings)
        out["updates_reflected"] = reflected
        cache = matching.index_cache()
        out["index_builds"], out["index_patches"] = cache.builds, cache.updates
        out["rss_mb"] = peak_rss_mb()
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.measure")
    sub = parser.add_subparsers(dest="step", required=True)
    imp = sub.add_parser("import")
    imp.add_argument("file")
    imp.add_argument("--db", required=True)
    srv = sub.add_parser("serve")
    srv.add_argument("--db", required=True)
    srv.add_argument("--queries", type=int, default=300)
    srv.add_argument("--updates", type=int, default=50)
    srv.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.step == "import":
        result = import_profiles(args.file, args.db)
    else:
        result = serve(args.db, args.queries, args.updates, args.seed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

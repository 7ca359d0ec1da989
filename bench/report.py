"""The Markdown summary of a benchmark run, with the issue's targets checked."""

from __future__ import annotations

TARGET_SIZE = 100_000


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for the issue's targets; met is None when not measured."""
    row = next((r for r in results["sizes"] if r["size"] == TARGET_SIZE), None)
    out: list[tuple[str, str, bool | None]] = []

    def check(name: str, value, ok) -> None:
        measured = _fmt(value, 2) if value is not None else "not measured"
        out.append((name, measured, None if value is None else ok(value)))

    get = (lambda k: row.get(k)) if row else (lambda k: None)
    check("suggest p50 ≤ 10 ms at 100,000", get("suggest_p50_ms"), lambda v: v <= 10)
    check("suggest p50 ≤ 3 × floor", get("suggest_over_floor"), lambda v: v <= 3)
    check("suggest p95 ≤ 30 ms", get("suggest_p95_ms"), lambda v: v <= 30)
    check("index build ≤ 30 s", get("build_s"), lambda v: v <= 30)
    check("peak memory ≤ 1 GB (MB)", get("rss_mb"), lambda v: v <= 1024)
    check("edit visible ≤ 100 ms (p50)", get("update_p50_ms"), lambda v: v <= 100)
    check("import ≤ 60 s", get("import_s"), lambda v: v <= 60)
    check("import peak memory ≤ 1 GB (MB)", get("import_rss_mb"), lambda v: v <= 1024)
    http = results.get("http")
    check(
        "HTTP suggestions ≥ 60 % of /healthz req/s",
        http.get("ratio") if http else None,
        lambda v: v >= 0.6,
    )
    return out


def markdown(results: dict) -> str:
    meta = results["meta"]
    lines = [
        f"Benchmark {meta['date']} (commit {meta['commit'] or '?'}), {meta['cpus']} CPUs, "
        f"Python {meta['python']}, "
        f"{meta['database']}, seed {meta['seed']}; load average after the run {meta.get('load_after', 0):.1f}.",
        "",
        "| profiles | import s | import peak MB | build s (load + fit) | peak RSS MB | suggest p50 ms "
        "| suggest p95 ms | floor p50 ms | p50 / floor | edit → visible p50 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["sizes"]:
        lines.append(
            f"| {r['size']:,} | {_fmt(r.get('import_s'))} | {_fmt(r.get('import_rss_mb'), 0)} "
            f"| {_fmt(r.get('build_s'))} ({_fmt(r.get('load_s'))} + "
            f"{_fmt(r.get('fit_s'))}) | {_fmt(r.get('rss_mb'), 0)} | {_fmt(r.get('suggest_p50_ms'), 2)} | "
            f"{_fmt(r.get('suggest_p95_ms'), 2)} | {_fmt(r.get('floor_p50_ms'), 2)} | "
            f"{_fmt(r.get('suggest_over_floor'), 2)} | "
            f"{_fmt(r.get('update_p50_ms'), 1)} |"
        )
    http = results.get("http")
    if http:
        endpoints = [
            ("/api/v1/partnerships/&lt;key&gt;/suggestions", http["suggestions"]),
            ("/partnerships/&lt;key&gt; (HTML page)", http.get("page")),
            ("/healthz", http["healthz"]),
        ]
        lines += [
            "",
            f"HTTP at {http['size']:,} profiles: gunicorn, {http['workers']} workers, {http['tool']} with "
            f"{http['connections']} connections for {http['seconds']} s per endpoint, on loopback; "
            f"rate-limit counts in {http.get('rate_limit_storage', 'memory')}.",
            "",
            "| endpoint | req/s | p50 ms | p95 ms | errors |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {name} | {_fmt(m['rps'])} | {_fmt(m['p50_ms'], 2)} | {_fmt(m['p95_ms'], 2)} "
                f"| {m['errors'] + m['non_2xx']} |"
                for name, m in endpoints
                if m
            ),
            "",
            f"Suggestions / healthz requests per second: {http['ratio']:.2f}.",
        ]
    lines += ["", "| target | measured | met |", "|---|---:|:---:|"]
    for name, value, met in targets(results):
        lines.append(f"| {name} | {value} | {'–' if met is None else ('yes' if met else 'no')} |")
    return "\n".join(lines) + "\n"

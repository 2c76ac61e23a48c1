#!/usr/bin/env python3
"""Turns results/{cg,wall,compile}.txt into markdown tables
(results/latest.md) and puts them into README.md between the
`<!-- results:begin -->` and `<!-- results:end -->` markers.

usage: report.py RESULTS_DIR README
"""

import os
import re
import statistics
import sys

CASES = [("all", 1), ("all", 100), ("all", 10000), ("by_name", 10000), ("null", 10000),
         ("insert", 1), ("insert", 10), ("insert", 100), ("update", 1), ("delete", 1)]
CASE_LABEL = {
    "all": "select all, {n}",
    "by_name": "name = ? (index), 1 of 10k",
    "null": "hair_color IS NULL, 2,500 of 10k",
    "insert": "insert {n}",
    "update": "update 1 row by id, of 10k",
    "delete": "delete 1 row by id, of 10k",
}
BASE = {"sqlite": "rusqlite", "pg": "postgres"}
# (binary, peer) -> column label, per backend, in order
COLUMNS = {
    "sqlite": [
        (("peers", "dunder"), "dunder"),
        (("peers", "dunder_bulk_insert"), "dunder bulk_insert ⁵"),
        (("peers", "diesel"), "diesel 2.3"),
        (("peers", "sqlx"), "sqlx 0.9"),
        (("sqlx08", "sqlx"), "sqlx 0.8 ¹"),
        (("sea", "sea_query"), "sea-query ²"),
        (("peers", "rusqlite_returning"), "rusqlite + RETURNING"),
        (("peers", "diesel_default_insertable"), "diesel, plain Insertable ³"),
    ],
    "pg": [
        (("peers", "dunder_own"), "dunder (own Connection)"),
        (("peers", "dunder_cached"), "dunder (cached Client)"),
        (("peers", "dunder_plain"), "dunder (plain Client)"),
        (("peers", "dunder_own_bulk_insert"), "dunder bulk_insert (own) ⁵"),
        (("peers", "dunder_cached_bulk_insert"), "dunder bulk_insert (cached) ⁵"),
        (("peers", "dunder_plain_bulk_insert"), "dunder bulk_insert (plain) ⁵"),
        (("peers", "diesel"), "diesel 2.3"),
        (("peers", "sqlx"), "sqlx 0.9"),
        (("sqlx08", "sqlx"), "sqlx 0.8 ¹"),
        (("peers", "sea_query"), "sea-query ⁴"),
        (("peers", "postgres_returning"), "postgres + RETURNING"),
        (("peers", "diesel_default_insertable"), "diesel, plain Insertable"),
    ],
}


def label(sc, n):
    rows = f"{n:,} row" + ("" if n == 1 else "s")
    return CASE_LABEL[sc].format(n=rows)


def parse(path, prefix):
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        if line.startswith(prefix + " "):
            out.append(line.split())
    return out


def kv(fields):
    return dict(f.split("=", 1) for f in fields if "=" in f)


def fmt_instr(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def cg_tables(results):
    # CG bin backend sc n peer per_op ...
    cg = {}
    for f in parse(os.path.join(results, "cg.txt"), "CG"):
        _, b, backend, sc, n, peer, per = f[:7]
        cg[(backend, b, peer, sc, int(n))] = int(per)
    md = []
    for backend in ("sqlite", "pg"):
        if not any(k[0] == backend for k in cg):
            continue
        cols = COLUMNS[backend]
        head = f"| case | {BASE[backend]} (instr/op) | " + " | ".join(c[1] for c in cols) + " |"
        md += [f"#### {'SQLite (in memory)' if backend == 'sqlite' else 'PostgreSQL (client process only)'}: instructions per operation, ratio to {BASE[backend]}", "",
               head, "|" + "---|" * (len(cols) + 2)]
        for sc, n in CASES:
            base = cg.get((backend, "peers", BASE[backend], sc, n))
            row = [label(sc, n), fmt_instr(base) if base else "–"]
            for (b, peer), _ in cols:
                v = cg.get((backend, b, peer, sc, n))
                bb = cg.get((backend, b, BASE[backend], sc, n))
                row.append(f"{v / bb:.2f}" if v and bb else "")
            md.append("| " + " | ".join(row) + " |")
        md.append("")
    # cross-binary baselines
    rows = []
    for backend in ("sqlite", "pg"):
        for sc, n in CASES:
            vals = {b: cg.get((backend, b, BASE[backend], sc, n)) for b in ("peers", "sea", "sqlx08")}
            if vals["peers"] and (vals["sea"] or vals["sqlx08"]):
                rows.append(f"| {backend} | {label(sc, n)} | " + " | ".join(
                    fmt_instr(vals[b]) if vals[b] else "" for b in ("peers", "sea", "sqlx08")) + " |")
    if rows:
        md += ["Baselines of the three binaries (instructions per operation): "
               "rusqlite 0.37 / 0.38 / 0.32, postgres 0.19 in `peers` and `sqlx08`.", "",
               "| backend | case | peers | sea | sqlx08 |", "|---|---|---|---|---|"] + rows + [""]
    return md


def wall_tables(results):
    # WALL bin backend sc n peer min_ns=.. med_ns=.. min_ratio=.. med_ratio=.. run=..
    # Several runs pool: each figure is the median over runs of that run's
    # ratio (min of rounds / baseline's min of rounds, median / median).
    w = {}
    runs = set()
    for f in parse(os.path.join(results, "wall.txt"), "WALL"):
        _, b, backend, sc, n, peer = f[:6]
        d = kv(f[6:])
        runs.add(d.get("run", "1"))
        w.setdefault((backend, b, peer, sc, int(n)), []).append(d)
    md = []
    for backend in ("sqlite", "pg"):
        if not any(k[0] == backend for k in w):
            continue
        cols = COLUMNS[backend]
        head = f"| case | {BASE[backend]} (µs/op, min of rounds) | " + " | ".join(c[1] for c in cols) + " |"
        md += [f"#### {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}: wall-clock, ratio to {BASE[backend]} "
               f"(min of rounds / median of rounds, each the median of {len(runs)} runs)", "",
               head, "|" + "---|" * (len(cols) + 2)]
        for sc, n in CASES:
            base = w.get((backend, "peers", BASE[backend], sc, n))
            row = [label(sc, n), f"{statistics.median(float(d['min_ns']) for d in base) / 1e3:.1f}" if base else "–"]
            for (b, peer), _ in cols:
                v = w.get((backend, b, peer, sc, n))
                bb = w.get((backend, b, BASE[backend], sc, n))
                if v and bb:
                    mn = statistics.median(float(d["min_ratio"]) for d in v)
                    me = statistics.median(float(d["med_ratio"]) for d in v)
                    row.append(f"{mn:.2f} / {me:.2f}")
                else:
                    row.append("")
            md.append("| " + " | ".join(row) + " |")
        md.append("")
    return md


def compile_table(results):
    c = {}
    for f in parse(os.path.join(results, "compile.txt"), "COMPILE"):
        d = kv(f[2:])
        c.setdefault(f[1], []).append((float(d["clean_crate_s"]), float(d["incremental_s"]), d.get("load", "")))
    if not c:
        return []
    md = ["#### Compile time: 200 queries on a 10-column model (dev profile, dependencies prebuilt), seconds", "",
          "| crate | build of the crate alone: min / median | incremental rebuild, one query changed: min / median | runs | load average during runs |",
          "|---|---|---|---|---|"]
    for name in ("ct-dunder", "ct-diesel", "ct-sqlx"):
        if name not in c:
            continue
        v = c[name]
        cl = [x[0] for x in v]
        inc = [x[1] for x in v]
        md.append(f"| {name} | {min(cl):.1f} / {statistics.median(cl):.1f} | {min(inc):.1f} / {statistics.median(inc):.1f} | {len(v)} | {', '.join(x[2] for x in v)} |")
    md.append("")
    return md


NOTES = [
    "¹ sqlx 0.8.6 (binary `sqlx08`): ratio to that binary's own baselines, rusqlite 0.32.1 "
    "(the same libsqlite3-sys 0.30.1 as sqlx 0.8) and postgres 0.19.14.",
    "² sea-query 1.0.2 + sea-query-rusqlite 0.8.0 (binary `sea`): ratio to that binary's own "
    "rusqlite 0.38.0 baseline; the statement is built on every call, then `prepare_cached`.",
    "³ diesel's plain `#[derive(Insertable)]`: `None` means DEFAULT, which SQLite's VALUES lacks, "
    "so diesel runs one INSERT per row between BEGIN and COMMIT.",
    "⁴ sea-query-postgres 0.6.1 as its README shows: `client.query(&sql, &values.as_params())` "
    "on a plain `postgres::Client`, which prepares the unnamed statement on every call "
    "(an extra round trip).",
    "Insert columns: the baseline inserts without RETURNING. dunder's `bulk_create` returns "
    "the rows it sent with their keys (`RETURNING \"id\"`); `rusqlite + RETURNING` / "
    "`postgres + RETURNING` return and decode every column.",
    "⁵ `User::bulk_insert`: the same statement as `bulk_create` without RETURNING; reads "
    "nothing back and returns the row count (the baseline's work, and diesel's, sqlx's and "
    "sea-query's).",
    "",
]


def main():
    results, readme = sys.argv[1], sys.argv[2]
    md = cg_tables(results) + wall_tables(results) + compile_table(results)
    if md:
        md += NOTES
    meta = os.path.join(results, "meta.txt")
    if os.path.exists(meta):
        m = dict(line.rstrip("\n").split(" ", 1) for line in open(meta) if " " in line)
        steps = ", ".join(f"{k} {m[k]}" for k in ("check", "cg", "wall", "compile") if k in m)
        md = [f"Runs: {steps}; rustc {m.get('rustc', '?')}, {m.get('valgrind', '?')}, "
              f"{m.get('cpus', '?')} CPUs.", ""] + md
    text = "\n".join(md)
    open(os.path.join(results, "latest.md"), "w").write(text + "\n")
    if os.path.exists(readme):
        r = open(readme).read()
        new = re.sub(r"(<!-- results:begin -->\n).*?(<!-- results:end -->)",
                     lambda m: m.group(1) + text + "\n" + m.group(2), r, flags=re.S)
        open(readme, "w").write(new)
    print(text)


if __name__ == "__main__":
    main()

//! Differential and metamorphic testing of random filter trees (generated at
//! build time from a fixed seed by `build/differential.rs`; another seed with
//! `DUNDER_DIFF_SEED=<u64>`, another count with `DUNDER_DIFF_CASES=<n>`):
//!
//! * SQLite and PostgreSQL return the same rows for every tree W;
//! * on each backend, `filter(W)` and `exclude(W)` partition the table: no row
//!   in both, none in neither (NULLs included — the three-valued logic of SQL
//!   is resolved the same way Django resolves it).

use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind::{self, d, dt, t, utc};

include!(concat!(env!("OUT_DIR"), "/differential_cases.rs"));

/// The string and number literals of a tree's text (the values it binds).
fn literals(w: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = w.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut lit = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            lit.push(n);
                        }
                    }
                    '"' => break,
                    c => lit.push(c),
                }
            }
            out.push(lit);
        } else if c == '=' {
            let num: String = chars
                .clone()
                .skip_while(|c| *c == ' ')
                .take_while(|c| c.is_ascii_digit() || *c == '-' || *c == '.')
                .collect();
            out.push(num);
        }
    }
    // Short values can be part of SQL by chance (`%` in strftime, `1` in `+ 1`).
    out.retain(|l| {
        l.chars().count() >= 3
            && !l.starts_with('$')
            && !l.starts_with('?')
            && !l.starts_with("-- ")
    });
    out
}

fn ids(rows: Vec<EveryKind>) -> Vec<i64> {
    let mut v: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
    v.sort_unstable();
    v
}

#[test]
fn random_filter_trees_agree_across_backends_and_partition_the_table() {
    let rows = every_kind::seed();
    let all: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let sqlite = dunder_tests::sqlite();
    every_kind::load_sqlite(&sqlite, &rows);
    let mut pg = dunder_tests::pg();
    if let Some(client) = pg.as_mut() {
        every_kind::load_pg(client, &rows);
    }
    let mut failures = Vec::new();
    let mut nonempty = 0usize;
    for (i, w) in TREES.iter().enumerate() {
        let (filter, exclude) = queries(i);
        for lit in literals(w) {
            for q in [&filter, &exclude] {
                for d in [dunder::Dialect::Sqlite, dunder::Dialect::Postgres] {
                    if q.sql(d).contains(&lit) {
                        failures.push(format!(
                            "#{i} `{w}`: the SQL contains the value {lit:?}: {}",
                            q.sql(d)
                        ));
                    }
                }
            }
        }
        let run = |q: &dunder::Query<'static, EveryKind>, pg: &mut Option<dunder_tests::PgDb>| {
            let a = q
                .fetch_all(&sqlite)
                .map(ids)
                .map_err(|e| format!("sqlite: {e}"));
            let b = pg.as_mut().map(|c| {
                q.fetch_all(&mut **c)
                    .map(ids)
                    .map_err(|e| format!("postgres: {e}"))
            });
            (a, b)
        };
        let (fs, fp) = run(&filter, &mut pg);
        let (es, ep) = run(&exclude, &mut pg);
        let (fs, es) = match (fs, es) {
            (Ok(f), Ok(e)) => (f, e),
            (f, e) => {
                failures.push(format!("#{i} `{w}`: {f:?} / {e:?}"));
                continue;
            }
        };
        if !fs.is_empty() && fs.len() < all.len() {
            nonempty += 1;
        }
        let mut union: Vec<i64> = fs.iter().chain(es.iter()).copied().collect();
        union.sort_unstable();
        if union != all {
            failures.push(format!(
                "#{i} `{w}` (SQLite): filter {fs:?} and exclude {es:?} do not partition {all:?}"
            ));
        }
        for (name, got, want) in [("filter", fp, &fs), ("exclude", ep, &es)] {
            match got {
                None => {}
                Some(Ok(p)) if &p == want => {}
                Some(other) => failures.push(format!(
                    "#{i} `{w}` {name}: SQLite {want:?}, PostgreSQL {other:?}\n    SQL: {}",
                    filter.sql(dunder::Dialect::Postgres)
                )),
            }
        }
    }
    println!(
        "differential (seed {SEED:#x}): {} trees, {nonempty} selecting some but not all rows, {} failures",
        TREES.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        nonempty * 4 > TREES.len(),
        "too few trees select a proper subset: the generator is too weak"
    );
}

#[test]
fn literal_extraction_finds_the_bound_values() {
    let found = literals(
        r#"(text__icontains = "ÇAFÉ") | !(big = 10000000000i64) & (opt_text__in = ["o'brien", "%"])"#,
    );
    assert_eq!(
        found,
        vec![
            "ÇAFÉ".to_owned(),
            "10000000000".to_owned(),
            "o'brien".to_owned()
        ]
    );
}

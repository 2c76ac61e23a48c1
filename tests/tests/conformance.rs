//! The Django conformance corpus (`tests/conformance/`, copied from
//! `shared/conformance/`): every case turned into a real `query!` by
//! `build.rs`, run on SQLite and on PostgreSQL against Django's own answers.
//!
//! Every case either passes, or is listed in `conformance/divergences.json`
//! with its reason (a deliberate divergence, with dunder's answer, or a
//! rejection at compile time), or is pending a feature not built yet (counted
//! and reported, never silently dropped). Stale entries fail the test too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::Value;

#[derive(Debug)]
pub struct Case {
    id: &'static str,
    status: Status,
}

#[derive(Debug)]
pub enum Status {
    /// Generated: the index of its function.
    Run(usize),
    /// Needs a feature dunder does not have yet.
    Pending(&'static str),
    /// Refused at compile time by design.
    Rejected(&'static str),
}

fn d(s: &str) -> NaiveDate {
    dunder_tests::conformance::date(s)
}
fn dt(s: &str) -> DateTime<Utc> {
    dunder_tests::conformance::datetime(s)
}
fn t(s: &str) -> NaiveTime {
    dunder_tests::conformance::time(s)
}

include!(concat!(env!("OUT_DIR"), "/conformance_cases.rs"));

fn corpus(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("conformance")
        .join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Django's answer for a case: the pks (in order when `ordered`), or an error.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Rows { pks: Vec<i64>, ordered: bool },
    Error,
}

fn expected(backend: &str) -> BTreeMap<String, Answer> {
    let json = corpus(&format!("expected_{backend}.json"));
    let results = json["results"].as_object().expect("results");
    results
        .iter()
        .map(|(id, r)| {
            let answer = if r.get("error").is_some_and(|e| !e.is_null()) {
                Answer::Error
            } else {
                Answer::Rows {
                    pks: r["pks"]
                        .as_array()
                        .expect("pks")
                        .iter()
                        .map(|p| p.as_i64().expect("pk"))
                        .collect(),
                    ordered: r["ordered"].as_bool().unwrap_or(false),
                }
            };
            (id.clone(), answer)
        })
        .collect()
}

/// One entry of `divergences.json`.
#[derive(Debug)]
struct Divergence {
    reason: String,
    /// dunder's answer on both backends, for a case that runs.
    dunder: Option<Vec<i64>>,
    /// Refused at compile time.
    rejected: bool,
}

fn divergences() -> BTreeMap<String, Divergence> {
    let json = corpus("divergences.json");
    json["cases"]
        .as_object()
        .expect("cases")
        .iter()
        .map(|(id, d)| {
            let div = Divergence {
                reason: d["reason"].as_str().expect("reason").to_owned(),
                dunder: d.get("dunder").map(|v| {
                    v.as_array()
                        .expect("dunder pks")
                        .iter()
                        .map(|p| p.as_i64().expect("pk"))
                        .collect()
                }),
                rejected: d.get("rejected").and_then(Value::as_bool).unwrap_or(false),
            };
            assert!(
                !div.reason.trim().is_empty(),
                "divergence {id} has no reason"
            );
            (id.clone(), div)
        })
        .collect()
}

fn same(got: &[i64], want: &[i64], ordered: bool) -> bool {
    if ordered {
        got == want
    } else {
        let mut a = got.to_vec();
        let mut b = want.to_vec();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    }
}

/// Runs every case on one backend and checks it against Django and the list.
fn conformance(backend: &str, mut run: impl FnMut(usize) -> dunder::Result<Vec<i64>>) {
    let expected = expected(backend);
    let divergences = divergences();
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut divergent = 0;
    let mut rejected = 0;
    let mut pending: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for case in CASES {
        seen.insert(case.id);
        let div = divergences.get(case.id);
        let answer = expected
            .get(case.id)
            .unwrap_or_else(|| panic!("no Django answer for {}", case.id));
        match &case.status {
            Status::Pending(why) => {
                *pending.entry(why).or_default() += 1;
                if div.is_some() {
                    failures.push(format!(
                        "{}: pending ({why}) but listed in divergences.json",
                        case.id
                    ));
                }
            }
            Status::Rejected(why) => {
                rejected += 1;
                match div {
                    Some(d) if d.rejected => {}
                    _ => failures.push(format!(
                        "{}: rejected at compile time ({why}) but not listed as rejected in divergences.json",
                        case.id
                    )),
                }
            }
            Status::Run(i) => {
                let got = match run(*i) {
                    Ok(pks) => pks,
                    Err(e) => {
                        failures.push(format!("{}: error {e}", case.id));
                        continue;
                    }
                };
                match (answer, div) {
                    (_, Some(d)) if d.rejected => {
                        failures.push(format!(
                            "{}: listed as rejected but it compiles and runs",
                            case.id
                        ));
                    }
                    (Answer::Rows { pks, ordered }, None) => {
                        if same(&got, pks, *ordered) {
                            passed += 1;
                        } else {
                            failures.push(format!("{}: dunder {got:?}, Django {pks:?}", case.id));
                        }
                    }
                    (Answer::Rows { pks, ordered }, Some(d)) => {
                        let ours = d.dunder.clone().unwrap_or_default();
                        if !same(&got, &ours, *ordered) {
                            failures.push(format!("{}: dunder {got:?}, but divergences.json says dunder gives {ours:?}", case.id));
                        } else if same(&got, pks, *ordered)
                            && !other_backend_differs(case.id, &ours, *ordered)
                        {
                            failures.push(format!("{}: listed as divergent but dunder now agrees with Django on both backends: remove it", case.id));
                        } else {
                            divergent += 1;
                        }
                    }
                    (Answer::Error, _) => failures.push(format!(
                        "{}: Django raised, dunder returned {got:?}",
                        case.id
                    )),
                }
            }
        }
    }
    for id in divergences.keys() {
        if !seen.contains(id.as_str()) {
            failures.push(format!("{id}: in divergences.json but not a case"));
        }
    }
    let pending_total: usize = pending.values().sum();
    let detail: Vec<String> = pending.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    println!(
        "conformance {backend}: {passed} passed, {divergent} divergent (listed), {rejected} rejected at compile time (listed), {pending_total} pending [{}]",
        detail.join("; ")
    );
    assert!(
        failures.is_empty(),
        "conformance {backend}: {} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert_eq!(passed + divergent + rejected + pending_total, CASES.len());
}

/// Whether Django's answer on either backend differs from dunder's.
fn other_backend_differs(id: &str, ours: &[i64], ordered: bool) -> bool {
    ["sqlite", "postgres"]
        .iter()
        .any(|b| match expected(b).get(id) {
            Some(Answer::Rows { pks, .. }) => !same(ours, pks, ordered),
            _ => true,
        })
}

#[test]
fn conformance_sqlite() {
    let conn = dunder_tests::sqlite();
    dunder_tests::conformance::load_sqlite(&conn);
    conformance("sqlite", |i| run_sqlite(i, &conn));
}

#[test]
fn conformance_postgres() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    dunder_tests::conformance::load_pg(&mut db);
    conformance("postgres", |i| run_pg(i, &mut db));
}

#[test]
fn corpus_copies_match_shared() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance");
    if !shared.exists() {
        eprintln!("shared/conformance is not beside the checkout: copies not compared");
        return;
    }
    for file in [
        "cases.json",
        "dataset.json",
        "expected_sqlite.json",
        "expected_postgres.json",
        "backend_differences.json",
        "schema.json",
        "README.md",
    ] {
        let ours = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("conformance")
                .join(file),
        )
        .expect("copy");
        let theirs = std::fs::read(shared.join(file)).expect("shared");
        assert!(
            ours == theirs,
            "tests/conformance/{file} differs from shared/conformance/{file}: copy it again"
        );
    }
}

//! Shared by the harness binaries (`peers`, `sea`, `sqlx08`): the data, the
//! scenarios, and the two drivers (callgrind: one peer, one scenario, a given
//! number of repetitions; wall-clock: every peer, interleaved rounds).
//!
//! Data (diesel_bench's `users` table): `users(id integer primary key, name
//! text not null, hair_color text null)`, an index on `name`; row `i`
//! (0-based) is `("User {i}", hair_color(i))` where every fourth row has a
//! NULL hair colour and the others alternate `black`/`brown`.

#![allow(dead_code)]

use std::hint::black_box;
use std::time::Instant;

/// A scenario and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Load every row of a table of `n` rows.
    All,
    /// `name = 'User 5000'` on 10,000 rows (index on name): 1 row.
    ByName,
    /// `hair_color IS NULL` on 10,000 rows: 2,500 rows.
    Null,
    /// Insert `n` rows in one call into an empty table (no RETURNING unless the
    /// library always returns the rows).
    Insert,
    /// Set `hair_color = 'red'` on the row `id = UPDATE_ID` of 10,000 rows.
    Update,
    /// Delete the row `id = next_id()` of 10,000 rows (the next one at each
    /// call; the table is refilled before every timed batch).
    Delete,
}

/// The row `Update` writes: `User 5000`, the row `ByName` reads.
pub const UPDATE_ID: i32 = 5001;
/// What `Update` sets.
pub const UPDATE_HAIR: &str = "red";

static NEXT_ID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(1);

/// The id `Delete` deletes next (1, 2, …, reset by `reset_ids`).
pub fn next_id() -> i32 {
    NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// After a refill: `Delete` starts from id 1 again.
pub fn reset_ids() {
    NEXT_ID.store(1, std::sync::atomic::Ordering::Relaxed);
}

static DELETE_CASE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What a peer's `clear` runs for the current scenario (`pg`: PostgreSQL):
/// emptying the table for `Insert`, refilling it for `Delete` (and the
/// ids start from 1 again).
pub fn clear_sql(pg: bool) -> String {
    if !DELETE_CASE.load(std::sync::atomic::Ordering::Relaxed) {
        return if pg { "TRUNCATE users".to_owned() } else { "DELETE FROM users".to_owned() };
    }
    reset_ids();
    if pg {
        "TRUNCATE users; INSERT INTO users (id, name, hair_color) \
         SELECT i + 1, 'User ' || i, CASE i % 4 WHEN 0 THEN NULL WHEN 2 THEN 'black' ELSE 'brown' END \
         FROM generate_series(0, 9999) AS i"
            .to_owned()
    } else {
        "DELETE FROM users; INSERT INTO users (id, name, hair_color) \
         WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < 10000) \
         SELECT i + 1, 'User ' || i, CASE i % 4 WHEN 0 THEN NULL WHEN 2 THEN 'black' ELSE 'brown' END FROM c"
            .to_owned()
    }
}

fn set_scenario(sc: Scenario) {
    DELETE_CASE.store(sc == Scenario::Delete, std::sync::atomic::Ordering::Relaxed);
}

impl Scenario {
    /// Whether the table is reset (`clear`) before every timed batch.
    pub fn clears(self) -> bool {
        matches!(self, Scenario::Insert | Scenario::Delete)
    }
}

impl Scenario {
    pub fn parse(s: &str) -> Scenario {
        match s {
            "all" => Scenario::All,
            "by_name" => Scenario::ByName,
            "null" => Scenario::Null,
            "insert" => Scenario::Insert,
            "update" => Scenario::Update,
            "delete" => Scenario::Delete,
            other => panic!("unknown scenario {other}"),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Scenario::All => "all",
            Scenario::ByName => "by_name",
            Scenario::Null => "null",
            Scenario::Insert => "insert",
            Scenario::Update => "update",
            Scenario::Delete => "delete",
        }
    }
}

/// Every (scenario, n) measured, in report order.
pub const CASES: &[(Scenario, usize)] = &[
    (Scenario::All, 1),
    (Scenario::All, 100),
    (Scenario::All, 10_000),
    (Scenario::ByName, 10_000),
    (Scenario::Null, 10_000),
    (Scenario::Insert, 1),
    (Scenario::Insert, 10),
    (Scenario::Insert, 100),
    (Scenario::Update, 1),
    (Scenario::Delete, 1),
];

/// The name looked up by `ByName`.
pub const LOOKUP_NAME: &str = "User 5000";

/// The row every peer's result is converted to for the equality check.
pub type Common = (i64, String, Option<String>);

pub fn user_name(i: usize) -> String {
    format!("User {i}")
}

pub fn hair_color(i: usize) -> Option<&'static str> {
    match i % 4 {
        0 => None,
        2 => Some("black"),
        _ => Some("brown"),
    }
}

/// What a peer needs to open its connection for one case.
#[derive(Clone, Debug)]
pub struct Setup {
    pub scenario: Scenario,
    pub n: usize,
    /// The PostgreSQL URL of the bench database (PostgreSQL peers only).
    pub pg_url: String,
}

impl Setup {
    /// Rows in the table before the case starts.
    pub fn table_rows(&self) -> usize {
        match self.scenario {
            Scenario::All => self.n,
            Scenario::ByName | Scenario::Null | Scenario::Update | Scenario::Delete => 10_000,
            Scenario::Insert => 0,
        }
    }

    /// The rows one `Insert` call inserts (empty for the other scenarios).
    pub fn new_rows(&self) -> Vec<(String, Option<String>)> {
        if self.scenario != Scenario::Insert {
            return Vec::new();
        }
        (0..self.n)
            .map(|i| (user_name(i), hair_color(i).map(str::to_owned)))
            .collect()
    }

    /// SQLite: the script that creates and fills the table (any driver runs it).
    pub fn sqlite_init_sql(&self) -> String {
        let mut sql = String::from(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT NULL);\n\
             CREATE INDEX users_name ON users (name);\n",
        );
        let rows = self.table_rows();
        if rows > 0 {
            sql.push_str(&format!(
                "INSERT INTO users (name, hair_color) \
                 WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < {rows}) \
                 SELECT 'User ' || i, CASE i % 4 WHEN 0 THEN NULL WHEN 2 THEN 'black' ELSE 'brown' END FROM c;\n"
            ));
        }
        sql
    }

    /// PostgreSQL: the schema holding this case's `users` table (made by `pg-setup`).
    pub fn pg_schema(&self) -> String {
        match self.scenario {
            Scenario::Insert => "ins".to_owned(),
            Scenario::Update => "upd".to_owned(),
            Scenario::Delete => "del".to_owned(),
            _ => format!("s{}", self.table_rows()),
        }
    }

    /// PostgreSQL: what each peer runs after connecting (before any statement).
    pub fn pg_session_sql(&self) -> String {
        format!("SET search_path TO {}", self.pg_schema())
    }
}

/// PostgreSQL: the statements `pg-setup` runs in the bench database.
pub fn pg_setup_sql() -> String {
    let mut sql = String::new();
    for (rows, name) in [(1usize, ""), (100, ""), (10_000, ""), (0, "ins"), (10_000, "upd"), (10_000, "del")] {
        let schema = if name.is_empty() { format!("s{rows}") } else { name.to_owned() };
        sql.push_str(&format!(
            "CREATE SCHEMA {schema};\n\
             CREATE TABLE {schema}.users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT NULL);\n\
             CREATE INDEX ON {schema}.users (name);\n"
        ));
        if rows > 0 {
            sql.push_str(&format!(
                "INSERT INTO {schema}.users (name, hair_color) \
                 SELECT 'User ' || i, CASE i % 4 WHEN 0 THEN NULL WHEN 2 THEN 'black' ELSE 'brown' END \
                 FROM generate_series(0, {}) AS i;\n",
                rows - 1
            ));
        }
        sql.push_str(&format!("ANALYZE {schema}.users;\n"));
    }
    sql
}

/// The bench database's name.
pub const PG_DB: &str = "dunder_perf";

/// The server URL (`PERF_PG_URL`, default the project's test server).
pub fn pg_admin_url() -> String {
    std::env::var("PERF_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// The URL of the bench database: the admin URL with its database replaced.
pub fn pg_bench_url() -> String {
    let admin = pg_admin_url();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let cut = base.rfind('/').expect("URL with a database");
    let base = if base[..cut].ends_with('/') { base.clone() } else { base[..cut].to_owned() };
    format!("{base}/{PG_DB}{query}")
}

/// One library doing the work of every scenario.
pub trait Peer {
    /// Runs the case's operation once; returns how many rows it fetched or inserted.
    fn run(&mut self, sc: Scenario) -> usize;
    /// The rows the operation returns (for `Insert`: every row of the table),
    /// for the equality check.
    fn fetch(&mut self, sc: Scenario) -> Vec<Common>;
    /// Empties the table (between insert batches; not timed).
    fn clear(&mut self);
}

pub type Ctor = fn(&Setup) -> Box<dyn Peer>;

/// One peer: its name, its constructor, and whether it only takes part in
/// the insert scenario (a variant of another peer's insert).
#[derive(Clone, Copy)]
pub struct Entry {
    pub name: &'static str,
    pub ctor: Ctor,
    pub insert_only: bool,
}

impl Entry {
    pub const fn new(name: &'static str, ctor: Ctor) -> Entry {
        Entry { name, ctor, insert_only: false }
    }
    pub const fn insert_only(name: &'static str, ctor: Ctor) -> Entry {
        Entry { name, ctor, insert_only: true }
    }
    fn takes(&self, sc: Scenario) -> bool {
        !self.insert_only || sc == Scenario::Insert
    }
}

/// The peers of one binary; the first of each backend is its baseline.
pub struct Registry {
    pub sqlite: Vec<Entry>,
    pub pg: Vec<Entry>,
    pub pg_setup: Option<fn(&str, &str)>,
    pub pg_teardown: Option<fn(&str)>,
}

fn usage() -> ! {
    eprintln!(
        "usage: BIN list | check <sqlite|pg> | cg <sqlite|pg> <peer> <scenario> <n> <reps> \
         | wall <sqlite|pg> [rounds] [batch_ms] | pg-setup | pg-teardown"
    );
    std::process::exit(2)
}

fn peers<'a>(reg: &'a Registry, backend: &str) -> &'a [Entry] {
    match backend {
        "sqlite" => &reg.sqlite,
        "pg" => &reg.pg,
        _ => usage(),
    }
}

fn setup(sc: Scenario, n: usize) -> Setup {
    Setup { scenario: sc, n, pg_url: pg_bench_url() }
}

pub fn main(reg: Registry) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["list"] => {
            for (backend, list) in [("sqlite", &reg.sqlite), ("pg", &reg.pg)] {
                for e in list.iter() {
                    let scs: Vec<&str> = CASES
                        .iter()
                        .filter(|(sc, _)| e.takes(*sc))
                        .map(|(sc, _)| sc.name())
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    println!("{backend} {} {}", e.name, scs.join(","));
                }
            }
        }
        ["pg-setup"] => {
            let f = reg.pg_setup.expect("this binary has no PostgreSQL peers");
            f(&pg_admin_url(), &pg_bench_url());
        }
        ["pg-teardown"] => {
            let f = reg.pg_teardown.expect("this binary has no PostgreSQL peers");
            f(&pg_admin_url());
        }
        ["check", backend] => {
            let only = std::env::var("PERF_CASES").ok();
            for &(sc, n) in CASES {
                let key = format!("{}:{n}", sc.name());
                if only.as_ref().is_some_and(|o| !o.split_whitespace().any(|c| c == key)) {
                    continue;
                }
                check(peers(&reg, backend), sc, n);
            }
            println!("check {backend}: every peer returns the same rows in every case");
        }
        ["cg", backend, peer, sc, n, reps] => {
            let list = peers(&reg, backend);
            let e = list.iter().find(|e| e.name == *peer).unwrap_or_else(|| usage());
            let sc = Scenario::parse(sc);
            let n: usize = n.parse().expect("n");
            let reps: usize = reps.parse().expect("reps");
            set_scenario(sc);
            let mut p = (e.ctor)(&setup(sc, n));
            if sc == Scenario::Delete {
                p.clear();
            }
            // One warm-up call in both the measured run and the reps = 0 run,
            // so statement preparation and caches are part of the setup.
            black_box(p.run(sc));
            for _ in 0..reps {
                black_box(p.run(black_box(sc)));
            }
        }
        ["wall", backend, rest @ ..] => {
            let rounds: usize = rest.first().map_or(30, |s| s.parse().expect("rounds"));
            let batch_ms: f64 = rest.get(1).map_or(10.0, |s| s.parse().expect("batch_ms"));
            // PERF_CASES ("update:1 delete:1"): only those cases.
            let only = std::env::var("PERF_CASES").ok();
            for &(sc, n) in CASES {
                let key = format!("{}:{n}", sc.name());
                if only.as_ref().is_some_and(|o| !o.split_whitespace().any(|c| c == key)) {
                    continue;
                }
                wall(backend, peers(&reg, backend), sc, n, rounds, batch_ms);
            }
        }
        _ => usage(),
    }
}

fn sorted(mut v: Vec<Common>, by_id: bool) -> Vec<Common> {
    if by_id {
        v.sort();
    } else {
        // inserted rows: ids depend on the peer's history; compare the values
        v.sort_by(|a, b| (&a.1, &a.2).cmp(&(&b.1, &b.2)));
        for r in &mut v {
            r.0 = 0;
        }
    }
    v
}

fn check_one(name: &str, p: &mut dyn Peer, sc: Scenario, n: usize) -> Vec<Common> {
    set_scenario(sc);
    if sc == Scenario::Update || sc == Scenario::Delete {
        // A delete starts on a full table (`clear` refills it); an update
        // writes the same value every time.
        if sc == Scenario::Delete {
            p.clear();
        }
        let k = p.run(sc);
        assert_eq!(k, 1, "{name}: {sc:?} reported {k} rows");
        let rows = sorted(p.fetch(sc), true);
        if sc == Scenario::Delete {
            p.clear();
        }
        return rows;
    }
    if sc == Scenario::Insert {
        p.clear();
        let k = p.run(sc);
        assert_eq!(k, n, "{name}: insert {n} reported {k} rows");
        let rows = sorted(p.fetch(sc), false);
        p.clear();
        rows
    } else {
        let k = p.run(sc);
        let rows = sorted(p.fetch(sc), true);
        assert_eq!(k, rows.len(), "{name}: run and fetch disagree");
        rows
    }
}

fn expected(sc: Scenario, n: usize) -> usize {
    match sc {
        Scenario::All | Scenario::Insert => n,
        Scenario::ByName | Scenario::Update | Scenario::Delete => 1,
        Scenario::Null => 2_500,
    }
}

fn check(list: &[Entry], sc: Scenario, n: usize) {
    let s = setup(sc, n);
    let mut reference: Option<Vec<Common>> = None;
    for e in list.iter().filter(|e| e.takes(sc)) {
        let mut p = (e.ctor)(&s);
        let rows = check_one(e.name, p.as_mut(), sc, n);
        assert_eq!(rows.len(), expected(sc, n), "{}: {:?} {n}", e.name, sc);
        match &reference {
            None => reference = Some(rows),
            Some(r) => assert!(r == &rows, "{}: rows differ from the baseline's in {:?} {n}", e.name, sc),
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Every peer of `list` on one case: `rounds` rounds, each peer timing a batch
/// of `k` calls per round (the order rotates every round), `k` chosen so the
/// baseline's batch takes about `batch_ms`. Prints per peer the minimum and
/// the median over rounds of the time per call.
fn wall(backend: &str, list: &[Entry], sc: Scenario, n: usize, rounds: usize, batch_ms: f64) {
    let s = setup(sc, n);
    set_scenario(sc);
    let entries: Vec<&Entry> = list.iter().filter(|e| e.takes(sc)).collect();
    let mut ps: Vec<Box<dyn Peer>> = entries.iter().map(|e| (e.ctor)(&s)).collect();
    // same rows everywhere, then warm up
    let mut reference: Option<Vec<Common>> = None;
    for (e, p) in entries.iter().zip(ps.iter_mut()) {
        let rows = check_one(e.name, p.as_mut(), sc, n);
        match &reference {
            None => reference = Some(rows),
            Some(r) => assert!(r == &rows, "{}: rows differ in {:?} {n}", e.name, sc),
        }
        for _ in 0..3 {
            black_box(p.run(sc));
        }
        if sc.clears() {
            p.clear();
        }
    }
    // calibrate on the baseline
    let t0 = Instant::now();
    let mut calls = 0u32;
    while t0.elapsed().as_secs_f64() < 0.02 || calls < 3 {
        black_box(ps[0].run(sc));
        calls += 1;
    }
    if sc.clears() {
        ps[0].clear();
    }
    let per_call = t0.elapsed().as_secs_f64() / f64::from(calls);
    // A delete batch must find its rows: at most the table's 10,000.
    let most = if sc == Scenario::Delete { 9_000.0 } else { 1e6 };
    let k = ((batch_ms / 1e3) / per_call).round().clamp(1.0, most) as usize;
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); ps.len()];
    for r in 0..rounds {
        for j in 0..ps.len() {
            let i = (j + r) % ps.len();
            let p = &mut ps[i];
            if sc.clears() {
                p.clear();
            }
            let t = Instant::now();
            for _ in 0..k {
                black_box(p.run(black_box(sc)));
            }
            samples[i].push(t.elapsed().as_secs_f64() * 1e9 / k as f64);
        }
    }
    let mins: Vec<f64> = samples
        .iter()
        .map(|v| v.iter().copied().fold(f64::INFINITY, f64::min))
        .collect();
    let meds: Vec<f64> = samples.iter_mut().map(|v| median(v)).collect();
    for (i, e) in entries.iter().enumerate() {
        println!(
            "WALL {backend} {} {n} {} min_ns={:.0} med_ns={:.0} min_ratio={:.3} med_ratio={:.3} k={k} rounds={rounds}",
            sc.name(),
            e.name,
            mins[i],
            meds[i],
            mins[i] / mins[0],
            meds[i] / meds[0],
        );
    }
}

//! The projection benchmark outside criterion (see `bench/README.md`).
//! Scenarios: `values`, `flat`, `group_name`, `group_fk`, `aggregate`
//! (`dunder_bench::projection::SCENARIOS`).
//!
//! * `profile_projection <scenario> <side> <repetitions>` runs one side in
//!   a loop, for instruction counts under `valgrind --tool=callgrind`
//!   (subtract the run with 0 repetitions). Sides: `rusqlite` (by hand, the
//!   same SQL, structs of the same shape), `dunder`; on PostgreSQL
//!   (client-side instructions only) `pg_hand`, `pg_cached`
//!   (`dunder::postgres::Client`), `pg_plain`.
//! * `profile_projection ab <scenario> <rounds> <sqlite|pg>` times the
//!   sides in alternation (batches of about 5 ms, the order rotating every
//!   round) and prints the median ratio to the hand-written side with its
//!   quartiles.
//! * `profile_projection sql` prints the SQL on both backends and SQLite's
//!   plans.
use dunder_bench::ab::{ab, Side};
use dunder_bench::projection::{self as p, SCENARIOS};
use dunder_bench::projection_pg;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &'static str| args.get(i).map_or(default, String::as_str);
    let num =
        |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    match arg(1, "values") {
        "sql" => sql(),
        "ab" => {
            let (scenario, rounds) = (arg(2, "values"), num(3, 40));
            if arg(4, "sqlite") == "pg" {
                let server = projection_pg::server("dunder_bench_projection_ab").expect("server");
                let mut raw = server.connect();
                let hand = projection_pg::Hand::prepare(&mut raw);
                let mut cached = dunder::postgres::Client::new(server.connect());
                let mut plain = server.connect();
                let sides: Vec<Side> = vec![
                    (
                        "pg_hand",
                        Box::new(|| projection_pg::raw_rows(&mut raw, &hand, scenario)),
                    ),
                    (
                        "pg_cached",
                        Box::new(|| p::dunder_rows(&mut cached, scenario)),
                    ),
                    (
                        "pg_plain",
                        Box::new(|| p::dunder_rows(&mut plain, scenario)),
                    ),
                ];
                ab(&format!("pg {scenario}"), sides, rounds);
            } else {
                let conn = p::database();
                let sides: Vec<Side> = vec![
                    ("rusqlite", Box::new(|| p::raw_rows(&conn, scenario))),
                    ("dunder", Box::new(|| p::dunder_rows(&conn, scenario))),
                ];
                ab(&format!("sqlite {scenario}"), sides, rounds);
            }
        }
        scenario => {
            let (side, reps) = (arg(2, "dunder"), num(3, 100));
            assert!(
                SCENARIOS.contains(&scenario),
                "unknown scenario {scenario:?}: one of {SCENARIOS:?}"
            );
            let total = if side.starts_with("pg_") {
                let server =
                    projection_pg::server("dunder_bench_projection_profile").expect("server");
                let mut raw = server.connect();
                let hand = projection_pg::Hand::prepare(&mut raw);
                let mut cached = dunder::postgres::Client::new(server.connect());
                let mut plain = server.connect();
                let mut run = || match side {
                    "pg_hand" => projection_pg::raw_rows(&mut raw, &hand, scenario),
                    "pg_cached" => p::dunder_rows(&mut cached, scenario),
                    _ => p::dunder_rows(&mut plain, scenario),
                };
                (0..reps).map(|_| run()).sum::<usize>()
            } else {
                let conn = p::database();
                let run = || match side {
                    "rusqlite" => p::raw_rows(&conn, scenario),
                    _ => p::dunder_rows(&conn, scenario),
                };
                (0..reps).map(|_| run()).sum::<usize>()
            };
            println!("{scenario} {side}: {total} rows");
        }
    }
}

/// The SQL of every scenario on both backends, and SQLite's plans.
fn sql() {
    for (name, (sqlite, pg)) in SCENARIOS
        .iter()
        .zip(p::SQLITE.iter().zip(projection_pg::PG))
    {
        println!("{name}\n  SQLite:     {sqlite}\n  PostgreSQL: {pg}");
    }
    let conn = p::database();
    for (name, sql) in SCENARIOS.iter().zip(p::SQLITE) {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let plan: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("plan");
        println!("SQLite plan of {name}: {}", plan.join("; "));
    }
}

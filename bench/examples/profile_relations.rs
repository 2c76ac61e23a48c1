//! The relations benchmark outside criterion (see `bench/README.md`).
//!
//! * `profile_relations <medium|loading> <side> <users> <repetitions>` runs
//!   one side in a loop, for instruction counts under
//!   `valgrind --tool=callgrind` (subtract the run with 0 repetitions).
//!   Sides: `rusqlite` (by hand, the same SQL and structs), `dunder`,
//!   `pairs` (`medium` only: by hand into `(Post, User)` pairs, no `Arc`
//!   per row); on PostgreSQL (client-side instructions only) `pg_hand`,
//!   `pg_cached` (`dunder::postgres::Client`), `pg_plain`.
//! * `profile_relations ab <medium|loading> <users> <rounds> <sqlite|pg>`
//!   times the sides in alternation (batches of about 5 ms, the order
//!   rotating every round) and prints the median ratio to the hand-written
//!   side with its quartiles: steadier than criterion on a busy machine,
//!   as a load that comes and goes hits every side alike.
//! * `profile_relations sql` prints the SQL of both queries.
use dunder::Dialect;
use dunder_bench::ab::{ab, Side};
use dunder_bench::relations::{self, Data, HAIR};
use dunder_bench::{relations_pg, Post, User};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &'static str| args.get(i).map_or(default, String::as_str);
    let num =
        |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    match arg(1, "medium") {
        "sql" => sql(),
        "ab" => {
            let (scenario, users, rounds) = (arg(2, "medium"), num(3, 100), num(4, 40));
            let data = data(scenario, users);
            if arg(5, "sqlite") == "pg" {
                let server = relations_pg::server("dunder_bench_relations_ab").expect("server");
                let mut raw = server.connect();
                relations_pg::fill(&mut raw, data);
                let hand = relations_pg::Hand::prepare(&mut raw);
                let mut cached = dunder::postgres::Client::new(server.connect());
                let mut plain = server.connect();
                let sides: Vec<Side> = if scenario == "medium" {
                    vec![
                        (
                            "pg_hand",
                            Box::new(|| relations_pg::raw_medium(&mut raw, &hand, HAIR).len()),
                        ),
                        (
                            "pg_cached",
                            Box::new(|| relations::dunder_medium(&mut cached, HAIR).len()),
                        ),
                        (
                            "pg_plain",
                            Box::new(|| relations::dunder_medium(&mut plain, HAIR).len()),
                        ),
                    ]
                } else {
                    vec![
                        (
                            "pg_hand",
                            Box::new(|| relations_pg::raw_loading(&mut raw, &hand).len()),
                        ),
                        (
                            "pg_cached",
                            Box::new(|| relations::dunder_loading(&mut cached).len()),
                        ),
                        (
                            "pg_plain",
                            Box::new(|| relations::dunder_loading(&mut plain).len()),
                        ),
                    ]
                };
                ab(&format!("pg {scenario} {users}"), sides, rounds);
            } else {
                let conn = relations::database(data);
                let sides: Vec<Side> = if scenario == "medium" {
                    vec![
                        (
                            "rusqlite",
                            Box::new(|| relations::raw_medium(&conn, HAIR).len()),
                        ),
                        (
                            "dunder",
                            Box::new(|| relations::dunder_medium(&conn, HAIR).len()),
                        ),
                    ]
                } else {
                    vec![
                        ("rusqlite", Box::new(|| relations::raw_loading(&conn).len())),
                        (
                            "dunder",
                            Box::new(|| relations::dunder_loading(&conn).len()),
                        ),
                    ]
                };
                ab(&format!("sqlite {scenario} {users}"), sides, rounds);
            }
        }
        scenario => {
            let (side, users, reps) = (arg(2, "dunder"), num(3, 100), num(4, 100));
            let data = data(scenario, users);
            let total = if side.starts_with("pg_") {
                let server =
                    relations_pg::server("dunder_bench_relations_profile").expect("server");
                let mut raw = server.connect();
                relations_pg::fill(&mut raw, data);
                let hand = relations_pg::Hand::prepare(&mut raw);
                let mut cached = dunder::postgres::Client::new(server.connect());
                let mut plain = server.connect();
                let mut run = || match (scenario, side) {
                    ("medium", "pg_hand") => relations_pg::raw_medium(&mut raw, &hand, HAIR).len(),
                    ("medium", "pg_cached") => relations::dunder_medium(&mut cached, HAIR).len(),
                    ("medium", _) => relations::dunder_medium(&mut plain, HAIR).len(),
                    (_, "pg_hand") => relations_pg::raw_loading(&mut raw, &hand).len(),
                    (_, "pg_cached") => relations::dunder_loading(&mut cached).len(),
                    _ => relations::dunder_loading(&mut plain).len(),
                };
                (0..reps).map(|_| run()).sum::<usize>()
            } else {
                let conn = relations::database(data);
                let run = || match (scenario, side) {
                    ("medium", "rusqlite") => relations::raw_medium(&conn, HAIR).len(),
                    ("medium", "pairs") => relations::raw_medium_pairs(&conn, HAIR).len(),
                    ("medium", _) => relations::dunder_medium(&conn, HAIR).len(),
                    (_, "rusqlite") => relations::raw_loading(&conn).len(),
                    _ => relations::dunder_loading(&conn).len(),
                };
                (0..reps).map(|_| run()).sum::<usize>()
            };
            println!("{scenario} {side} {users}: {total} rows");
        }
    }
}

fn data(scenario: &str, users: usize) -> Data {
    match scenario {
        "medium" => Data::medium(users),
        _ => Data::loading(users),
    }
}

/// The SQL of both queries on both backends, and SQLite's plans for them
/// (on the `loading` data of 100 users).
fn sql() {
    let medium = dunder::query!(Post.select_related(user).filter(user__hair_color = HAIR));
    let loading = dunder::query!(User.prefetch_related(posts, posts__comments));
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        println!("{d:?}\n  medium:  {}", medium.sql(d));
        println!("  loading: {}", loading.sql(d));
        for s in loading.prefetch_sql(d) {
            println!("           {s}");
        }
    }
    let conn = relations::database(Data::loading(100));
    let mut all = vec![medium.sql(Dialect::Sqlite), loading.sql(Dialect::Sqlite)];
    all.extend(loading.prefetch_sql(Dialect::Sqlite));
    let keys = std::rc::Rc::new(vec![rusqlite::types::Value::Integer(1)]);
    for sql in all {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let params: Vec<&dyn rusqlite::ToSql> = match stmt.parameter_count() {
            0 => vec![],
            _ if sql.contains("rarray") => vec![&keys],
            _ => vec![&HAIR],
        };
        let plan: Vec<String> = stmt
            .query_map(params.as_slice(), |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("plan");
        println!("SQLite plan of {}…: {}", &sql[..60], plan.join("; "));
    }
}

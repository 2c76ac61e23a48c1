//! The write scenarios of `dunder_bench::writes`, one side at a time, for
//! instruction counts (`valgrind --tool=callgrind`), or every side in
//! alternation for wall-clock ratios:
//!
//! ```text
//! profile_writes BACKEND SIDE SCENARIO N REPS   # one side, REPS calls (0: setup only)
//! profile_writes BACKEND ab SCENARIO N ROUNDS   # every side, alternating batches
//! ```
//! BACKEND: `sqlite` (in memory) or `pg` (`DUNDER_POSTGRES_URL`, database
//! `dunder_bench_writes_pg`, made afresh). SIDE: `raw` (rusqlite / the
//! postgres crate, statements prepared once), `dunder` (SQLite; PostgreSQL:
//! `dunder::postgres::Client`, the statement cache), `own` (PostgreSQL:
//! `dunder::postgres::Connection`, dunder's own protocol client, what `Db`
//! opens), `plain` (PostgreSQL: a plain `postgres::Client`). SCENARIO: `bulk_insert`, `bulk_create`,
//! `create`, `update`, `save`, `delete`; N: rows per call (bulk only).
//! Insert scenarios start on an empty table; the others on 10,000 rows
//! (`delete` removes row `i` at call `i`, so REPS ≤ 10,000).
use std::hint::black_box;

use dunder_bench::writes::{self, colour, insert_sql, pg, sqlite, user, Scenario, TABLE_ROWS};
use dunder_bench::{rows, User};

const DB: &str = "dunder_bench_writes_pg";

fn base() -> postgres::Config {
    std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
        .parse()
        .expect("DUNDER_POSTGRES_URL")
}

/// The benchmark database's URL, for dunder's own client.
fn own_url() -> String {
    let mut url = std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    if let Some(i) = url.rfind('/') {
        url.truncate(i + 1);
    }
    url.push_str(DB);
    url
}

fn connect() -> postgres::Client {
    let mut c = base();
    c.dbname(DB);
    c.connect(postgres::NoTls).expect("connect")
}

/// A fresh database with the `users` table (and `synchronous_commit` off,
/// as the peer benchmark, so the WAL flush does not drown the client).
fn pg_setup() {
    let mut admin = base().connect(postgres::NoTls).expect("connect");
    for sql in [
        format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        format!("CREATE DATABASE {DB}"),
        format!("ALTER DATABASE {DB} SET synchronous_commit = off"),
    ] {
        admin.batch_execute(&sql).expect("database");
    }
    let mut c = connect();
    dunder::create_table::<User, _>(&mut c).expect("table");
}

/// One call of a side: call number `i` (0-based) → rows written.
type Call<'a> = Box<dyn FnMut(usize) -> usize + 'a>;

fn sqlite_side(side: &str, sc: Scenario, n: usize) -> Call<'static> {
    let conn = sqlite::database(if sc.inserts() { 0 } else { TABLE_ROWS });
    let data = rows(n);
    let (sql_plain, sql_ret) = (insert_sql(n, false, false), insert_sql(n, false, true));
    let mut users: Vec<User> = (1..=100).map(user).collect();
    let raw = side == "raw";
    Box::new(move |i| match (sc, raw) {
        (Scenario::BulkInsert, true) => sqlite::bulk_insert(&conn, &sql_plain, &data),
        (Scenario::BulkInsert, false) => User::bulk_insert(&conn, &data).expect("bulk") as usize,
        (Scenario::BulkCreate, true) => sqlite::bulk_create(&conn, &sql_ret, &data).len(),
        (Scenario::BulkCreate, false) => User::bulk_create(&conn, &data).expect("bulk").len(),
        (Scenario::Create, true) => {
            black_box(sqlite::create(&conn, &data[0].name, colour(i))).id as usize
        }
        (Scenario::Create, false) => {
            black_box(
                writes::create_query(&data[0].name, colour(i))
                    .run(&conn)
                    .expect("create"),
            )
            .id as usize
        }
        (Scenario::Update, true) => sqlite::update(&conn, (i % 100) as i64 + 1, colour(i)),
        (Scenario::Update, false) => writes::update_query((i % 100) as i64 + 1, colour(i))
            .run(&conn)
            .expect("update") as usize,
        (Scenario::Save, _) => {
            let u = &mut users[i % 100];
            u.hair_color = colour(i).map(str::to_owned);
            if raw {
                sqlite::save(&conn, u)
            } else {
                u.save(&conn).expect("save");
                1
            }
        }
        (Scenario::Delete, true) => sqlite::delete(&conn, i as i64 + 1),
        (Scenario::Delete, false) => writes::delete_query(i as i64 + 1)
            .run(&conn)
            .expect("delete") as usize,
    })
}

fn pg_side(side: &str, sc: Scenario, n: usize) -> Call<'static> {
    let data = rows(n);
    let mut users: Vec<User> = (1..=100).map(user).collect();
    match side {
        "raw" => {
            let mut c = connect();
            let p = pg::Prepared::new(&mut c);
            let plain = c.prepare(&insert_sql(n, true, false)).expect("prepare");
            let ret = c.prepare(&insert_sql(n, true, true)).expect("prepare");
            Box::new(move |i| match sc {
                Scenario::BulkInsert => pg::bulk_insert(&mut c, &plain, &data) as usize,
                Scenario::BulkCreate => pg::bulk_create(&mut c, &ret, &data).len(),
                Scenario::Create => {
                    black_box(pg::create(&mut c, &p, &data[0].name, colour(i))).id as usize
                }
                Scenario::Update => {
                    pg::update(&mut c, &p, (i % 100) as i64 + 1, colour(i)) as usize
                }
                Scenario::Save => {
                    let u = &mut users[i % 100];
                    u.hair_color = colour(i).map(str::to_owned);
                    pg::save(&mut c, &p, u) as usize
                }
                Scenario::Delete => pg::delete(&mut c, &p, i as i64 + 1) as usize,
            })
        }
        "dunder" => {
            let mut c = dunder::postgres::Client::new(connect());
            Box::new(move |i| dunder_pg(&mut c, sc, &data, &mut users, i))
        }
        "plain" => {
            let mut c = connect();
            Box::new(move |i| dunder_pg(&mut c, sc, &data, &mut users, i))
        }
        "own" => {
            let mut c = dunder::postgres::Connection::connect(&own_url()).expect("connect");
            Box::new(move |i| dunder_pg(&mut c, sc, &data, &mut users, i))
        }
        other => panic!("unknown side {other}"),
    }
}

/// dunder on either PostgreSQL client.
fn dunder_pg<C>(
    c: &mut C,
    sc: Scenario,
    data: &[dunder_bench::NewUser],
    users: &mut [User],
    i: usize,
) -> usize
where
    for<'c> &'c mut C: dunder::Executor,
{
    match sc {
        Scenario::BulkInsert => User::bulk_insert(&mut *c, data).expect("bulk") as usize,
        Scenario::BulkCreate => User::bulk_create(&mut *c, data).expect("bulk").len(),
        Scenario::Create => {
            black_box(
                writes::create_query(&data[0].name, colour(i))
                    .run(&mut *c)
                    .expect("create"),
            )
            .id as usize
        }
        Scenario::Update => writes::update_query((i % 100) as i64 + 1, colour(i))
            .run(&mut *c)
            .expect("update") as usize,
        Scenario::Save => {
            let u = &mut users[i % 100];
            u.hair_color = colour(i).map(str::to_owned);
            u.save(&mut *c).expect("save");
            1
        }
        Scenario::Delete => writes::delete_query(i as i64 + 1)
            .run(&mut *c)
            .expect("delete") as usize,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "profile_writes BACKEND (raw|dunder|own|plain|ab) SCENARIO N REPS";
    let backend = args.get(1).map(String::as_str).expect(usage);
    let side = args.get(2).map(String::as_str).expect(usage);
    let sc = args.get(3).and_then(|s| Scenario::parse(s)).expect(usage);
    let n: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let reps: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let pg = backend == "pg";
    let make = |s: &str| {
        if pg {
            pg_side(s, sc, n)
        } else {
            sqlite_side(s, sc, n)
        }
    };
    if pg {
        pg_setup();
        if !sc.inserts() {
            pg::fill(&mut connect(), TABLE_ROWS);
        }
    }
    if side == "ab" {
        // Every side on its own rows: updates and saves rewrite rows 1..=100,
        // deletes need rows that are there (refilled between rounds would be
        // timed), so `delete` is measured by callgrind only.
        assert!(sc != Scenario::Delete, "delete: use callgrind");
        let names: &[&'static str] = if pg {
            &["raw", "dunder", "own", "plain"]
        } else {
            &["raw", "dunder"]
        };
        let sides: Vec<dunder_bench::ab::Side<'_>> = names
            .iter()
            .map(|s| {
                let mut f = make(s);
                let mut i = 0usize;
                let call: Box<dyn FnMut() -> usize> = Box::new(move || {
                    i += 1;
                    f(i)
                });
                (*s, call)
            })
            .collect();
        dunder_bench::ab::ab(&format!("{backend} {} {n}", sc.name()), sides, reps.max(1));
        return;
    }
    let mut f = make(side);
    // Warm up (statements prepared) on a row the timed calls do not touch.
    if !matches!(sc, Scenario::Delete) {
        f(usize::MAX / 2);
    } else {
        f(TABLE_ROWS as usize - 1);
    }
    let mut total = 0;
    for i in 0..reps {
        total += f(black_box(i));
    }
    println!("{backend} {side} {}: {total} rows", sc.name());
}

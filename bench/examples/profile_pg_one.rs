//! Where a one-row PostgreSQL query spends the client's instructions:
//! `profile_pg_one SIDE REPS` with SIDE `query` (the postgres crate,
//! prepared statement, `client.query` then `Row::get`), `query_raw` (the
//! same through `query_raw`'s row iterator, no `Vec<Row>`), `query_typed`
//! (unnamed statement with its types, one round trip, what a plain client
//! costs), `dunder` (`query!` on `dunder::postgres::Client`), `own`
//! (`query!` on `dunder::postgres::Connection`, dunder's own protocol
//! client). The table is
//! `users` with 10,000 rows; the query finds `name = 'User 5000'`. Run
//! under `valgrind --tool=callgrind` and subtract REPS = 0.
use std::hint::black_box;

use dunder_bench::writes::{pg, user};
use dunder_bench::User;
use postgres::fallible_iterator::FallibleIterator;

const DB: &str = "dunder_bench_pg_one";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let side = args.get(1).map(String::as_str).unwrap_or("query");
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let base: postgres::Config = std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
        .parse()
        .expect("url");
    let mut admin = base.connect(postgres::NoTls).expect("connect");
    for sql in [
        format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        format!("CREATE DATABASE {DB}"),
    ] {
        admin.batch_execute(&sql).expect("database");
    }
    let mut config = base.clone();
    config.dbname(DB);
    let mut client = config.connect(postgres::NoTls).expect("connect");
    dunder::create_table::<User, _>(&mut client).expect("table");
    pg::fill(&mut client, 10_000);
    let sql = r#"SELECT "users"."id", "users"."name", "users"."hair_color" FROM "users" WHERE "users"."name" = $1::text"#;
    let stmt = client.prepare(sql).expect("prepare");
    let mut cached =
        dunder::postgres::Client::new(config.connect(postgres::NoTls).expect("connect"));
    let mut own = {
        let mut url = std::env::var("DUNDER_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        if let Some(i) = url.rfind('/') {
            url.truncate(i + 1);
        }
        url.push_str(DB);
        dunder::postgres::Connection::connect(&url).expect("connect")
    };
    let name = user(5000).name;
    let map = |r: &postgres::Row| User {
        id: r.get(0),
        name: r.get(1),
        hair_color: r.get(2),
        posts: Default::default(),
    };
    let mut call = |side: &str| -> usize {
        let n: &str = black_box(&name);
        match side {
            "query" => client
                .query(&stmt, &[&n])
                .expect("q")
                .iter()
                .map(map)
                .collect::<Vec<User>>()
                .len(),
            "query_raw" => client
                .query_raw(&stmt, [n])
                .expect("q")
                .map(|r| Ok(map(&r)))
                .collect::<Vec<User>>()
                .expect("rows")
                .len(),
            "query_typed" => client
                .query_typed(sql, &[(&n, postgres::types::Type::TEXT)])
                .expect("q")
                .iter()
                .map(map)
                .collect::<Vec<User>>()
                .len(),
            "own" => dunder::query!(User, name = n)
                .fetch_all(&mut own)
                .expect("q")
                .len(),
            _ => dunder::query!(User, name = n)
                .fetch_all(&mut cached)
                .expect("q")
                .len(),
        }
    };
    call(side);
    let mut total = 0;
    for _ in 0..reps {
        total += black_box(call(side));
    }
    println!("{side}: {total} rows");
    drop(client);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"));
}

//! The PostgreSQL insert forms side by side, for instruction counts of the
//! client (`valgrind --tool=callgrind`) and wall-clock time:
//! `profile_insert_pg <side> <rows per insert> <repetitions>`.
//!
//! Sides: `values` (hand-written multi-row `INSERT … VALUES ($1, $2), …`
//! prepared once per size, the baseline), `values_id` (the same `RETURNING
//! "id"`, ids read), `unnest` / `unnest_id` (hand-written `INSERT … SELECT *
//! FROM UNNEST($1::text[], $2::text[])`, prepared once, arrays of `&str`),
//! `dunder_create` / `dunder_insert` (`User::bulk_create` / `bulk_insert` on
//! `dunder::postgres::Client`), `plain_create` / `plain_insert` (the same on
//! a plain `postgres::Client`), `ab` (wall clock of every side, alternating).
//! Uses the database `dunder_bench_profile_pg` (created, truncated before
//! the timed loop).
use std::hint::black_box;

use dunder_bench::{rows, NewUser, User};
use postgres::types::ToSql;

const DB: &str = "dunder_bench_profile_pg";

fn url() -> String {
    std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn connect() -> postgres::Client {
    let mut config: postgres::Config = url().parse().expect("url");
    config.dbname(DB);
    config.connect(postgres::NoTls).expect("connect")
}

fn values_sql(n: usize, returning: bool) -> String {
    let values: Vec<String> = (0..n)
        .map(|i| format!("(${}::text, ${}::text)", 2 * i + 1, 2 * i + 2))
        .collect();
    format!(
        "INSERT INTO \"users\" (\"name\", \"hair_color\") VALUES {}{}",
        values.join(", "),
        if returning { " RETURNING \"id\"" } else { "" }
    )
}

fn unnest_sql(returning: bool) -> String {
    format!(
        "INSERT INTO \"users\" (\"name\", \"hair_color\") SELECT * FROM UNNEST($1::text[], $2::text[]){}",
        if returning { " RETURNING \"id\"" } else { "" }
    )
}

struct Raw {
    client: postgres::Client,
    values: postgres::Statement,
    values_id: postgres::Statement,
    unnest: postgres::Statement,
    unnest_id: postgres::Statement,
}

impl Raw {
    fn new(n: usize) -> Raw {
        let mut client = connect();
        let values = client.prepare(&values_sql(n, false)).expect("prepare");
        let values_id = client.prepare(&values_sql(n, true)).expect("prepare");
        let unnest = client.prepare(&unnest_sql(false)).expect("prepare");
        let unnest_id = client.prepare(&unnest_sql(true)).expect("prepare");
        Raw {
            client,
            values,
            values_id,
            unnest,
            unnest_id,
        }
    }

    fn values(&mut self, rows: &[NewUser], id: bool) -> usize {
        let params: Vec<&(dyn ToSql + Sync)> = rows
            .iter()
            .flat_map(|r| [&r.name as &(dyn ToSql + Sync), &r.hair_color as _])
            .collect();
        if id {
            let ids: Vec<i64> = self
                .client
                .query(&self.values_id, &params)
                .expect("insert")
                .iter()
                .map(|r| r.get(0))
                .collect();
            ids.len()
        } else {
            self.client.execute(&self.values, &params).expect("insert") as usize
        }
    }

    fn unnest(&mut self, rows: &[NewUser], id: bool) -> usize {
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        let hair: Vec<Option<&str>> = rows.iter().map(|r| r.hair_color.as_deref()).collect();
        if id {
            let ids: Vec<i64> = self
                .client
                .query(&self.unnest_id, &[&names, &hair])
                .expect("insert")
                .iter()
                .map(|r| r.get(0))
                .collect();
            ids.len()
        } else {
            self.client
                .execute(&self.unnest, &[&names, &hair])
                .expect("insert") as usize
        }
    }
}

fn setup() {
    let mut admin = url()
        .parse::<postgres::Config>()
        .expect("url")
        .connect(postgres::NoTls)
        .expect("connect");
    for sql in [
        format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        format!("CREATE DATABASE {DB}"),
    ] {
        admin.batch_execute(&sql).expect("database");
    }
    let mut c = connect();
    dunder::create_table::<User, _>(&mut c).expect("table");
    c.batch_execute(&format!("ALTER DATABASE {DB} SET synchronous_commit = off"))
        .expect("sync");
}

type Call<'a> = Box<dyn FnMut(&[NewUser]) -> usize + 'a>;

fn side(name: &str, n: usize) -> Call<'static> {
    match name {
        "values" | "values_id" | "unnest" | "unnest_id" => {
            let mut raw = Raw::new(n);
            let id = name.ends_with("_id");
            if name.starts_with("values") {
                Box::new(move |r| raw.values(r, id))
            } else {
                Box::new(move |r| raw.unnest(r, id))
            }
        }
        "dunder_create" => {
            let mut c = dunder::postgres::Client::new(connect());
            Box::new(move |r| User::bulk_create(&mut c, r).expect("bulk").len())
        }
        "dunder_insert" => {
            let mut c = dunder::postgres::Client::new(connect());
            Box::new(move |r| User::bulk_insert(&mut c, r).expect("bulk") as usize)
        }
        "plain_create" => {
            let mut c = connect();
            Box::new(move |r| User::bulk_create(&mut c, r).expect("bulk").len())
        }
        "plain_insert" => {
            let mut c = connect();
            Box::new(move |r| User::bulk_insert(&mut c, r).expect("bulk") as usize)
        }
        other => panic!("unknown side {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map(String::as_str).unwrap_or("values");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let reps: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    setup();
    let data = rows(n);
    if name == "ab" {
        let sides = [
            "values",
            "values_id",
            "unnest",
            "unnest_id",
            "dunder_insert",
            "dunder_create",
            "plain_insert",
            "plain_create",
        ];
        let mut truncate = connect();
        let sides: Vec<dunder_bench::ab::Side<'_>> = sides
            .iter()
            .map(|s| {
                let mut f = side(s, n);
                let data = &data;
                let call: Box<dyn FnMut() -> usize + '_> = Box::new(move || f(data));
                (*s, call)
            })
            .collect();
        truncate.batch_execute("TRUNCATE users").expect("truncate");
        dunder_bench::ab::ab(&format!("insert_pg {n}"), sides, reps.max(1));
        return;
    }
    let mut f = side(name, n);
    f(&data); // warm up: statements prepared
    let mut total = 0;
    for _ in 0..reps {
        total += f(black_box(&data));
    }
    println!("{name}: {total} rows");
}

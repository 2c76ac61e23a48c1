//! diesel_bench's insert scenario on PostgreSQL: insert 1, 10, 25, 50 and 100
//! rows of `users(name, hair_color NULL)`, in one run, through a hand-written
//! multi-row `INSERT … VALUES ($1, $2), … RETURNING "id"` prepared once per
//! size (rows built from the values sent and the ids), and through
//! `User::bulk_create` on
//! `dunder::postgres::Client` (statement cache) and on a plain
//! `postgres::Client` (one round trip, parsed each time).
//! Needs the server of `DUNDER_POSTGRES_URL`; says so and does nothing without it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dunder_bench::{rows, NewUser, User};

/// The database of this benchmark, created fresh on the server and dropped
/// at the end, so the `users` table is nobody else's.
const DB: &str = "dunder_bench_insert_pg";

fn url() -> String {
    std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A connection to the benchmark's own database.
fn connect(base: &postgres::Config) -> postgres::Client {
    let mut config = base.clone();
    config.dbname(DB);
    config.connect(postgres::NoTls).expect("connect")
}

/// The hand-written multi-row INSERT of `n` users, with PostgreSQL's `$N`
/// placeholders, returning the ids.
fn raw_sql_pg(n: usize) -> String {
    dunder_bench::writes::insert_sql(n, true, true)
}

/// Inserts `rows` with the prepared `raw_sql_pg(rows.len())`, and builds
/// them from the values sent and the ids returned.
fn raw_insert(
    client: &mut postgres::Client,
    stmt: &postgres::Statement,
    rows: &[NewUser],
) -> Vec<User> {
    dunder_bench::writes::pg::bulk_create(client, stmt, rows)
}

/// Empties the table and restarts its ids. Every side of every size starts
/// on an empty table this way, so none inserts into a table (and a primary
/// key index) that an earlier side has grown by hundreds of thousands of
/// rows. One table in one database rather than one database per side, so
/// that all three sides also run with the same catalog, settings and caches;
/// the other connections are idle between benchmarks, so the TRUNCATE never
/// waits for a lock.
fn truncate(client: &mut postgres::Client) {
    client
        .batch_execute(r#"TRUNCATE "users" RESTART IDENTITY"#)
        .expect("truncate");
}

fn insert_pg(c: &mut Criterion) {
    let base: postgres::Config = match url().parse() {
        Ok(config) => config,
        Err(e) => {
            eprintln!(
                "insert_pg: DUNDER_POSTGRES_URL={:?} is not valid ({e}): skipped",
                url()
            );
            return;
        }
    };
    let Ok(mut admin) = base.connect(postgres::NoTls) else {
        eprintln!("insert_pg: PostgreSQL unreachable at {}: skipped", url());
        return;
    };
    // Two calls: one simple query of both would run them in one implicit
    // transaction, which DROP/CREATE DATABASE refuse.
    for sql in [
        format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        format!("CREATE DATABASE {DB}"),
    ] {
        admin
            .batch_execute(&sql)
            .expect("create the benchmark database");
    }

    let mut raw = connect(&base);
    // `CREATE TABLE "users" (…)` from the derive; the database is new, so
    // there is nothing to drop first.
    dunder::create_table::<User, _>(&mut raw).expect("table");
    let mut cached = dunder::postgres::Client::new(connect(&base));
    let mut plain = connect(&base);

    for n in [1usize, 10, 25, 50, 100] {
        let data = rows(n);
        let stmt = raw.prepare(&raw_sql_pg(n)).expect("prepare");

        // All three sides store the same rows (outside the timing).
        truncate(&mut raw);
        let expected = raw_insert(&mut raw, &stmt, &data);
        truncate(&mut raw);
        assert_eq!(
            User::bulk_create(&mut cached, &data).expect("bulk"),
            expected
        );
        truncate(&mut raw);
        assert_eq!(
            User::bulk_create(&mut plain, &data).expect("bulk"),
            expected
        );

        let mut group = c.benchmark_group(format!("insert_pg_{n}"));
        group.throughput(Throughput::Elements(n as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(2));
        truncate(&mut raw);
        group.bench_with_input(BenchmarkId::new("postgres_hand", n), &n, |b, _| {
            b.iter(|| black_box(raw_insert(&mut raw, &stmt, black_box(&data))))
        });
        truncate(&mut raw);
        group.bench_with_input(BenchmarkId::new("dunder_cached", n), &n, |b, _| {
            b.iter(|| black_box(User::bulk_create(&mut cached, black_box(&data)).expect("bulk")))
        });
        truncate(&mut raw);
        group.bench_with_input(BenchmarkId::new("dunder_plain", n), &n, |b, _| {
            b.iter(|| black_box(User::bulk_create(&mut plain, black_box(&data)).expect("bulk")))
        });
        group.finish();
    }

    drop((raw, cached, plain));
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"));
}

criterion_group!(benches, insert_pg);
criterion_main!(benches);

//! Fetch 1, 100 and 10,000 rows of a 3-column table on PostgreSQL: a
//! hand-written prepared statement (prepared once, executed by index) against
//! `query!` on `dunder::postgres::Connection` (dunder's own protocol client,
//! statement cache), on `dunder::postgres::Client` (statement cache) and on a plain
//! `postgres::Client` (one round trip, parsed each time), in one run.
//! Needs the server of `DUNDER_POSTGRES_URL`; says so and does nothing without it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dunder_bench::Item;

fn url() -> String {
    std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn fetch_pg(c: &mut Criterion) {
    let Ok(mut raw) = postgres::Client::connect(&url(), postgres::NoTls) else {
        eprintln!("fetch_pg: PostgreSQL unreachable at {}: skipped", url());
        return;
    };
    raw.batch_execute(
        "DROP TABLE IF EXISTS bench_item; CREATE TABLE bench_item (id bigint PRIMARY KEY, name text NOT NULL, qty integer NOT NULL);
         INSERT INTO bench_item SELECT i, 'item number ' || i, i % 1000 FROM generate_series(1, 10000) AS i;",
    )
    .expect("fill");
    let stmt = raw
        .prepare(
            r#"SELECT "id", "name", "qty" FROM "bench_item" WHERE "id" <= $1 ORDER BY "id" ASC"#,
        )
        .expect("prepare");
    let mut cached = dunder::postgres::Client::connect(&url(), postgres::NoTls).expect("connect");
    let mut plain = postgres::Client::connect(&url(), postgres::NoTls).expect("connect");
    let mut own = dunder::postgres::Connection::connect(&url()).expect("connect");
    for n in [1i64, 100, 10_000] {
        let mut group = c.benchmark_group(format!("pg_fetch_{n}"));
        group.throughput(Throughput::Elements(n as u64));
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(4));
        group.sample_size(if n == 10_000 { 20 } else { 60 });
        group.bench_with_input(BenchmarkId::new("postgres_prepared", n), &n, |b, &n| {
            b.iter(|| {
                let rows: Vec<Item> = raw
                    .query(&stmt, &[&black_box(n)])
                    .expect("query")
                    .iter()
                    .map(|r| Item {
                        id: r.get(0),
                        name: r.get(1),
                        qty: r.get(2),
                    })
                    .collect();
                black_box(rows)
            })
        });
        group.bench_with_input(BenchmarkId::new("dunder_own", n), &n, |b, &n| {
            b.iter(|| {
                black_box(
                    dunder::query!(Item.filter(id__lte = n).order_by(id))
                        .fetch_all(&mut own)
                        .expect("fetch"),
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("dunder_cached", n), &n, |b, &n| {
            b.iter(|| {
                black_box(
                    dunder::query!(Item.filter(id__lte = n).order_by(id))
                        .fetch_all(&mut cached)
                        .expect("fetch"),
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("dunder_plain_client", n), &n, |b, &n| {
            b.iter(|| {
                black_box(
                    dunder::query!(Item.filter(id__lte = n).order_by(id))
                        .fetch_all(&mut plain)
                        .expect("fetch"),
                )
            })
        });
        group.finish();
    }
    let _ = raw.batch_execute("DROP TABLE IF EXISTS bench_item");
}

criterion_group!(benches, fetch_pg);
criterion_main!(benches);

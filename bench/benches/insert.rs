//! diesel_bench's insert scenario: insert 1, 10, 25, 50 and 100 rows of
//! `users(name, hair_color NULL)` through `Model::bulk_create` and through a
//! hand-written multi-row `INSERT … RETURNING "id"` (statement text built
//! once per size, `prepare_cached`; rows built from the values sent and the
//! ids), in one run, on SQLite (in memory).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dunder_bench::{raw_insert, raw_sql, rows, User};

/// A fresh in-memory database with the table. Each side of each size gets
/// its own, so neither inserts into a table the other has grown.
fn database() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    dunder::create_table::<User, _>(&conn).expect("table");
    conn
}

fn insert(c: &mut Criterion) {
    for n in [1usize, 10, 25, 50, 100] {
        let data = rows(n);
        let sql = raw_sql(n);
        let mut group = c.benchmark_group(format!("insert_{n}"));
        group.throughput(Throughput::Elements(n as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(2));
        let conn = database();
        group.bench_with_input(BenchmarkId::new("rusqlite", n), &n, |b, _| {
            b.iter(|| black_box(raw_insert(&conn, &sql, black_box(&data))))
        });
        let conn = database();
        group.bench_with_input(BenchmarkId::new("dunder", n), &n, |b, _| {
            b.iter(|| black_box(User::bulk_create(&conn, black_box(&data)).expect("bulk")))
        });
        group.finish();
    }
}

criterion_group!(benches, insert);
criterion_main!(benches);

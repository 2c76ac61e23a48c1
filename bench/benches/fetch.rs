//! Fetch 1, 100 and 10,000 rows of a 3-column table: `query!` against
//! hand-written rusqlite (`prepare_cached`, get by index), in one run.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dunder_bench::{database, dunder_fetch, raw_fetch};

fn fetch(c: &mut Criterion) {
    let conn = database(10_000);
    for n in [1i64, 100, 10_000] {
        let mut group = c.benchmark_group(format!("fetch_{n}"));
        group.throughput(Throughput::Elements(n as u64));
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n == 10_000 { 6 } else { 3 }));
        group.bench_with_input(BenchmarkId::new("rusqlite", n), &n, |b, &n| {
            b.iter(|| black_box(raw_fetch(&conn, black_box(n))))
        });
        group.bench_with_input(BenchmarkId::new("dunder", n), &n, |b, &n| {
            b.iter(|| black_box(dunder_fetch(&conn, black_box(n))))
        });
        group.finish();
    }
}

criterion_group!(benches, fetch);
criterion_main!(benches);

//! diesel_bench's "medium complex query" (1, 10, 100, 1,000 users) and
//! "loading associations" (1, 10, 100 users) on SQLite (in memory):
//! `select_related` / `prefetch_related` against hand-written rusqlite
//! running the same SQL (`prepare_cached`, values by index, the same
//! structs), in one run. See `bench/README.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dunder_bench::relations::{
    database, dunder_loading, dunder_medium, raw_loading, raw_medium, Data, HAIR,
};

fn medium(c: &mut Criterion) {
    for users in [1usize, 10, 100, 1_000] {
        let conn = database(Data::medium(users));
        let rows = raw_medium(&conn, HAIR).len();
        assert_eq!(dunder_medium(&conn, HAIR).len(), rows);
        let mut group = c.benchmark_group(format!("medium_{users}"));
        group.throughput(Throughput::Elements(rows as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(2));
        group.bench_with_input(BenchmarkId::new("rusqlite", users), &users, |b, _| {
            b.iter(|| black_box(raw_medium(&conn, black_box(HAIR))))
        });
        group.bench_with_input(BenchmarkId::new("dunder", users), &users, |b, _| {
            b.iter(|| black_box(dunder_medium(&conn, black_box(HAIR))))
        });
        group.finish();
    }
}

fn loading(c: &mut Criterion) {
    for users in [1usize, 10, 100] {
        let conn = database(Data::loading(users));
        assert_eq!(dunder_loading(&conn).len(), raw_loading(&conn).len());
        let mut group = c.benchmark_group(format!("loading_{users}"));
        group.throughput(Throughput::Elements(users as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(if users == 100 { 4 } else { 2 }));
        if users == 100 {
            group.sample_size(40);
        }
        group.bench_with_input(BenchmarkId::new("rusqlite", users), &users, |b, _| {
            b.iter(|| black_box(raw_loading(&conn)))
        });
        group.bench_with_input(BenchmarkId::new("dunder", users), &users, |b, _| {
            b.iter(|| black_box(dunder_loading(&conn)))
        });
        group.finish();
    }
}

criterion_group!(benches, medium, loading);
criterion_main!(benches);

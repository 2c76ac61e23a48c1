//! diesel_bench's "medium complex query" (1, 10, 100, 1,000 users) and
//! "loading associations" (1, 10, 100 users) on PostgreSQL: hand-written
//! statements prepared once (values by index, the same structs) against
//! `select_related` / `prefetch_related` on `dunder::postgres::Client`
//! (statement cache) and on a plain `postgres::Client` (parsed each time),
//! all running the same SQL, in one run. See `bench/README.md`.
//! Needs the server of `DUNDER_POSTGRES_URL`; says so and does nothing without it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dunder_bench::relations::{deep_post, deep_user, dunder_loading, dunder_medium, Data, HAIR};
use dunder_bench::relations_pg::{fill, raw_loading, raw_medium, server, Hand};

fn relations_pg(c: &mut Criterion) {
    // A database of its own, created fresh and dropped at the end.
    let server = match server("dunder_bench_relations_pg") {
        Ok(server) => server,
        Err(e) => {
            eprintln!("relations_pg: {e}: skipped");
            return;
        }
    };
    let mut raw = server.connect();
    let hand = Hand::prepare(&mut raw);
    let mut cached = dunder::postgres::Client::new(server.connect());
    let mut plain = server.connect();

    for users in [1usize, 10, 100, 1_000] {
        fill(&mut raw, Data::medium(users));
        let expected: Vec<String> = raw_medium(&mut raw, &hand, HAIR)
            .iter()
            .map(deep_post)
            .collect();
        for got in [
            dunder_medium(&mut cached, HAIR),
            dunder_medium(&mut plain, HAIR),
        ] {
            assert_eq!(got.iter().map(deep_post).collect::<Vec<_>>(), expected);
        }
        let mut group = c.benchmark_group(format!("pg_medium_{users}"));
        group.throughput(Throughput::Elements(expected.len() as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(2));
        group.bench_with_input(BenchmarkId::new("postgres_hand", users), &users, |b, _| {
            b.iter(|| black_box(raw_medium(&mut raw, &hand, black_box(HAIR))))
        });
        group.bench_with_input(BenchmarkId::new("dunder_cached", users), &users, |b, _| {
            b.iter(|| black_box(dunder_medium(&mut cached, black_box(HAIR))))
        });
        group.bench_with_input(BenchmarkId::new("dunder_plain", users), &users, |b, _| {
            b.iter(|| black_box(dunder_medium(&mut plain, black_box(HAIR))))
        });
        group.finish();
    }

    for users in [1usize, 10, 100] {
        fill(&mut raw, Data::loading(users));
        let expected: Vec<String> = raw_loading(&mut raw, &hand).iter().map(deep_user).collect();
        for got in [dunder_loading(&mut cached), dunder_loading(&mut plain)] {
            assert_eq!(got.iter().map(deep_user).collect::<Vec<_>>(), expected);
        }
        let mut group = c.benchmark_group(format!("pg_loading_{users}"));
        group.throughput(Throughput::Elements(users as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(if users == 100 { 4 } else { 2 }));
        if users == 100 {
            group.sample_size(30);
        }
        group.bench_with_input(BenchmarkId::new("postgres_hand", users), &users, |b, _| {
            b.iter(|| black_box(raw_loading(&mut raw, &hand)))
        });
        group.bench_with_input(BenchmarkId::new("dunder_cached", users), &users, |b, _| {
            b.iter(|| black_box(dunder_loading(&mut cached)))
        });
        group.bench_with_input(BenchmarkId::new("dunder_plain", users), &users, |b, _| {
            b.iter(|| black_box(dunder_loading(&mut plain)))
        });
        group.finish();
    }
    drop((raw, cached, plain, server));
}

criterion_group!(benches, relations_pg);
criterion_main!(benches);

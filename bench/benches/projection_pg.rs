//! Projections and aggregates on PostgreSQL (10,000 articles by 100
//! authors), as `benches/projection.rs` on SQLite: hand-written statements
//! prepared once (values by index, structs of the same shape) against
//! `query!` on `dunder::postgres::Client` (statement cache) and on a plain
//! `postgres::Client` (parsed each time), all running the same SQL, in one
//! run. See `bench/README.md`.
//! Needs the server of `DUNDER_POSTGRES_URL`; says so and does nothing without it.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use dunder_bench::projection::{self as p, ARTICLES, AUTHORS};
use dunder_bench::projection_pg::{self as pg, check, server, Hand};

fn projection_pg(c: &mut Criterion) {
    // A database of its own, created fresh and dropped at the end.
    let server = match server("dunder_bench_projection_pg") {
        Ok(server) => server,
        Err(e) => {
            eprintln!("projection_pg: {e}: skipped");
            return;
        }
    };
    let mut raw = server.connect();
    let hand = Hand::prepare(&mut raw);
    let mut cached = dunder::postgres::Client::new(server.connect());
    let mut plain = server.connect();
    check(&mut raw, &hand, &mut cached);
    check(&mut raw, &hand, &mut plain);

    macro_rules! scenario {
        ($name:literal, $rows:expr, $raw:path, $dunder:path) => {{
            let mut group = group(c, $name, $rows);
            group.bench_function(BenchmarkId::new("postgres_hand", $rows), |b| {
                b.iter(|| {
                    black_box($raw(&mut raw, &hand));
                })
            });
            group.bench_function(BenchmarkId::new("dunder_cached", $rows), |b| {
                b.iter(|| {
                    black_box($dunder(&mut cached));
                })
            });
            group.bench_function(BenchmarkId::new("dunder_plain", $rows), |b| {
                b.iter(|| {
                    black_box($dunder(&mut plain));
                })
            });
            group.finish();
        }};
    }
    scenario!("values_10000", ARTICLES, pg::raw_values, p::dunder_values);
    scenario!(
        "values_list_flat_10000",
        ARTICLES,
        pg::raw_flat,
        p::dunder_flat
    );
    scenario!(
        "group_by_author_name",
        AUTHORS,
        pg::raw_group_name,
        p::dunder_group_name
    );
    scenario!(
        "group_by_author_id",
        AUTHORS,
        pg::raw_group_fk,
        p::dunder_group_fk
    );
    scenario!("aggregate", 1, pg::raw_aggregate, p::dunder_aggregate);
    drop((raw, cached, plain, server));
}
/// One criterion group per scenario (`pg_<name>`), its three sides side by side.
fn group<'a>(c: &'a mut Criterion, name: &str, rows: i64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(format!("pg_{name}"));
    group.throughput(Throughput::Elements(rows as u64));
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(if rows == ARTICLES { 30 } else { 60 });
    group
}

criterion_group!(benches, projection_pg);
criterion_main!(benches);

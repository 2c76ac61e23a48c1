//! Projections and aggregates on SQLite (in memory, 10,000 articles by 100
//! authors): `.values(…)` and `.values_list(…, flat = true)` of 10,000 rows,
//! `.values(…).annotate(Count, Avg)` grouped by a joined column and by the
//! key column (100 groups), and `.aggregate(Count, Avg)` (one row), through
//! `query!` against hand-written rusqlite running the same SQL
//! (`prepare_cached`, values by index, structs of the same shape), in one
//! run. See `bench/README.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use dunder_bench::projection::{self as p, database, debug_rows, ARTICLES, AUTHORS};

fn projection(c: &mut Criterion) {
    let conn = database();
    // Both sides build the same rows (by their `Debug` text).
    assert_eq!(
        debug_rows(&p::dunder_values(&conn)),
        debug_rows(&p::raw_values(&conn))
    );
    assert_eq!(p::dunder_flat(&conn), p::raw_flat(&conn));
    assert_eq!(
        debug_rows(&p::dunder_group_name(&conn)),
        debug_rows(&p::raw_group_name(&conn))
    );
    assert_eq!(
        debug_rows(&p::dunder_group_fk(&conn)),
        debug_rows(&p::raw_group_fk(&conn))
    );
    assert_eq!(
        format!("{:?}", p::dunder_aggregate(&conn)),
        format!("{:?}", p::raw_aggregate(&conn))
    );

    macro_rules! scenario {
        ($name:literal, $rows:expr, $raw:path, $dunder:path) => {{
            let mut group = group(c, $name, $rows);
            group.bench_function(BenchmarkId::new("rusqlite", $rows), |b| {
                b.iter(|| black_box($raw(&conn)))
            });
            group.bench_function(BenchmarkId::new("dunder", $rows), |b| {
                b.iter(|| black_box($dunder(&conn)))
            });
            group.finish();
        }};
    }
    scenario!("values_10000", ARTICLES, p::raw_values, p::dunder_values);
    scenario!(
        "values_list_flat_10000",
        ARTICLES,
        p::raw_flat,
        p::dunder_flat
    );
    scenario!(
        "group_by_author_name",
        AUTHORS,
        p::raw_group_name,
        p::dunder_group_name
    );
    scenario!(
        "group_by_author_id",
        AUTHORS,
        p::raw_group_fk,
        p::dunder_group_fk
    );
    scenario!("aggregate", 1, p::raw_aggregate, p::dunder_aggregate);
}
/// One criterion group per scenario, its two sides side by side.
fn group<'a>(c: &'a mut Criterion, name: &str, rows: i64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(rows as u64));
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group
}

criterion_group!(benches, projection);
criterion_main!(benches);

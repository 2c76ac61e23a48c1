//! diesel_bench's insert scenario: insert 1, 10, 25, 50 and 100 rows of
//! `users(name, hair_color NULL)` through `Model::bulk_create` and through a
//! hand-written multi-row `INSERT … RETURNING` (statement text built once per
//! size, `prepare_cached`), in one run, on SQLite (in memory).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dunder_bench::{NewUser, User};

fn rows(n: usize) -> Vec<NewUser> {
    (0..n)
        .map(|i| NewUser {
            name: format!("User {i}"),
            hair_color: (i % 2 == 0).then(|| "black".to_owned()),
        })
        .collect()
}

fn raw_sql(n: usize) -> String {
    let values: Vec<String> = (0..n)
        .map(|i| format!("(?{}, ?{})", 2 * i + 1, 2 * i + 2))
        .collect();
    format!(
        "INSERT INTO \"users\" (\"name\", \"hair_color\") VALUES {} RETURNING \"id\", \"name\", \"hair_color\"",
        values.join(", ")
    )
}

fn raw_insert(conn: &rusqlite::Connection, sql: &str, rows: &[NewUser]) -> Vec<User> {
    let mut stmt = conn.prepare_cached(sql).expect("prepare");
    let params: Vec<&dyn rusqlite::ToSql> = rows
        .iter()
        .flat_map(|r| {
            [
                &r.name as &dyn rusqlite::ToSql,
                &r.hair_color as &dyn rusqlite::ToSql,
            ]
        })
        .collect();
    let out = stmt
        .query_map(params.as_slice(), |r| {
            Ok(User {
                id: r.get(0)?,
                name: r.get(1)?,
                hair_color: r.get(2)?,
            })
        })
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    out
}

fn insert(c: &mut Criterion) {
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    dunder::create_table::<User, _>(&conn).expect("table");
    for n in [1usize, 10, 25, 50, 100] {
        let data = rows(n);
        let sql = raw_sql(n);
        let mut group = c.benchmark_group(format!("insert_{n}"));
        group.throughput(Throughput::Elements(n as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(2));
        group.bench_with_input(BenchmarkId::new("rusqlite", n), &n, |b, _| {
            b.iter(|| black_box(raw_insert(&conn, &sql, black_box(&data))))
        });
        group.bench_with_input(BenchmarkId::new("dunder", n), &n, |b, _| {
            b.iter(|| black_box(User::bulk_create(&conn, black_box(&data)).expect("bulk")))
        });
        group.finish();
    }
}

criterion_group!(benches, insert);
criterion_main!(benches);

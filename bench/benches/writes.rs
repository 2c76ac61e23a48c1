//! The write scenarios of `dunder_bench::writes` on SQLite (in memory):
//! dunder against rusqlite doing the same work, one criterion group per
//! scenario and size (`writes_<scenario>_<n>`), sides `rusqlite` and
//! `dunder`. Each side of each group gets a database of its own.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use dunder_bench::writes::{self, colour, insert_sql, sqlite, user, Scenario, TABLE_ROWS};
use dunder_bench::{rows, User};

fn writes(c: &mut Criterion) {
    for sc in Scenario::ALL {
        let sizes: &[usize] = if matches!(sc, Scenario::BulkInsert | Scenario::BulkCreate) {
            &[1, 10, 100]
        } else {
            &[1]
        };
        for &n in sizes {
            let data = rows(n);
            let mut group = c.benchmark_group(format!("writes_{}_{n}", sc.name()));
            group.warm_up_time(Duration::from_millis(300));
            group.measurement_time(Duration::from_secs(2));
            for side in ["rusqlite", "dunder"] {
                let raw = side == "rusqlite";
                let conn = sqlite::database(if sc.inserts() { 0 } else { TABLE_ROWS });
                let (plain, ret) = (insert_sql(n, false, false), insert_sql(n, false, true));
                let mut users: Vec<User> = (1..=100).map(user).collect();
                let mut i = 0usize;
                group.bench_with_input(BenchmarkId::new(side, n), &n, |b, _| match sc {
                    Scenario::BulkInsert => b.iter(|| {
                        if raw {
                            sqlite::bulk_insert(&conn, &plain, black_box(&data))
                        } else {
                            User::bulk_insert(&conn, black_box(&data)).expect("bulk") as usize
                        }
                    }),
                    Scenario::BulkCreate => b.iter(|| {
                        if raw {
                            black_box(sqlite::bulk_create(&conn, &ret, black_box(&data)))
                        } else {
                            black_box(User::bulk_create(&conn, black_box(&data)).expect("bulk"))
                        }
                    }),
                    Scenario::Create => b.iter(|| {
                        i += 1;
                        if raw {
                            black_box(sqlite::create(&conn, &data[0].name, colour(i)))
                        } else {
                            black_box(
                                writes::create_query(&data[0].name, colour(i))
                                    .run(&conn)
                                    .expect("create"),
                            )
                        }
                    }),
                    Scenario::Update => b.iter(|| {
                        i += 1;
                        let k = (i % 100) as i64 + 1;
                        if raw {
                            sqlite::update(&conn, k, colour(i))
                        } else {
                            writes::update_query(k, colour(i))
                                .run(&conn)
                                .expect("update") as usize
                        }
                    }),
                    Scenario::Save => b.iter(|| {
                        i += 1;
                        let u = &mut users[i % 100];
                        u.hair_color = colour(i).map(str::to_owned);
                        if raw {
                            sqlite::save(&conn, u)
                        } else {
                            u.save(&conn).expect("save");
                            1
                        }
                    }),
                    // A row to delete is made before each call, untimed.
                    Scenario::Delete => b.iter_batched(
                        || {
                            conn.query_row(
                                "INSERT INTO users (name) VALUES ('gone') RETURNING id",
                                [],
                                |r| r.get::<_, i64>(0),
                            )
                            .expect("row")
                        },
                        |k| {
                            if raw {
                                sqlite::delete(&conn, k)
                            } else {
                                writes::delete_query(k).run(&conn).expect("delete") as usize
                            }
                        },
                        BatchSize::SmallInput,
                    ),
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, writes);
criterion_main!(benches);

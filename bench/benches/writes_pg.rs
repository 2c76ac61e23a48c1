//! The write scenarios of `dunder_bench::writes` on PostgreSQL: dunder on
//! `dunder::postgres::Connection` (`dunder_own`, its own protocol client), on
//! `dunder::postgres::Client` (`dunder_cached`) and on a plain
//! `postgres::Client` (`dunder_plain`) against the postgres crate with every
//! statement prepared once (`postgres_hand`), one criterion group per
//! scenario and size (`writes_pg_<scenario>_<n>`). Needs the server of
//! `DUNDER_POSTGRES_URL`; creates the database `dunder_bench_writes_pg`
//! (`synchronous_commit = off`) and drops it at the end; says so and
//! measures nothing without a server.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use dunder_bench::writes::{self, colour, insert_sql, pg, user, Scenario, TABLE_ROWS};
use dunder_bench::{rows, NewUser, User};

const DB: &str = "dunder_bench_writes_pg";

fn base() -> Option<postgres::Config> {
    let url = std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    url.parse().ok()
}

fn connect(base: &postgres::Config) -> postgres::Client {
    let mut c = base.clone();
    c.dbname(DB);
    c.connect(postgres::NoTls).expect("connect")
}

/// One call of dunder on either client.
fn dunder_call<C>(c: &mut C, sc: Scenario, data: &[NewUser], users: &mut [User], i: usize) -> usize
where
    for<'c> &'c mut C: dunder::Executor,
{
    match sc {
        Scenario::BulkInsert => User::bulk_insert(&mut *c, data).expect("bulk") as usize,
        Scenario::BulkCreate => black_box(User::bulk_create(&mut *c, data).expect("bulk")).len(),
        Scenario::Create => {
            black_box(
                writes::create_query(&data[0].name, colour(i))
                    .run(&mut *c)
                    .expect("create"),
            )
            .id as usize
        }
        Scenario::Update => writes::update_query((i % 100) as i64 + 1, colour(i))
            .run(&mut *c)
            .expect("update") as usize,
        Scenario::Save => {
            let u = &mut users[i % 100];
            u.hair_color = colour(i).map(str::to_owned);
            u.save(&mut *c).expect("save");
            1
        }
        Scenario::Delete => writes::delete_query(i as i64).run(&mut *c).expect("delete") as usize,
    }
}

fn writes_pg(c: &mut Criterion) {
    let Some(base) = base() else {
        eprintln!("writes_pg: DUNDER_POSTGRES_URL is not valid: skipped");
        return;
    };
    let Ok(mut admin) = base.connect(postgres::NoTls) else {
        eprintln!("writes_pg: PostgreSQL unreachable: skipped");
        return;
    };
    for sql in [
        format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        format!("CREATE DATABASE {DB}"),
        format!("ALTER DATABASE {DB} SET synchronous_commit = off"),
    ] {
        admin.batch_execute(&sql).expect("database");
    }
    let mut setup = connect(&base);
    dunder::create_table::<User, _>(&mut setup).expect("table");
    let mut raw = connect(&base);
    let mut cached = dunder::postgres::Client::new(connect(&base));
    let mut plain = connect(&base);
    let mut own = {
        let mut url = std::env::var("DUNDER_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        if let Some(i) = url.rfind('/') {
            url.truncate(i + 1);
        }
        url.push_str(DB);
        dunder::postgres::Connection::connect(&url).expect("connect")
    };
    let prepared = pg::Prepared::new(&mut raw);

    for sc in Scenario::ALL {
        let sizes: &[usize] = if matches!(sc, Scenario::BulkInsert | Scenario::BulkCreate) {
            &[1, 10, 100]
        } else {
            &[1]
        };
        for &n in sizes {
            let data = rows(n);
            let stmt_plain = raw.prepare(&insert_sql(n, true, false)).expect("prepare");
            let stmt_ret = raw.prepare(&insert_sql(n, true, true)).expect("prepare");
            let mut group = c.benchmark_group(format!("writes_pg_{}_{n}", sc.name()));
            group.warm_up_time(Duration::from_millis(300));
            group.measurement_time(Duration::from_secs(2));
            for side in [
                "postgres_hand",
                "dunder_own",
                "dunder_cached",
                "dunder_plain",
            ] {
                // Every side starts on the same table.
                if sc.inserts() {
                    setup
                        .batch_execute("TRUNCATE users RESTART IDENTITY")
                        .expect("truncate");
                } else {
                    pg::fill(&mut setup, TABLE_ROWS);
                }
                let mut users: Vec<User> = (1..=100).map(user).collect();
                let mut i = 0usize;
                let mut new_row = || {
                    setup
                        .query_one("INSERT INTO users (name) VALUES ('gone') RETURNING id", &[])
                        .expect("row")
                        .get::<_, i64>(0) as usize
                };
                group.bench_with_input(BenchmarkId::new(side, n), &n, |b, _| {
                    let mut call = |i: usize| -> usize {
                        match side {
                            "postgres_hand" => match sc {
                                Scenario::BulkInsert => {
                                    pg::bulk_insert(&mut raw, &stmt_plain, &data) as usize
                                }
                                Scenario::BulkCreate => {
                                    black_box(pg::bulk_create(&mut raw, &stmt_ret, &data)).len()
                                }
                                Scenario::Create => {
                                    black_box(pg::create(
                                        &mut raw,
                                        &prepared,
                                        &data[0].name,
                                        colour(i),
                                    ))
                                    .id as usize
                                }
                                Scenario::Update => {
                                    pg::update(&mut raw, &prepared, (i % 100) as i64 + 1, colour(i))
                                        as usize
                                }
                                Scenario::Save => {
                                    let u = &mut users[i % 100];
                                    u.hair_color = colour(i).map(str::to_owned);
                                    pg::save(&mut raw, &prepared, u) as usize
                                }
                                Scenario::Delete => {
                                    pg::delete(&mut raw, &prepared, i as i64) as usize
                                }
                            },
                            "dunder_own" => dunder_call(&mut own, sc, &data, &mut users, i),
                            "dunder_cached" => dunder_call(&mut cached, sc, &data, &mut users, i),
                            _ => dunder_call(&mut plain, sc, &data, &mut users, i),
                        }
                    };
                    if sc == Scenario::Delete {
                        // A row to delete is made before each call, untimed.
                        b.iter_batched(&mut new_row, &mut call, BatchSize::SmallInput)
                    } else {
                        b.iter(|| {
                            i += 1;
                            call(i)
                        })
                    }
                });
            }
            group.finish();
        }
    }
    drop((raw, own, cached, plain, setup));
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"));
}

criterion_group!(benches, writes_pg);
criterion_main!(benches);

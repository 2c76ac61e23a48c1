//! sqlx: `query_as::<_, User>` with `#[derive(FromRow)]` (statements are
//! cached per connection by sqlx), each call driven by `block_on` on a
//! current-thread tokio runtime; the insert is `QueryBuilder::push_values`
//! (one multi-row statement). Compiles against sqlx 0.8 and 0.9.

use std::hint::black_box;

use sqlx::Connection as _;

use crate::harness::{Common, Peer, Scenario, Setup, LOOKUP_NAME, UPDATE_HAIR, UPDATE_ID};

#[derive(Debug, sqlx::FromRow)]
pub struct SUser {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

fn common(v: Vec<SUser>) -> Vec<Common> {
    v.into_iter().map(|u| (i64::from(u.id), u.name, u.hair_color)).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

macro_rules! sqlx_peer {
    ($name:ident, $db:ty, $conn:ty, $by_name:literal, $update:literal, $delete:literal) => {
        pub struct $name {
            rt: tokio::runtime::Runtime,
            conn: $conn,
            rows: Vec<(String, Option<String>)>,
        }

        impl $name {
            fn select(&mut self, sc: Scenario) -> Vec<SUser> {
                let conn = &mut self.conn;
                self.rt
                    .block_on(async {
                        match sc {
                            Scenario::All | Scenario::Insert => {
                                sqlx::query_as::<_, SUser>("SELECT id, name, hair_color FROM users")
                                    .fetch_all(&mut *conn)
                                    .await
                            }
                            Scenario::ByName | Scenario::Update | Scenario::Delete => {
                                sqlx::query_as::<_, SUser>($by_name)
                                    .bind(black_box(LOOKUP_NAME))
                                    .fetch_all(&mut *conn)
                                    .await
                            }
                            Scenario::Null => {
                                sqlx::query_as::<_, SUser>(
                                    "SELECT id, name, hair_color FROM users WHERE hair_color IS NULL",
                                )
                                .fetch_all(&mut *conn)
                                .await
                            }
                        }
                    })
                    .expect("query")
            }

            fn insert(&mut self) -> usize {
                let conn = &mut self.conn;
                let rows = &self.rows;
                self.rt.block_on(async {
                    let mut qb =
                        sqlx::QueryBuilder::<$db>::new("INSERT INTO users (name, hair_color) ");
                    qb.push_values(rows.iter(), |mut b, r| {
                        b.push_bind(&r.0).push_bind(&r.1);
                    });
                    let done = qb.build().execute(&mut *conn).await.expect("insert");
                    done.rows_affected() as usize
                })
            }
        }

        impl Peer for $name {
            fn run(&mut self, sc: Scenario) -> usize {
                match sc {
                    Scenario::Insert => return self.insert(),
                    Scenario::Update | Scenario::Delete => {
                        let conn = &mut self.conn;
                        return self.rt.block_on(async {
                            let done = if sc == Scenario::Update {
                                sqlx::query($update)
                                    .bind(UPDATE_HAIR)
                                    .bind(UPDATE_ID)
                                    .execute(&mut *conn)
                                    .await
                            } else {
                                sqlx::query($delete)
                                    .bind(crate::harness::next_id())
                                    .execute(&mut *conn)
                                    .await
                            };
                            done.expect("write").rows_affected() as usize
                        });
                    }
                    _ => {}
                }
                let v = self.select(sc);
                let n = v.len();
                black_box(v);
                n
            }

            fn fetch(&mut self, sc: Scenario) -> Vec<Common> {
                common(self.select(sc))
            }

            fn clear(&mut self) {
                let conn = &mut self.conn;
                let pg = !std::any::type_name::<$db>().contains("Sqlite");
                // sqlx 0.9 takes `&'static str` SQL: leaked (a few distinct texts a process).
                let sql: &'static str = Box::leak(crate::harness::clear_sql(pg).into_boxed_str());
                self.rt
                    .block_on(async { sqlx::raw_sql(sql).execute(&mut *conn).await })
                    .expect("clear");
            }
        }
    };
}

sqlx_peer!(
    SqlxSqlite,
    sqlx::Sqlite,
    sqlx::SqliteConnection,
    "SELECT id, name, hair_color FROM users WHERE name = ?1",
    "UPDATE users SET hair_color = ?1 WHERE id = ?2",
    "DELETE FROM users WHERE id = ?1"
);
sqlx_peer!(
    SqlxPg,
    sqlx::Postgres,
    sqlx::PgConnection,
    "SELECT id, name, hair_color FROM users WHERE name = $1",
    "UPDATE users SET hair_color = $1 WHERE id = $2",
    "DELETE FROM users WHERE id = $1"
);

impl SqlxSqlite {
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        let rt = runtime();
        // sqlx 0.9 takes only `&'static str` (or `AssertSqlSafe`) as SQL; leak the
        // setup scripts (a few per process) so the same code builds with 0.8.
        let init: &'static str = Box::leak(s.sqlite_init_sql().into_boxed_str());
        let conn = rt.block_on(async {
            let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.expect("open");
            sqlx::raw_sql(init).execute(&mut conn).await.expect("init");
            conn
        });
        Box::new(SqlxSqlite { rt, conn, rows: s.new_rows() })
    }
}

impl SqlxPg {
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        let rt = runtime();
        let session: &'static str = Box::leak(s.pg_session_sql().into_boxed_str());
        let truncate = s.scenario == Scenario::Insert;
        let conn = rt.block_on(async {
            let mut conn = sqlx::PgConnection::connect(&s.pg_url).await.expect("connect");
            sqlx::raw_sql(session).execute(&mut conn).await.expect("search_path");
            if truncate {
                sqlx::raw_sql("TRUNCATE users").execute(&mut conn).await.expect("truncate");
            }
            conn
        });
        Box::new(SqlxPg { rt, conn, rows: s.new_rows() })
    }
}

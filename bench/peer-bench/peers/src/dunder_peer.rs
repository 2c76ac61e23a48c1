//! dunder: `query!` on `&rusqlite::Connection` (statements cached by
//! rusqlite), on `dunder::postgres::Connection` (`dunder_own`: dunder's own
//! protocol client, what `Db` opens; statement cache), on
//! `dunder::postgres::Client` (the postgres crate with dunder's statement
//! cache) and on a plain `postgres::Client` (one round trip per query,
//! prepared nowhere);
//! the insert is `User::bulk_create`, which returns the rows it sent with
//! their keys (`RETURNING "id"`; PostgreSQL: `INSERT … SELECT * FROM
//! UNNEST(…) RETURNING "id"`), or `User::bulk_insert` (the `*_bulk_insert`
//! peers), which reads nothing back.

use std::hint::black_box;

use dunder::query;

use crate::harness::{Common, Peer, Scenario, Setup, LOOKUP_NAME, UPDATE_HAIR, UPDATE_ID};

#[derive(dunder::Model, Debug)]
#[dunder(table = "users")]
pub struct User {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

fn common(v: Vec<User>) -> Vec<Common> {
    v.into_iter().map(|u| (i64::from(u.id), u.name, u.hair_color)).collect()
}

fn new_rows(s: &Setup) -> Vec<NewUser> {
    s.new_rows()
        .into_iter()
        .map(|(name, hair_color)| NewUser { name, hair_color })
        .collect()
}

/// The same body for every executor type.
macro_rules! dunder_ops {
    ($ty:ident, $pg:literal) => {
        impl $ty {
            fn select(&mut self, sc: Scenario) -> Vec<User> {
                let exec = self.exec();
                match sc {
                    Scenario::All | Scenario::Insert => query!(User).fetch_all(exec),
                    Scenario::ByName | Scenario::Update | Scenario::Delete => {
                        let name: &str = black_box(LOOKUP_NAME);
                        query!(User, name = name).fetch_all(exec)
                    }
                    Scenario::Null => query!(User, hair_color__isnull = true).fetch_all(exec),
                }
                .expect("query")
            }
        }

        impl Peer for $ty {
            fn run(&mut self, sc: Scenario) -> usize {
                match sc {
                    Scenario::Update => {
                        let hair = Some(UPDATE_HAIR);
                        return query!(User.filter(id = UPDATE_ID).update(hair_color = hair))
                            .run(self.exec())
                            .expect("update") as usize;
                    }
                    Scenario::Delete => {
                        let id = crate::harness::next_id();
                        return query!(User.filter(id = id).delete())
                            .run(self.exec())
                            .expect("delete") as usize;
                    }
                    _ => {}
                }
                if sc == Scenario::Insert && self.bulk_insert {
                    let rows = std::mem::take(&mut self.rows);
                    let n = User::bulk_insert(self.exec(), &rows).expect("bulk_insert");
                    self.rows = rows;
                    return n as usize;
                }
                let v = if sc == Scenario::Insert {
                    let rows = std::mem::take(&mut self.rows);
                    let out = User::bulk_create(self.exec(), &rows).expect("bulk_create");
                    self.rows = rows;
                    out
                } else {
                    self.select(sc)
                };
                let n = v.len();
                black_box(v);
                n
            }

            fn fetch(&mut self, sc: Scenario) -> Vec<Common> {
                common(self.select(sc))
            }

            fn clear(&mut self) {
                self.batch(&crate::harness::clear_sql($pg));
            }
        }
    };
}

pub struct DunderSqlite {
    conn: rusqlite::Connection,
    rows: Vec<NewUser>,
    bulk_insert: bool,
}

/// `PERF_SHOW_SQL=1`: prints the SQL dunder renders for the three selects.
fn show_sql() {
    if std::env::var_os("PERF_SHOW_SQL").is_some() {
        let name = LOOKUP_NAME;
        for d in [dunder::Dialect::Sqlite, dunder::Dialect::Postgres] {
            eprintln!("dunder {d:?}: {}", query!(User).sql(d));
            eprintln!("dunder {d:?}: {}", query!(User, name = name).sql(d));
            eprintln!("dunder {d:?}: {}", query!(User, hair_color__isnull = true).sql(d));
        }
    }
}

impl DunderSqlite {
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, false)
    }
    pub fn boxed_bulk_insert(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, true)
    }
    fn open(s: &Setup, bulk_insert: bool) -> Box<dyn Peer> {
        show_sql();
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute_batch(&s.sqlite_init_sql()).expect("init");
        Box::new(DunderSqlite { conn, rows: new_rows(s), bulk_insert })
    }
    fn batch(&mut self, sql: &str) {
        self.conn.execute_batch(sql).expect("batch");
    }
    fn exec(&mut self) -> &rusqlite::Connection {
        &self.conn
    }
}
dunder_ops!(DunderSqlite, false);

pub struct DunderPgCached {
    client: dunder::postgres::Client,
    rows: Vec<NewUser>,
    bulk_insert: bool,
}

impl DunderPgCached {
    fn exec(&mut self) -> &mut dunder::postgres::Client {
        &mut self.client
    }
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, false)
    }
    pub fn boxed_bulk_insert(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, true)
    }
    fn open(s: &Setup, bulk_insert: bool) -> Box<dyn Peer> {
        let client = dunder::postgres::Client::new(crate::postgres_peer::connect(s));
        let mut p = DunderPgCached { client, rows: new_rows(s), bulk_insert };
        if s.scenario == Scenario::Insert {
            p.batch("TRUNCATE users");
        }
        Box::new(p)
    }
    fn batch(&mut self, sql: &str) {
        self.client.batch_execute(sql).expect("batch");
    }
}
dunder_ops!(DunderPgCached, true);

pub struct DunderPgPlain {
    client: postgres::Client,
    rows: Vec<NewUser>,
    bulk_insert: bool,
}

impl DunderPgPlain {
    fn exec(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, false)
    }
    pub fn boxed_bulk_insert(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, true)
    }
    fn open(s: &Setup, bulk_insert: bool) -> Box<dyn Peer> {
        let client = crate::postgres_peer::connect(s);
        let mut p = DunderPgPlain { client, rows: new_rows(s), bulk_insert };
        if s.scenario == Scenario::Insert {
            p.batch("TRUNCATE users");
        }
        Box::new(p)
    }
    fn batch(&mut self, sql: &str) {
        self.client.batch_execute(sql).expect("batch");
    }
}
dunder_ops!(DunderPgPlain, true);

pub struct DunderPgOwn {
    conn: dunder::postgres::Connection,
    rows: Vec<NewUser>,
    bulk_insert: bool,
}

impl DunderPgOwn {
    fn exec(&mut self) -> &mut dunder::postgres::Connection {
        &mut self.conn
    }
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, false)
    }
    pub fn boxed_bulk_insert(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, true)
    }
    fn open(s: &Setup, bulk_insert: bool) -> Box<dyn Peer> {
        let conn = dunder::postgres::Connection::connect(&s.pg_url).expect("connect");
        let mut p = DunderPgOwn { conn, rows: new_rows(s), bulk_insert };
        p.batch(&s.pg_session_sql());
        if s.scenario == Scenario::Insert {
            p.batch("TRUNCATE users");
        }
        Box::new(p)
    }
    fn batch(&mut self, sql: &str) {
        self.conn.batch_execute(sql).expect("batch");
    }
}
dunder_ops!(DunderPgOwn, true);

//! The SQLite baseline: hand-written rusqlite, `prepare_cached`, values by
//! index. The insert is one multi-row `INSERT … VALUES (?, ?), …` whose text
//! is built once per size (diesel_bench's rusqlite insert); the
//! `rusqlite_returning` variant adds `RETURNING id, name, hair_color` and
//! decodes the rows (what dunder's `bulk_create` does).
//! Compiles against rusqlite 0.32, 0.37 and 0.38.

#![allow(dead_code)]

use std::hint::black_box;

use crate::harness::{Common, Peer, Scenario, Setup, LOOKUP_NAME, UPDATE_HAIR, UPDATE_ID};

#[derive(Debug)]
pub struct RUser {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

fn map(r: &rusqlite::Row<'_>) -> rusqlite::Result<RUser> {
    Ok(RUser { id: r.get(0)?, name: r.get(1)?, hair_color: r.get(2)? })
}

fn common(v: Vec<RUser>) -> Vec<Common> {
    v.into_iter().map(|u| (i64::from(u.id), u.name, u.hair_color)).collect()
}

pub struct Rusqlite {
    conn: rusqlite::Connection,
    rows: Vec<(String, Option<String>)>,
    insert_sql: String,
    returning: bool,
}

const ALL: &str = "SELECT id, name, hair_color FROM users";
const BY_NAME: &str = "SELECT id, name, hair_color FROM users WHERE name = ?1";
const NULL: &str = "SELECT id, name, hair_color FROM users WHERE hair_color IS NULL";

/// The multi-row INSERT of `n` rows.
pub fn insert_sql(n: usize, returning: bool) -> String {
    let mut s = String::from("INSERT INTO users (name, hair_color) VALUES ");
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str("(?, ?)");
    }
    if returning {
        s.push_str(" RETURNING id, name, hair_color");
    }
    s
}

impl Rusqlite {
    fn open(s: &Setup, returning: bool) -> Rusqlite {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute_batch(&s.sqlite_init_sql()).expect("init");
        let rows = s.new_rows();
        Rusqlite { conn, insert_sql: insert_sql(rows.len(), returning), rows, returning }
    }

    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        Box::new(Rusqlite::open(s, false))
    }

    pub fn boxed_returning(s: &Setup) -> Box<dyn Peer> {
        Box::new(Rusqlite::open(s, true))
    }

    fn select(&self, sc: Scenario) -> Vec<RUser> {
        match sc {
            Scenario::All | Scenario::Insert => {
                let mut st = self.conn.prepare_cached(ALL).expect("prepare");
                let rows = st.query_map([], map).expect("query");
                rows.collect::<Result<Vec<_>, _>>().expect("rows")
            }
            Scenario::ByName | Scenario::Update | Scenario::Delete => {
                let mut st = self.conn.prepare_cached(BY_NAME).expect("prepare");
                let rows = st.query_map([black_box(LOOKUP_NAME)], map).expect("query");
                rows.collect::<Result<Vec<_>, _>>().expect("rows")
            }
            Scenario::Null => {
                let mut st = self.conn.prepare_cached(NULL).expect("prepare");
                let rows = st.query_map([], map).expect("query");
                rows.collect::<Result<Vec<_>, _>>().expect("rows")
            }
        }
    }

    fn insert(&self) -> usize {
        let mut st = self.conn.prepare_cached(&self.insert_sql).expect("prepare");
        let params: Vec<&dyn rusqlite::ToSql> = self
            .rows
            .iter()
            .flat_map(|(n, h)| [n as &dyn rusqlite::ToSql, h as &dyn rusqlite::ToSql])
            .collect();
        if self.returning {
            let out = st
                .query_map(params.as_slice(), map)
                .expect("insert")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows");
            let n = out.len();
            black_box(out);
            n
        } else {
            st.execute(params.as_slice()).expect("insert")
        }
    }
}

impl Peer for Rusqlite {
    fn run(&mut self, sc: Scenario) -> usize {
        match sc {
            Scenario::Insert => return self.insert(),
            Scenario::Update => {
                let mut st = self
                    .conn
                    .prepare_cached("UPDATE users SET hair_color = ?1 WHERE id = ?2")
                    .expect("prepare");
                return st.execute(rusqlite::params![UPDATE_HAIR, UPDATE_ID]).expect("update");
            }
            Scenario::Delete => {
                let mut st = self.conn.prepare_cached("DELETE FROM users WHERE id = ?1").expect("prepare");
                return st.execute([crate::harness::next_id()]).expect("delete");
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
        self.conn.execute_batch(&crate::harness::clear_sql(false)).expect("clear");
    }
}

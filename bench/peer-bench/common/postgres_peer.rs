//! The PostgreSQL baseline: the `postgres` crate with every statement
//! prepared once per connection, values by index. The insert is one
//! multi-row `INSERT … VALUES ($1, $2), …` prepared once per size;
//! `postgres_returning` adds `RETURNING id, name, hair_color`.
//! Also the bench database's setup and teardown.

#![allow(dead_code)]

use std::hint::black_box;

use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};

use crate::harness::{pg_setup_sql, Common, Peer, Scenario, Setup, LOOKUP_NAME, PG_DB, UPDATE_HAIR, UPDATE_ID};

#[derive(Debug)]
pub struct PUser {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

fn map(r: &postgres::Row) -> PUser {
    PUser { id: r.get(0), name: r.get(1), hair_color: r.get(2) }
}

/// Connects to the bench database and selects the case's schema.
pub fn connect(s: &Setup) -> Client {
    let mut c = Client::connect(&s.pg_url, NoTls).expect("connect");
    c.batch_execute(&s.pg_session_sql()).expect("search_path");
    c
}

/// Creates the bench database and its tables (dropping an old one).
pub fn pg_setup(admin_url: &str, bench_url: &str) {
    let mut admin = Client::connect(admin_url, NoTls).expect("connect to the server");
    // one statement per call: DROP/CREATE DATABASE refuse the implicit
    // transaction of a multi-statement query
    for sql in [
        format!("DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"),
        format!("CREATE DATABASE {PG_DB}"),
        // the inserts commit one by one; without this the WAL flush of every
        // commit (shared disk) would dominate their wall-clock time
        format!("ALTER DATABASE {PG_DB} SET synchronous_commit = off"),
    ] {
        admin.batch_execute(&sql).expect("create the bench database");
    }
    let mut c = Client::connect(bench_url, NoTls).expect("connect to the bench database");
    c.batch_execute(&pg_setup_sql()).expect("tables");
    eprintln!("pg-setup: database {PG_DB} ready");
}

pub fn pg_teardown(admin_url: &str) {
    let mut admin = Client::connect(admin_url, NoTls).expect("connect to the server");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
        .expect("drop the bench database");
    eprintln!("pg-teardown: database {PG_DB} dropped");
}

pub struct Postgres {
    client: Client,
    all: Statement,
    by_name: Statement,
    null: Statement,
    update: Statement,
    delete: Statement,
    insert: Option<Statement>,
    rows: Vec<(String, Option<String>)>,
    returning: bool,
}

/// The multi-row INSERT of `n` rows with `$n` placeholders.
pub fn insert_sql(n: usize, returning: bool) -> String {
    let mut s = String::from("INSERT INTO users (name, hair_color) VALUES ");
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
    }
    if returning {
        s.push_str(" RETURNING id, name, hair_color");
    }
    s
}

impl Postgres {
    fn open(s: &Setup, returning: bool) -> Postgres {
        let mut client = connect(s);
        let all = client.prepare("SELECT id, name, hair_color FROM users").expect("prepare");
        let by_name = client
            .prepare("SELECT id, name, hair_color FROM users WHERE name = $1")
            .expect("prepare");
        let null = client
            .prepare("SELECT id, name, hair_color FROM users WHERE hair_color IS NULL")
            .expect("prepare");
        let update = client.prepare("UPDATE users SET hair_color = $1 WHERE id = $2").expect("prepare");
        let delete = client.prepare("DELETE FROM users WHERE id = $1").expect("prepare");
        let rows = s.new_rows();
        let insert = if rows.is_empty() {
            None
        } else {
            Some(client.prepare(&insert_sql(rows.len(), returning)).expect("prepare"))
        };
        if s.scenario == Scenario::Insert {
            client.batch_execute("TRUNCATE users").expect("truncate");
        }
        Postgres { client, all, by_name, null, update, delete, insert, rows, returning }
    }

    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        Box::new(Postgres::open(s, false))
    }

    pub fn boxed_returning(s: &Setup) -> Box<dyn Peer> {
        Box::new(Postgres::open(s, true))
    }

    fn select(&mut self, sc: Scenario) -> Vec<PUser> {
        let rows = match sc {
            Scenario::All | Scenario::Insert => self.client.query(&self.all, &[]),
            Scenario::ByName | Scenario::Update | Scenario::Delete => {
                self.client.query(&self.by_name, &[&black_box(LOOKUP_NAME)])
            }
            Scenario::Null => self.client.query(&self.null, &[]),
        }
        .expect("query");
        rows.iter().map(map).collect()
    }

    fn insert(&mut self) -> usize {
        let st = self.insert.as_ref().expect("insert statement");
        let params: Vec<&(dyn ToSql + Sync)> = self
            .rows
            .iter()
            .flat_map(|(n, h)| [n as &(dyn ToSql + Sync), h as &(dyn ToSql + Sync)])
            .collect();
        if self.returning {
            let out: Vec<PUser> =
                self.client.query(st, &params).expect("insert").iter().map(map).collect();
            let n = out.len();
            black_box(out);
            n
        } else {
            self.client.execute(st, &params).expect("insert") as usize
        }
    }
}

impl Peer for Postgres {
    fn run(&mut self, sc: Scenario) -> usize {
        match sc {
            Scenario::Insert => return self.insert(),
            Scenario::Update => {
                return self
                    .client
                    .execute(&self.update, &[&UPDATE_HAIR, &UPDATE_ID])
                    .expect("update") as usize
            }
            Scenario::Delete => {
                return self
                    .client
                    .execute(&self.delete, &[&crate::harness::next_id()])
                    .expect("delete") as usize
            }
            _ => {}
        }
        let v = self.select(sc);
        let n = v.len();
        black_box(v);
        n
    }

    fn fetch(&mut self, sc: Scenario) -> Vec<Common> {
        self.select(sc)
            .into_iter()
            .map(|u| (i64::from(u.id), u.name, u.hair_color))
            .collect()
    }

    fn clear(&mut self) {
        self.client.batch_execute(&crate::harness::clear_sql(true)).expect("truncate");
    }
}

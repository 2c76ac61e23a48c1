//! diesel: `users::table.load::<User>` (diesel_bench's trivial query),
//! `.filter(name.eq(..))`, `.filter(hair_color.is_null())`; the insert is
//! `insert_into(users).values(&rows).execute(conn)`. `diesel` uses an
//! `Insertable` with `treat_none_as_default_value = false` (one multi-row
//! statement on both backends); `diesel_default_insertable` uses the plain
//! derive, where a `None` means DEFAULT, which SQLite's VALUES lacks: diesel
//! then inserts row by row inside a transaction on SQLite.

use std::hint::black_box;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::harness::{Common, Peer, Scenario, Setup, LOOKUP_NAME, UPDATE_HAIR, UPDATE_ID};

mod schema {
    diesel::table! {
        users (id) {
            id -> Integer,
            name -> Text,
            hair_color -> Nullable<Text>,
        }
    }
}
use schema::users;

#[derive(Debug, Queryable)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewUser {
    pub name: String,
    pub hair_color: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserDefault {
    pub name: String,
    pub hair_color: Option<String>,
}

enum Rows {
    Null(Vec<NewUser>),
    Default(Vec<NewUserDefault>),
}

fn rows(s: &Setup, default: bool) -> Rows {
    let r = s.new_rows();
    if default {
        Rows::Default(r.into_iter().map(|(name, hair_color)| NewUserDefault { name, hair_color }).collect())
    } else {
        Rows::Null(r.into_iter().map(|(name, hair_color)| NewUser { name, hair_color }).collect())
    }
}

macro_rules! diesel_peer {
    ($name:ident, $conn:ty, $pg:literal) => {
        pub struct $name {
            conn: $conn,
            rows: Rows,
        }

        impl $name {
            fn select(&mut self, sc: Scenario) -> Vec<User> {
                let conn = &mut self.conn;
                match sc {
                    Scenario::All | Scenario::Insert => users::table.load::<User>(conn),
                    Scenario::ByName | Scenario::Update | Scenario::Delete => users::table
                        .filter(users::name.eq(black_box(LOOKUP_NAME)))
                        .load::<User>(conn),
                    Scenario::Null => users::table
                        .filter(users::hair_color.is_null())
                        .load::<User>(conn),
                }
                .expect("query")
            }

            fn insert(&mut self) -> usize {
                let conn = &mut self.conn;
                match &self.rows {
                    Rows::Null(r) => diesel::insert_into(users::table).values(r).execute(conn),
                    Rows::Default(r) => diesel::insert_into(users::table).values(r).execute(conn),
                }
                .expect("insert")
            }
        }

        impl Peer for $name {
            fn run(&mut self, sc: Scenario) -> usize {
                match sc {
                    Scenario::Insert => return self.insert(),
                    Scenario::Update => {
                        return diesel::update(users::table.find(UPDATE_ID))
                            .set(users::hair_color.eq(Some(UPDATE_HAIR)))
                            .execute(&mut self.conn)
                            .expect("update")
                    }
                    Scenario::Delete => {
                        return diesel::delete(users::table.find(crate::harness::next_id()))
                            .execute(&mut self.conn)
                            .expect("delete")
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
                self.conn.batch_execute(&crate::harness::clear_sql($pg)).expect("clear");
            }
        }
    };
}

diesel_peer!(DieselSqlite, diesel::SqliteConnection, false);
diesel_peer!(DieselPg, diesel::PgConnection, true);

impl DieselSqlite {
    fn open(s: &Setup, default: bool) -> Box<dyn Peer> {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("open");
        conn.batch_execute(&s.sqlite_init_sql()).expect("init");
        Box::new(DieselSqlite { conn, rows: rows(s, default) })
    }
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, false)
    }
    pub fn boxed_default(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, true)
    }
}

impl DieselPg {
    fn open(s: &Setup, default: bool) -> Box<dyn Peer> {
        let mut conn = diesel::PgConnection::establish(&s.pg_url).expect("connect");
        conn.batch_execute(&s.pg_session_sql()).expect("search_path");
        if s.scenario == Scenario::Insert {
            conn.batch_execute("TRUNCATE users").expect("truncate");
        }
        Box::new(DieselPg { conn, rows: rows(s, default) })
    }
    pub fn boxed(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, false)
    }
    pub fn boxed_default(s: &Setup) -> Box<dyn Peer> {
        Self::open(s, true)
    }
}

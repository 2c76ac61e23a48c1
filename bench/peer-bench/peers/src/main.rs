//! The main harness binary: every peer that links against the same SQLite
//! (libsqlite3-sys 0.35) and the same postgres crate. See ../../README.md.

#[path = "../../common/harness.rs"]
mod harness;
#[path = "../../common/postgres_peer.rs"]
mod postgres_peer;
#[path = "../../common/rusqlite_peer.rs"]
mod rusqlite_peer;
#[path = "../../common/sqlx_peer.rs"]
mod sqlx_peer;

mod diesel_peer;
mod dunder_peer;
mod sea_pg_peer;

use harness::{Entry, Registry};

fn main() {
    harness::main(Registry {
        sqlite: vec![
            Entry::new("rusqlite", rusqlite_peer::Rusqlite::boxed),
            Entry::new("dunder", dunder_peer::DunderSqlite::boxed),
            Entry::new("diesel", diesel_peer::DieselSqlite::boxed),
            Entry::new("sqlx", sqlx_peer::SqlxSqlite::boxed),
            Entry::insert_only("rusqlite_returning", rusqlite_peer::Rusqlite::boxed_returning),
            Entry::insert_only("diesel_default_insertable", diesel_peer::DieselSqlite::boxed_default),
            Entry::insert_only("dunder_bulk_insert", dunder_peer::DunderSqlite::boxed_bulk_insert),
        ],
        pg: vec![
            Entry::new("postgres", postgres_peer::Postgres::boxed),
            Entry::new("dunder_own", dunder_peer::DunderPgOwn::boxed),
            Entry::new("dunder_cached", dunder_peer::DunderPgCached::boxed),
            Entry::new("dunder_plain", dunder_peer::DunderPgPlain::boxed),
            Entry::new("diesel", diesel_peer::DieselPg::boxed),
            Entry::new("sqlx", sqlx_peer::SqlxPg::boxed),
            Entry::new("sea_query", sea_pg_peer::SeaPg::boxed),
            Entry::insert_only("postgres_returning", postgres_peer::Postgres::boxed_returning),
            Entry::insert_only("diesel_default_insertable", diesel_peer::DieselPg::boxed_default),
            Entry::insert_only("dunder_own_bulk_insert", dunder_peer::DunderPgOwn::boxed_bulk_insert),
            Entry::insert_only("dunder_cached_bulk_insert", dunder_peer::DunderPgCached::boxed_bulk_insert),
            Entry::insert_only("dunder_plain_bulk_insert", dunder_peer::DunderPgPlain::boxed_bulk_insert),
        ],
        pg_setup: Some(postgres_peer::pg_setup),
        pg_teardown: Some(postgres_peer::pg_teardown),
    });
}

//! The test harness of dunder: real SQLite databases and real PostgreSQL
//! databases, one fresh database per test so tests run in parallel.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

/// The PostgreSQL server the tests use (`DUNDER_POSTGRES_URL`).
pub fn postgres_url() -> String {
    std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh in-memory SQLite database.
pub fn sqlite() -> rusqlite::Connection {
    rusqlite::Connection::open_in_memory().expect("open an in-memory SQLite database")
}

/// A database of its own on the PostgreSQL server, dropped when this guard is.
/// Derefs to the connected `postgres::Client`.
pub struct PgDb {
    client: Option<postgres::Client>,
    admin: postgres::Client,
    name: String,
}

impl std::fmt::Debug for PgDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDb").field("name", &self.name).finish()
    }
}

impl Deref for PgDb {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        self.client.as_ref().expect("client present until drop")
    }
}

impl DerefMut for PgDb {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        self.client.as_mut().expect("client present until drop")
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        drop(self.client.take());
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ));
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh PostgreSQL database (collation `C.UTF-8`, as the conformance
/// answers were computed under), or `None` when the server cannot be reached
/// and `CI` is not set. Under `CI` an unreachable server fails the test.
pub fn pg() -> Option<PgDb> {
    let url = postgres_url();
    let mut admin = match postgres::Client::connect(&url, postgres::NoTls) {
        Ok(c) => c,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("PostgreSQL unreachable at {url} and CI is set: {e}");
            }
            eprintln!("\n*** SKIPPED the PostgreSQL half of this test: PostgreSQL unreachable at {url}: {e} ***\n");
            return None;
        }
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "dunder_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    admin
        .batch_execute(&format!(
            "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        ))
        .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
    let mut config: postgres::Config = url.parse().expect("DUNDER_POSTGRES_URL is a valid URL");
    config.dbname(&name);
    let client = config
        .connect(postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect to test database {name}: {e}"));
    Some(PgDb {
        client: Some(client),
        admin,
        name,
    })
}

//! `Db`: a connection whose backend is chosen at run time, from a URL.

use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::model::{Dialect, Sql};
use crate::query::Consume;
use crate::value::Value;

/// A connection to the database named by a URL, for applications that pick
/// SQLite or PostgreSQL in configuration. Queries run on `&mut Db` like on
/// any other connection.
///
/// | URL | database |
/// |---|---|
/// | `sqlite::memory:`, `sqlite://:memory:` | a new in-memory SQLite database |
/// | `sqlite:app.db`, `sqlite://app.db` | the SQLite file `app.db` (created if missing) |
/// | `sqlite:///var/lib/app.db` | the SQLite file `/var/lib/app.db` |
/// | `postgres://user@host:5432/db`, `postgresql://…` | PostgreSQL (no TLS), with a statement cache |
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// struct Tag {
///     id: i64,
///     name: String,
/// }
///
/// let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
/// let mut db = dunder::Db::connect(&url)?;
/// dunder::create_table::<Tag, _>(&mut db)?;
/// let n = query!(Tag.filter(name__startswith = "r").count()).run(&mut db)?;
/// assert_eq!(n, 0);
/// # Ok::<(), dunder::Error>(())
/// ```
#[non_exhaustive]
pub enum Db {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::Connection),
    /// PostgreSQL, with the statement cache of [`crate::postgres::Client`].
    #[cfg(feature = "postgres")]
    Postgres(Box<crate::postgres::Client>),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => f.write_str("Db::Sqlite"),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => f.debug_tuple("Db::Postgres").field(c).finish(),
        }
    }
}

fn connection_error(message: String) -> Error {
    Error::Connection {
        source: message.into(),
    }
}

impl Db {
    /// The dialect of this connection.
    pub fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Opens the database named by `url` (see the table above).
    pub fn connect(url: &str) -> Result<Db> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            #[cfg(feature = "sqlite")]
            {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                let conn = if path.is_empty() || path == ":memory:" {
                    rusqlite::Connection::open_in_memory()
                } else {
                    rusqlite::Connection::open(path)
                };
                return conn.map(Db::Sqlite).map_err(|e| Error::Connection {
                    source: Box::new(e),
                });
            }
            #[cfg(not(feature = "sqlite"))]
            {
                let _ = rest;
                return Err(connection_error(format!(
                    "{url}: dunder was built without the `sqlite` feature"
                )));
            }
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            {
                return crate::postgres::Client::connect(url, postgres::NoTls)
                    .map(|c| Db::Postgres(Box::new(c)));
            }
            #[cfg(not(feature = "postgres"))]
            {
                return Err(connection_error(format!(
                    "{url}: dunder was built without the `postgres` feature"
                )));
            }
        }
        Err(connection_error(format!(
            "unsupported database URL `{url}`: expected `sqlite:…` or `postgres://…`"
        )))
    }
}

impl Executor for &mut Db {
    fn dialect(&self) -> Dialect {
        Db::dialect(self)
    }

    #[inline]
    fn __run<K: Consume>(
        self,
        sql: &'static Sql,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::__run(&*c, sql, params, consume),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::__run(&mut **c, sql, params, consume),
        }
    }

    fn __execute(self, sql: &'static Sql, params: &[Value<'_>]) -> Result<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::__execute(&*c, sql, params),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::__execute(&mut **c, sql, params),
        }
    }

    fn execute_batch(self, sql: &str) -> Result<()> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::execute_batch(&*c, sql),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::execute_batch(&mut **c, sql),
        }
    }
}

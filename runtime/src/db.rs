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
/// | `postgres://user@host:5432/db`, `postgresql://…` | PostgreSQL (no TLS), through [`crate::postgres::Connection`] |
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
    /// PostgreSQL, through dunder's own client (with its statement cache).
    #[cfg(feature = "postgres")]
    Postgres(Box<crate::postgres::Connection>),
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

    /// Runs a statement of raw SQL that returns no rows (`INSERT`, `UPDATE`,
    /// `DELETE`, DDL) and returns the number of rows it affected. The
    /// placeholders are `?`/`?N` on both backends and `params` are always
    /// bound (see [`Model::raw`](crate::Model::raw)); no trait to import.
    ///
    /// ```
    /// let mut db = dunder::Db::connect("sqlite::memory:")?;
    /// db.execute("CREATE TABLE t (x integer, s text)", &[])?;
    /// assert_eq!(db.execute("INSERT INTO t VALUES (?, ?), (?, ?)", &[&1, &"a", &2, &"b"])?, 2);
    /// let n: Vec<i64> = db.query("SELECT count(*) FROM t WHERE x > ?", &[&1])?;
    /// assert_eq!(n, [1]);
    /// # Ok::<(), dunder::Error>(())
    /// ```
    pub fn execute(&mut self, sql: &str, params: &[&dyn crate::ToValue]) -> Result<u64> {
        crate::raw::execute(self, sql, params)
    }

    /// Runs a query of raw SQL and decodes every row as `R`: a model by
    /// column name, a scalar from the first column (see
    /// [`Model::raw`](crate::Model::raw) and
    /// [`raw::query`](crate::raw::query)).
    pub fn query<R: crate::FromRow>(
        &mut self,
        sql: &str,
        params: &[&dyn crate::ToValue],
    ) -> Result<Vec<R>> {
        crate::raw::query(self, sql, params)
    }

    /// Opens the database named by `url` (see the table above).
    pub fn connect(url: &str) -> Result<Db> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            #[cfg(feature = "sqlite")]
            {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(connection_error(format!(
                        "{url:?} names no database: write `sqlite::memory:` for an in-memory database, `sqlite:app.db` or `sqlite:///abs/path.db` for a file"
                    )));
                }
                let conn = if path == ":memory:" {
                    rusqlite::Connection::open_in_memory()
                } else {
                    rusqlite::Connection::open(path)
                };
                // Foreign keys (and so `on_delete`) are enforced whatever the
                // SQLite build's default, as Django sets it on every connection.
                let conn = conn.and_then(|c| {
                    crate::sqlite::set_up(&c)?;
                    Ok(c)
                });
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
                return crate::postgres::Connection::connect(url)
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

    type __Again<'r>
        = &'r mut Db
    where
        Self: 'r;
    #[inline]
    fn __again(&mut self) -> &mut Db {
        self
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

    fn __run_text<K: Consume>(
        self,
        text: &str,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::__run_text(&*c, text, params, consume),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::__run_text(&mut **c, text, params, consume),
        }
    }

    fn __execute_text(self, text: &str, params: &[Value<'_>]) -> Result<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::__execute_text(&*c, text, params),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::__execute_text(&mut **c, text, params),
        }
    }

    fn __insert_many<R: crate::model::FromRow>(
        self,
        bulk: &'static crate::bulk::BulkInsert,
        values: &[Value<'_>],
        rows: usize,
    ) -> Result<Vec<R>> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::__insert_many(&*c, bulk, values, rows),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::__insert_many(&mut **c, bulk, values, rows),
        }
    }

    fn __insert_many_count(
        self,
        bulk: &'static crate::bulk::BulkInsert,
        values: &[Value<'_>],
        rows: usize,
    ) -> Result<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::__insert_many_count(&*c, bulk, values, rows),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::__insert_many_count(&mut **c, bulk, values, rows),
        }
    }

    fn __insert_rows<N: crate::bind::NewRow, R: crate::model::FromRow>(
        self,
        rows: &[N],
    ) -> Result<Vec<R>> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::__insert_rows(&*c, rows),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::__insert_rows(&mut **c, rows),
        }
    }

    fn __insert_rows_count<N: crate::bind::NewRow>(self, rows: &[N]) -> Result<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => Executor::__insert_rows_count(&*c, rows),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => Executor::__insert_rows_count(&mut **c, rows),
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

/// A transaction (or savepoint) of a [`Db`], from [`crate::atomic`].
#[non_exhaustive]
pub enum DbTx<'a> {
    /// An SQLite transaction.
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::Transaction<'a>),
    /// An SQLite savepoint.
    #[cfg(feature = "sqlite")]
    SqliteSavepoint(rusqlite::Savepoint<'a>),
    /// A PostgreSQL transaction or savepoint.
    #[cfg(feature = "postgres")]
    Postgres(crate::postgres::ConnectionTx<'a>),
}

impl std::fmt::Debug for DbTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(_) => f.write_str("DbTx::Sqlite"),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(_) => f.write_str("DbTx::SqliteSavepoint"),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => f.debug_tuple("DbTx::Postgres").field(t).finish(),
        }
    }
}

impl crate::Atomic for Db {
    type Tx<'a> = DbTx<'a>;

    fn __begin_with(&mut self, mode: crate::TransactionMode) -> Result<DbTx<'_>> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(c) => crate::Atomic::__begin_with(c, mode).map(DbTx::Sqlite),
            #[cfg(feature = "postgres")]
            Db::Postgres(c) => c.transaction().map(DbTx::Postgres),
        }
    }

    fn __commit(tx: DbTx<'_>) -> Result<()> {
        tx.commit()
    }
}

impl crate::Outermost for Db {}

impl DbTx<'_> {
    /// Commits the transaction (or releases the savepoint).
    pub fn commit(self) -> Result<()> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => <rusqlite::Connection as crate::Atomic>::__commit(t),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => <rusqlite::Savepoint<'_> as crate::Atomic>::__commit(s),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => t.commit(),
        }
    }
}

impl crate::Atomic for DbTx<'_> {
    type Tx<'b>
        = DbTx<'b>
    where
        Self: 'b;

    fn __begin_with(&mut self, _: crate::TransactionMode) -> Result<DbTx<'_>> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => crate::Atomic::__begin(t).map(DbTx::SqliteSavepoint),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => crate::Atomic::__begin(s).map(DbTx::SqliteSavepoint),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => t.savepoint().map(DbTx::Postgres),
        }
    }

    fn __commit(tx: DbTx<'_>) -> Result<()> {
        tx.commit()
    }
}

impl<'t> Executor for &mut DbTx<'t> {
    type __Again<'r>
        = &'r mut DbTx<'t>
    where
        Self: 'r;
    #[inline]
    fn __again(&mut self) -> &mut DbTx<'t> {
        self
    }

    fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(_) | DbTx::SqliteSavepoint(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            DbTx::Postgres(_) => Dialect::Postgres,
        }
    }

    fn __run<K: Consume>(
        self,
        sql: &'static Sql,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::__run(&*t, sql, params, consume),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::__run(&*s, sql, params, consume),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::__run(t, sql, params, consume),
        }
    }

    fn __execute(self, sql: &'static Sql, params: &[Value<'_>]) -> Result<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::__execute(&*t, sql, params),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::__execute(&*s, sql, params),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::__execute(t, sql, params),
        }
    }

    fn __run_text<K: Consume>(
        self,
        text: &str,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::__run_text(&*t, text, params, consume),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::__run_text(&*s, text, params, consume),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::__run_text(t, text, params, consume),
        }
    }

    fn __execute_text(self, text: &str, params: &[Value<'_>]) -> Result<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::__execute_text(&*t, text, params),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::__execute_text(&*s, text, params),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::__execute_text(t, text, params),
        }
    }

    fn __insert_many<R: crate::model::FromRow>(
        self,
        bulk: &'static crate::bulk::BulkInsert,
        values: &[Value<'_>],
        rows: usize,
    ) -> Result<Vec<R>> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::__insert_many(&*t, bulk, values, rows),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::__insert_many(&*s, bulk, values, rows),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::__insert_many(t, bulk, values, rows),
        }
    }

    fn __insert_many_count(
        self,
        bulk: &'static crate::bulk::BulkInsert,
        values: &[Value<'_>],
        rows: usize,
    ) -> Result<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::__insert_many_count(&*t, bulk, values, rows),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::__insert_many_count(&*s, bulk, values, rows),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::__insert_many_count(t, bulk, values, rows),
        }
    }

    fn __insert_rows<N: crate::bind::NewRow, R: crate::model::FromRow>(
        self,
        rows: &[N],
    ) -> Result<Vec<R>> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::__insert_rows(&*t, rows),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::__insert_rows(&*s, rows),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::__insert_rows(t, rows),
        }
    }

    fn __insert_rows_count<N: crate::bind::NewRow>(self, rows: &[N]) -> Result<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::__insert_rows_count(&*t, rows),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::__insert_rows_count(&*s, rows),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::__insert_rows_count(t, rows),
        }
    }

    fn execute_batch(self, sql: &str) -> Result<()> {
        match self {
            #[cfg(feature = "sqlite")]
            DbTx::Sqlite(t) => Executor::execute_batch(&*t, sql),
            #[cfg(feature = "sqlite")]
            DbTx::SqliteSavepoint(s) => Executor::execute_batch(&*s, sql),
            #[cfg(feature = "postgres")]
            DbTx::Postgres(t) => Executor::execute_batch(t, sql),
        }
    }
}

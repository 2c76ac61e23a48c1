//! What a query needs of the connection that runs it, beyond [`Executor`].
//!
//! Most queries run on every connection ([`Anywhere`]). Two kinds do not,
//! and the compiler says so where the query is run:
//!
//! * [`PostgresOnly`]: `.distinct(field, …)` is PostgreSQL's
//!   `DISTINCT ON`, which SQLite has no form of (Django raises
//!   `NotSupportedError` there at run time). Such a query runs on the
//!   PostgreSQL clients and transactions, and on a [`Db`](crate::Db) /
//!   [`DbTx`](crate::DbTx), where a SQLite database makes it
//!   [`Error::NotSupported`](crate::Error::NotSupported) before anything is
//!   sent.
//! * [`InTransaction`]: `.select_for_update()` locks the rows it reads until
//!   the transaction ends, so on PostgreSQL it runs inside a transaction
//!   (`dunder::atomic`, a `postgres::Transaction`), never on a bare client,
//!   where the locks would be gone before the rows are used (Django raises
//!   `TransactionManagementError`). On SQLite it is a no-op, as in Django:
//!   SQLite has no row locks, and dunder's transactions begin `IMMEDIATE`,
//!   which already holds the database's write lock. On a bare
//!   [`Db`](crate::Db) it runs on SQLite and is `Error::NotSupported` on
//!   PostgreSQL.
//!
//! ```compile_fail
//! use dunder::prelude::*;
//!
//! #[derive(Model, Debug)]
//! pub struct Event {
//!     pub id: i64,
//!     pub kind: String,
//! }
//!
//! let conn = rusqlite::Connection::open_in_memory().unwrap();
//! // error: `&Connection` cannot run this query: it needs `PostgresOnly`
//! let _ = query!(Event.order_by(kind).distinct(kind)).fetch_all(&conn);
//! ```

use crate::exec::Executor;
use crate::model::Dialect;

/// Runs on every connection.
#[derive(Debug, Clone, Copy)]
pub struct Anywhere;

/// Runs on PostgreSQL only (`.distinct(field, …)`).
#[derive(Debug, Clone, Copy)]
pub struct PostgresOnly;

/// Runs inside a transaction on PostgreSQL (`.select_for_update()`); on
/// SQLite, anywhere.
#[derive(Debug, Clone, Copy)]
pub struct InTransaction;

/// A connection that can run queries needing `N` ([`Anywhere`],
/// [`PostgresOnly`] or [`InTransaction`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot run this query: it needs `{N}`",
    label = "this connection cannot run a query that needs `{N}`",
    note = "`PostgresOnly`: `.distinct(field, …)` is PostgreSQL's DISTINCT ON, which SQLite has no form of; run it on a PostgreSQL client or transaction, or on a `dunder::Db`",
    note = "`InTransaction`: `.select_for_update()` locks rows until the transaction ends; on PostgreSQL run it inside `dunder::atomic(…)` or on a transaction (Django raises TransactionManagementError outside a transaction)"
)]
pub trait RunsOn<N>: Executor {
    /// Why this connection refuses the query after all, known only at run
    /// time (a [`Db`](crate::Db) on the wrong backend).
    #[doc(hidden)]
    #[inline]
    fn __refuse(&self) -> Option<&'static str> {
        None
    }
}

impl<E: Executor> RunsOn<Anywhere> for E {}

macro_rules! runs_on {
    ($n:ty: $($t:ty),*) => {$(
        impl RunsOn<$n> for $t {}
    )*};
}

#[cfg(feature = "sqlite")]
runs_on!(InTransaction:
    &rusqlite::Connection,
    &mut rusqlite::Connection,
    &rusqlite::Transaction<'_>,
    &mut rusqlite::Transaction<'_>,
    &rusqlite::Savepoint<'_>,
    &mut rusqlite::Savepoint<'_>
);

#[cfg(feature = "postgres")]
runs_on!(PostgresOnly:
    &mut postgres::Client,
    &mut postgres::Transaction<'_>,
    &mut crate::postgres::Client,
    &mut crate::postgres::Transaction<'_>,
    &mut crate::postgres::Connection,
    &mut crate::postgres::ConnectionTx<'_>
);

#[cfg(feature = "postgres")]
runs_on!(InTransaction:
    &mut postgres::Transaction<'_>,
    &mut crate::postgres::Transaction<'_>,
    &mut crate::postgres::ConnectionTx<'_>
);

// A `Db` knows its backend only at run time: it refuses there.
impl RunsOn<PostgresOnly> for &mut crate::Db {
    #[inline]
    fn __refuse(&self) -> Option<&'static str> {
        (self.dialect() == Dialect::Sqlite).then_some(DISTINCT_ON_SQLITE)
    }
}
impl RunsOn<PostgresOnly> for &mut crate::DbTx<'_> {
    #[inline]
    fn __refuse(&self) -> Option<&'static str> {
        (Executor::dialect(self) == Dialect::Sqlite).then_some(DISTINCT_ON_SQLITE)
    }
}
impl RunsOn<InTransaction> for &mut crate::Db {
    #[inline]
    fn __refuse(&self) -> Option<&'static str> {
        (self.dialect() == Dialect::Postgres).then_some(FOR_UPDATE_OUTSIDE)
    }
}
impl RunsOn<InTransaction> for &mut crate::DbTx<'_> {}

pub(crate) const DISTINCT_ON_SQLITE: &str = "`.distinct(field, …)` is PostgreSQL's DISTINCT ON, and this database is SQLite (Django raises NotSupportedError too)";
pub(crate) const FOR_UPDATE_OUTSIDE: &str = "`.select_for_update()` outside a transaction: the locks would end with the statement; run it inside `dunder::atomic(…)` (Django raises TransactionManagementError)";

//! `dunder::atomic`: run a closure in a transaction.

use crate::error::{Error, Result};

/// A connection (or transaction) that can open a transaction: a nested call
/// opens a savepoint.
pub trait Atomic {
    /// The transaction (or savepoint) handed to the closure.
    type Tx<'a>
    where
        Self: 'a;

    #[doc(hidden)]
    fn __begin(&mut self) -> Result<Self::Tx<'_>> {
        self.__begin_with(TransactionMode::default())
    }
    /// Opens the transaction in `mode` (SQLite; PostgreSQL and savepoints
    /// ignore it).
    #[doc(hidden)]
    fn __begin_with(&mut self, mode: TransactionMode) -> Result<Self::Tx<'_>>;
    #[doc(hidden)]
    fn __commit(tx: Self::Tx<'_>) -> Result<()>;
}

/// How an SQLite transaction takes its locks (Django 5.1's
/// `transaction_mode`). PostgreSQL, and savepoints, ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// `BEGIN DEFERRED`: no lock until the first statement; a transaction
    /// that reads and then writes cannot wait for another writer (SQLite
    /// answers "database is locked" at once, whatever the busy timeout).
    Deferred,
    /// `BEGIN IMMEDIATE` (the default): the write lock is taken at BEGIN,
    /// waiting up to the busy timeout for another writer to finish, so a
    /// transaction that reads then writes (`get_or_create`) never fails
    /// halfway for a lock.
    #[default]
    Immediate,
    /// `BEGIN EXCLUSIVE`: also keeps other connections from reading (in
    /// rollback-journal mode).
    Exclusive,
}

/// [`atomic`] with an SQLite [`TransactionMode`] other than the default
/// `Immediate`.
pub fn atomic_with<'c, C, T, E, F>(
    conn: &'c mut C,
    mode: TransactionMode,
    f: F,
) -> std::result::Result<T, E>
where
    C: Atomic + ?Sized + 'c,
    E: From<Error>,
    F: FnOnce(&mut C::Tx<'c>) -> std::result::Result<T, E>,
{
    let mut tx = conn.__begin_with(mode)?;
    let value = f(&mut tx)?;
    C::__commit(tx)?;
    Ok(value)
}

/// Runs `f` in a transaction of `conn`: commits when `f` returns `Ok`, rolls
/// back when it returns `Err` or panics. Inside `f`, `atomic(tx, …)` opens a
/// savepoint, so nested blocks roll back alone. On SQLite the transaction is
/// `BEGIN IMMEDIATE` (see [`TransactionMode`] and [`atomic_with`]).
///
/// Works for `rusqlite::Connection`, `rusqlite::Transaction`,
/// `postgres::Client`, `postgres::Transaction`, `dunder::postgres::Client`
/// (and its `Transaction`), and `dunder::Db`.
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// struct Account {
///     id: i64,
///     balance: i64,
/// }
///
/// let mut conn = rusqlite::Connection::open_in_memory()?;
/// dunder::create_table::<Account, _>(&conn)?;
/// query!(Account.create(balance = 100)).run(&conn)?;
///
/// // Err rolls everything back.
/// let r: Result<(), dunder::Error> = dunder::atomic(&mut conn, |tx| {
///     query!(Account.update(balance = F(balance) - 30)).run(&*tx)?;
///     query!(Account.get(id = 99)).run(&*tx)?; // NotFound
///     Ok(())
/// });
/// assert!(r.is_err());
/// assert_eq!(query!(Account.get(id = 1)).run(&conn)?.balance, 100);
///
/// // Ok commits; a nested block that fails rolls back alone.
/// dunder::atomic(&mut conn, |tx| {
///     query!(Account.update(balance = F(balance) - 30)).run(&*tx)?;
///     let _ = dunder::atomic(tx, |sp| -> dunder::Result<()> {
///         query!(Account.update(balance = 0)).run(&*sp)?;
///         Err(dunder::Error::Migration { message: "changed my mind".into() })
///     });
///     Ok::<_, dunder::Error>(())
/// })?;
/// assert_eq!(query!(Account.get(id = 1)).run(&conn)?.balance, 70);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn atomic<'c, C, T, E, F>(conn: &'c mut C, f: F) -> std::result::Result<T, E>
where
    C: Atomic + ?Sized + 'c,
    E: From<Error>,
    F: FnOnce(&mut C::Tx<'c>) -> std::result::Result<T, E>,
{
    let mut tx = conn.__begin_with(TransactionMode::default())?;
    // On Err, and on a panic unwinding through here, `tx` is dropped
    // without a commit: every backend rolls back on drop.
    let value = f(&mut tx)?;
    C::__commit(tx)?;
    Ok(value)
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use crate::sqlite::error;

    impl Atomic for rusqlite::Connection {
        type Tx<'a> = rusqlite::Transaction<'a>;
        fn __begin_with(&mut self, mode: TransactionMode) -> Result<rusqlite::Transaction<'_>> {
            use rusqlite::TransactionBehavior as B;
            let (behavior, sql) = match mode {
                TransactionMode::Deferred => (B::Deferred, "BEGIN DEFERRED"),
                TransactionMode::Immediate => (B::Immediate, "BEGIN IMMEDIATE"),
                TransactionMode::Exclusive => (B::Exclusive, "BEGIN EXCLUSIVE"),
            };
            // dunder's first use of the connection may be this transaction:
            // set it up before BEGIN (foreign keys on). One flag read when
            // they are on already.
            let fk = rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY;
            if !self.db_config(fk).map_err(|e| error(e, sql))? {
                crate::sqlite::first_use(self).map_err(|e| error(e, sql))?;
            }
            self.transaction_with_behavior(behavior)
                .map_err(|e| error(e, sql))
        }
        fn __commit(tx: rusqlite::Transaction<'_>) -> Result<()> {
            tx.commit().map_err(|e| error(e, "COMMIT"))
        }
    }

    /// A transaction or a savepoint nests a savepoint.
    macro_rules! savepoint {
        ($($t:ty),*) => {$(
            impl Atomic for $t {
                type Tx<'a>
                    = rusqlite::Savepoint<'a>
                where
                    Self: 'a;
                fn __begin_with(&mut self, _: TransactionMode) -> Result<rusqlite::Savepoint<'_>> {
                    self.savepoint().map_err(|e| error(e, "SAVEPOINT"))
                }
                fn __commit(tx: rusqlite::Savepoint<'_>) -> Result<()> {
                    tx.commit().map_err(|e| error(e, "RELEASE SAVEPOINT"))
                }
            }
        )*};
    }

    savepoint!(rusqlite::Transaction<'_>, rusqlite::Savepoint<'_>);
}

#[cfg(feature = "postgres")]
mod pg {
    use super::*;
    use crate::postgres::error;

    impl Atomic for postgres::Client {
        type Tx<'a> = postgres::Transaction<'a>;
        fn __begin_with(&mut self, _: TransactionMode) -> Result<postgres::Transaction<'_>> {
            self.transaction().map_err(|e| error(e, "BEGIN"))
        }
        fn __commit(tx: postgres::Transaction<'_>) -> Result<()> {
            tx.commit().map_err(|e| error(e, "COMMIT"))
        }
    }

    impl Atomic for postgres::Transaction<'_> {
        type Tx<'a>
            = postgres::Transaction<'a>
        where
            Self: 'a;
        fn __begin_with(&mut self, _: TransactionMode) -> Result<postgres::Transaction<'_>> {
            self.transaction().map_err(|e| error(e, "SAVEPOINT"))
        }
        fn __commit(tx: postgres::Transaction<'_>) -> Result<()> {
            tx.commit().map_err(|e| error(e, "RELEASE SAVEPOINT"))
        }
    }

    impl Atomic for crate::postgres::Client {
        type Tx<'a> = crate::postgres::Transaction<'a>;
        fn __begin_with(&mut self, _: TransactionMode) -> Result<crate::postgres::Transaction<'_>> {
            self.transaction()
        }
        fn __commit(tx: crate::postgres::Transaction<'_>) -> Result<()> {
            tx.commit()
        }
    }

    impl Atomic for crate::postgres::Transaction<'_> {
        type Tx<'a>
            = crate::postgres::Transaction<'a>
        where
            Self: 'a;
        fn __begin_with(&mut self, _: TransactionMode) -> Result<crate::postgres::Transaction<'_>> {
            self.savepoint()
        }
        fn __commit(tx: crate::postgres::Transaction<'_>) -> Result<()> {
            tx.commit()
        }
    }
}

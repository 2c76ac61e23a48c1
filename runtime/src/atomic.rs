//! `dunder::atomic`: run a closure in a transaction.

use std::time::Duration;

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

/// A connection whose [`atomic`] begins a transaction rather than a
/// savepoint: what [`atomic_with_retry`] runs on. A serialization failure or
/// a deadlock aborts the whole transaction, so only the whole transaction
/// can be run again.
///
/// ```compile_fail
/// let mut conn = rusqlite::Connection::open_in_memory()?;
/// dunder::atomic(&mut conn, |tx| {
///     // `tx` is a transaction: only the whole of it could be run again.
///     dunder::atomic_with_retry(tx, 3, |_sp| Ok::<_, dunder::Error>(()))
/// })?;
/// # Ok::<(), dunder::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a connection: `atomic_with_retry` runs the whole transaction again, so it cannot run inside one",
    label = "a transaction or savepoint",
    note = "call `atomic_with_retry` on the connection (`rusqlite::Connection`, `postgres::Client`, `dunder::postgres::Client`, `dunder::postgres::Connection`, `dunder::Db`)"
)]
pub trait Outermost: Atomic {}

/// How [`atomic_with_retry`] retries: how many attempts at most, the
/// backoff between them, and the SQLite [`TransactionMode`].
///
/// After the `n`th failed attempt it sleeps a random time between half and
/// all of `min(max, first · 2ⁿ⁻¹)` (exponential backoff with jitter, so
/// that the transactions that collided do not collide again in step). The
/// defaults: 5 attempts, `first` 5 ms, `max` 250 ms, `Immediate`. A number
/// converts into a `Retry` of that many attempts.
///
/// ```
/// use std::time::Duration;
///
/// let r = dunder::Retry::attempts(10)
///     .backoff(Duration::from_millis(1), Duration::from_millis(100))
///     .mode(dunder::TransactionMode::Deferred);
/// assert_eq!(r.max_attempts(), 10);
/// assert_eq!(dunder::Retry::from(3), dunder::Retry::attempts(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    attempts: u32,
    first: Duration,
    max: Duration,
    mode: TransactionMode,
}

impl Retry {
    /// At most `attempts` runs of the transaction: the first and
    /// `attempts - 1` retries (0 counts as 1).
    pub const fn attempts(attempts: u32) -> Retry {
        Retry {
            attempts: if attempts == 0 { 1 } else { attempts },
            first: Duration::from_millis(5),
            max: Duration::from_millis(250),
            mode: TransactionMode::Immediate,
        }
    }

    /// The backoff: about `first` after the first failure, doubling after
    /// each one, never more than `max`.
    pub const fn backoff(self, first: Duration, max: Duration) -> Retry {
        Retry { first, max, ..self }
    }

    /// The SQLite transaction mode of each attempt (PostgreSQL ignores it).
    pub const fn mode(self, mode: TransactionMode) -> Retry {
        Retry { mode, ..self }
    }

    /// How many runs at most.
    pub const fn max_attempts(&self) -> u32 {
        self.attempts
    }

    /// The sleep after the `failed`th failed attempt (1, 2, …).
    fn delay(&self, failed: u32) -> Duration {
        let doubling = 1u32
            .checked_shl(failed.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let cap = self.first.saturating_mul(doubling).min(self.max);
        // Equal jitter: half fixed, half random.
        let half = cap / 2;
        let nanos = u64::try_from((cap - half).as_nanos()).unwrap_or(u64::MAX);
        let random = if nanos == 0 {
            0
        } else {
            jitter() % nanos.saturating_add(1)
        };
        half + Duration::from_nanos(random)
    }
}

impl Default for Retry {
    fn default() -> Retry {
        Retry::attempts(5)
    }
}

impl From<u32> for Retry {
    fn from(attempts: u32) -> Retry {
        Retry::attempts(attempts)
    }
}

/// A random number for the backoff: a xorshift step over a seed from the
/// clock, the thread and a per-process counter (no dependency; not for
/// anything but spreading sleeps).
fn jitter() -> u64 {
    use std::hash::{Hash, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
        .hash(&mut h);
    COUNTER.fetch_add(1, Ordering::Relaxed).hash(&mut h);
    let mut x = h.finish() | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// An error that may say "run the transaction again": what
/// [`atomic_with_retry`] asks of the closure's error type. Implemented for
/// [`Error`] (its [`is_retryable`](Error::is_retryable)) and for boxed errors
/// (retryable when a `dunder::Error` in their [`source`](std::error::Error::source)
/// chain is). For an error type of your own, answer for the dunder error it
/// wraps:
///
/// ```
/// #[derive(Debug)]
/// enum AppError {
///     Db(dunder::Error),
///     Rejected(&'static str),
/// }
///
/// impl From<dunder::Error> for AppError {
///     fn from(e: dunder::Error) -> Self {
///         AppError::Db(e)
///     }
/// }
///
/// impl dunder::Retryable for AppError {
///     fn is_retryable(&self) -> bool {
///         matches!(self, AppError::Db(e) if e.is_retryable())
///     }
/// }
/// # let _ = AppError::Rejected("");
/// ```
pub trait Retryable {
    /// Whether running the whole transaction again may succeed.
    fn is_retryable(&self) -> bool;
}

impl Retryable for Error {
    fn is_retryable(&self) -> bool {
        Error::is_retryable(self)
    }
}

/// The first `dunder::Error` in the chain of `e` decides.
fn chain_is_retryable(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(e) = e.downcast_ref::<Error>() {
            return e.is_retryable();
        }
        next = e.source();
    }
    false
}

impl Retryable for Box<dyn std::error::Error + Send + Sync> {
    fn is_retryable(&self) -> bool {
        chain_is_retryable(&**self)
    }
}

impl Retryable for Box<dyn std::error::Error> {
    fn is_retryable(&self) -> bool {
        chain_is_retryable(&**self)
    }
}

/// [`atomic`], run again from the start when it fails with an error that
/// [is retryable](Error::is_retryable) — a serialization failure, a
/// deadlock, or SQLite's "database is locked" — at most as many times as
/// `retry` says, with a jittered exponential backoff in between ([`Retry`];
/// a number is the attempts with the default backoff).
///
/// Each attempt is a new transaction in which `f` runs from scratch, so `f`
/// is `FnMut` and should do nothing outside the transaction that cannot be
/// done twice. Any other error, and the last retryable one, is returned as
/// it is; so is a panic (nothing is retried). [`Error::CommitUnknown`] is
/// never retried: the transaction may have committed. Runs on a connection
/// only ([`Outermost`]): inside a transaction the whole outer transaction
/// has failed, so only it can be run again.
///
/// PostgreSQL rolls back a transaction that fails a `SERIALIZABLE` (or
/// `REPEATABLE READ`) check with SQLSTATE 40001, or that it picked to break
/// a deadlock (40P01), and asks the client to run it again; on SQLite a
/// `DEFERRED` transaction that read and then cannot take the write lock
/// (or whose WAL snapshot went stale) must be run again too. dunder does not
/// choose the isolation level: set it on the connection (`SET
/// default_transaction_isolation = 'serializable'`), the role or the
/// database.
///
/// Write the closure in the call, as below: a closure stored in a variable
/// first is typed for one transaction's lifetime, and each attempt has its
/// own.
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// struct Counter {
///     id: i64,
///     n: i64,
/// }
///
/// let mut conn = rusqlite::Connection::open_in_memory()?;
/// dunder::create_table::<Counter, _>(&conn)?;
/// query!(Counter.create(n = 0)).run(&conn)?;
///
/// let mut attempts = 0;
/// let n = dunder::atomic_with_retry(&mut conn, 5, |tx| {
///     attempts += 1;
///     query!(Counter.filter(id = 1).update(n = F(n) + 1)).run(&*tx)?;
///     if attempts == 1 {
///         // As if a concurrent transaction had made this one fail.
///         return Err(dunder::Error::Busy { sql: String::new(), source: "simulated".into() });
///     }
///     Ok(query!(Counter.get(id = 1)).run(&*tx)?.n)
/// })?;
/// assert_eq!((attempts, n), (2, 1)); // the first attempt was rolled back
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn atomic_with_retry<C, T, E, F>(
    conn: &mut C,
    retry: impl Into<Retry>,
    mut f: F,
) -> std::result::Result<T, E>
where
    C: Outermost + ?Sized,
    E: From<Error> + Retryable,
    F: FnMut(&mut C::Tx<'_>) -> std::result::Result<T, E>,
{
    let retry = retry.into();
    let mut failed = 0;
    loop {
        // Ok(the closure's error) or Err(BEGIN's or COMMIT's).
        let error: std::result::Result<E, Error> = match conn.__begin_with(retry.mode) {
            Err(e) => Err(e),
            // The transaction is dropped (rolled back) at the end of the arm.
            Ok(mut tx) => match f(&mut tx) {
                Err(e) => Ok(e),
                Ok(value) => match C::__commit(tx) {
                    Ok(()) => return Ok(value),
                    Err(e) => Err(e),
                },
            },
        };
        failed += 1;
        let retryable = match &error {
            Ok(e) => e.is_retryable(),
            Err(e) => e.is_retryable(),
        };
        if !retryable || failed >= retry.attempts {
            return Err(match error {
                Ok(e) => e,
                Err(e) => E::from(e),
            });
        }
        std::thread::sleep(retry.delay(failed));
    }
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
            tx.commit()
                .map_err(|e| error(e, "COMMIT").at_commit("COMMIT"))
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

    impl Outermost for rusqlite::Connection {}
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
            tx.commit()
                .map_err(|e| error(e, "COMMIT").at_commit("COMMIT"))
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

    impl Outermost for postgres::Client {}
    impl Outermost for crate::postgres::Client {}
    impl Outermost for crate::postgres::Connection {}

    impl Atomic for crate::postgres::Connection {
        type Tx<'a> = crate::postgres::ConnectionTx<'a>;
        fn __begin_with(
            &mut self,
            _: TransactionMode,
        ) -> Result<crate::postgres::ConnectionTx<'_>> {
            self.transaction()
        }
        fn __commit(tx: crate::postgres::ConnectionTx<'_>) -> Result<()> {
            tx.commit()
        }
    }

    impl Atomic for crate::postgres::ConnectionTx<'_> {
        type Tx<'a>
            = crate::postgres::ConnectionTx<'a>
        where
            Self: 'a;
        fn __begin_with(
            &mut self,
            _: TransactionMode,
        ) -> Result<crate::postgres::ConnectionTx<'_>> {
            self.savepoint()
        }
        fn __commit(tx: crate::postgres::ConnectionTx<'_>) -> Result<()> {
            tx.commit()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() {
        let r = Retry::attempts(20).backoff(Duration::from_millis(4), Duration::from_millis(100));
        for (failed, cap) in [
            (1, 4),
            (2, 8),
            (3, 16),
            (4, 32),
            (5, 64),
            (6, 100),
            (40, 100),
        ] {
            let cap = Duration::from_millis(cap);
            let delays: Vec<Duration> = (0..200).map(|_| r.delay(failed)).collect();
            for d in &delays {
                assert!(
                    *d >= cap / 2 && *d <= cap,
                    "after {failed}: {d:?} not in [{:?}, {cap:?}]",
                    cap / 2
                );
            }
            // Jittered: not all the same.
            assert!(
                delays.iter().any(|d| *d != delays[0]),
                "after {failed}: {delays:?}"
            );
        }
        // No backoff at all is allowed.
        let none = Retry::attempts(3).backoff(Duration::ZERO, Duration::ZERO);
        assert_eq!(none.delay(1), Duration::ZERO);
        // Huge values saturate instead of overflowing.
        let huge = Retry::attempts(3).backoff(Duration::MAX, Duration::MAX);
        assert!(huge.delay(u32::MAX) >= Duration::MAX / 2);
    }

    #[test]
    fn attempts_count_the_first_run() {
        assert_eq!(Retry::attempts(0).max_attempts(), 1);
        assert_eq!(Retry::from(3).max_attempts(), 3);
        assert_eq!(Retry::default().max_attempts(), 5);
        assert_eq!(Retry::default().mode, TransactionMode::Immediate);
    }

    #[test]
    fn only_serialization_failures_deadlocks_and_busy_are_retryable() {
        let source = || -> crate::BackendError { "x".into() };
        let sql = String::new;
        assert!(Error::SerializationFailure {
            sql: sql(),
            source: source()
        }
        .is_retryable());
        assert!(Error::Deadlock {
            sql: sql(),
            source: source()
        }
        .is_retryable());
        assert!(Error::Busy {
            sql: sql(),
            source: source()
        }
        .is_retryable());
        assert!(!Error::CommitUnknown {
            sql: sql(),
            source: source()
        }
        .is_retryable());
        assert!(!Error::Connection { source: source() }.is_retryable());
        assert!(!Error::Database {
            sql: sql(),
            source: source()
        }
        .is_retryable());
        assert!(!Error::NotFound { sql: sql() }.is_retryable());
        // A connection lost at COMMIT is an unknown outcome; other errors
        // there keep their type.
        let lost = Error::Connection { source: source() }.at_commit("COMMIT");
        assert!(matches!(lost, Error::CommitUnknown { ref sql, .. } if sql == "COMMIT"));
        let refused = Error::SerializationFailure {
            sql: "COMMIT".into(),
            source: source(),
        };
        assert!(matches!(
            refused.at_commit("COMMIT"),
            Error::SerializationFailure { .. }
        ));
        // Boxed: the dunder error in the chain decides.
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Error::Deadlock {
            sql: sql(),
            source: source(),
        });
        assert!(Retryable::is_retryable(&boxed));
        let other: Box<dyn std::error::Error> = "nope".into();
        assert!(!Retryable::is_retryable(&other));
    }

    /// SQLite: an I/O failure reported by COMMIT leaves the outcome unknown
    /// (e.g. the commit record written, the sync failed); SQLite's busy
    /// answers are typed. (Real I/O faults need a failing disk; the mapping
    /// is checked on the driver's error values.)
    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_errors_at_commit_and_busy_are_typed() {
        use rusqlite::ffi;
        let failure = |code: i32, msg: &str| {
            rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(msg.to_owned()))
        };
        let io = crate::sqlite::error(failure(ffi::SQLITE_IOERR_FSYNC, "disk I/O error"), "COMMIT");
        assert!(matches!(io, Error::Connection { .. }), "{io:?}");
        assert!(matches!(
            io.at_commit("COMMIT"),
            Error::CommitUnknown { .. }
        ));
        let busy = crate::sqlite::error(failure(ffi::SQLITE_BUSY, "database is locked"), "COMMIT");
        assert!(matches!(busy, Error::Busy { .. }), "{busy:?}");
        assert!(
            matches!(busy.at_commit("COMMIT"), Error::Busy { .. }),
            "a busy COMMIT did not happen"
        );
        let snapshot = crate::sqlite::error(
            failure(ffi::SQLITE_BUSY_SNAPSHOT, "database is locked"),
            "UPDATE",
        );
        assert!(
            matches!(snapshot, Error::SerializationFailure { .. }),
            "{snapshot:?}"
        );
    }
}

//! The one error type of dunder.

/// The error a backend driver reported, kept as the `source` of an [`Error`].
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when a query runs.
///
/// Every variant that comes from executing a statement carries the SQL that
/// failed. Callers match on the variants; the backend's own error is kept as the
/// [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `fetch_one` (and `get()`) found no row.
    #[error("no row matched the query\n  SQL: {sql}")]
    NotFound {
        /// The SQL that ran.
        sql: String,
    },
    /// `fetch_one` (and `get()`) found more than one row.
    #[error("the query returned {count} rows where exactly one was expected\n  SQL: {sql}")]
    MultipleRows {
        /// How many rows were seen (a `get()` stops counting at 21, as Django does).
        count: u64,
        /// The SQL that ran.
        sql: String,
    },
    /// A UNIQUE or PRIMARY KEY constraint was violated.
    #[error("unique constraint violated{}: {source}\n  SQL: {sql}", fmt_constraint(.constraint))]
    UniqueViolation {
        /// The constraint's name, when the backend reports it.
        constraint: Option<String>,
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// A FOREIGN KEY constraint was violated.
    #[error("foreign key constraint violated{}: {source}\n  SQL: {sql}", fmt_constraint(.constraint))]
    ForeignKeyViolation {
        /// The constraint's name, when the backend reports it.
        constraint: Option<String>,
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// A NOT NULL constraint was violated.
    #[error("NOT NULL constraint violated{}: {source}\n  SQL: {sql}", fmt_constraint(.column))]
    NotNullViolation {
        /// The column, when the backend reports it.
        column: Option<String>,
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// A CHECK constraint was violated.
    #[error("CHECK constraint violated{}: {source}\n  SQL: {sql}", fmt_constraint(.constraint))]
    CheckViolation {
        /// The constraint's name, when the backend reports it.
        constraint: Option<String>,
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// A value does not fit the column it is written to, or a computation
    /// leaves the range of its type: PostgreSQL's SQLSTATE 22003
    /// (`numeric_value_out_of_range`: "numeric field overflow" for a
    /// `Decimal` with more digits before the point than its field's
    /// `max_digits - decimal_places`, "integer out of range", …), and on
    /// SQLite dunder's own check of a `Decimal` written to a field (the same
    /// message), so both backends refuse the same values; and a text longer
    /// than its field's `max_length` (PostgreSQL's 22001 from `varchar(n)`,
    /// SQLite's `CHECK (length(…) <= n)` that migrations create).
    #[error("value out of range: {source}\n  SQL: {sql}")]
    OutOfRange {
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// A column's value could not be turned into the Rust type of its field.
    #[error("cannot decode column `{column}`: expected {expected}, found {found}\n  SQL: {sql}")]
    Decode {
        /// The column (by name) that failed.
        column: &'static str,
        /// What the Rust type expected.
        expected: &'static str,
        /// What the database held.
        found: String,
        /// The SQL that ran.
        sql: String,
    },
    /// A value the backend cannot store as given (PostgreSQL text cannot hold
    /// the character NUL); nothing was sent.
    #[error("value cannot be sent to the database: {reason}\n  SQL: {sql}")]
    InvalidValue {
        /// What is wrong with it.
        reason: String,
        /// The SQL it was meant for.
        sql: String,
    },
    /// Raw SQL that dunder refuses before sending it: its placeholders do
    /// not match the parameters given (see [`raw`](crate::raw)), or a
    /// placeholder is malformed (`?0`). Nothing was sent.
    #[error("invalid SQL: {reason}\n  SQL: {sql}")]
    InvalidSql {
        /// What is wrong with it.
        reason: String,
        /// The SQL as given.
        sql: String,
    },
    /// A name that is not a field of the model, where a field was expected:
    /// a run-time ordering key (see [`Order`](crate::Order)).
    #[error("{0}")]
    UnknownField(#[from] crate::order::UnknownField),
    /// A query this connection cannot run, found out only at run time on a
    /// [`Db`](crate::Db) (the other connections refuse it at compile time,
    /// see [`needs`](crate::needs)): `.distinct(field, …)` on SQLite,
    /// `.select_for_update()` outside a transaction on PostgreSQL. Nothing
    /// was sent.
    #[error("not supported here: {reason}\n  SQL: {sql}")]
    NotSupported {
        /// Why.
        reason: String,
        /// The query's SQL.
        sql: String,
    },
    /// The connection failed or was closed before the transaction's
    /// `COMMIT` was sent (or outside a transaction): a statement that got
    /// this error did not take effect, and a transaction it was part of was
    /// rolled back by the server. PostgreSQL: SQLSTATE classes 08 and 57P
    /// (`pg_terminate_backend`, a shutdown) and I/O failures; SQLite: the
    /// file cannot be opened or read. Retrying needs a new connection.
    #[error("connection error: {source}")]
    Connection {
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// The connection was lost while the transaction's `COMMIT` was under
    /// way (sent, but its answer never came back): the transaction **may or
    /// may not have committed**, and nothing on this side can tell which.
    ///
    /// Never retry the transaction blindly on this error: if it did commit,
    /// the retry writes everything twice. As every database client advises,
    /// make the transaction idempotent (e.g. store a unique request id with
    /// its writes, in the same transaction), then on this error reconnect
    /// and look the id up: found, it committed; absent, it did not, and it
    /// can run again. [`Error::is_retryable`] is `false` for this error and
    /// [`atomic_with_retry`](crate::atomic_with_retry) never retries it.
    ///
    /// Returned by [`atomic`](crate::atomic) (and
    /// `dunder::postgres::Transaction::commit`)
    /// when the connection fails during the `COMMIT` of the outermost
    /// transaction; a savepoint's `RELEASE` cannot commit anything, so a
    /// connection lost there is [`Error::Connection`]. On SQLite, an I/O
    /// failure reported by `COMMIT` is this error too.
    ///
    /// ```no_run
    /// use dunder::prelude::*;
    ///
    /// #[derive(Model, Debug)]
    /// struct Payment {
    ///     id: i64,
    ///     request_id: String, // unique: the idempotency key
    ///     cents: i64,
    /// }
    ///
    /// fn pay(db: &mut dunder::Db, url: &str, request_id: &str) -> dunder::Result<()> {
    ///     let r = dunder::atomic(db, |tx| {
    ///         query!(Payment.create(request_id = request_id, cents = 500)).run(&mut *tx)?;
    ///         Ok::<_, dunder::Error>(())
    ///     });
    ///     match r {
    ///         Err(dunder::Error::CommitUnknown { .. }) => {
    ///             // Did it commit? Ask again on a new connection; never just retry.
    ///             let mut db = dunder::Db::connect(url)?;
    ///             let done = query!(Payment.filter(request_id = request_id).exists()).run(&mut db)?;
    ///             if done { Ok(()) } else { pay(&mut db, url, request_id) }
    ///         }
    ///         other => other,
    ///     }
    /// }
    /// ```
    #[error("the connection was lost during COMMIT: the transaction may or may not have committed: {source}\n  SQL: {sql}")]
    CommitUnknown {
        /// The statement whose answer was lost (`COMMIT`).
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// The transaction could not be serialized with concurrent ones and was
    /// rolled back: PostgreSQL's SQLSTATE 40001 (`serialization_failure`,
    /// under `REPEATABLE READ` or `SERIALIZABLE`), and SQLite's
    /// `SQLITE_BUSY_SNAPSHOT` (a WAL transaction that read a snapshot another
    /// connection has since written over, then tried to write). Run the
    /// whole transaction again: [`atomic_with_retry`](crate::atomic_with_retry).
    #[error(
        "serialization failure, the transaction was rolled back (retry it): {source}\n  SQL: {sql}"
    )]
    SerializationFailure {
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// PostgreSQL detected a deadlock (SQLSTATE 40P01) and rolled this
    /// transaction back so that the others can go on. Run the whole
    /// transaction again: [`atomic_with_retry`](crate::atomic_with_retry).
    #[error(
        "deadlock detected, the transaction was rolled back (retry it): {source}\n  SQL: {sql}"
    )]
    Deadlock {
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// SQLite: another connection holds the lock this statement needs
    /// (`SQLITE_BUSY`, "database is locked"), after the busy timeout (rusqlite's
    /// default: 5 s), or at once where waiting could deadlock (a `DEFERRED`
    /// transaction that has read and then writes while another connection
    /// writes). A transaction that got it must be run again from the start:
    /// [`atomic_with_retry`](crate::atomic_with_retry) does.
    #[error("database is busy (locked by another connection): {source}\n  SQL: {sql}")]
    Busy {
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// A schema migration failed.
    #[error("migration error: {message}")]
    Migration {
        /// What went wrong.
        message: String,
    },
    /// Any other error the database reported for a statement.
    #[error("database error: {source}\n  SQL: {sql}")]
    Database {
        /// The SQL that failed.
        sql: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
}

fn fmt_constraint(c: &Option<String>) -> String {
    c.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
}

impl Error {
    /// The SQL of the statement that failed, if the error came from one.
    pub fn sql(&self) -> Option<&str> {
        match self {
            Error::NotFound { sql }
            | Error::MultipleRows { sql, .. }
            | Error::UniqueViolation { sql, .. }
            | Error::ForeignKeyViolation { sql, .. }
            | Error::NotNullViolation { sql, .. }
            | Error::CheckViolation { sql, .. }
            | Error::OutOfRange { sql, .. }
            | Error::Decode { sql, .. }
            | Error::InvalidValue { sql, .. }
            | Error::InvalidSql { sql, .. }
            | Error::NotSupported { sql, .. }
            | Error::CommitUnknown { sql, .. }
            | Error::SerializationFailure { sql, .. }
            | Error::Deadlock { sql, .. }
            | Error::Busy { sql, .. }
            | Error::Database { sql, .. } => Some(sql),
            Error::Connection { .. } | Error::Migration { .. } | Error::UnknownField(_) => None,
        }
    }

    /// Whether running the whole transaction again may succeed: a
    /// [`SerializationFailure`](Error::SerializationFailure), a
    /// [`Deadlock`](Error::Deadlock) or SQLite's [`Busy`](Error::Busy). The
    /// database rolled the transaction back (or it must be rolled back), so
    /// nothing of it was written. Never true for
    /// [`CommitUnknown`](Error::CommitUnknown) (the transaction may have
    /// committed) nor for [`Connection`](Error::Connection) (the connection
    /// is gone: retrying on it fails again). This is what
    /// [`atomic_with_retry`](crate::atomic_with_retry) retries on.
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
    /// let conn = rusqlite::Connection::open_in_memory()?;
    /// let e = query!(Tag.count()).run(&conn).unwrap_err(); // no table yet
    /// assert!(!e.is_retryable());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::SerializationFailure { .. } | Error::Deadlock { .. } | Error::Busy { .. }
        )
    }

    /// A connection lost while `COMMIT` was under way becomes
    /// [`Error::CommitUnknown`]; any other error is kept.
    pub(crate) fn at_commit(self, sql: &str) -> Self {
        match self {
            Error::Connection { source } => Error::CommitUnknown {
                sql: sql.to_owned(),
                source,
            },
            other => other,
        }
    }

    /// Fills in the SQL of an error raised while reading rows.
    pub(crate) fn with_sql(mut self, text: &str) -> Self {
        if let Error::Decode { sql, .. }
        | Error::NotFound { sql }
        | Error::MultipleRows { sql, .. } = &mut self
        {
            if sql.is_empty() {
                text.clone_into(sql);
            }
        }
        self
    }
}

/// `Result<T, dunder::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

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
    /// The connection failed or was closed.
    #[error("connection error: {source}")]
    Connection {
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
            | Error::Database { sql, .. } => Some(sql),
            Error::Connection { .. } | Error::Migration { .. } => None,
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

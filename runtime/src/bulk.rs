//! Inserting many rows at once (`Model::bulk_create`).
//!
//! The SQL is rendered at compile time like every other statement:
//! PostgreSQL inserts all rows in one statement from one array per column
//! (`INSERT … SELECT * FROM UNNEST($1::text[], …) RETURNING …`, no parameter
//! limit); SQLite inserts `chunk` rows per multi-row `VALUES` statement (under
//! its 32,766-parameter limit) and the rest one by one, inside a savepoint,
//! so a failure leaves no row behind on either backend.

use crate::model::Sql;
use crate::value::{SqlType, Value};

/// The statements of one model's `bulk_create`.
#[doc(hidden)]
#[derive(Debug)]
pub struct BulkInsert {
    /// One row (SQLite text; the PostgreSQL text is the UNNEST form).
    pub one: Sql,
    /// `chunk` rows (SQLite).
    pub many: Sql,
    /// Rows per `many` statement.
    pub chunk: usize,
    /// The SQL type of each inserted column, in order.
    pub types: &'static [SqlType],
}

impl BulkInsert {
    /// One array per column, for PostgreSQL's UNNEST.
    pub(crate) fn columns<'a>(&self, rows: &[Vec<Value<'a>>]) -> Vec<Value<'a>> {
        self.types
            .iter()
            .enumerate()
            .map(|(j, t)| {
                Value::List(
                    *t,
                    rows.iter()
                        .map(|r| r.get(j).cloned().unwrap_or(Value::Null(*t)))
                        .collect(),
                )
            })
            .collect()
    }
}

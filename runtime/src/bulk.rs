//! Inserting many rows at once (`Model::bulk_create`).
//!
//! The SQL is rendered at compile time like every other statement:
//! PostgreSQL inserts all rows in one statement from one array per column
//! (`INSERT … SELECT * FROM UNNEST($1::text[], …) RETURNING …`, no parameter
//! limit); SQLite has multi-row `VALUES` statements for 1, 2, 4, … rows (up
//! to 64, under its 32,766-parameter limit) and inserts any number of rows
//! with the fewest of them, inside a savepoint, so a failure leaves no row
//! behind on either backend.

use crate::model::Sql;
use crate::value::{SqlType, Value};

/// The statements of one model's `bulk_create`.
#[doc(hidden)]
#[derive(Debug)]
pub struct BulkInsert {
    /// `sizes[k]` inserts 2^k rows on SQLite; every PostgreSQL text is the
    /// UNNEST statement, which inserts any number.
    pub sizes: &'static [Sql],
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

//! Inserting many rows at once (`Model::bulk_create`).
//!
//! The SQL comes from the derive like every other statement. PostgreSQL
//! inserts all rows in one statement from one array per column (`INSERT …
//! SELECT * FROM UNNEST($1::text[], …) RETURNING …`, no parameter limit).
//! SQLite inserts them with one multi-row `VALUES` statement of exactly as
//! many rows (its text repeats the derive's row of placeholders), or, past
//! [`MAX_ROWS`] rows or 32,766 parameters, with several inside a savepoint;
//! so a failure leaves no row behind on either backend.

use crate::create::Source;
use crate::model::Sql;
use crate::value::{SqlType, Value};

/// The most rows one SQLite statement inserts: larger statements cost more
/// to prepare and to keep in the statement cache than they save.
pub const MAX_ROWS: usize = 1000;

/// SQLite's limit on the parameters of one statement.
const MAX_PARAMS: usize = 32_766;

/// The statements of one model's `bulk_create` and `bulk_insert`.
#[doc(hidden)]
#[derive(Debug)]
pub struct BulkInsert {
    /// The INSERT of one row (`DEFAULT VALUES` when no column is given),
    /// `RETURNING` what the database computes (`sources`), if anything.
    pub one: Sql,
    /// The same without `RETURNING` (`bulk_insert`).
    pub one_plain: Sql,
    /// PostgreSQL: the UNNEST statement that inserts any number of rows (a
    /// `generate_series` of the row count when no column is given),
    /// `RETURNING` as `one`; and without. (The SQLite texts are `one`'s:
    /// SQLite's statement of many rows is built from the parts below.)
    pub many: Sql,
    pub many_plain: Sql,
    /// SQLite: `INSERT INTO "t" ("a", "b") VALUES `.
    pub sqlite_head: &'static str,
    /// SQLite: the placeholders of one row, `(?, ?)`.
    pub sqlite_row: &'static str,
    /// SQLite: ` RETURNING "id"` (what the database computes), or nothing.
    pub sqlite_tail: &'static str,
    /// The SQL type of each inserted column, in order.
    pub types: &'static [SqlType],
    /// Where each column of the model comes from: the row's values
    /// (`Sent(i)`: the `i`-th inserted column) or the `RETURNING` row.
    pub sources: &'static [Source],
}

impl BulkInsert {
    /// How many values a row has.
    #[inline]
    pub(crate) fn width(&self) -> usize {
        self.types.len()
    }

    /// The most rows of one SQLite statement.
    pub(crate) fn rows_per_statement(&self) -> usize {
        match self.width() {
            0 => 1,
            w => (MAX_PARAMS / w).clamp(1, MAX_ROWS),
        }
    }

    /// Whether the INSERT returns anything.
    #[inline]
    pub(crate) fn returns(&self) -> bool {
        crate::create::returns(self.sources)
    }

    /// The SQLite INSERT of `n` rows (`RETURNING` when `returning`).
    pub(crate) fn sqlite_text(&self, n: usize, returning: bool) -> String {
        let mut s = String::with_capacity(
            self.sqlite_head.len() + n * (self.sqlite_row.len() + 2) + self.sqlite_tail.len(),
        );
        s.push_str(self.sqlite_head);
        for i in 0..n {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(self.sqlite_row);
        }
        if returning {
            s.push_str(self.sqlite_tail);
        }
        s
    }

    /// PostgreSQL's parameters: one array per column of `values` (row after
    /// row, `width()` values each), each sent straight from `values`
    /// (`Value::__Column`), or the row count when there is no column.
    pub(crate) fn columns<'a>(&self, values: &'a [Value<'a>], rows: usize) -> Vec<Value<'a>> {
        let width = self.width();
        if width == 0 {
            return vec![Value::BigInt(i64::try_from(rows).unwrap_or(i64::MAX))];
        }
        self.types
            .iter()
            .enumerate()
            .map(|(index, ty)| Value::__Column {
                ty: *ty,
                values,
                width,
                index,
            })
            .collect()
    }
}

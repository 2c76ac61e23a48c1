//! Connections that run queries.

use crate::error::Result;
use crate::model::{Dialect, Model, Row, Sql};

use crate::query::Consume;
use crate::value::Value;

/// Rows coming back from a statement, one at a time.
#[doc(hidden)]
pub trait Cursor {
    type Row<'r>: Row
    where
        Self: 'r;
    fn next_row(&mut self) -> Result<Option<Self::Row<'_>>>;
    /// How many rows are known to be left (0 when not known), to size the
    /// result once.
    #[inline]
    fn rows_left(&self) -> usize {
        0
    }
}

/// A connection (or transaction) that runs dunder queries:
/// `&rusqlite::Connection`, `&rusqlite::Transaction`, `&mut postgres::Client`,
/// `&mut postgres::Transaction`.
///
/// On SQLite, statements are prepared once per connection and kept in
/// rusqlite's statement cache (`prepare_cached`). On PostgreSQL, each query
/// is sent with its parameter types in one round trip (unnamed statement:
/// no separate prepare, nothing left on the server, and no cache that could
/// be mistaken for another client's).
pub trait Executor: Sized {
    /// The dialect of this connection.
    fn dialect(&self) -> Dialect;

    /// The same connection borrowed again, for operations of several
    /// statements (`get_or_create`).
    #[doc(hidden)]
    type __Again<'r>: Executor
    where
        Self: 'r;
    #[doc(hidden)]
    fn __again(&mut self) -> Self::__Again<'_>;

    #[doc(hidden)]
    fn __run<K: Consume>(
        self,
        sql: &'static Sql,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output>;

    /// Runs a statement that returns no rows; the number of rows affected.
    #[doc(hidden)]
    fn __execute(self, sql: &'static Sql, params: &[Value<'_>]) -> Result<u64>;

    /// [`__run`](Executor::__run) of SQL text known only at run time (raw
    /// SQL, its placeholders numbered for this connection): not cached on
    /// PostgreSQL.
    #[doc(hidden)]
    fn __run_text<K: Consume>(
        self,
        text: &str,
        params: &[Value<'_>],
        consume: K,
    ) -> Result<K::Output>;

    /// [`__execute`](Executor::__execute) of SQL text known only at run time.
    #[doc(hidden)]
    fn __execute_text(self, text: &str, params: &[Value<'_>]) -> Result<u64>;

    /// Inserts `rows` rows, whose values are `values` (row after row, in
    /// column order), all or nothing, and returns them: the values sent
    /// with what the database computed (`bulk.sources`). The default is the
    /// PostgreSQL form: one UNNEST statement.
    #[doc(hidden)]
    fn __insert_many<R: crate::model::FromRow>(
        self,
        bulk: &'static crate::bulk::BulkInsert,
        values: &[Value<'_>],
        rows: usize,
    ) -> Result<Vec<R>> {
        let mut out = Vec::with_capacity(rows);
        if rows == 0 {
            return Ok(out);
        }
        let width = bulk.width();
        // One row: the plain INSERT of one row; more: UNNEST of one array
        // per column, sent straight from `values`.
        let columns;
        let (params, one, plain) = if rows == 1 {
            (values, &bulk.one, &bulk.one_plain)
        } else {
            columns = bulk.columns(values, rows);
            (&columns[..], &bulk.many, &bulk.many_plain)
        };
        if bulk.returns() {
            self.__run(
                one,
                params,
                crate::create::FillAll {
                    sources: bulk.sources,
                    values,
                    width,
                    out: &mut out,
                },
            )?;
        } else {
            self.__execute(plain, params)?;
            crate::create::fill_sent(bulk.sources, values, width, rows, &mut out)
                .map_err(|e| e.with_sql(plain.postgres))?;
        }
        Ok(out)
    }

    /// Inserts `rows` rows as [`__insert_many`](Executor::__insert_many)
    /// does, reading nothing back; the number of rows inserted.
    #[doc(hidden)]
    fn __insert_many_count(
        self,
        bulk: &'static crate::bulk::BulkInsert,
        values: &[Value<'_>],
        rows: usize,
    ) -> Result<u64> {
        match rows {
            0 => Ok(0),
            1 => self.__execute(&bulk.one_plain, values),
            _ => self.__execute(&bulk.many_plain, &bulk.columns(values, rows)),
        }
    }

    /// `Model::bulk_create`: inserts `rows` as
    /// [`__insert_many`](Executor::__insert_many) does, from the rows
    /// themselves. The default builds their values and calls
    /// `__insert_many`; SQLite connections bind each field where it lies.
    #[doc(hidden)]
    fn __insert_rows<N: crate::bind::NewRow, R: crate::model::FromRow>(
        self,
        rows: &[N],
    ) -> Result<Vec<R>> {
        let values = crate::bind::values(rows, crate::bind::now_for::<N>());
        self.__insert_many(N::__bulk(), &values, rows.len())
    }

    /// `Model::bulk_insert`: [`__insert_rows`](Executor::__insert_rows)
    /// reading nothing back; the number of rows inserted.
    #[doc(hidden)]
    fn __insert_rows_count<N: crate::bind::NewRow>(self, rows: &[N]) -> Result<u64> {
        let values = crate::bind::values(rows, crate::bind::now_for::<N>());
        self.__insert_many_count(N::__bulk(), &values, rows.len())
    }

    /// Runs SQL text that has no parameters and returns no rows (DDL, several
    /// statements separated by `;`).
    fn execute_batch(self, sql: &str) -> Result<()>;
}

/// Creates the table of `M` (`CREATE TABLE` from its derive), for tests and
/// prototypes until migrations exist: the statements of
/// [`create_table_sql`](crate::create_table_sql), i.e. the table, the indexes
/// of its foreign keys, and the through tables of its `ManyToMany` fields.
///
/// Create the targets of relations before the models that point at them
/// (`Author` before `Article` with its `ForeignKey<Author>`; both ends before
/// the model declaring a `ManyToMany`): PostgreSQL refuses a `REFERENCES` to a
/// table that does not exist yet. Two models that point at each other need
/// migrations (which do not exist yet).
///
/// On SQLite, foreign keys (and their `ON DELETE` actions) are enforced only
/// on connections with `PRAGMA foreign_keys = ON` (SQLite's default is off).
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
/// dunder::create_table::<Tag, _>(&conn)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_table<M: Model, E: Executor>(executor: E) -> Result<()> {
    let sql = crate::model::create_table_sql::<M>(executor.dialect());
    executor.execute_batch(&sql)
}

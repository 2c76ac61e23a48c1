//! What `create`, `New<Model>::insert` and `bulk_create` return: the row
//! they sent plus what the database computed.
//!
//! Django keeps the values it sent in the instance and reads back only
//! what the database computed (`db_returning` fields: the auto-increment
//! key). dunder does the same: the INSERT returns the auto-increment key,
//! the columns the statement leaves to the database (a nullable field
//! `create` was not given: the column's default, if it has one) and decimal
//! columns (rounded to their scale by the database); every other field is
//! taken from the values that were bound. The derive (or `query!`) says,
//! for each column of the model, where it comes from ([`Source`]); the
//! model's own `FromRow` then reads a [`Filled`] row, so the struct is
//! built by the same code as when it is fetched.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};

use crate::bind::NewRow;
use crate::error::{Error, Result};
use crate::exec::{Cursor, Executor};
use crate::model::{decode_error, Decode, Dialect, FromRow, Row, Sql};
use crate::query::Consume;
use crate::value::{SqlType, Value};

/// Where a created row's column comes from.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The value bound at this index (of the statement, or of the row for
    /// `bulk_create`).
    Sent(usize),
    /// NULL, written into the SQL.
    Null,
    /// The column at this index of the `RETURNING` row.
    Returned(usize),
}

/// Whether a statement returns anything: some column is [`Source::Returned`].
#[inline]
pub(crate) fn returns(sources: &[Source]) -> bool {
    sources.iter().any(|s| matches!(s, Source::Returned(_)))
}

/// The values a created row was sent with: the statement's (a slice of
/// values) or one row of `bulk_create` (read from its fields).
pub(crate) trait Sent {
    /// The sent value at `index` decoded as `T`; `None` when there is none.
    fn decode<T: Decode>(&self, index: usize) -> Option<std::result::Result<T, String>>;
}

impl Sent for [Value<'_>] {
    #[inline]
    fn decode<T: Decode>(&self, index: usize) -> Option<std::result::Result<T, String>> {
        self.get(index).map(T::from_value)
    }
}

/// One row of `bulk_create`, read from its fields.
pub(crate) struct RowSent<'r, N> {
    pub(crate) row: &'r N,
    pub(crate) now: DateTime<Utc>,
}

impl<N: NewRow> Sent for RowSent<'_, N> {
    #[inline]
    fn decode<T: Decode>(&self, index: usize) -> Option<std::result::Result<T, String>> {
        self.row.__value(index, self.now).map(|v| T::from_value(&v))
    }
}

/// A row that reads each column from where [`Source`] says: a value that
/// was sent, or a column of the `RETURNING` row.
pub(crate) struct Filled<'s, 'p, S: ?Sized + Sent, X> {
    sources: &'s [Source],
    sent: &'p S,
    returned: Option<&'p X>,
}

/// The `RETURNING` row of a statement that returns nothing.
#[doc(hidden)]
#[derive(Debug)]
pub struct NoRow;

impl Row for NoRow {
    #[cold]
    fn get<T: Decode>(&self, _: usize, column: &'static str) -> Result<T> {
        Err(missing(column))
    }
}

#[cold]
fn missing(column: &'static str) -> Error {
    decode_error(column, "a value", "nothing (no value was sent or returned)")
}

impl<S: ?Sized + Sent, X: Row> Row for Filled<'_, '_, S, X> {
    #[inline]
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        match self.sources.get(idx) {
            Some(Source::Sent(i)) => match self.sent.decode::<T>(*i) {
                Some(v) => v.map_err(|found| decode_error(column, T::EXPECTED, found)),
                None => Err(missing(column)),
            },
            Some(Source::Null) => T::from_value(&Value::Null(SqlType::Text))
                .map_err(|found| decode_error(column, T::EXPECTED, found)),
            Some(Source::Returned(j)) => match self.returned {
                Some(r) => r.get(*j, column),
                None => Err(missing(column)),
            },
            None => Err(missing(column)),
        }
    }
}

/// The model of one created row: what was sent, `returned` for the rest.
#[inline]
pub(crate) fn fill<M: FromRow, S: ?Sized + Sent, X: Row>(
    sources: &[Source],
    sent: &S,
    returned: Option<&X>,
) -> Result<M> {
    M::from_row(&Filled {
        sources,
        sent,
        returned,
    })
}

/// Reads the one `RETURNING` row of a single-row INSERT.
pub(crate) struct FillOne<'s, 'p, 'v, M> {
    pub(crate) sources: &'s [Source],
    pub(crate) sent: &'p [Value<'v>],
    pub(crate) _m: PhantomData<fn() -> M>,
}

impl<M: FromRow> Consume for FillOne<'_, '_, '_, M> {
    type Output = M;
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<M> {
        let out = match cursor.next_row()? {
            Some(row) => fill(self.sources, self.sent, Some(&row))?,
            // An INSERT returns its row; a rule or trigger can make it not.
            None => return Err(Error::NotFound { sql: String::new() }),
        };
        while cursor.next_row()?.is_some() {}
        Ok(out)
    }
}

/// Reads the `RETURNING` rows of a multi-row INSERT, each with its row of
/// sent values (`width` values a row), in order.
pub(crate) struct FillAll<'s, 'p, 'v, M> {
    pub(crate) sources: &'s [Source],
    pub(crate) values: &'p [Value<'v>],
    pub(crate) width: usize,
    pub(crate) out: &'p mut Vec<M>,
}

impl<M: FromRow> Consume for FillAll<'_, '_, '_, M> {
    type Output = ();
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<()> {
        let mut rows = self.values.chunks(self.width.max(1));
        while let Some(row) = cursor.next_row()? {
            let sent = if self.width == 0 {
                &[][..]
            } else {
                rows.next().unwrap_or(&[])
            };
            self.out.push(fill(self.sources, sent, Some(&row))?);
        }
        Ok(())
    }
}

/// Every row of a multi-row INSERT that returned nothing, from what was sent.
pub(crate) fn fill_sent<M: FromRow>(
    sources: &[Source],
    values: &[Value<'_>],
    width: usize,
    rows: usize,
    out: &mut Vec<M>,
) -> Result<()> {
    for r in 0..rows {
        let sent = values.get(r * width..(r + 1) * width).unwrap_or(&[]);
        out.push(fill::<M, _, NoRow>(sources, sent, None)?);
    }
    Ok(())
}

/// Reads the `RETURNING` rows of a multi-row INSERT of `bulk_create`, each
/// with its row, in order.
pub(crate) struct FillRows<'s, 'p, N, M> {
    pub(crate) sources: &'s [Source],
    pub(crate) rows: &'p [N],
    pub(crate) now: DateTime<Utc>,
    pub(crate) out: &'p mut Vec<M>,
}

impl<N: NewRow, M: FromRow> Consume for FillRows<'_, '_, N, M> {
    type Output = ();
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<()> {
        let mut rows = self.rows.iter();
        while let Some(returned) = cursor.next_row()? {
            let m = match rows.next() {
                Some(row) => fill(
                    self.sources,
                    &RowSent { row, now: self.now },
                    Some(&returned),
                )?,
                // More rows came back than were sent (a trigger): none of
                // them has values.
                None => fill(self.sources, &[][..], Some(&returned))?,
            };
            self.out.push(m);
        }
        Ok(())
    }
}

/// Every row of a multi-row INSERT of `bulk_create` that returned nothing,
/// from the rows.
pub(crate) fn fill_rows<N: NewRow, M: FromRow>(
    sources: &[Source],
    rows: &[N],
    now: DateTime<Utc>,
    out: &mut Vec<M>,
) -> Result<()> {
    for row in rows {
        out.push(fill::<M, _, NoRow>(sources, &RowSent { row, now }, None)?);
    }
    Ok(())
}

/// `query!(Model.create(…))`: an INSERT of one row that returns only what
/// the database computes (the auto-increment key, decimal columns as the
/// database rounded them, columns left to their default); the model it
/// returns holds the values that were sent plus those.
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// struct Note {
///     id: i64,
///     text: String,
///     stars: Option<i32>,
/// }
///
/// let conn = rusqlite::Connection::open_in_memory()?;
/// dunder::create_table::<Note, _>(&conn)?;
/// let q = query!(Note.create(text = "hello", stars = Some(3)));
/// // Only the key comes back: the rest is what was sent.
/// assert_eq!(
///     q.sql(Dialect::Sqlite),
///     r#"INSERT INTO "note" ("text", "stars") VALUES (?1, ?2) RETURNING "id""#
/// );
/// let note = q.run(&conn)?;
/// assert_eq!((note.id, note.text.as_str(), note.stars), (1, "hello", Some(3)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a statement does nothing until it is run: call `run`"]
pub struct Create<'a, M, P = Vec<Value<'a>>> {
    sql: &'static Sql,
    /// The values: an array (`[Value; N]`), or a `Vec`.
    params: P,
    sources: &'static [Source],
    _m: PhantomData<fn() -> (M, Value<'a>)>,
}

impl<'a, M, P: AsRef<[Value<'a>]>> std::fmt::Debug for Create<'a, M, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Create")
            .field("sql", self.sql)
            .field("params", &self.params.as_ref())
            .finish()
    }
}

impl<'a, M: FromRow, P: AsRef<[Value<'a>]>> Create<'a, M, P> {
    #[doc(hidden)]
    #[inline]
    pub fn __new(sql: &'static Sql, params: P, sources: &'static [Source]) -> Self {
        Create {
            sql,
            params,
            sources,
            _m: PhantomData,
        }
    }

    /// The SQL text for `dialect`.
    #[inline]
    pub fn sql(&self, dialect: Dialect) -> &'static str {
        self.sql.get(dialect)
    }

    /// The values bound to the parameters, in placeholder order.
    #[inline]
    pub fn params(&self) -> &[Value<'a>] {
        self.params.as_ref()
    }

    /// Inserts the row and returns it: the values sent, with the key (and
    /// whatever else the database computed) filled in.
    #[inline]
    pub fn run<E: Executor>(&self, executor: E) -> Result<M> {
        insert_one(executor, self.sql, self.params.as_ref(), self.sources)
    }

    /// The same statement with its values in a `Vec`: a `Create<'a, M>`,
    /// one type whatever the statement.
    #[inline]
    pub fn into_vec(self) -> Create<'a, M>
    where
        P: Into<Vec<Value<'a>>>,
    {
        Create::__new(self.sql, self.params.into(), self.sources)
    }
}

/// Runs a one-row INSERT whose `RETURNING` columns are `sources`' returned
/// ones, and builds the model.
#[doc(hidden)]
#[inline]
pub fn insert_one<E: Executor, M: FromRow>(
    executor: E,
    sql: &'static Sql,
    params: &[Value<'_>],
    sources: &'static [Source],
) -> Result<M> {
    if returns(sources) {
        executor.__run(
            sql,
            params,
            FillOne::<M> {
                sources,
                sent: params,
                _m: PhantomData,
            },
        )
    } else {
        executor.__execute(sql, params)?;
        fill::<M, _, NoRow>(sources, params, None).map_err(|e| e.with_sql(sql.sqlite))
    }
}

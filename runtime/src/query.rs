//! The value `query!` builds, and running it.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::exec::{Cursor, Executor};
use crate::model::{Dialect, FromRow, Row, Sql};
use crate::needs::{Anywhere, RunsOn};
use crate::value::Value;

/// How a query turns a result row into its row type: [`FromRow`] for a
/// plain query (every `FromRow` type is its own decoder), a decoder the
/// macro generates for `select_related` (the model, with the related rows
/// read from the same result row set into its keys).
#[doc(hidden)]
pub trait Decoder {
    /// What a row decodes to.
    type Row;
    fn decode<X: Row>(row: &X) -> Result<Self::Row>;
}

impl<R: FromRow> Decoder for R {
    type Row = R;
    #[inline]
    fn decode<X: Row>(row: &X) -> Result<R> {
        R::from_row(row)
    }
}

/// What a query's terminal asks for: every row ([`All`]), exactly one
/// ([`One`]: `get()`, `count()`, `exists()`) or at most one ([`Optional`]:
/// `first()`). [`Query::run`] returns accordingly.
pub trait Mode {
    /// What [`Query::run`] returns for rows of type `R`.
    type Output<R>;
    /// The rows in an output (for `prefetch_related`).
    #[doc(hidden)]
    fn rows_mut<R>(out: &mut Self::Output<R>) -> &mut [R];
    #[doc(hidden)]
    fn run<E: Executor, R: Decoder>(
        e: E,
        sql: &'static Sql,
        params: &[Value<'_>],
    ) -> Result<Self::Output<R::Row>>;
}

/// Every row: `run` returns `Vec<R>`.
#[derive(Debug, Clone, Copy)]
pub struct All;
/// Exactly one row: `run` returns `R`, or `NotFound` / `MultipleRows`.
#[derive(Debug, Clone, Copy)]
pub struct One;
/// At most one row: `run` returns `Option<R>`.
#[derive(Debug, Clone, Copy)]
pub struct Optional;

impl Mode for All {
    type Output<R> = Vec<R>;
    fn rows_mut<R>(out: &mut Vec<R>) -> &mut [R] {
        out
    }
    fn run<E: Executor, R: Decoder>(
        e: E,
        sql: &'static Sql,
        params: &[Value<'_>],
    ) -> Result<Vec<R::Row>> {
        e.__run(sql, params, FetchAll::<R>(PhantomData))
    }
}
impl Mode for One {
    type Output<R> = R;
    fn rows_mut<R>(out: &mut R) -> &mut [R] {
        std::slice::from_mut(out)
    }
    fn run<E: Executor, R: Decoder>(
        e: E,
        sql: &'static Sql,
        params: &[Value<'_>],
    ) -> Result<R::Row> {
        e.__run(sql, params, FetchOne::<R>(PhantomData))
    }
}
impl Mode for Optional {
    type Output<R> = Option<R>;
    fn rows_mut<R>(out: &mut Option<R>) -> &mut [R] {
        out.as_mut_slice()
    }
    fn run<E: Executor, R: Decoder>(
        e: E,
        sql: &'static Sql,
        params: &[Value<'_>],
    ) -> Result<Option<R::Row>> {
        e.__run(sql, params, FetchOptional::<R>(PhantomData))
    }
}

/// What a [`Query`] is over, without owning any of it.
type Marker<R, M, N> = fn() -> (R, M, N);

/// A query built by `query!`: the SQL for every dialect, fixed at compile
/// time, and the values bound to its parameters. `R` is the row type, `M`
/// the [`Mode`] its terminal chose. (With `select_related`, `R` is a decoder
/// the macro generates, whose rows are the model.)
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// pub struct Note {
///     pub id: i64,
///     pub text: String,
/// }
///
/// let conn = rusqlite::Connection::open_in_memory()?;
/// dunder::create_table::<Note, _>(&conn)?;
/// conn.execute("INSERT INTO note (text) VALUES ('hello'), ('world')", [])?;
///
/// let word = "wor";
/// let q = query!(Note.filter(text__startswith = word));
/// assert!(q.sql(Dialect::Sqlite).starts_with(r#"SELECT "note"."id", "note"."text" FROM "note" WHERE"#));
/// assert!(q.sql(Dialect::Postgres).contains("$1"));
/// let notes = q.fetch_all(&conn)?;
/// assert_eq!(notes.len(), 1);
/// assert_eq!(notes[0].text, "world");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a query does nothing until it is run: call `fetch_all`, `fetch_one`, `run`, …"]
pub struct Query<'a, R, M = All, N = Anywhere> {
    sql: &'static Sql,
    params: Vec<Value<'a>>,
    _row: PhantomData<Marker<R, M, N>>,
}

impl<R, M, N> std::fmt::Debug for Query<'_, R, M, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("sql", self.sql)
            .field("params", &self.params)
            .finish()
    }
}

impl<'a, R: Decoder, M: Mode, N> Query<'a, R, M, N> {
    #[doc(hidden)]
    #[inline]
    pub fn __new(sql: &'static Sql, params: Vec<Value<'a>>) -> Self {
        Query {
            sql,
            params,
            _row: PhantomData,
        }
    }

    /// The SQL text for `dialect`.
    #[inline]
    pub fn sql(&self, dialect: Dialect) -> &'static str {
        self.sql.get(dialect)
    }

    /// The values bound to the parameters, in placeholder order (`?1`/`$1` first).
    #[inline]
    pub fn params(&self) -> &[Value<'a>] {
        &self.params
    }

    /// `Error::NotSupported` when `executor` refuses the query at run time
    /// (see [`needs`](crate::needs)).
    #[inline]
    fn check<E: RunsOn<N>>(&self, executor: &E) -> Result<()> {
        match executor.__refuse() {
            None => Ok(()),
            Some(reason) => Err(Error::NotSupported {
                reason: reason.to_owned(),
                sql: self.sql.get(executor.dialect()).to_owned(),
            }),
        }
    }

    /// Runs the query and returns what its terminal asks for: a `Vec` of rows,
    /// one row (`get()`, `count()`, `exists()`), or an `Option` (`first()`).
    #[inline]
    pub fn run<E: RunsOn<N>>(&self, executor: E) -> Result<M::Output<R::Row>> {
        self.check(&executor)?;
        M::run::<E, R>(executor, self.sql, &self.params)
    }

    /// Every row.
    #[inline]
    pub fn fetch_all<E: RunsOn<N>>(&self, executor: E) -> Result<Vec<R::Row>> {
        self.check(&executor)?;
        executor.__run(self.sql, &self.params, FetchAll::<R>(PhantomData))
    }

    /// Exactly one row: [`Error::NotFound`] when there is none,
    /// [`Error::MultipleRows`] when there are more.
    #[inline]
    pub fn fetch_one<E: RunsOn<N>>(&self, executor: E) -> Result<R::Row> {
        self.check(&executor)?;
        executor.__run(self.sql, &self.params, FetchOne::<R>(PhantomData))
    }

    /// The first row, if any (the rest are not read).
    #[inline]
    pub fn fetch_optional<E: RunsOn<N>>(&self, executor: E) -> Result<Option<R::Row>> {
        self.check(&executor)?;
        executor.__run(self.sql, &self.params, FetchOptional::<R>(PhantomData))
    }

    /// Streams the rows: each is decoded and handed to `f` as it arrives,
    /// without collecting them. An `Err` from `f` stops the stream and is returned.
    #[inline]
    pub fn try_for_each<E: RunsOn<N>, F: FnMut(R::Row) -> Result<()>>(
        &self,
        executor: E,
        f: F,
    ) -> Result<()> {
        self.check(&executor)?;
        executor.__run(self.sql, &self.params, ForEach::<F, R>(f, PhantomData))
    }

    /// Runs the query as mode `K` asks, on a connection already checked
    /// (by a wrapper that runs further queries on it).
    #[doc(hidden)]
    #[inline]
    pub fn __run_as<K: Mode, E: Executor>(&self, executor: E) -> Result<K::Output<R::Row>> {
        K::run::<E, R>(executor, self.sql, &self.params)
    }

    #[doc(hidden)]
    #[inline]
    pub fn __check<E: RunsOn<N>>(&self, executor: &E) -> Result<()> {
        self.check(executor)
    }
}

/// What to do with the rows of a statement: implemented once, for every backend.
#[doc(hidden)]
pub trait Consume {
    type Output;
    /// Whether rows should be streamed from the server rather than fetched
    /// in one go (only `try_for_each` streams).
    const STREAM: bool = false;
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<Self::Output>;
}

pub(crate) struct FetchAll<R>(pub(crate) PhantomData<fn() -> R>);
pub(crate) struct FetchOne<R>(pub(crate) PhantomData<fn() -> R>);
pub(crate) struct FetchOptional<R>(pub(crate) PhantomData<fn() -> R>);
pub(crate) struct ForEach<F, R>(F, PhantomData<fn() -> R>);

impl<R: Decoder> Consume for FetchAll<R> {
    type Output = Vec<R::Row>;
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<Vec<R::Row>> {
        let mut out = Vec::with_capacity(cursor.rows_left());
        while let Some(row) = cursor.next_row()? {
            out.push(R::decode(&row)?);
        }
        Ok(out)
    }
}

impl<R: Decoder> Consume for FetchOptional<R> {
    type Output = Option<R::Row>;
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<Option<R::Row>> {
        match cursor.next_row()? {
            Some(row) => R::decode(&row).map(Some),
            None => Ok(None),
        }
    }
}

impl<R: Decoder> Consume for FetchOne<R> {
    type Output = R::Row;
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<R::Row> {
        let first = match cursor.next_row()? {
            Some(row) => R::decode(&row)?,
            None => {
                return Err(Error::NotFound { sql: String::new() });
            }
        };
        let mut count = 1u64;
        while cursor.next_row()?.is_some() {
            count += 1;
        }
        if count > 1 {
            return Err(Error::MultipleRows {
                count,
                sql: String::new(),
            });
        }
        Ok(first)
    }
}

impl<R: Decoder, F: FnMut(R::Row) -> Result<()>> Consume for ForEach<F, R> {
    type Output = ();
    const STREAM: bool = true;
    fn consume<C: Cursor>(mut self, cursor: &mut C) -> Result<()> {
        while let Some(row) = cursor.next_row()? {
            (self.0)(R::decode(&row)?)?;
        }
        Ok(())
    }
}

/// A statement built by `query!` that returns no rows — `.update(…)`,
/// `.delete()` — and reports how many rows it affected.
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// struct Post {
///     id: i64,
///     title: String,
///     views: i64,
///     note: Option<String>,
/// }
///
/// let conn = rusqlite::Connection::open_in_memory()?;
/// dunder::create_table::<Post, _>(&conn)?;
/// conn.execute_batch("INSERT INTO post (title, views) VALUES ('a', 1), ('b', 10)")?;
/// let n = query!(Post.filter(views__lt = 5).update(views = F(views) * 2 + 1, note = Some("bumped"))).run(&conn)?;
/// assert_eq!(n, 1);
/// let gone = query!(Post.filter(title = "b").delete()).run(&conn)?;
/// assert_eq!(gone, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a statement does nothing until it is run: call `run`"]
pub struct Command<'a, P = Vec<Value<'a>>> {
    sql: &'static Sql,
    /// The values: an array (`[Value; N]`) when `query!` knows how many,
    /// a `Vec` when it picks them at run time (optional conditions).
    params: P,
    _values: PhantomData<fn() -> Value<'a>>,
}

impl<'a, P: AsRef<[Value<'a>]>> std::fmt::Debug for Command<'a, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("sql", self.sql)
            .field("params", &self.params.as_ref())
            .finish()
    }
}

impl<'a, P: AsRef<[Value<'a>]>> Command<'a, P> {
    #[doc(hidden)]
    #[inline]
    pub fn __new(sql: &'static Sql, params: P) -> Self {
        Command {
            sql,
            params,
            _values: PhantomData,
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

    /// Runs the statement; the number of rows it affected.
    #[inline]
    pub fn run<E: Executor>(&self, executor: E) -> Result<u64> {
        executor.__execute(self.sql, self.params.as_ref())
    }

    /// The same statement with its values in a `Vec`: a `Command<'a>`,
    /// one type whatever the statement (to store statements together or
    /// return one from a function without naming its array).
    #[inline]
    pub fn into_vec(self) -> Command<'a>
    where
        P: Into<Vec<Value<'a>>>,
    {
        Command::__new(self.sql, self.params.into())
    }
}

//! `prefetch_related`: after a query's rows are read, one more query per
//! relation loads the related rows and sets them into the rows' relation
//! fields. The macro generates what each relation needs (its SQL, how to
//! read a row's key, where to put the rows); this is the part that runs.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::error::Result;
use crate::exec::Executor;
use crate::model::{Dialect, Sql};
use crate::needs::{Anywhere, RunsOn};
use crate::query::{All, Decoder, FetchAll, Mode, One, Optional, Query};
use crate::value::{SqlType, Value};

/// Loads the related rows of `rows` (implemented by `query!` for the
/// relations a `prefetch_related` names).
#[doc(hidden)]
pub trait Prefetch<T> {
    fn prefetch<E: Executor>(e: &mut E, rows: &mut [T]) -> Result<()>;
}

/// A query with `prefetch_related(…)`: its rows, then one query per
/// relation (`WHERE key IN (…)`, the keys bound as one list parameter),
/// whose rows fill the relation fields (`Reverse`, `ManyToMany`,
/// `ReverseOne`, or the loaded row of a `ForeignKey`).
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// pub struct Shelf {
///     pub id: i64,
///     pub name: String,
///     #[dunder(related = shelf)]
///     pub books: Reverse<crate::Book>,
/// }
///
/// #[derive(Model, Debug)]
/// pub struct Book {
///     pub id: i64,
///     pub title: String,
///     pub shelf: ForeignKey<crate::Shelf>,
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let conn = rusqlite::Connection::open_in_memory()?;
///     dunder::create_table::<Shelf, _>(&conn)?;
///     dunder::create_table::<Book, _>(&conn)?;
///     conn.execute_batch(
///         "INSERT INTO shelf (name) VALUES ('fiction'), ('empty');
///          INSERT INTO book (title, shelf_id) VALUES ('Dune', 1), ('Emma', 1);",
///     )?;
///     let q = query!(Shelf.prefetch_related(books).order_by(id));
///     let shelves = q.fetch_all(&conn)?; // two queries: shelves, then their books
///     let titles: Vec<&str> = shelves[0].books.loaded().unwrap().iter().map(|b| b.title.as_str()).collect();
///     assert_eq!(titles, ["Dune", "Emma"]);
///     assert_eq!(shelves[1].books.loaded().map(|b| b.len()), Some(0));
///     assert_eq!(q.prefetch_sql(Dialect::Sqlite).len(), 1);
///     Ok(())
/// }
/// ```
#[must_use = "a query does nothing until it is run: call `fetch_all`, `fetch_one`, `run`, …"]
pub struct Prefetching<'a, R, M, P, N = Anywhere> {
    query: Query<'a, R, M, N>,
    sql: &'static [&'static Sql],
    _prefetch: PhantomData<fn() -> P>,
}

impl<R, M, P, N> std::fmt::Debug for Prefetching<'_, R, M, P, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prefetching")
            .field("query", &self.query)
            .field("prefetch", &self.sql)
            .finish()
    }
}

impl<'a, R: Decoder, M: Mode, P: Prefetch<R::Row>, N> Prefetching<'a, R, M, P, N> {
    #[doc(hidden)]
    pub fn __new(query: Query<'a, R, M, N>, sql: &'static [&'static Sql]) -> Self {
        Prefetching {
            query,
            sql,
            _prefetch: PhantomData,
        }
    }

    /// The SQL text of the query itself for `dialect`.
    pub fn sql(&self, dialect: Dialect) -> &'static str {
        self.query.sql(dialect)
    }

    /// The SQL text of each prefetch query for `dialect`, depth first.
    pub fn prefetch_sql(&self, dialect: Dialect) -> Vec<&'static str> {
        self.sql.iter().map(|s| s.get(dialect)).collect()
    }

    /// The values bound to the query's parameters.
    pub fn params(&self) -> &[Value<'a>] {
        self.query.params()
    }

    /// Runs the query and its prefetch queries; returns what the terminal
    /// asks for, as [`Query::run`].
    pub fn run<E: RunsOn<N>>(&self, mut executor: E) -> Result<M::Output<R::Row>> {
        self.query.__check(&executor)?;
        let mut out = self.query.__run_as::<M, _>(executor.__again())?;
        P::prefetch(&mut executor, M::rows_mut(&mut out))?;
        Ok(out)
    }

    /// Every row, with its related rows.
    pub fn fetch_all<E: RunsOn<N>>(&self, mut executor: E) -> Result<Vec<R::Row>> {
        self.query.__check(&executor)?;
        let mut out = self.query.__run_as::<All, _>(executor.__again())?;
        P::prefetch(&mut executor, &mut out)?;
        Ok(out)
    }

    /// Exactly one row, with its related rows.
    pub fn fetch_one<E: RunsOn<N>>(&self, mut executor: E) -> Result<R::Row> {
        self.query.__check(&executor)?;
        let mut out = self.query.__run_as::<One, _>(executor.__again())?;
        P::prefetch(&mut executor, std::slice::from_mut(&mut out))?;
        Ok(out)
    }

    /// The first row, if any, with its related rows.
    pub fn fetch_optional<E: RunsOn<N>>(&self, mut executor: E) -> Result<Option<R::Row>> {
        self.query.__check(&executor)?;
        let mut out = self.query.__run_as::<Optional, _>(executor.__again())?;
        P::prefetch(&mut executor, out.as_mut_slice())?;
        Ok(out)
    }
}

/// Runs one prefetch query for `keys` (bound as one list) and returns each
/// row's link key and the rows, in the query's order.
#[doc(hidden)]
pub fn prefetch_rows<E: Executor, D: Decoder<Row = (i64, T)>, T>(
    e: E,
    sql: &'static Sql,
    keys: Vec<i64>,
) -> Result<(Vec<i64>, Vec<T>)> {
    if keys.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let params = [Value::List(
        SqlType::BigInt,
        keys.into_iter().map(Value::BigInt).collect(),
    )];
    let pairs = e.__run(sql, &params, FetchAll::<D>(PhantomData))?;
    Ok(pairs.into_iter().unzip())
}

/// The rows grouped by their link key, each group in order, shared: a key
/// may stand for several rows (a row read twice by a join), and each gets
/// the group (as Django's prefetch does).
#[doc(hidden)]
pub fn group<T>(links: Vec<i64>, rows: Vec<T>) -> HashMap<i64, Arc<[T]>> {
    let mut map: HashMap<i64, Vec<T>> = HashMap::new();
    for (k, r) in links.into_iter().zip(rows) {
        map.entry(k).or_default().push(r);
    }
    map.into_iter().map(|(k, v)| (k, Arc::from(v))).collect()
}

/// The group of `key`, empty when there is none.
#[doc(hidden)]
pub fn group_of<T>(map: &HashMap<i64, Arc<[T]>>, key: i64) -> Arc<[T]> {
    map.get(&key)
        .cloned()
        .unwrap_or_else(|| Arc::from(Vec::new()))
}

/// The rows by their key, shared (a row may be the target of many keys).
#[doc(hidden)]
pub fn by_key<T>(links: Vec<i64>, rows: Vec<T>) -> HashMap<i64, Arc<T>> {
    links
        .into_iter()
        .zip(rows.into_iter().map(Arc::new))
        .collect()
}

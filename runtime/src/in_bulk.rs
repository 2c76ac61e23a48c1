//! `query!(Article.in_bulk(ids))`: rows by key, as Django's `in_bulk`.

use std::collections::HashMap;
use std::hash::Hash;

use crate::error::Result;
use crate::model::Dialect;
use crate::needs::RunsOn;
use crate::prefetch::{Prefetch, Prefetching};
use crate::query::{All, Decoder, Query};

/// A query whose rows `in_bulk` collects: a [`Query`] or a
/// [`Prefetching`] query of every row.
#[doc(hidden)]
pub trait Rows {
    /// A row.
    type Row;
    /// What the connection must be able to run.
    type Needs;
    fn __fetch_all<E: RunsOn<Self::Needs>>(&self, executor: E) -> Result<Vec<Self::Row>>;
    fn __sql(&self, dialect: Dialect) -> &'static str;
}

impl<R: Decoder, N> Rows for Query<'_, R, All, N> {
    type Row = R::Row;
    type Needs = N;
    #[inline]
    fn __fetch_all<E: RunsOn<N>>(&self, executor: E) -> Result<Vec<R::Row>> {
        self.fetch_all(executor)
    }
    fn __sql(&self, dialect: Dialect) -> &'static str {
        self.sql(dialect)
    }
}

impl<R: Decoder, P: Prefetch<R::Row>, N> Rows for Prefetching<'_, R, All, P, N> {
    type Row = R::Row;
    type Needs = N;
    #[inline]
    fn __fetch_all<E: RunsOn<N>>(&self, executor: E) -> Result<Vec<R::Row>> {
        self.fetch_all(executor)
    }
    fn __sql(&self, dialect: Dialect) -> &'static str {
        self.sql(dialect)
    }
}

/// What `query!(Model.in_bulk(ids))` builds: `run` returns a
/// `HashMap` from each row's key (the primary key, or the unique field
/// named by `field_name = …`) to the row. Keys with no row are absent.
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// pub struct City {
///     pub id: i64,
///     #[dunder(unique)]
///     pub name: String,
/// }
///
/// let conn = rusqlite::Connection::open_in_memory()?;
/// dunder::create_table::<City, _>(&conn)?;
/// conn.execute_batch("INSERT INTO city (name) VALUES ('Lyon'), ('Oslo'), ('Lima')")?;
///
/// let by_id = query!(City.in_bulk([1, 3, 7])).run(&conn)?;
/// assert_eq!(by_id.len(), 2);
/// assert_eq!(by_id[&3].name, "Lima");
///
/// let names = ["Oslo", "Rome"];
/// let by_name = query!(City.in_bulk(names, field_name = name)).run(&conn)?;
/// assert_eq!(by_name["Oslo"].id, 2);
/// assert!(!by_name.contains_key("Rome"));
///
/// let all = query!(City.filter(name__startswith = "L").in_bulk()).run(&conn)?;
/// assert_eq!(all.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a query does nothing until it is run: call `run`"]
pub struct InBulk<Q: Rows, K> {
    query: Q,
    key: fn(&Q::Row) -> K,
}

impl<Q: Rows + std::fmt::Debug, K> std::fmt::Debug for InBulk<Q, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InBulk")
            .field("query", &self.query)
            .finish()
    }
}

impl<Q: Rows, K: Hash + Eq> InBulk<Q, K> {
    #[doc(hidden)]
    #[inline]
    pub fn __new(query: Q, key: fn(&Q::Row) -> K) -> Self {
        InBulk { query, key }
    }

    /// The SQL text for `dialect`.
    #[inline]
    pub fn sql(&self, dialect: Dialect) -> &'static str {
        self.query.__sql(dialect)
    }

    /// The query that reads the rows.
    #[inline]
    pub fn query(&self) -> &Q {
        &self.query
    }

    /// Runs the query: each row under its key.
    pub fn run<E: RunsOn<Q::Needs>>(&self, executor: E) -> Result<HashMap<K, Q::Row>> {
        let rows = self.query.__fetch_all(executor)?;
        let mut map = HashMap::with_capacity(rows.len());
        for row in rows {
            map.insert((self.key)(&row), row);
        }
        Ok(map)
    }
}

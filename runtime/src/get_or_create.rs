//! `get_or_create` and `update_or_create`: several statements, race-safe
//! without a transaction of their own.

use std::borrow::Cow;
use std::marker::PhantomData;

use crate::create::{fill, returns, FillOne, NoRow, Source};
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::model::{Dialect, FromRow, Sql};
use crate::query::{FetchOne, FetchOptional};
use crate::value::Value;

/// The statements of a `get_or_create` / `update_or_create`, rendered at
/// compile time. They share one list of parameters; each statement numbers
/// its own placeholders from 1 and says which of the list's values (by
/// index) each takes.
#[doc(hidden)]
#[derive(Debug)]
pub struct GetOrCreateSql {
    /// `SELECT … WHERE <lookups> LIMIT 21`.
    pub get: Sql,
    pub get_params: &'static [usize],
    /// `UPDATE … SET <defaults> WHERE <pk> = ? AND <lookups> RETURNING …`
    /// (`update_or_create` with something to set); the index one past the
    /// last parameter is the primary key of the row found.
    pub update: Option<(Sql, &'static [usize])>,
    /// `INSERT … ON CONFLICT DO NOTHING RETURNING …`: no row when a unique
    /// constraint already holds the values. It returns only what the
    /// database computes (the key, decimals as rounded, columns left to a
    /// default), as `create` does; nothing at all when it computes nothing.
    pub insert: Sql,
    /// The same `INSERT` without `ON CONFLICT`, run last to report why the
    /// row can neither be found nor created.
    pub insert_strict: Sql,
    pub insert_params: &'static [usize],
    /// Where each column of a created row comes from: a value the insert
    /// sent, or a column of its `RETURNING` row.
    pub sources: &'static [Source],
}

/// The values of `params` a statement takes: borrowed when they are the
/// first ones in order (the `get`), copied otherwise.
fn select<'p, 'a>(params: &'p [Value<'a>], take: &[usize]) -> Cow<'p, [Value<'a>]> {
    if take.iter().enumerate().all(|(i, t)| i == *t) && take.len() <= params.len() {
        Cow::Borrowed(&params[..take.len()])
    } else {
        Cow::Owned(
            take.iter()
                .filter_map(|t| params.get(*t).cloned())
                .collect(),
        )
    }
}

/// A `get_or_create(…)` or `update_or_create(…)` built by `query!`; `run`
/// returns the row and whether it was created, as Django's `(obj, created)`.
///
/// It is race-safe without a transaction: the row is created with
/// `INSERT … ON CONFLICT DO NOTHING`, so when another connection creates the
/// same row first (a unique constraint on the lookup fields), the insert
/// yields nothing and the row is fetched again, as Django retries the `get`
/// after an `IntegrityError`. Nothing fails, so a surrounding PostgreSQL
/// transaction stays usable. `update_or_create` updates the row it found by
/// primary key *and* the lookups, so a row changed in between so that it no
/// longer matches is not updated: the lookups run again.
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// struct Tag {
///     id: i64,
///     name: String,
///     uses: i32,
/// }
///
/// let conn = rusqlite::Connection::open_in_memory()?;
/// dunder::create_table::<Tag, _>(&conn)?;
/// conn.execute("CREATE UNIQUE INDEX tag_name ON tag (name)", [])?;
///
/// let (tag, created) = query!(Tag.get_or_create(name = "rust", defaults(uses = 1))).run(&conn)?;
/// assert!(created);
/// let (again, created) = query!(Tag.get_or_create(name = "rust", defaults(uses = 1))).run(&conn)?;
/// assert!(!created);
/// assert_eq!(again.id, tag.id);
///
/// let (tag, created) = query!(Tag.update_or_create(name = "rust", defaults(uses = 7))).run(&conn)?;
/// assert_eq!((tag.uses, created), (7, false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "nothing happens until it is run: call `run`"]
pub struct GetOrCreate<'a, M> {
    sql: &'static GetOrCreateSql,
    params: Vec<Value<'a>>,
    /// The primary key of a row, for the `UPDATE` of `update_or_create`.
    pk: for<'r> fn(&'r M) -> Value<'r>,
    _row: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for GetOrCreate<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetOrCreate")
            .field("sql", self.sql)
            .field("params", &self.params)
            .finish()
    }
}

impl<'a, M: FromRow> GetOrCreate<'a, M> {
    #[doc(hidden)]
    pub fn __new(
        sql: &'static GetOrCreateSql,
        params: Vec<Value<'a>>,
        pk: for<'r> fn(&'r M) -> Value<'r>,
    ) -> Self {
        GetOrCreate {
            sql,
            params,
            pk,
            _row: PhantomData,
        }
    }

    /// The statements it may run in `dialect`, in order: the `SELECT`, the
    /// `UPDATE` (`update_or_create` only), the `INSERT … ON CONFLICT DO
    /// NOTHING`, and the plain `INSERT` that reports an error.
    pub fn sql(&self, dialect: Dialect) -> Vec<&'static str> {
        let s = self.sql;
        let mut out = vec![s.get.get(dialect)];
        out.extend(s.update.as_ref().map(|u| u.0.get(dialect)));
        out.push(s.insert.get(dialect));
        out.push(s.insert_strict.get(dialect));
        out
    }

    /// The values bound to the parameters, in placeholder order.
    pub fn params(&self) -> &[Value<'a>] {
        &self.params
    }

    /// Finds the row (updating it, for `update_or_create`) or creates it.
    /// Returns the row and `true` when it was created.
    ///
    /// Errors: [`Error::MultipleRows`] when the lookups match more than one
    /// row (nothing is changed); a constraint error when the row cannot be
    /// created (e.g. [`Error::UniqueViolation`] of a unique field the lookups
    /// do not cover).
    pub fn run<E: Executor>(&self, mut executor: E) -> Result<(M, bool)> {
        // Copied only when a row has to be created.
        let mut insert_params = None;
        // Two rounds, as Django's retry of the `get` after an IntegrityError.
        for _ in 0..2 {
            if let Some(row) = self.find(&mut executor)? {
                return Ok((row, false));
            }
            let values =
                insert_params.get_or_insert_with(|| select(&self.params, self.sql.insert_params));
            if let Some(row) = self.insert(&mut executor, values)? {
                return Ok((row, true));
            }
        }
        // Found by neither, and a unique constraint keeps it from being
        // created: run the plain INSERT for the database's own error (or
        // the row, if the conflicting one has gone meanwhile).
        let values = insert_params.unwrap_or_else(|| select(&self.params, self.sql.insert_params));
        let (sql, sources) = (&self.sql.insert_strict, self.sql.sources);
        let row = if returns(sources) {
            executor.__again().__run(
                sql,
                &values,
                FillOne::<M> {
                    sources,
                    sent: &values,
                    _m: PhantomData,
                },
            )?
        } else {
            executor.__again().__execute(sql, &values)?;
            fill::<M, [Value<'_>], NoRow>(sources, &values[..], None)?
        };
        Ok((row, true))
    }

    /// The `INSERT … ON CONFLICT DO NOTHING`: the row created from `values`
    /// and what the database computed, or `None` when it conflicted.
    fn insert<E: Executor>(&self, executor: &mut E, values: &[Value<'_>]) -> Result<Option<M>> {
        let (sql, sources) = (&self.sql.insert, self.sql.sources);
        if returns(sources) {
            executor.__again().__run(
                sql,
                values,
                FillOptional::<M> {
                    sources,
                    sent: values,
                    _m: PhantomData,
                },
            )
        } else {
            // Nothing to read back: the row count says whether it was
            // inserted.
            match executor.__again().__execute(sql, values)? {
                0 => Ok(None),
                _ => fill::<M, [Value<'_>], NoRow>(sources, values, None).map(Some),
            }
        }
    }

    /// The row the lookups match, updated for `update_or_create`; `None`
    /// when there is none (or it stopped matching before the update).
    fn find<E: Executor>(&self, executor: &mut E) -> Result<Option<M>> {
        let s = self.sql;
        let found = match executor.__again().__run(
            &s.get,
            &select(&self.params, s.get_params),
            FetchOne::<M>(PhantomData),
        ) {
            Ok(row) => row,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some((update, take)) = &s.update else {
            return Ok(Some(found));
        };
        let pk = (self.pk)(&found);
        let params: Vec<Value<'_>> = take
            .iter()
            .filter_map(|t| match self.params.get(*t) {
                Some(v) => Some(v.clone()),
                None => (*t == self.params.len()).then(|| pk.clone()),
            })
            .collect();
        executor
            .__again()
            .__run(update, &params, FetchOptional::<M>(PhantomData))
    }
}

/// Reads the `RETURNING` row of an `INSERT … ON CONFLICT DO NOTHING`, if it
/// inserted one.
struct FillOptional<'s, 'p, 'v, M> {
    sources: &'s [Source],
    sent: &'p [Value<'v>],
    _m: PhantomData<fn() -> M>,
}

impl<M: FromRow> crate::query::Consume for FillOptional<'_, '_, '_, M> {
    type Output = Option<M>;
    fn consume<C: crate::exec::Cursor>(self, cursor: &mut C) -> Result<Option<M>> {
        let out = match cursor.next_row()? {
            Some(row) => Some(fill(self.sources, self.sent, Some(&row))?),
            None => None,
        };
        while cursor.next_row()?.is_some() {}
        Ok(out)
    }
}

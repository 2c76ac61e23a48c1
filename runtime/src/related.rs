//! Writing many-to-many relations: Django's related manager (`add`,
//! `remove`, `set`, `clear`) for a `ManyToMany` field with an automatic
//! through table. The derive generates the statements; this runs them.

use std::marker::PhantomData;

use crate::error::Result;
use crate::exec::Executor;
use crate::model::{Dialect, ForeignKey, Sql};
use crate::value::{SqlType, Value};

/// The statements of one many-to-many field (parameter 1: the row's key,
/// parameter 2: the list of related keys).
#[doc(hidden)]
#[derive(Debug)]
pub struct ManyToManySql {
    /// Inserts the pairs that are missing (`ON CONFLICT DO NOTHING`).
    pub add: Sql,
    /// Deletes the pairs of the listed keys.
    pub remove: Sql,
    /// Deletes the pairs of every key but the listed ones.
    pub keep_only: Sql,
    /// Deletes every pair of the row (parameter 1 only).
    pub clear: Sql,
    /// PostgreSQL: `keep_only` and `add` in one statement (its `sqlite`
    /// text is unused: SQLite runs the two in a savepoint).
    pub set_postgres: Sql,
}

/// A model's integer primary key, for relations (implemented by the derive
/// for models whose key is an integer).
pub trait RowKey {
    /// The primary key.
    fn row_key(&self) -> i64;
}

/// What names a related row in `add`, `remove` and `set`: its primary key
/// (`i64`), the row itself (`&Tag`) or a key to it (`ForeignKey<Tag>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not name a `{T}` row",
    label = "expected a `{T}`, a `&{T}`, its `i64` primary key or a `ForeignKey<{T}>`"
)]
pub trait IntoKey<T> {
    /// The related row's primary key.
    fn into_key(self) -> i64;
}

impl<T> IntoKey<T> for i64 {
    fn into_key(self) -> i64 {
        self
    }
}
impl<T> IntoKey<T> for &i64 {
    fn into_key(self) -> i64 {
        *self
    }
}
impl<T: RowKey> IntoKey<T> for &T {
    fn into_key(self) -> i64 {
        self.row_key()
    }
}
impl<T> IntoKey<T> for ForeignKey<T> {
    fn into_key(self) -> i64 {
        self.id()
    }
}
impl<T> IntoKey<T> for &ForeignKey<T> {
    fn into_key(self) -> i64 {
        self.id()
    }
}

/// The rows related to one row through a `ManyToMany` field, written as
/// Django's related manager writes them: `row.tags().add(&conn, [a, b])`.
/// Each call is one statement (`set` on SQLite: two, in a savepoint);
/// `add`, `remove` and `clear` return the number of through rows they
/// inserted or deleted.
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// pub struct Tag {
///     pub id: i64,
///     pub name: String,
///     #[dunder(related = tags)]
///     pub posts: Reverse<crate::Post>,
/// }
///
/// #[derive(Model, Debug)]
/// pub struct Post {
///     pub id: i64,
///     pub title: String,
///     pub tags: ManyToMany<crate::Tag>,
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let conn = rusqlite::Connection::open_in_memory()?;
///     dunder::create_table::<Tag, _>(&conn)?;
///     dunder::create_table::<Post, _>(&conn)?; // and its through table post_tags
///     let rust = query!(Tag.create(name = "rust")).run(&conn)?;
///     let orm = query!(Tag.create(name = "orm")).run(&conn)?;
///     let post = query!(Post.create(title = "Hello")).run(&conn)?;
///
///     assert_eq!(post.tags().add(&conn, [&rust, &orm])?, 2);
///     assert_eq!(post.tags().add(&conn, [rust.id])?, 0); // already there
///     let n: i64 = query!(Post.filter(tags__name = "orm").count()).run(&conn)?;
///     assert_eq!(n, 1);
///     // The other side writes the same table.
///     assert_eq!(rust.posts().remove(&conn, [&post])?, 1);
///     assert_eq!(rust.posts().add(&conn, [post.id])?, 1);
///     post.tags().set(&conn, [orm.id])?;        // removes rust
///     post.tags().remove(&conn, [&orm])?;
///     assert_eq!(post.tags().clear(&conn)?, 0); // nothing left
///     Ok(())
/// }
/// ```
pub struct RelatedManager<T> {
    key: i64,
    sql: &'static ManyToManySql,
    _target: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for RelatedManager<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelatedManager")
            .field("key", &self.key)
            .finish()
    }
}

impl<T> RelatedManager<T> {
    #[doc(hidden)]
    pub fn __new(key: i64, sql: &'static ManyToManySql) -> Self {
        RelatedManager {
            key,
            sql,
            _target: PhantomData,
        }
    }

    fn params<K: IntoKey<T>>(&self, keys: impl IntoIterator<Item = K>) -> [Value<'static>; 2] {
        [
            Value::BigInt(self.key),
            Value::List(
                SqlType::BigInt,
                keys.into_iter()
                    .map(|k| Value::BigInt(k.into_key()))
                    .collect(),
            ),
        ]
    }

    /// Relates the rows (those already related are left as they are).
    pub fn add<E: Executor, K: IntoKey<T>>(
        &self,
        executor: E,
        rows: impl IntoIterator<Item = K>,
    ) -> Result<u64> {
        executor.__execute(&self.sql.add, &self.params(rows))
    }

    /// Unrelates the rows.
    pub fn remove<E: Executor, K: IntoKey<T>>(
        &self,
        executor: E,
        rows: impl IntoIterator<Item = K>,
    ) -> Result<u64> {
        executor.__execute(&self.sql.remove, &self.params(rows))
    }

    /// Unrelates every row.
    pub fn clear<E: Executor>(&self, executor: E) -> Result<u64> {
        executor.__execute(&self.sql.clear, &[Value::BigInt(self.key)])
    }

    /// Makes exactly these rows related: removes the others and adds the
    /// missing, all or nothing.
    pub fn set<E: Executor, K: IntoKey<T>>(
        &self,
        mut executor: E,
        rows: impl IntoIterator<Item = K>,
    ) -> Result<()> {
        let params = self.params(rows);
        match executor.dialect() {
            // One statement: the delete and the insert in a CTE.
            Dialect::Postgres => executor
                .__execute(&self.sql.set_postgres, &params)
                .map(|_| ()),
            Dialect::Sqlite => {
                executor
                    .__again()
                    .execute_batch("SAVEPOINT dunder_m2m_set")?;
                let result = executor
                    .__again()
                    .__execute(&self.sql.keep_only, &params)
                    .and_then(|_| executor.__again().__execute(&self.sql.add, &params));
                match result {
                    Ok(_) => executor.execute_batch("RELEASE dunder_m2m_set"),
                    Err(e) => {
                        let _ = executor
                            .__again()
                            .execute_batch("ROLLBACK TO dunder_m2m_set");
                        let _ = executor.execute_batch("RELEASE dunder_m2m_set");
                        Err(e)
                    }
                }
            }
        }
    }
}

//! Models, rows, and how column values become Rust values.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::value::{SqlType, Value};

/// The SQL dialects dunder renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite (rusqlite).
    Sqlite,
    /// PostgreSQL (postgres).
    Postgres,
}

/// SQL text rendered at compile time, once for every dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sql {
    /// The SQLite text (`?1`, `?2`, … placeholders).
    pub sqlite: &'static str,
    /// The PostgreSQL text (`$1`, `$2`, … placeholders).
    pub postgres: &'static str,
}

impl Sql {
    /// The text for `dialect`.
    #[inline]
    pub const fn get(&self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
        }
    }
}

/// One column of a model's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The Rust field.
    pub field: &'static str,
    /// The column name.
    pub name: &'static str,
    /// The SQL type.
    pub sql_type: SqlType,
    /// `(max_digits, decimal_places)` of a [`SqlType::Decimal`] column:
    /// `numeric(max_digits, decimal_places)` on PostgreSQL (SQLite's
    /// `decimal` takes none, as Django writes it). `None` for the others.
    pub decimal: Option<(u16, u16)>,
    /// `NULL` allowed (the field is an `Option`).
    pub nullable: bool,
    /// Part of the primary key.
    pub primary_key: bool,
    /// A foreign key: the target's table and primary key column.
    pub references: Option<(&'static str, &'static str)>,
    /// `UNIQUE`: no two rows hold the same value (true for the key column of
    /// a [`OneToOne`]).
    pub unique: bool,
    /// What deleting the referenced row does: `Some` for the column of a
    /// [`ForeignKey`] or [`OneToOne`], `None` for every other column (and,
    /// for a column with `references`, the same as [`OnDelete::DoNothing`]).
    pub on_delete: Option<OnDelete>,
    /// `#[dunder(renamed_from = "old")]`: the field's name before, so that
    /// `makemigrations` renames the column instead of dropping it.
    pub renamed_from: Option<&'static str>,
    /// `#[dunder(index)]`: an index of its own (a foreign key has one
    /// anyway).
    pub index: bool,
    /// `#[dunder(max_length = n)]` of a text column: `varchar(n)`, checked
    /// on both backends.
    pub max_length: Option<u32>,
    /// A literal `#[dunder(default = …)]` as text: the value a migration
    /// that adds the column gives the rows already there.
    pub migration_default: Option<&'static str>,
}

/// What deleting a row does to the rows whose foreign key (or one-to-one
/// key) points at it: Django's `on_delete`. dunder puts it in the schema
/// (`ON DELETE …` of the `REFERENCES` clause), so the database applies it,
/// whoever deletes the row.
///
/// Foreign keys are `DEFERRABLE INITIALLY DEFERRED` (as Django creates them):
/// a key that points nowhere is refused at the end of the transaction (at
/// the end of the statement outside one). The actions `CASCADE`, `SET NULL`
/// and `SET DEFAULT` are carried out at once, and `RESTRICT` is checked at
/// once, on both PostgreSQL and SQLite, deferred or not. On SQLite all of it
/// needs `PRAGMA foreign_keys = ON` on the connection (SQLite's default is
/// off; Django turns it on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// Delete the dependent rows too (`ON DELETE CASCADE`; Django's `CASCADE`).
    Cascade,
    /// Refuse to delete a row that still has dependants
    /// (`ON DELETE RESTRICT`: the delete fails with
    /// [`Error::ForeignKeyViolation`] and deletes nothing). Django's
    /// `PROTECT`, which Django checks in Python before deleting.
    Protect,
    /// Refuse to delete a row that still has dependants (`ON DELETE
    /// RESTRICT`), as [`Protect`](OnDelete::Protect). (Django's `RESTRICT`
    /// also lets the delete through when those dependants are deleted by a
    /// cascade of the same delete; dunder does not model that case.)
    Restrict,
    /// Set the key to NULL (`ON DELETE SET NULL`; Django's `SET_NULL`). The
    /// field must be an `Option`, or the delete fails with
    /// [`Error::NotNullViolation`].
    SetNull,
    /// Set the key to the column's SQL default (`ON DELETE SET DEFAULT`;
    /// Django's `SET_DEFAULT`). dunder's defaults (`#[dunder(default = …)]`)
    /// are Rust expressions, not SQL `DEFAULT`s, so the column's SQL default
    /// is NULL: the key becomes NULL, and on a `NOT NULL` column the delete
    /// fails with [`Error::NotNullViolation`] (both backends).
    SetDefault,
    /// No action of its own (Django's `DO_NOTHING`): the constraint still
    /// holds, so a delete that leaves dependants pointing at nothing fails
    /// with [`Error::ForeignKeyViolation`] when the deferred constraint is
    /// checked (`NO ACTION`): at `COMMIT` inside a transaction, at the end of
    /// the statement outside one.
    DoNothing,
}

impl OnDelete {
    /// The `ON DELETE …` clause (with a leading space), or `""` for
    /// [`DoNothing`](OnDelete::DoNothing).
    pub(crate) const fn sql(self) -> &'static str {
        match self {
            OnDelete::Cascade => " ON DELETE CASCADE",
            OnDelete::SetNull => " ON DELETE SET NULL",
            OnDelete::SetDefault => " ON DELETE SET DEFAULT",
            // RESTRICT, unlike NO ACTION, is checked immediately even when
            // the constraint is deferred, on PostgreSQL and on SQLite.
            OnDelete::Protect | OnDelete::Restrict => " ON DELETE RESTRICT",
            OnDelete::DoNothing => "",
        }
    }
}

/// The automatic through table of a [`ManyToMany`] field, as Django creates
/// it: `id` (auto-increment primary key), `<source_column>` and
/// `<target_column>` (`bigint NOT NULL`, foreign keys to the source and the
/// target with `ON DELETE CASCADE`), and `UNIQUE (source_column,
/// target_column)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManyToManyTable {
    /// The Rust field (of the model declaring it).
    pub field: &'static str,
    /// The through table's name.
    pub table: &'static str,
    /// The column holding the declaring model's primary key.
    pub source_column: &'static str,
    /// The column holding the target model's primary key.
    pub target_column: &'static str,
    /// The declaring model's table and primary key column.
    pub source: (&'static str, &'static str),
    /// The target model's table and primary key column.
    pub target: (&'static str, &'static str),
}

/// A struct stored in a table. Implemented by `#[derive(Model)]`; see the
/// crate documentation for the attributes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dunder model",
    label = "not a model",
    note = "a model is a struct with `#[derive(dunder::Model)]`"
)]
pub trait Model: FromRow {
    /// The struct's name (`"Article"`), for migrations and messages.
    const NAME: &'static str = "";
    /// `#[dunder(renamed_from = "Old")]`: the model's name before, so that
    /// `makemigrations` renames its table instead of dropping it.
    const RENAMED_FROM: Option<&'static str> = None;
    /// `#[dunder(unique_together = "a, b")]`: groups of columns unique
    /// together.
    const UNIQUE_TOGETHER: &'static [&'static [&'static str]] = &[];
    /// `#[dunder(index_together = "a, b")]`: indexes on several columns.
    const INDEX_TOGETHER: &'static [&'static [&'static str]] = &[];
    /// The table name.
    const TABLE: &'static str;
    /// The columns, in field order (the order of `SELECT` lists and of decoding).
    const COLUMNS: &'static [Column];
    /// The primary key column.
    const PRIMARY_KEY: &'static str;
    /// The through tables of the model's [`ManyToMany`] fields (none by
    /// default). Their rows are not columns of the model.
    const MANY_TO_MANY: &'static [ManyToManyTable] = &[];

    /// Runs raw SQL and returns its rows as models (Django's
    /// `Manager.raw`): the escape hatch for what `query!` cannot say.
    ///
    /// * **Parameters are always bound**, never written into the text. The
    ///   placeholders are `?` (the next parameter) or `?N` (the N-th, from
    ///   1), on both backends: dunder numbers them for the connection (`?N`
    ///   on SQLite, `$N` on PostgreSQL), leaving alone string literals,
    ///   quoted identifiers, comments and PostgreSQL's `E'…'` and
    ///   dollar-quoted strings. `??` is a literal `?` (PostgreSQL's jsonb
    ///   operators `?`, `?|`, `?&`). The placeholders must use exactly the
    ///   parameters given, or the error is [`Error::InvalidSql`], before
    ///   anything is sent. Values are [`ToValue`](crate::ToValue):
    ///   `&[&1, &"text", &None::<i32>]`; on PostgreSQL each is sent with its
    ///   Rust type's SQL type (`i64` as `bigint`, …).
    /// * **Rows are decoded by column name**: the SELECT may list the
    ///   model's columns in any order and others besides (ignored); a
    ///   column of the model that the result lacks is [`Error::Decode`]
    ///   naming it. A foreign key's column is `<field>_id`. Relations are
    ///   not loaded (`select_related` has no raw form).
    /// * Every error is a [`dunder::Error`](Error) carrying the SQL.
    ///
    /// The statement is not cached on PostgreSQL (the text is not known at
    /// compile time); on SQLite rusqlite's per-connection cache keeps it.
    /// See also [`raw::query`](crate::raw::query) (any row type) and
    /// [`raw::execute`](crate::raw::execute) (no rows), and
    /// [`Db::query`](crate::Db::query) / [`Db::execute`](crate::Db::execute).
    ///
    /// ```
    /// use dunder::prelude::*;
    ///
    /// #[derive(Model, Debug)]
    /// struct Article {
    ///     id: i64,
    ///     title: String,
    ///     rating: Option<i32>,
    /// }
    ///
    /// let conn = rusqlite::Connection::open_in_memory()?;
    /// dunder::create_table::<Article, _>(&conn)?;
    /// conn.execute_batch("INSERT INTO article (title, rating) VALUES ('a', 3), ('b', 5), ('c', NULL)")?;
    ///
    /// let min = 4;
    /// let good = Article::raw(
    ///     &conn,
    ///     "SELECT rating, title, id, 'ignored' AS extra FROM article WHERE rating >= ? OR title = ? ORDER BY id",
    ///     &[&min, &"c"],
    /// )?;
    /// assert_eq!(good.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    ///
    /// // A column the model needs and the SELECT lacks: an error naming it.
    /// let e = Article::raw(&conn, "SELECT id, title FROM article", &[]).unwrap_err();
    /// assert!(matches!(e, dunder::Error::Decode { column: "rating", .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn raw<E: crate::Executor>(
        executor: E,
        sql: &str,
        params: &[&dyn crate::ToValue],
    ) -> Result<Vec<Self>> {
        crate::raw::query(executor, sql, params)
    }
}

/// Quotes an SQL identifier (`"name"`, with `"` doubled).
pub(crate) fn quote_ident(name: &str, out: &mut String) {
    out.push('"');
    out.push_str(&name.replace('"', "\"\""));
    out.push('"');
}

/// The `CREATE TABLE` statement (and the indexes of its foreign keys) of `M`
/// in `dialect`, as Django would create the table: same column types, so a
/// database made by either reads the same.
///
/// * A [`unique`](Column::unique) column (the key of a [`OneToOne`]) gets
///   `UNIQUE` (and no index of its own: the constraint has one).
/// * A foreign key is `REFERENCES "target" ("pk")`, then its
///   [`on_delete`](Column::on_delete) action (see [`OnDelete`]), then
///   `DEFERRABLE INITIALLY DEFERRED`, and gets an index
///   `"<table>_<column>_idx"`.
/// * Each through table of [`Model::MANY_TO_MANY`] follows, with an index on
///   each of its two key columns (see [`ManyToManyTable`]).
///
/// ```
/// use dunder::prelude::*;
///
/// #[derive(Model)]
/// struct Tag {
///     id: i64,
///     name: String,
///     weight: Option<f64>,
/// }
///
/// assert_eq!(
///     dunder::create_table_sql::<Tag>(Dialect::Sqlite),
///     r#"CREATE TABLE "tag" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" text NOT NULL, "weight" real NULL);"#
/// );
/// assert_eq!(
///     dunder::create_table_sql::<Tag>(Dialect::Postgres),
///     r#"CREATE TABLE "tag" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "name" text NOT NULL, "weight" double precision NULL);"#
/// );
/// ```
pub fn create_table_sql<M: Model>(dialect: Dialect) -> String {
    let mut statements =
        crate::migrate::create_table(&crate::migrate::TableState::of::<M>(), dialect);
    for m2m in M::MANY_TO_MANY {
        statements.extend(crate::migrate::create_table(
            &crate::migrate::TableState::through(M::NAME, m2m),
            dialect,
        ));
    }
    statements.join(" ")
}

/// A type built from one result row, by column position.
pub trait FromRow: Sized {
    /// Decodes the row.
    fn from_row<R: Row>(row: &R) -> Result<Self>;

    /// Decodes the columns from `offset` on (a related model read by
    /// `select_related` after the columns of the one before it).
    #[inline]
    fn from_row_at<R: Row>(row: &R, offset: usize) -> Result<Self> {
        Self::from_row(&Offset { row, offset })
    }
}

/// A row whose columns are counted from `offset`.
struct Offset<'r, R> {
    row: &'r R,
    offset: usize,
}

impl<R: Row> Row for Offset<'_, R> {
    #[inline]
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        self.row.get(self.offset + idx, column)
    }
}

/// One result row of either backend, read by position.
///
/// `rusqlite::Row` and `postgres::Row` are rows too, read **by name**: a
/// model decodes from a row of the driver's own query with
/// `Model::from_row(&row)`, finding each of its columns by name (the
/// SELECT may list them in any order, with others); a scalar type (`i64`,
/// `String`, …) reads the first column.
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
/// conn.execute("INSERT INTO tag (name) VALUES ('rust')", [])?;
/// let mut stmt = conn.prepare("SELECT name, 'extra' AS note, id FROM tag")?;
/// let mut rows = stmt.query([])?;
/// while let Some(row) = rows.next()? {
///     let tag = Tag::from_row(row)?;
///     assert_eq!((tag.id, tag.name.as_str()), (1, "rust"));
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Row {
    /// The value at `idx`, decoded as `T`; `column` names it in errors.
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T>;

    /// The names of the result's columns, in order (for decoding by name).
    #[doc(hidden)]
    fn __column_names(&self) -> Vec<String> {
        Vec::new()
    }
}

#[cold]
pub(crate) fn decode_error(
    column: &'static str,
    expected: &'static str,
    found: impl Into<String>,
) -> Error {
    Error::Decode {
        column,
        expected,
        found: found.into(),
        sql: String::new(),
    }
}

/// A Rust type a column value decodes into.
pub trait Decode: Sized {
    /// What the type expects, for error messages.
    const EXPECTED: &'static str;

    /// Decodes an SQLite value; `Err` says what was found instead.
    #[cfg(feature = "sqlite")]
    #[doc(hidden)]
    fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Result<Self, String>;

    /// What the postgres crate decodes first.
    #[cfg(feature = "postgres")]
    #[doc(hidden)]
    type Pg: for<'b> postgres::types::FromSql<'b>;

    /// Turns the postgres crate's value into this type.
    #[cfg(feature = "postgres")]
    #[doc(hidden)]
    fn from_pg(value: Self::Pg) -> Self;

    /// The value a write sent for this field, read back without asking the
    /// database (`create`, `bulk_create`: the returned row keeps what was
    /// sent); `Err` says what was found instead.
    #[doc(hidden)]
    fn from_value(value: &Value<'_>) -> Result<Self, String>;
}

macro_rules! scalar_rows {
    ($($t:ty),*) => {$(
        impl FromRow for $t {
            #[inline]
            fn from_row<R: Row>(row: &R) -> Result<Self> {
                row.get(0, crate::raw::UNNAMED)
            }
        }
    )*};
}
scalar_rows!(bool, i16, i32, i64, f32, f64, String);

/// The common impls of [`ForeignKey`] and [`OneToOne`]: a target's `i64`
/// primary key, typed by the target.
macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<T> {
            id: i64,
            /// The target's row, when `select_related` read it with this one.
            row: Option<Arc<T>>,
        }

        impl<T> $name<T> {
            /// A key to the row whose primary key is `id`.
            #[inline]
            pub const fn new(id: i64) -> Self {
                $name { id, row: None }
            }

            /// The target's primary key.
            #[inline]
            pub const fn id(&self) -> i64 {
                self.id
            }

            /// The target's row when the query that read this one loaded it
            /// (`select_related`), `None` otherwise: reading a relation never
            /// runs a hidden query.
            #[inline]
            pub fn loaded(&self) -> Option<&T> {
                self.row.as_deref()
            }

            #[doc(hidden)]
            #[inline]
            pub fn __set(&mut self, row: T) {
                self.row = Some(Arc::new(row));
            }

            #[doc(hidden)]
            #[inline]
            pub fn __set_shared(&mut self, row: Arc<T>) {
                self.row = Some(row);
            }
        }

        /// Clones the key; a loaded row is shared, not copied.
        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name {
                    id: self.id,
                    row: self.row.clone(),
                }
            }
        }
        /// Keys compare by the target's primary key (a loaded row is a cache).
        impl<T> PartialEq for $name<T> {
            fn eq(&self, other: &Self) -> bool {
                self.id == other.id
            }
        }
        impl<T> Eq for $name<T> {}
        impl<T> Hash for $name<T> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.id.hash(state)
            }
        }
        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    concat!(stringify!($name), "<{}>({}{})"),
                    std::any::type_name::<T>(),
                    self.id,
                    if self.row.is_some() { ", loaded" } else { "" }
                )
            }
        }
        impl<T> From<i64> for $name<T> {
            fn from(id: i64) -> Self {
                $name::new(id)
            }
        }
    };
}

key_type! {
    /// A foreign key to the model `T` (Django's `ForeignKey`): holds the
    /// target's primary key (stored in the column `<field>_id`), and the
    /// target's row when the query selected it too (`select_related`; see
    /// [`ForeignKey::loaded`]). `Option<ForeignKey<T>>` is a nullable key.
    ///
    /// ```
    /// struct Author;
    /// let k: dunder::ForeignKey<Author> = 3.into();
    /// assert_eq!(k.id(), 3);
    /// assert!(k.loaded().is_none());
    /// ```
    ForeignKey
}

key_type! {
    /// A one-to-one relation to the model `T`: a foreign key whose column is
    /// `UNIQUE`, so at most one row points at each target row (Django's
    /// `OneToOneField`). Holds the target's primary key (stored in the column
    /// `<field>_id`); the target sees this model through a [`ReverseOne`].
    ///
    /// ```
    /// struct Place;
    /// let k: dunder::OneToOne<Place> = 7.into();
    /// assert_eq!(k.id(), 7);
    /// assert_eq!(k, dunder::OneToOne::new(7));
    /// ```
    OneToOne
}

/// The common impls of [`ManyToMany`] and [`Reverse`]: a cache of related
/// rows, loaded or not.
macro_rules! rows_cache {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<T> {
            /// Shared: the same related rows may belong to several rows
            /// (a row read twice, a tag on many articles).
            rows: Option<Arc<[T]>>,
        }

        impl<T> Default for $name<T> {
            /// Not loaded.
            #[inline]
            fn default() -> Self {
                $name { rows: None }
            }
        }

        impl<T> $name<T> {
            /// Not loaded.
            #[inline]
            pub const fn new() -> Self {
                $name { rows: None }
            }

            /// The related rows, or `None` when they were not loaded (never
            /// a query, never a panic).
            #[inline]
            pub fn loaded(&self) -> Option<&[T]> {
                self.rows.as_deref()
            }

            /// Whether the related rows were loaded.
            #[inline]
            pub fn is_loaded(&self) -> bool {
                self.rows.is_some()
            }

            /// Stores the loaded rows (used by `prefetch_related`).
            #[doc(hidden)]
            #[inline]
            pub fn __set(&mut self, rows: Vec<T>) {
                self.rows = Some(Arc::from(rows));
            }

            /// Stores loaded rows shared with other rows.
            #[doc(hidden)]
            #[inline]
            pub fn __set_shared(&mut self, rows: Arc<[T]>) {
                self.rows = Some(rows);
            }
        }

        /// Clones the handle; loaded rows are shared, not copied.
        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name {
                    rows: self.rows.clone(),
                }
            }
        }

        impl<T: fmt::Debug> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.rows {
                    None => f.write_str(concat!(stringify!($name), "(not loaded)")),
                    Some(rows) => f.debug_tuple(stringify!($name)).field(rows).finish(),
                }
            }
        }

        /// Always equal: a cache of related rows, not part of the row's
        /// value: two rows compare by their columns, as Django compares
        /// instances (so a `#[derive(PartialEq)]` model compares the same
        /// whether or not its relations were prefetched).
        impl<T> PartialEq for $name<T> {
            #[inline]
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }
        impl<T> Eq for $name<T> {}

        /// Hashes nothing, as [`PartialEq`] compares nothing: not part of the
        /// row's value.
        impl<T> Hash for $name<T> {
            #[inline]
            fn hash<H: Hasher>(&self, _: &mut H) {}
        }
    };
}

rows_cache! {
    /// The rows a many-to-many field relates (Django's `ManyToManyField`):
    /// the field declares an automatic through table
    /// ([`Model::MANY_TO_MANY`]), never a column. This is a cache that
    /// `prefetch_related` fills; until then it is not loaded, and
    /// [`loaded`](ManyToMany::loaded) says so instead of querying.
    ///
    /// ```
    /// let tags: dunder::ManyToMany<i64> = Default::default();
    /// assert!(tags.loaded().is_none());
    /// assert!(!tags.is_loaded());
    /// assert_eq!(format!("{tags:?}"), "ManyToMany(not loaded)");
    /// ```
    ManyToMany
}

rows_cache! {
    /// The reverse side of a [`ForeignKey`] or of a [`ManyToMany`], declared
    /// on the target model (Django's `<model>_set` / `related_name`): the
    /// rows that point at this one. Never a column; a cache that
    /// `prefetch_related` fills, not loaded until then.
    ///
    /// ```
    /// let r: dunder::Reverse<i64> = Default::default();
    /// assert!(r.loaded().is_none());
    /// assert_eq!(r, dunder::Reverse::new()); // caches always compare equal
    /// ```
    Reverse
}

/// The reverse side of a [`OneToOne`], declared on the target model: the one
/// row that points at this one, if any. Never a column; a cache that
/// `prefetch_related` fills, not loaded until then.
///
/// ```
/// let r: dunder::ReverseOne<i64> = Default::default();
/// assert!(r.loaded().is_none()); // not loaded
/// assert!(!r.is_loaded());
/// assert_eq!(format!("{r:?}"), "ReverseOne(not loaded)");
/// ```
pub struct ReverseOne<T> {
    row: Option<Option<Arc<T>>>,
}

impl<T> Default for ReverseOne<T> {
    /// Not loaded.
    #[inline]
    fn default() -> Self {
        ReverseOne { row: None }
    }
}

impl<T> ReverseOne<T> {
    /// Not loaded.
    #[inline]
    pub const fn new() -> Self {
        ReverseOne { row: None }
    }

    /// `None` when not loaded (never a query, never a panic); when loaded,
    /// `Some` of the related row, or `Some(None)` when no row points at this
    /// one.
    #[inline]
    pub fn loaded(&self) -> Option<Option<&T>> {
        self.row.as_ref().map(Option::as_deref)
    }

    /// Whether the related row was loaded (found or not).
    #[inline]
    pub fn is_loaded(&self) -> bool {
        self.row.is_some()
    }

    /// Stores the loaded row, `None` for none (used by `prefetch_related`).
    #[doc(hidden)]
    #[inline]
    pub fn __set(&mut self, row: Option<T>) {
        self.row = Some(row.map(Arc::new));
    }

    /// Stores a loaded row shared with other rows.
    #[doc(hidden)]
    #[inline]
    pub fn __set_shared(&mut self, row: Option<Arc<T>>) {
        self.row = Some(row);
    }
}

/// Clones the handle; a loaded row is shared, not copied.
impl<T> Clone for ReverseOne<T> {
    fn clone(&self) -> Self {
        ReverseOne {
            row: self.row.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for ReverseOne<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.row {
            None => f.write_str("ReverseOne(not loaded)"),
            Some(row) => f.debug_tuple("ReverseOne").field(row).finish(),
        }
    }
}

/// Always equal: a cache of related rows, not part of the row's value: two
/// rows compare by their columns, as Django compares instances (so a
/// `#[derive(PartialEq)]` model compares the same whether or not its
/// relations were prefetched).
impl<T> PartialEq for ReverseOne<T> {
    #[inline]
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for ReverseOne<T> {}

/// Hashes nothing, as [`PartialEq`] compares nothing: not part of the row's
/// value.
impl<T> Hash for ReverseOne<T> {
    #[inline]
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

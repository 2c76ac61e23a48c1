//! # dunder
//!
//! Django's QuerySet language for Rust, checked by the compiler and rendered
//! to SQL for SQLite and PostgreSQL at compile time.
//!
//! ```
//! use dunder::prelude::*;
//!
//! #[derive(Model, Debug)]
//! pub struct Article {
//!     pub id: i64,
//!     pub title: String,
//!     pub published_date: chrono::NaiveDate,
//!     pub rating: Option<i32>,
//! }
//!
//! let conn = rusqlite::Connection::open_in_memory()?;
//! dunder::create_table::<Article, _>(&conn)?;
//! conn.execute_batch(
//!     "INSERT INTO article (title, published_date, rating) VALUES
//!        ('Hello', '2023-05-01', 4), ('World', '2022-01-01', NULL), ('hello again', '2023-07-09', NULL)",
//! )?;
//!
//! let search = "HELLO";
//! let q = query!(Article
//!     .filter(published_date__year = 2023, title__icontains = search)
//!     .exclude(rating__isnull = true)
//!     .order_by(-published_date, title)[..10]);
//! println!("{}", q.sql(Dialect::Sqlite)); // the SQL, fixed at compile time
//! let rows: Vec<Article> = q.fetch_all(&conn)?;
//! assert_eq!(rows.len(), 1);
//! assert_eq!(rows[0].title, "Hello");
//!
//! let n: i64 = query!(Article.filter(rating__isnull = true).count()).run(&conn)?;
//! assert_eq!(n, 2);

//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Relations: keys, many-to-many, and the reverse sides declared on their
//! targets; lookups through them, `select_related` and `prefetch_related`.
//!
//! ```
//! use dunder::prelude::*;
//!
//! #[derive(Model, Debug)]
//! pub struct Author {
//!     pub id: i64,
//!     pub name: String,
//!     #[dunder(related = author)]
//!     pub books: Reverse<crate::Book>,
//! }
//!
//! #[derive(Model, Debug)]
//! pub struct Book {
//!     pub id: i64,
//!     pub title: String,
//!     pub author: ForeignKey<crate::Author>,
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let conn = rusqlite::Connection::open_in_memory()?;
//!     dunder::create_table::<Author, _>(&conn)?;
//!     dunder::create_table::<Book, _>(&conn)?;
//!     let le_guin = query!(Author.create(name = "Ursula K. Le Guin")).run(&conn)?;
//!     query!(Book.create(title = "The Dispossessed", author = le_guin.id)).run(&conn)?;
//!
//!     // A lookup through the key: a join, checked at compile time.
//!     let q = query!(Book.select_related(author).filter(author__name__startswith = "Ursula"));
//!     assert!(q.sql(Dialect::Sqlite).contains("INNER JOIN \"author\""));
//!     let book = q.fetch_one(&conn)?;
//!     assert_eq!(book.author.loaded().map(|a| a.name.as_str()), Some("Ursula K. Le Guin"));
//!
//!     // F(): compare with a column, here through the relation.
//!     let same: i64 = query!(Book.filter(title = F(author__name)).count()).run(&conn)?;
//!     assert_eq!(same, 0);
//!
//!     // The reverse side, declared on Author.
//!     let n: i64 = query!(Author.filter(books__title__icontains = "dispossessed").count()).run(&conn)?;
//!     assert_eq!(n, 1);
//!     Ok(())
//! }
//! ```
//!
//! Projections and aggregates: `values`, `values_list`, `annotate` and
//! `aggregate` return rows of structs the macro generates (or yours, with
//! `as`), typed from the schema; optional conditions (`value?`) apply only
//! when an `Option` is `Some`.
//!
//! ```
//! use dunder::prelude::*;
//!
//! #[derive(Model, Debug)]
//! pub struct Author {
//!     pub id: i64,
//!     pub name: String,
//!     #[dunder(related = author)]
//!     pub books: Reverse<crate::Book>,
//! }
//!
//! #[derive(Model, Debug)]
//! pub struct Book {
//!     pub id: i64,
//!     pub title: String,
//!     pub rating: i32,
//!     pub author: ForeignKey<crate::Author>,
//! }
//!
//! /// A row type of your own, checked field by field against the values.
//! pub struct TitleRating {
//!     pub title: String,
//!     pub rating: i32,
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let conn = rusqlite::Connection::open_in_memory()?;
//!     dunder::create_table::<Author, _>(&conn)?;
//!     dunder::create_table::<Book, _>(&conn)?;
//!     conn.execute_batch(
//!         "INSERT INTO author (id, name) VALUES (1, 'Le Guin'), (2, 'Lem'), (3, 'Nobody');
//!          INSERT INTO book (title, rating, author_id) VALUES
//!            ('The Dispossessed', 5, 1), ('Earthsea', 4, 1), ('Solaris', 5, 2);",
//!     )?;
//!
//!     // GROUP BY the values, with the aggregates named.
//!     let rows = query!(Book
//!         .values(author__name)
//!         .annotate(n = Count(pk), avg = Avg(rating))
//!         .order_by(author__name))
//!     .fetch_all(&conn)?;
//!     assert_eq!((rows[0].author__name.as_str(), rows[0].n, rows[0].avg), ("Le Guin", 2, Some(4.5)));
//!
//!     // Annotated model rows deref to the model; HAVING on the annotation.
//!     let prolific = query!(Author.annotate(n = Count(books)).filter(n__gte = 2)).fetch_all(&conn)?;
//!     assert_eq!((prolific[0].name.as_str(), prolific[0].n), ("Le Guin", 2));
//!
//!     // One row of aggregates; a flat list; your own struct.
//!     let all = query!(Book.aggregate(n = Count(pk), best = Max(rating), total = Sum(rating))).run(&conn)?;
//!     assert_eq!((all.n, all.best, all.total), (3, Some(5), Some(14)));
//!     let titles: Vec<String> = query!(Book.order_by(title).values_list(title, flat = true)).run(&conn)?;
//!     assert_eq!(titles, ["Earthsea", "Solaris", "The Dispossessed"]);
//!     let top: Vec<TitleRating> = query!(Book.filter(rating = 5).order_by(title).values(title, rating) as TitleRating).run(&conn)?;
//!     assert_eq!(top[0].title, "Solaris");
//!
//!     // Optional conditions: a search form in one query.
//!     let (q, min): (Option<&str>, Option<i32>) = (Some("sea"), None);
//!     let found = query!(Book.filter(title__icontains = q?, rating__gte = min?)).fetch_all(&conn)?;
//!     assert_eq!(found.len(), 1);
//!     Ok(())
//! }
//! ```
//!
//! Decimal fields (feature `decimal`, on by default): Django's
//! `DecimalField(max_digits, decimal_places)`, a `numeric(p, s)` column on
//! PostgreSQL and Django's `decimal` column on SQLite. A write is rounded at
//! the scale (half away from zero) and a value beyond `max_digits` is
//! [`Error::OutOfRange`], on both backends; reads come back at the scale.
//!
//! ```
//! use dunder::prelude::*;
//! use dunder::Decimal;
//!
//! #[derive(Model, Debug)]
//! pub struct Product {
//!     pub id: i64,
//!     pub name: String,
//!     #[dunder(max_digits = 8, decimal_places = 2)]
//!     pub price: Option<Decimal>,
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let conn = rusqlite::Connection::open_in_memory()?;
//!     dunder::create_table::<Product, _>(&conn)?;
//!     let tea = query!(Product.create(name = "tea", price = Some(Decimal::new(1005, 3)))).run(&conn)?;
//!     assert_eq!(tea.price.map(|p| p.to_string()).as_deref(), Some("1.01")); // 1.005, rounded
//!     let pot = query!(Product.create(name = "pot", price = Some(Decimal::from(100)))).run(&conn)?;
//!     assert_eq!(pot.price.map(|p| p.to_string()).as_deref(), Some("100.00")); // at the scale
//!
//!     // A decimal compares with a Decimal or an integer; F() arithmetic is exact.
//!     let cheap = query!(Product.filter(price__lt = 2)).fetch_all(&conn)?;
//!     assert_eq!(cheap[0].name, "tea");
//!     query!(Product.update(price = F(price) / 3)).run(&conn)?;
//!     let total = query!(Product.aggregate(total = Sum(price))).run(&conn)?;
//!     assert_eq!(total.total, Some(Decimal::new(3367, 2))); // 0.34 + 33.33
//!
//!     // Beyond max_digits (8 digits, 2 of them places): refused, nothing stored.
//!     let e = query!(Product.create(name = "car", price = Some(Decimal::from(1_000_000)))).run(&conn);
//!     assert!(matches!(e, Err(dunder::Error::OutOfRange { .. })));
//!     Ok(())
//! }
//! ```
//!
//! Many rows at once: `Model::bulk_create` returns them with the keys the
//! database gave them (only the keys are read back; the rest is what was
//! given, as Django keeps it), `Model::bulk_insert` reads nothing back and
//! returns the row count.
//!
//! ```
//! use dunder::prelude::*;
//!
//! #[derive(Model, Debug)]
//! pub struct Tag {
//!     pub id: i64,
//!     pub name: String,
//! }
//!
//! let conn = rusqlite::Connection::open_in_memory()?;
//! dunder::create_table::<Tag, _>(&conn)?;
//! let tags = Tag::bulk_create(&conn, &[NewTag { name: "a".into() }, NewTag { name: "b".into() }])?;
//! assert_eq!((tags[1].id, tags[1].name.as_str()), (2, "b"));
//! let n = Tag::bulk_insert(&conn, &[NewTag { name: "c".into() }, NewTag { name: "d".into() }])?;
//! assert_eq!(n, 2);
//! assert_eq!(query!(Tag.count()).run(&conn)?, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! See the README for the query language, the lookup table with the SQL of
//! every lookup per dialect, and where dunder deliberately differs from Django.
#![warn(missing_docs)]

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("dunder needs a backend: enable the `sqlite` feature (the default) or `postgres`");

mod atomic;
mod bind;
mod bulk;
mod create;
mod db;
#[cfg(feature = "decimal")]
mod decimal;
mod decode;
mod error;
mod exec;
mod get_or_create;
mod in_bulk;
pub mod migrate;
mod model;
pub mod needs;
pub mod order;
mod param;
mod prefetch;
mod query;
pub mod raw;
mod related;
mod relation;
pub mod value;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// The rusqlite crate dunder is built with (so versions always match).
#[cfg(feature = "sqlite")]
pub use rusqlite;

/// The rust_decimal crate dunder is built with (feature `decimal`, on by
/// default).
#[cfg(feature = "decimal")]
pub use rust_decimal;

/// The type of a decimal field (Django's `DecimalField`): an exact decimal
/// number, `numeric(p, s)` on PostgreSQL (feature `decimal`, on by default).
#[cfg(feature = "decimal")]
pub use rust_decimal::Decimal;

/// The postgres crate dunder is built with (so versions always match).
#[cfg(feature = "postgres")]
pub use ::postgres as postgres_client;

pub use atomic::{
    atomic, atomic_with, atomic_with_retry, Atomic, Outermost, Retry, Retryable, TransactionMode,
};
pub use create::Create;
pub use db::{Db, DbTx};
pub use dunder_macros::{embed_migrations, query, Model};
pub use error::{BackendError, Error, Result};
pub use exec::{create_table, Executor};
pub use get_or_create::GetOrCreate;
pub use in_bulk::InBulk;
pub use model::{
    create_table_sql, Column, Decode, Dialect, ForeignKey, FromRow, ManyToMany, ManyToManyTable,
    Model, OnDelete, OneToOne, Reverse, ReverseOne, Row, Sql,
};
pub use order::{Field, HasFields, Order, UnknownField};
pub use prefetch::Prefetching;
pub use query::{All, Command, Mode, One, Optional, Query};
pub use raw::ToValue;
pub use related::{IntoKey, RelatedManager, RowKey};
pub use value::{SqlType, Value};

/// What most code needs: `use dunder::prelude::*;`.
pub mod prelude {
    pub use crate::{
        query, Dialect, ForeignKey, FromRow, ManyToMany, Model, OneToOne, Query, Reverse,
        ReverseOne,
    };
}

/// Used by the code the macros generate. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bind::{Bind, NewRow, Put};
    pub use crate::bulk::BulkInsert;
    pub use crate::create::{insert_one, Source};
    #[cfg(feature = "decimal")]
    pub use crate::decimal::Quantize;
    pub use crate::exec::Cursor;
    pub use crate::get_or_create::GetOrCreateSql;
    pub use crate::in_bulk::Rows;
    pub use crate::param::*;
    pub use crate::prefetch::{by_key, group, group_of, prefetch_rows, Prefetch};
    pub use crate::query::{Consume, Decoder};
    pub use crate::related::ManyToManySql;
    pub use crate::relation::{assert_related, NoManager, Relation, ToMany, ToOne};
    pub use chrono;
    pub use dunder_macros::__query_with_schema;
    #[cfg(feature = "decimal")]
    pub use rust_decimal::Decimal;
    pub use std::vec::Vec;

    /// Asserts at compile time that `T` is a model (for `query!` and relation paths).
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a dunder model",
        label = "not a model",
        note = "add `#[derive(dunder::Model)]` to the struct"
    )]
    pub trait IsModel: crate::Model {}
    impl<T: crate::Model> IsModel for T {}

    #[inline]
    pub fn assert_model<T: IsModel>() {}
}

//! Binding the rows of `bulk_create` / `bulk_insert` straight from their
//! fields.
//!
//! The derive implements [`NewRow`] for `New<Model>`: [`NewRow::__put`]
//! hands each inserted column's field, in column order, to a [`Put`]. On
//! SQLite the `Put` is the prepared statement: every field is bound where it
//! lies ([`Bind::__bind_sqlite`]), with no [`Value`] built, bound and
//! dropped per value. The `Put` of a `Vec<Value>` builds the flat list of
//! values the PostgreSQL path (and `Db`) sends. Both bind what the `Value`
//! of the field would: the same SQLite types, the same text for dates and
//! times, the same NULLs.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::bulk::BulkInsert;
use crate::error::Result;
use crate::model::{ForeignKey, OneToOne};
use crate::value::{SqlType, Value};

/// A field's value as a statement parameter: the closed set of field
/// types (and `Option`s of them).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a field type dunder can store",
    note = "a model field must be bool, i16, i32, i64, f32, f64, String, Vec<u8>, a chrono date/time type, Decimal, ForeignKey<…>, OneToOne<…>, or an Option of one"
)]
pub trait Bind {
    /// The SQL type of the field (of its NULL, for an `Option`).
    const SQL: SqlType;

    /// The value, as `dunder::__private::value` makes it for the field.
    fn __value(&self) -> Value<'_>;

    /// Binds the value to parameter `index` (from 1) of `stmt`, as the
    /// field's [`Value`] is bound.
    #[cfg(feature = "sqlite")]
    fn __bind_sqlite(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
    ) -> rusqlite::Result<()>;
}

macro_rules! bind_integer {
    ($($t:ty => $variant:ident),*) => {$(
        impl Bind for $t {
            const SQL: SqlType = SqlType::$variant;
            #[inline]
            fn __value(&self) -> Value<'_> {
                Value::$variant(*self)
            }
            #[cfg(feature = "sqlite")]
            #[inline]
            fn __bind_sqlite(&self, stmt: &mut rusqlite::Statement<'_>, index: usize) -> rusqlite::Result<()> {
                stmt.raw_bind_parameter(index, i64::from(*self))
            }
        }
    )*};
}

bind_integer!(bool => Bool, i16 => SmallInt, i32 => Int, i64 => BigInt);

impl Bind for f32 {
    const SQL: SqlType = SqlType::Real;
    #[inline]
    fn __value(&self) -> Value<'_> {
        Value::Real(*self)
    }
    #[cfg(feature = "sqlite")]
    #[inline]
    fn __bind_sqlite(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
    ) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(index, f64::from(*self))
    }
}

impl Bind for f64 {
    const SQL: SqlType = SqlType::Double;
    #[inline]
    fn __value(&self) -> Value<'_> {
        Value::Double(*self)
    }
    #[cfg(feature = "sqlite")]
    #[inline]
    fn __bind_sqlite(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
    ) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(index, *self)
    }
}

impl Bind for String {
    const SQL: SqlType = SqlType::Text;
    #[inline]
    fn __value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
    #[cfg(feature = "sqlite")]
    #[inline]
    fn __bind_sqlite(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
    ) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(index, self.as_str())
    }
}

impl Bind for Vec<u8> {
    const SQL: SqlType = SqlType::Blob;
    #[inline]
    fn __value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
    #[cfg(feature = "sqlite")]
    #[inline]
    fn __bind_sqlite(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
    ) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(index, self.as_slice())
    }
}

/// Dates and times: SQLite stores Django's text (`Value`'s own `ToSql`).
macro_rules! bind_temporal {
    ($($t:ty => $variant:ident),*) => {$(
        impl Bind for $t {
            const SQL: SqlType = SqlType::$variant;
            #[inline]
            fn __value(&self) -> Value<'_> {
                Value::$variant(*self)
            }
            #[cfg(feature = "sqlite")]
            #[inline]
            fn __bind_sqlite(&self, stmt: &mut rusqlite::Statement<'_>, index: usize) -> rusqlite::Result<()> {
                stmt.raw_bind_parameter(index, Value::$variant(*self))
            }
        }
    )*};
}

bind_temporal!(
    NaiveDate => Date,
    NaiveDateTime => Timestamp,
    DateTime<Utc> => TimestampTz,
    NaiveTime => Time
);

#[cfg(feature = "decimal")]
impl Bind for rust_decimal::Decimal {
    const SQL: SqlType = SqlType::Decimal;
    #[inline]
    fn __value(&self) -> Value<'_> {
        Value::Decimal(*self)
    }
    #[cfg(feature = "sqlite")]
    #[inline]
    fn __bind_sqlite(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
    ) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(index, crate::decimal::to_sqlite(self))
    }
}

/// A key binds the target's `i64` primary key.
macro_rules! bind_key {
    ($($key:ident),*) => {$(
        impl<T> Bind for $key<T> {
            const SQL: SqlType = SqlType::BigInt;
            #[inline]
            fn __value(&self) -> Value<'_> {
                Value::BigInt(self.id())
            }
            #[cfg(feature = "sqlite")]
            #[inline]
            fn __bind_sqlite(&self, stmt: &mut rusqlite::Statement<'_>, index: usize) -> rusqlite::Result<()> {
                stmt.raw_bind_parameter(index, self.id())
            }
        }
    )*};
}

bind_key!(ForeignKey, OneToOne);

/// `None` is the typed NULL of the field.
impl<F: Bind> Bind for Option<F> {
    const SQL: SqlType = F::SQL;
    #[inline]
    fn __value(&self) -> Value<'_> {
        match self {
            Some(v) => v.__value(),
            None => Value::Null(F::SQL),
        }
    }
    #[cfg(feature = "sqlite")]
    #[inline]
    fn __bind_sqlite(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
    ) -> rusqlite::Result<()> {
        match self {
            Some(v) => v.__bind_sqlite(stmt, index),
            None => stmt.raw_bind_parameter(index, rusqlite::types::Null),
        }
    }
}

/// Where a row's values go, one column after the other.
#[doc(hidden)]
pub trait Put<'r> {
    /// The next column: a field of the row.
    fn put<F: Bind>(&mut self, field: &'r F) -> Result<()>;
    /// The next column: a value made for this insert (`auto_now`).
    fn put_value(&mut self, value: Value<'r>) -> Result<()>;
}

/// The flat list of values (row after row, in column order).
impl<'r> Put<'r> for Vec<Value<'r>> {
    #[inline]
    fn put<F: Bind>(&mut self, field: &'r F) -> Result<()> {
        self.push(field.__value());
        Ok(())
    }
    #[inline]
    fn put_value(&mut self, value: Value<'r>) -> Result<()> {
        self.push(value);
        Ok(())
    }
}

/// A row of `Model::bulk_create` / `bulk_insert` (`New<Model>`),
/// implemented by the derive.
#[doc(hidden)]
pub trait NewRow: Sized {
    /// Whether some inserted column is an `auto_now` field (set to the
    /// instant of the call, the same for every row).
    const NOW: bool;

    /// The statements that insert rows of this type.
    fn __bulk() -> &'static BulkInsert;

    /// Puts this row's inserted columns into `out`, in column order
    /// (`auto_now` columns as `now`).
    fn __put<'r, P: Put<'r>>(&'r self, out: &mut P, now: DateTime<Utc>) -> Result<()>;

    /// The value of inserted column `index` (what `__put` puts there), for
    /// the row `bulk_create` returns.
    fn __value(&self, index: usize, now: DateTime<Utc>) -> Option<Value<'_>>;
}

/// The instant of an insert of rows of `N`: now when it has `auto_now`
/// columns (taken once per call), otherwise unused.
#[inline]
pub(crate) fn now_for<N: NewRow>() -> DateTime<Utc> {
    if N::NOW {
        crate::param::utc_now()
    } else {
        DateTime::UNIX_EPOCH
    }
}

/// Every row's values in one flat list (row after row, in column order).
pub(crate) fn values<N: NewRow>(rows: &[N], now: DateTime<Utc>) -> Vec<Value<'_>> {
    let mut out = Vec::with_capacity(rows.len() * N::__bulk().width());
    for row in rows {
        // A `Vec` takes every value.
        let _ = row.__put(&mut out, now);
    }
    out
}

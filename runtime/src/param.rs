//! Compile-time checking of the values a query compares with.
//!
//! `query!` turns every right-hand side into a call of one of the functions
//! here, with the field's type as the marker `T`. A value of the wrong type is
//! then an unsatisfied trait bound, reported on the user's own expression.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::value::{year_bounds, SqlType, Value};

/// The SQL type of the Rust type a field (or a transform of it) compares
/// with. The field's own type is the marker, so messages name it.
pub trait Kind {
    /// The SQL type.
    const SQL: SqlType;
}

/// A Rust value that can be compared with (or stored in) a field whose type
/// is the marker `T`.
#[diagnostic::on_unimplemented(
    message = "a value of type `{Self}` does not fit a field of type `{T}`",
    label = "expected `{T}` (or a reference to one), found `{Self}`",
    note = "dunder checks the type of every value against the field it is compared with or stored in; convert the value first"
)]
pub trait IntoParam<'a, T> {
    /// The parameter.
    fn into_param(self) -> Value<'a>;
}

macro_rules! copy_param {
    ($($rust:ty => $variant:ident),* $(,)?) => {$(
        impl Kind for $rust {
            const SQL: SqlType = SqlType::$variant;
        }
        impl<'a> IntoParam<'a, $rust> for $rust {
            #[inline]
            fn into_param(self) -> Value<'a> {
                Value::$variant(self)
            }
        }
        impl<'a> IntoParam<'a, $rust> for &$rust {
            #[inline]
            fn into_param(self) -> Value<'a> {
                Value::$variant(*self)
            }
        }
        impl<'a> IntoParam<'a, $rust> for &&$rust {
            #[inline]
            fn into_param(self) -> Value<'a> {
                Value::$variant(**self)
            }
        }
    )*};
}

copy_param! {
    bool => Bool,
    i16 => SmallInt,
    i32 => Int,
    i64 => BigInt,
    f32 => Real,
    f64 => Double,
    NaiveDate => Date,
    NaiveDateTime => Timestamp,
    DateTime<Utc> => TimestampTz,
    NaiveTime => Time,
}

#[cfg(feature = "decimal")]
copy_param! {
    rust_decimal::Decimal => Decimal,
}

/// An integer is a decimal too (exactly), as Django turns ints into
/// `Decimal`: `price__lt = 1`, `F(price) * 2`.
#[cfg(feature = "decimal")]
macro_rules! integer_decimal {
    ($($int:ty),*) => {$(
        impl<'a> IntoParam<'a, rust_decimal::Decimal> for $int {
            #[inline]
            fn into_param(self) -> Value<'a> {
                Value::Decimal(rust_decimal::Decimal::from(self))
            }
        }
        impl<'a> IntoParam<'a, rust_decimal::Decimal> for &$int {
            #[inline]
            fn into_param(self) -> Value<'a> {
                Value::Decimal(rust_decimal::Decimal::from(*self))
            }
        }
    )*};
}
#[cfg(feature = "decimal")]
integer_decimal!(i32, i64);

impl Kind for String {
    const SQL: SqlType = SqlType::Text;
}
impl<'a> IntoParam<'a, String> for String {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Text(Cow::Owned(self))
    }
}
impl<'a> IntoParam<'a, String> for &'a String {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Text(Cow::Borrowed(self))
    }
}
impl<'a> IntoParam<'a, String> for &'a str {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Text(Cow::Borrowed(self))
    }
}
impl<'a, 'b: 'a> IntoParam<'a, String> for &'a &'b str {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Text(Cow::Borrowed(*self))
    }
}
impl<'a> IntoParam<'a, String> for Cow<'a, str> {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Text(self)
    }
}

impl Kind for Vec<u8> {
    const SQL: SqlType = SqlType::Blob;
}
impl<'a> IntoParam<'a, Vec<u8>> for Vec<u8> {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Blob(Cow::Owned(self))
    }
}
impl<'a> IntoParam<'a, Vec<u8>> for &'a Vec<u8> {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Blob(Cow::Borrowed(self))
    }
}
impl<'a> IntoParam<'a, Vec<u8>> for &'a [u8] {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Blob(Cow::Borrowed(self))
    }
}
impl<'a, const N: usize> IntoParam<'a, Vec<u8>> for &'a [u8; N] {
    #[inline]
    fn into_param(self) -> Value<'a> {
        Value::Blob(Cow::Borrowed(self))
    }
}

/// One value compared with a field of type `T`.
#[inline]
pub fn value<'a, T, V: IntoParam<'a, T>>(v: V) -> Value<'a> {
    v.into_param()
}

/// A value an UPDATE gives an `Option` field: an `Option` (`None` is NULL).
#[diagnostic::on_unimplemented(
    message = "a value of type `{Self}` cannot be stored in a field of type `Option<{T}>`",
    label = "expected an `Option<{T}>`: write `Some(value)` or `None`"
)]
pub trait IntoNullable<'a, T> {
    /// The parameter.
    fn into_nullable(self) -> Value<'a>;
}

impl<'a, T: Kind, V: IntoParam<'a, T>> IntoNullable<'a, T> for Option<V> {
    #[inline]
    fn into_nullable(self) -> Value<'a> {
        match self {
            Some(v) => v.into_param(),
            None => Value::Null(T::SQL),
        }
    }
}

/// A value for an `Option` field of type `T`.
#[inline]
pub fn set_nullable<'a, T, V: IntoNullable<'a, T>>(v: V) -> Value<'a> {
    v.into_nullable()
}

/// The values of an `__in` lookup: anything iterable (array, slice, `Vec`,
/// iterator) whose items compare with `T`. Duplicates are kept; they do not
/// change the answer.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of values for an `__in` lookup",
    label = "expected an array, a slice, a `Vec` or an iterator of `{T}`",
    note = "the items must be values that compare with a field of type `{T}`"
)]
pub trait IntoList<'a, T> {
    /// The list parameter.
    fn into_list(self) -> Value<'a>;
}

impl<'a, T: Kind, I> IntoList<'a, T> for I
where
    I: IntoIterator,
    I::Item: IntoParam<'a, T>,
{
    fn into_list(self) -> Value<'a> {
        Value::List(
            T::SQL,
            self.into_iter().map(IntoParam::into_param).collect(),
        )
    }
}

/// The values of an `__in` lookup on a field of type `T`.
#[inline]
pub fn list<'a, T, L: IntoList<'a, T>>(items: L) -> Value<'a> {
    items.into_list()
}

/// The two ends of a `__range` lookup: a tuple `(low, high)`, both included.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a range for a `__range` lookup",
    label = "expected a tuple `(low, high)` of `{T}`"
)]
pub trait IntoRange<'a, T> {
    /// The two parameters.
    fn into_range(self) -> (Value<'a>, Value<'a>);
}

impl<'a, T, A: IntoParam<'a, T>, B: IntoParam<'a, T>> IntoRange<'a, T> for (A, B) {
    #[inline]
    fn into_range(self) -> (Value<'a>, Value<'a>) {
        (self.0.into_param(), self.1.into_param())
    }
}

/// The ends of a `__range` lookup on a field of type `T`.
#[inline]
pub fn range<'a, T, R: IntoRange<'a, T>>(r: R) -> (Value<'a>, Value<'a>) {
    r.into_range()
}

/// A year compared with `year`/`iso_year` of a column of SQL type `column`,
/// turned into the first and the last instant of that year (Django's
/// `YearLookup`: `col BETWEEN first AND last`, which can use an index).
pub fn year_bounds_of(column: SqlType, year: i32, iso: bool) -> (Value<'static>, Value<'static>) {
    let (first, last) = year_bounds(year, iso);
    let end_of_day = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(NaiveTime::MIN);
    match column {
        SqlType::Timestamp => (
            Value::Timestamp(first.and_time(NaiveTime::MIN)),
            Value::Timestamp(last.and_time(end_of_day)),
        ),
        SqlType::TimestampTz => (
            Value::TimestampTz(first.and_time(NaiveTime::MIN).and_utc()),
            Value::TimestampTz(last.and_time(end_of_day).and_utc()),
        ),
        _ => (Value::Date(first), Value::Date(last)),
    }
}

/// A slice bound (`[a..b]`): a `usize`, sent as a 64-bit integer.
#[diagnostic::on_unimplemented(
    message = "a slice bound must be a `usize`, found `{Self}`",
    label = "expected `usize`"
)]
pub trait SliceBound {
    /// The bound.
    fn bound(self) -> usize;
}
impl SliceBound for usize {
    #[inline]
    fn bound(self) -> usize {
        self
    }
}
impl SliceBound for &usize {
    #[inline]
    fn bound(self) -> usize {
        *self
    }
}

/// A slice bound as a parameter.
#[inline]
pub fn slice_bound(b: impl SliceBound) -> usize {
    b.bound()
}

/// `LIMIT` for `[start..stop]`: never negative.
#[inline]
pub fn limit(start: usize, stop: usize) -> Value<'static> {
    Value::BigInt(i64::try_from(stop.saturating_sub(start)).unwrap_or(i64::MAX))
}

/// `OFFSET` for `[start..]`.
#[inline]
pub fn offset(start: usize) -> Value<'static> {
    Value::BigInt(i64::try_from(start).unwrap_or(i64::MAX))
}

/// Now in UTC, to the microsecond.
pub fn utc_now() -> DateTime<Utc> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    DateTime::from_timestamp(secs, since.subsec_micros() * 1000).unwrap_or(DateTime::UNIX_EPOCH)
}

/// `at` as a value of a date or datetime column (`auto_now_add`/`auto_now`).
pub fn now(column: SqlType, at: DateTime<Utc>) -> Value<'static> {
    match column {
        SqlType::Date => Value::Date(at.date_naive()),
        SqlType::Timestamp => Value::Timestamp(at.naive_utc()),
        _ => Value::TimestampTz(at),
    }
}

/// The current time as a field's type, for `auto_now` fields in `save()`.
pub trait Now {
    /// Now, in UTC, to the microsecond.
    fn now() -> Self;
}

impl Now for NaiveDate {
    fn now() -> Self {
        match now(SqlType::Date, utc_now()) {
            Value::Date(d) => d,
            _ => NaiveDate::MIN,
        }
    }
}

impl Now for NaiveDateTime {
    fn now() -> Self {
        match now(SqlType::Timestamp, utc_now()) {
            Value::Timestamp(t) => t,
            _ => NaiveDateTime::MIN,
        }
    }
}

impl Now for DateTime<Utc> {
    fn now() -> Self {
        match now(SqlType::TimestampTz, utc_now()) {
            Value::TimestampTz(t) => t,
            _ => DateTime::UNIX_EPOCH,
        }
    }
}

/// A key ([`ForeignKey`](crate::ForeignKey), [`OneToOne`](crate::OneToOne))
/// compares as the `i64` it holds, by value and by reference.
macro_rules! key_params {
    ($($key:ident),*) => {$(
        impl<'a, T> IntoParam<'a, i64> for crate::model::$key<T> {
            #[inline]
            fn into_param(self) -> Value<'a> {
                Value::BigInt(self.id())
            }
        }

        impl<'a, T> IntoParam<'a, i64> for &crate::model::$key<T> {
            #[inline]
            fn into_param(self) -> Value<'a> {
                Value::BigInt(self.id())
            }
        }
    )*};
}
key_params!(ForeignKey, OneToOne);

/// The value of an optional condition (`title__icontains = q?`): an
/// `Option` whose `None` leaves the condition out.
#[diagnostic::on_unimplemented(
    message = "an optional condition `field = value?` takes an `Option`, not `{Self}`",
    label = "not an `Option`",
    note = "`?` after the value makes the condition apply only when the value is `Some`; drop the `?` to always apply it"
)]
pub trait OptionalValue {
    /// What the `Option` holds.
    type Inner;
    /// The `Option`.
    fn into_option(self) -> Option<Self::Inner>;
}

impl<T> OptionalValue for Option<T> {
    type Inner = T;
    #[inline]
    fn into_option(self) -> Option<T> {
        self
    }
}

impl<'o, T> OptionalValue for &'o Option<T> {
    type Inner = &'o T;
    #[inline]
    fn into_option(self) -> Option<&'o T> {
        self.as_ref()
    }
}

/// The `Option` of an optional condition.
#[inline]
pub fn optional<O: OptionalValue>(o: O) -> Option<O::Inner> {
    o.into_option()
}

/// The parameters one statement of a query with optional conditions
/// takes: those at `take` (ascending indices into every value the query
/// evaluated).
#[inline]
pub fn take_params<'a>(all: Vec<Value<'a>>, take: &[usize]) -> Vec<Value<'a>> {
    if take.len() == all.len() {
        return all;
    }
    let mut out = Vec::with_capacity(take.len());
    let mut want = take.iter().copied().peekable();
    for (i, v) in all.into_iter().enumerate() {
        if want.peek() == Some(&i) {
            out.push(v);
            want.next();
        }
    }
    out
}

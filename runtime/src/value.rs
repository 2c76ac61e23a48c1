//! Values bound as query parameters, and the SQL types they map to.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// The SQL type of a column or a parameter, independent of the dialect.
///
/// The dialect-specific names live in one table: [`SqlType::sqlite_name`] and
/// [`SqlType::postgres_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// `bool`
    Bool,
    /// `i16`
    SmallInt,
    /// `i32`
    Int,
    /// `i64`
    BigInt,
    /// `f32`
    Real,
    /// `f64`
    Double,
    /// `String`
    Text,
    /// `Vec<u8>`
    Blob,
    /// `chrono::NaiveDate`
    Date,
    /// `chrono::NaiveDateTime`
    Timestamp,
    /// `chrono::DateTime<Utc>`
    TimestampTz,
    /// `chrono::NaiveTime`
    Time,
    /// `rust_decimal::Decimal` (Django's `DecimalField`): `decimal` on
    /// SQLite, `numeric` on PostgreSQL (`numeric(p, s)` for a column, from
    /// [`Column::decimal`](crate::Column::decimal)).
    Decimal,
}

impl SqlType {
    /// The column type written in SQLite DDL (Django's names, so that
    /// databases made by either read the same).
    pub const fn sqlite_name(self) -> &'static str {
        match self {
            SqlType::Bool => "bool",
            SqlType::SmallInt => "smallint",
            SqlType::Int => "integer",
            SqlType::BigInt => "bigint",
            SqlType::Real | SqlType::Double => "real",
            SqlType::Text => "text",
            SqlType::Blob => "blob",
            SqlType::Date => "date",
            SqlType::Timestamp | SqlType::TimestampTz => "datetime",
            SqlType::Time => "time",
            SqlType::Decimal => "decimal",
        }
    }

    /// The column type written in PostgreSQL DDL.
    pub const fn postgres_name(self) -> &'static str {
        match self {
            SqlType::Bool => "boolean",
            SqlType::SmallInt => "smallint",
            SqlType::Int => "integer",
            SqlType::BigInt => "bigint",
            SqlType::Real => "real",
            SqlType::Double => "double precision",
            SqlType::Text => "text",
            SqlType::Blob => "bytea",
            SqlType::Date => "date",
            SqlType::Timestamp => "timestamp",
            SqlType::TimestampTz => "timestamp with time zone",
            SqlType::Time => "time",
            SqlType::Decimal => "numeric",
        }
    }
}

/// A value bound to a query parameter.
///
/// Values are never written into SQL text: every one is sent as a parameter.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A boolean.
    Bool(bool),
    /// A 16-bit integer.
    SmallInt(i16),
    /// A 32-bit integer.
    Int(i32),
    /// A 64-bit integer.
    BigInt(i64),
    /// A 32-bit float.
    Real(f32),
    /// A 64-bit float.
    Double(f64),
    /// Text.
    Text(Cow<'a, str>),
    /// Bytes.
    Blob(Cow<'a, [u8]>),
    /// A date.
    Date(NaiveDate),
    /// A date and time without a time zone.
    Timestamp(NaiveDateTime),
    /// A date and time in UTC.
    TimestampTz(DateTime<Utc>),
    /// A time of day.
    Time(NaiveTime),
    /// An exact decimal number.
    #[cfg(feature = "decimal")]
    Decimal(rust_decimal::Decimal),
    /// SQL NULL of a type (an UPDATE setting an `Option` field to `None`).
    Null(SqlType),
    /// A list of values of one type, for `__in` (an array on PostgreSQL, a
    /// `rarray` of native values on SQLite).
    List(SqlType, Vec<Value<'a>>),
    /// One column of many rows, for PostgreSQL's `UNNEST` insert: every
    /// `width`-th value of `values` from `index`, sent as an array without
    /// copying them into a list.
    #[doc(hidden)]
    __Column {
        ty: SqlType,
        values: &'a [Value<'a>],
        width: usize,
        index: usize,
    },
}

impl Value<'_> {
    /// The SQL type of this value (for a list: the type of its items).
    pub fn sql_type(&self) -> SqlType {
        match self {
            Value::Bool(_) => SqlType::Bool,
            Value::SmallInt(_) => SqlType::SmallInt,
            Value::Int(_) => SqlType::Int,
            Value::BigInt(_) => SqlType::BigInt,
            Value::Real(_) => SqlType::Real,
            Value::Double(_) => SqlType::Double,
            Value::Text(_) => SqlType::Text,
            Value::Blob(_) => SqlType::Blob,
            Value::Date(_) => SqlType::Date,
            Value::Timestamp(_) => SqlType::Timestamp,
            Value::TimestampTz(_) => SqlType::TimestampTz,
            Value::Time(_) => SqlType::Time,
            #[cfg(feature = "decimal")]
            Value::Decimal(_) => SqlType::Decimal,
            Value::List(t, _) | Value::Null(t) | Value::__Column { ty: t, .. } => *t,
        }
    }
}

/// Formats a date as Django stores it in SQLite: `YYYY-MM-DD`.
pub fn format_date(d: NaiveDate, out: &mut String) {
    let y = d.year();
    if (0..=9999).contains(&y) {
        let _ = write!(out, "{y:04}-{:02}-{:02}", d.month(), d.day());
    } else {
        let _ = write!(out, "{y:+05}-{:02}-{:02}", d.month(), d.day());
    }
}

/// Formats a time as Django stores it in SQLite: `HH:MM:SS`, plus `.ffffff`
/// only when the microseconds are not zero. Precision is the microsecond.
pub fn format_time(t: NaiveTime, out: &mut String) {
    let _ = write!(out, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    let micros = (t.nanosecond() % 1_000_000_000) / 1000;
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
}

/// Formats a date and time as Django stores it in SQLite:
/// `YYYY-MM-DD HH:MM:SS[.ffffff]`.
pub fn format_datetime(dt: NaiveDateTime, out: &mut String) {
    format_date(dt.date(), out);
    out.push(' ');
    format_time(dt.time(), out);
}

/// Parses a date stored as text (`YYYY-MM-DD`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Parses a time stored as text (`HH:MM[:SS[.f]]`).
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

/// Parses a date and time stored as text: Django's `YYYY-MM-DD HH:MM:SS[.f]`,
/// also with a `T` separator, or a date alone (midnight).
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| parse_date(s).and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// Parses an aware date and time stored as text; text without an offset is UTC.
pub fn parse_datetime_utc(s: &str) -> Option<DateTime<Utc>> {
    parse_datetime(s).map(|n| n.and_utc()).or_else(|| {
        DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z")
            .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%#z"))
            .ok()
            .map(|d| d.with_timezone(&Utc))
    })
}

/// The first and last day of a (calendar or ISO) year, clamped to chrono's range.
pub(crate) fn year_bounds(year: i32, iso: bool) -> (NaiveDate, NaiveDate) {
    let clamp = |d: Option<NaiveDate>, fallback: NaiveDate| d.unwrap_or(fallback);
    let (lo, hi) = (NaiveDate::MIN, NaiveDate::MAX);
    let edge = |y: i32| if y < lo.year() { lo } else { hi };
    if iso {
        let first = clamp(
            NaiveDate::from_isoywd_opt(year, 1, chrono::Weekday::Mon),
            edge(year),
        );
        let next = NaiveDate::from_isoywd_opt(year.saturating_add(1), 1, chrono::Weekday::Mon);
        let last = next.and_then(|d| d.pred_opt()).unwrap_or(edge(year));
        (first, last)
    } else {
        let first = clamp(NaiveDate::from_ymd_opt(year, 1, 1), edge(year));
        let last = clamp(NaiveDate::from_ymd_opt(year, 12, 31), edge(year));
        (first, last)
    }
}

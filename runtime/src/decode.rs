//! `Decode` for every supported field type, on each backend.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

#[cfg(feature = "sqlite")]
use rusqlite::types::ValueRef;

use crate::model::{Decode, ForeignKey, OneToOne};
use crate::value::Value;
#[cfg(feature = "sqlite")]
use crate::value::{parse_date, parse_datetime, parse_datetime_utc, parse_time};

/// Describes an SQLite value for a decode error.
#[cfg(feature = "sqlite")]
#[cold]
pub(crate) fn describe(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => format!("integer {i}"),
        ValueRef::Real(r) => format!("real {r}"),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let short: String = s.chars().take(40).collect();
            if short.len() < s.len() {
                format!("text {short:?}…")
            } else {
                format!("text {short:?}")
            }
        }
        ValueRef::Blob(b) => format!("blob of {} bytes", b.len()),
    }
}

#[cfg(feature = "sqlite")]
#[inline]
fn text(v: ValueRef<'_>) -> Result<&str, String> {
    match v {
        ValueRef::Text(t) => {
            std::str::from_utf8(t).map_err(|_| "text that is not UTF-8".to_string())
        }
        other => Err(describe(other)),
    }
}

#[cfg(feature = "sqlite")]
#[inline]
fn integer(v: ValueRef<'_>) -> Result<i64, String> {
    match v {
        ValueRef::Integer(i) => Ok(i),
        other => Err(describe(other)),
    }
}

/// Describes a sent value that is not of the type asked for.
#[cold]
fn sent(v: &Value<'_>) -> String {
    format!("the value {v:?}")
}

macro_rules! decode {
    ($t:ty, $expected:literal, |$v:ident| $sqlite:expr, $($pat:pat => $val:expr),+ $(,)?) => {
        impl Decode for $t {
            const EXPECTED: &'static str = $expected;
            #[inline]
            fn from_value(value: &Value<'_>) -> Result<Self, String> {
                #[allow(unreachable_patterns)]
                match value {
                    $($pat => Ok($val),)+
                    other => Err(sent(other)),
                }
            }
            #[cfg(feature = "sqlite")]
            #[inline]
            fn from_sqlite($v: ValueRef<'_>) -> Result<Self, String> {
                $sqlite
            }
            #[cfg(feature = "postgres")]
            type Pg = $t;
            #[cfg(feature = "postgres")]
            #[inline]
            fn from_pg(value: Self::Pg) -> Self {
                value
            }
        }
    };
}

decode!(bool, "a boolean", |v| integer(v).map(|i| i != 0),
    Value::Bool(b) => *b
);
decode!(i16, "a 16-bit integer", |v| {
    let i = integer(v)?;
    i16::try_from(i).map_err(|_| format!("integer {i} (out of range)"))
},
    Value::SmallInt(i) => *i
);
decode!(i32, "a 32-bit integer", |v| {
    let i = integer(v)?;
    i32::try_from(i).map_err(|_| format!("integer {i} (out of range)"))
},
    Value::Int(i) => *i, Value::SmallInt(i) => i32::from(*i)
);
decode!(i64, "a 64-bit integer", |v| integer(v),
    Value::BigInt(i) => *i, Value::Int(i) => i64::from(*i), Value::SmallInt(i) => i64::from(*i)
);
decode!(f32, "a float", |v| match v {
    // A finite double beyond f32's range would become an infinity.
    ValueRef::Real(r) if r.is_finite() && (r as f32).is_infinite() => {
        Err(format!("real {r} (out of range for f32)"))
    }
    ValueRef::Real(r) => Ok(r as f32),
    ValueRef::Integer(i) => Ok(i as f32),
    other => Err(describe(other)),
},
    Value::Real(r) => *r
);
decode!(f64, "a float", |v| match v {
    ValueRef::Real(r) => Ok(r),
    ValueRef::Integer(i) => Ok(i as f64),
    other => Err(describe(other)),
},
    Value::Double(r) => *r, Value::Real(r) => f64::from(*r)
);
decode!(String, "text", |v| text(v).map(str::to_owned),
    Value::Text(t) => t.as_ref().to_owned()
);
decode!(Vec<u8>, "bytes", |v| match v {
    ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b.to_vec()),
    other => Err(describe(other)),
},
    Value::Blob(b) => b.as_ref().to_vec()
);
decode!(NaiveDate, "a date (YYYY-MM-DD)", |v| {
    let s = text(v)?;
    parse_date(s).ok_or_else(|| describe(v))
},
    Value::Date(d) => *d
);
decode!(
    NaiveDateTime,
    "a date and time (YYYY-MM-DD HH:MM:SS[.ffffff])",
    |v| {
        let s = text(v)?;
        parse_datetime(s).ok_or_else(|| describe(v))
    },
    Value::Timestamp(t) => *t, Value::TimestampTz(t) => t.naive_utc()
);
decode!(
    DateTime<Utc>,
    "a date and time (YYYY-MM-DD HH:MM:SS[.ffffff])",
    |v| {
        let s = text(v)?;
        parse_datetime_utc(s).ok_or_else(|| describe(v))
    },
    Value::TimestampTz(t) => *t, Value::Timestamp(t) => t.and_utc()
);
decode!(NaiveTime, "a time (HH:MM:SS[.ffffff])", |v| {
    let s = text(v)?;
    parse_time(s).ok_or_else(|| describe(v))
},
    Value::Time(t) => *t
);

#[cfg(feature = "decimal")]
decode!(rust_decimal::Decimal, "a decimal number", |v| {
    crate::decimal::from_sqlite(v)
},
    Value::Decimal(d) => *d, Value::Int(i) => rust_decimal::Decimal::from(*i), Value::BigInt(i) => rust_decimal::Decimal::from(*i)
);

impl<T: Decode> Decode for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    #[inline]
    fn from_value(value: &Value<'_>) -> Result<Self, String> {
        match value {
            Value::Null(_) => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
    #[cfg(feature = "sqlite")]
    #[inline]
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            other => T::from_sqlite(other).map(Some),
        }
    }
    #[cfg(feature = "postgres")]
    type Pg = Option<T::Pg>;
    #[cfg(feature = "postgres")]
    #[inline]
    fn from_pg(value: Self::Pg) -> Self {
        value.map(T::from_pg)
    }
}

/// `Decode` for the key types ([`ForeignKey`], [`OneToOne`]): an `i64` key.
macro_rules! decode_key {
    ($($key:ident),*) => {$(
        impl<T> Decode for $key<T> {
            const EXPECTED: &'static str = "a 64-bit integer key";
            #[inline]
            fn from_value(value: &Value<'_>) -> Result<Self, String> {
                i64::from_value(value).map($key::new)
            }
            #[cfg(feature = "sqlite")]
            #[inline]
            fn from_sqlite(v: ValueRef<'_>) -> Result<Self, String> {
                integer(v).map($key::new)
            }
            #[cfg(feature = "postgres")]
            type Pg = i64;
            #[cfg(feature = "postgres")]
            #[inline]
            fn from_pg(value: i64) -> Self {
                $key::new(value)
            }
        }
    )*};
}
decode_key!(ForeignKey, OneToOne);

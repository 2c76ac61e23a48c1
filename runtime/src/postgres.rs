//! The PostgreSQL backend (postgres).
//!
//! Each query goes to the server with its parameter types in one round trip
//! (`query_typed_raw`: Parse, Bind and Execute of the unnamed statement).
//! The SQL also casts every placeholder (`$1::int4`), so the types the
//! server sees are the ones dunder binds.
//!
//! Extracting parts of a `timestamp with time zone` (`year`, `hour`, `date`,
//! …) happens in UTC (`AT TIME ZONE 'UTC'`), whatever the session's
//! `TimeZone`. Case-insensitive lookups use `UPPER()`, which folds non-ASCII
//! letters under a UTF-8 `LC_CTYPE` (`C.UTF-8`, `en_US.UTF-8`, …) but only
//! ASCII under `C`.

use std::error::Error as StdError;

use bytes::BytesMut;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type};

use crate::error::{Error, Result};
use crate::exec::{Cursor, Executor};
use crate::model::{decode_error, Decode, Dialect, Row, Sql};
use crate::query::Consume;
use crate::value::{SqlType, Value};

/// The PostgreSQL type of a parameter.
fn pg_type(v: &Value<'_>) -> Type {
    match v {
        Value::List(t, _) => match t {
            SqlType::Bool => Type::BOOL_ARRAY,
            SqlType::SmallInt => Type::INT2_ARRAY,
            SqlType::Int => Type::INT4_ARRAY,
            SqlType::BigInt => Type::INT8_ARRAY,
            SqlType::Real => Type::FLOAT4_ARRAY,
            SqlType::Double => Type::FLOAT8_ARRAY,
            SqlType::Text => Type::TEXT_ARRAY,
            SqlType::Blob => Type::BYTEA_ARRAY,
            SqlType::Date => Type::DATE_ARRAY,
            SqlType::Timestamp => Type::TIMESTAMP_ARRAY,
            SqlType::TimestampTz => Type::TIMESTAMPTZ_ARRAY,
            SqlType::Time => Type::TIME_ARRAY,
        },
        other => match other.sql_type() {
            SqlType::Bool => Type::BOOL,
            SqlType::SmallInt => Type::INT2,
            SqlType::Int => Type::INT4,
            SqlType::BigInt => Type::INT8,
            SqlType::Real => Type::FLOAT4,
            SqlType::Double => Type::FLOAT8,
            SqlType::Text => Type::TEXT,
            SqlType::Blob => Type::BYTEA,
            SqlType::Date => Type::DATE,
            SqlType::Timestamp => Type::TIMESTAMP,
            SqlType::TimestampTz => Type::TIMESTAMPTZ,
            SqlType::Time => Type::TIME,
        },
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

macro_rules! list_to_sql {
    ($items:expr, $ty:expr, $out:expr, $($variant:ident),*) => {{
        let first = $items.first();
        match first {
            $(Some(Value::$variant(_)) => {
                let mut v = Vec::with_capacity($items.len());
                for item in $items {
                    match item {
                        Value::$variant(x) => v.push(x),
                        other => return Err(format!("mixed list item {other:?}").into()),
                    }
                }
                v.to_sql($ty, $out)
            })*
            _ => Vec::<i32>::new().to_sql($ty, $out),
        }
    }};
}

impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Bool(v) => v.to_sql(ty, out),
            Value::SmallInt(v) => v.to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::BigInt(v) => v.to_sql(ty, out),
            Value::Real(v) => v.to_sql(ty, out),
            Value::Double(v) => v.to_sql(ty, out),
            Value::Text(v) => v.as_ref().to_sql(ty, out),
            Value::Blob(v) => v.as_ref().to_sql(ty, out),
            Value::Date(v) => v.to_sql(ty, out),
            Value::Timestamp(v) => v.to_sql(ty, out),
            Value::TimestampTz(v) => v.to_sql(ty, out),
            Value::Time(v) => v.to_sql(ty, out),
            Value::List(_, items) => list_to_sql!(
                items,
                ty,
                out,
                Bool,
                SmallInt,
                Int,
                BigInt,
                Real,
                Double,
                Text,
                Blob,
                Date,
                Timestamp,
                TimestampTz,
                Time
            ),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// Turns a postgres error into a [`dunder::Error`](Error).
pub(crate) fn error(e: postgres::Error, sql: &str) -> Error {
    use postgres::error::SqlState;
    let sql = sql.to_owned();
    if let Some(db) = e.as_db_error() {
        let constraint = db.constraint().map(str::to_owned);
        if *db.code() == SqlState::UNIQUE_VIOLATION {
            return Error::UniqueViolation {
                constraint,
                sql,
                source: Box::new(e),
            };
        }
        if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
            return Error::ForeignKeyViolation {
                constraint,
                sql,
                source: Box::new(e),
            };
        }
    } else if e.is_closed() {
        return Error::Connection {
            source: Box::new(e),
        };
    }
    Error::Database {
        sql,
        source: Box::new(e),
    }
}

#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct PgRow(postgres::Row);

impl Row for PgRow {
    #[inline]
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        match self.0.try_get::<_, T::Pg>(idx) {
            Ok(v) => Ok(T::from_pg(v)),
            Err(e) => {
                let was_null = e
                    .source()
                    .is_some_and(|s| s.downcast_ref::<postgres::types::WasNull>().is_some());
                let found = if was_null {
                    "NULL".to_owned()
                } else {
                    match self.0.columns().get(idx) {
                        Some(c) => format!("a value of type {}", c.type_()),
                        None => "no such column in the result".to_owned(),
                    }
                };
                Err(decode_error(column, T::EXPECTED, found))
            }
        }
    }
}

struct PgCursor<'c> {
    rows: postgres::RowIter<'c>,
    sql: &'static str,
}

impl Cursor for PgCursor<'_> {
    type Row<'r>
        = PgRow
    where
        Self: 'r;

    #[inline]
    fn next_row(&mut self) -> Result<Option<PgRow>> {
        match self.rows.next() {
            Ok(row) => Ok(row.map(PgRow)),
            Err(e) => Err(error(e, self.sql)),
        }
    }
}

/// PostgreSQL text cannot contain NUL: say so, rather than let the server
/// reject the message or a driver truncate the value.
fn check_values(params: &[Value<'_>], sql: &str) -> Result<()> {
    fn has_nul(v: &Value<'_>) -> bool {
        match v {
            Value::Text(s) => s.as_bytes().contains(&0),
            Value::List(_, items) => items.iter().any(has_nul),
            _ => false,
        }
    }
    match params.iter().position(has_nul) {
        Some(i) => Err(Error::InvalidValue {
            reason: format!("parameter ${} is text containing the character NUL (\\0), which PostgreSQL text cannot hold", i + 1),
            sql: sql.to_owned(),
        }),
        None => Ok(()),
    }
}

fn run<C: postgres::GenericClient, K: Consume>(
    client: &mut C,
    sql: &'static Sql,
    params: &[Value<'_>],
    consume: K,
) -> Result<K::Output> {
    let text = sql.postgres;
    check_values(params, text)?;
    let rows = client
        .query_typed_raw(text, params.iter().map(|p| (p, pg_type(p))))
        .map_err(|e| error(e, text))?;
    let mut cursor = PgCursor { rows, sql: text };
    consume.consume(&mut cursor).map_err(|e| e.with_sql(text))
}

macro_rules! pg_executor {
    ($($t:ty),*) => {$(
        impl Executor for $t {
            #[inline]
            fn dialect(&self) -> Dialect {
                Dialect::Postgres
            }
            #[inline]
            fn run<K: Consume>(self, sql: &'static Sql, params: &[Value<'_>], consume: K) -> Result<K::Output> {
                run(self, sql, params, consume)
            }
            fn execute_batch(self, sql: &str) -> Result<()> {
                postgres::GenericClient::batch_execute(self, sql).map_err(|e| error(e, sql))
            }
        }
    )*};
}

pg_executor!(&mut postgres::Client, &mut postgres::Transaction<'_>);

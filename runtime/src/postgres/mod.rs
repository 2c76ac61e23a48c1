//! The PostgreSQL backend.
//!
//! Three ways to connect, fastest first. [`Connection`] is dunder's own
//! client: it speaks PostgreSQL's protocol over a blocking socket, prepares
//! each query once per connection and decodes rows from the bytes the
//! server sent (what [`Db::connect`](crate::Db::connect) opens; no TLS).
//! The other two are the postgres crate's clients. On a plain `&mut postgres::Client` (or `Transaction`) each query goes to
//! the server with its parameter types in one round trip (`query_typed_raw`:
//! Parse, Bind and Execute of the unnamed statement; nothing is left on the
//! server). [`Client`] wraps a `postgres::Client` with a statement cache:
//! each query is prepared once per connection and then only bound and
//! executed, which saves the server's parse and plan on every later call.
//! The SQL casts every placeholder (`$1::int4`), so the types the server sees
//! are the ones dunder binds.
//!
//! Extracting parts of a `timestamp with time zone` (`year`, `hour`, `date`,
//! …) happens in UTC (`AT TIME ZONE 'UTC'`), whatever the session's
//! `TimeZone`. Case-insensitive lookups use `UPPER()`, which folds non-ASCII
//! letters under a UTF-8 `LC_CTYPE` (`C.UTF-8`, `en_US.UTF-8`, …) but only
//! ASCII under `C`.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::hash::BuildHasherDefault;
use std::ops::{Deref, DerefMut};

use bytes::BytesMut;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type};

mod connection;
mod wire;

#[doc(hidden)]
pub use connection::WireRow;
pub use connection::{Connection, ConnectionTx};
pub use wire::DbError;

use crate::error::{BackendError, Error, Result};
use crate::exec::{Cursor, Executor};
use crate::model::{decode_error, Decode, Dialect, Row, Sql};
use crate::query::Consume;
use crate::value::{SqlType, Value};

/// The PostgreSQL type of a parameter.
fn pg_type(v: &Value<'_>) -> Type {
    match v {
        Value::List(t, _) | Value::__Column { ty: t, .. } => match t {
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
            SqlType::Decimal => Type::NUMERIC_ARRAY,
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
            SqlType::Decimal => Type::NUMERIC,
        },
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

/// The items of a list as `Option`s of one Rust type (`None` for NULL).
macro_rules! items {
    ($items:expr, $variant:ident, |$x:ident| $get:expr) => {{
        let mut v = Vec::with_capacity($items.len());
        for item in $items {
            match item {
                Value::$variant($x) => v.push(Some($get)),
                Value::Null(_) => v.push(None),
                other => {
                    return Err(
                        format!("list item {other:?} is not a {}", stringify!($variant)).into(),
                    )
                }
            }
        }
        v
    }};
}

fn list_to_sql(
    t: SqlType,
    items: &[Value<'_>],
    ty: &Type,
    out: &mut BytesMut,
) -> Result<IsNull, BoxError> {
    match t {
        SqlType::Bool => items!(items, Bool, |x| *x).to_sql(ty, out),
        SqlType::SmallInt => items!(items, SmallInt, |x| *x).to_sql(ty, out),
        SqlType::Int => items!(items, Int, |x| *x).to_sql(ty, out),
        SqlType::BigInt => items!(items, BigInt, |x| *x).to_sql(ty, out),
        SqlType::Real => items!(items, Real, |x| *x).to_sql(ty, out),
        SqlType::Double => items!(items, Double, |x| *x).to_sql(ty, out),
        SqlType::Text => items!(items, Text, |x| x.as_ref()).to_sql(ty, out),
        SqlType::Blob => items!(items, Blob, |x| x.as_ref()).to_sql(ty, out),
        SqlType::Date => items!(items, Date, |x| *x).to_sql(ty, out),
        SqlType::Timestamp => items!(items, Timestamp, |x| *x).to_sql(ty, out),
        SqlType::TimestampTz => items!(items, TimestampTz, |x| *x).to_sql(ty, out),
        SqlType::Time => items!(items, Time, |x| *x).to_sql(ty, out),
        #[cfg(feature = "decimal")]
        SqlType::Decimal => items!(items, Decimal, |x| *x).to_sql(ty, out),
        #[cfg(not(feature = "decimal"))]
        SqlType::Decimal => Err("a list of decimals needs dunder's `decimal` feature".into()),
    }
}

/// Text with a NUL character, found while writing an array.
#[derive(Debug)]
struct NulInText;

impl std::fmt::Display for NulInText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("text containing the character NUL (\\0), which PostgreSQL text cannot hold")
    }
}

impl StdError for NulInText {}

/// Writes a four-byte length (or -1) at `at`.
fn put_len(out: &mut BytesMut, at: usize, len: usize) -> Result<(), BoxError> {
    let len = i32::try_from(len).map_err(|_| "value too large for PostgreSQL")?;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// PostgreSQL's binary array of every `width`-th value of `values` from
/// `index` (one column of a bulk insert), written straight from the values:
/// no list is built, text and bytes are copied once, and a text with a NUL
/// is refused here (what `check_values` does for other parameters).
fn column_to_sql(
    values: &[Value<'_>],
    width: usize,
    index: usize,
    ty: &Type,
    out: &mut BytesMut,
) -> Result<IsNull, BoxError> {
    use bytes::BufMut;
    let member = match ty.kind() {
        postgres::types::Kind::Array(m) => m.clone(),
        _ => return Err("a column is sent as an array".into()),
    };
    let rows = values.len() / width.max(1);
    out.put_i32(1); // dimensions
    let has_nulls = out.len();
    out.put_i32(0);
    out.put_u32(member.oid());
    out.put_i32(i32::try_from(rows).map_err(|_| "too many rows for one array")?);
    out.put_i32(1); // lower bound
    let mut nulls = false;
    for v in values.iter().skip(index).step_by(width.max(1)).take(rows) {
        let at = out.len();
        out.put_i32(-1);
        match v {
            Value::Null(_) => nulls = true,
            Value::Text(s) => {
                if s.as_bytes().contains(&0) {
                    return Err(Box::new(NulInText));
                }
                out.extend_from_slice(s.as_bytes());
                put_len(out, at, s.len())?;
            }
            Value::Blob(b) => {
                out.extend_from_slice(b);
                put_len(out, at, b.len())?;
            }
            other => match other.to_sql(&member, out)? {
                IsNull::Yes => nulls = true,
                IsNull::No => put_len(out, at, out.len() - at - 4)?,
            },
        }
    }
    if nulls {
        out[has_nulls..has_nulls + 4].copy_from_slice(&1i32.to_be_bytes());
    }
    Ok(IsNull::No)
}

impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Null(_) => Ok(IsNull::Yes),
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
            #[cfg(feature = "decimal")]
            Value::Decimal(v) => v.to_sql(ty, out),
            Value::List(t, items) => list_to_sql(*t, items, ty, out),
            Value::__Column {
                values,
                width,
                index,
                ..
            } => column_to_sql(values, *width, *index, ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// Turns a postgres error into a [`dunder::Error`](Error).
pub(crate) fn error(e: postgres::Error, sql: &str) -> Error {
    let sql = sql.to_owned();
    if let Some(nul) = e.source().and_then(|s| s.downcast_ref::<NulInText>()) {
        return Error::InvalidValue {
            reason: format!("a row of the insert has {nul}"),
            sql,
        };
    }
    if let Some(db) = e.as_db_error() {
        let constraint = db.constraint().map(str::to_owned);
        let code = db.code().code().to_owned();
        let column = db.column().map(str::to_owned);
        return classify(&code, constraint, column, sql, Box::new(PgError(e)));
    }
    // The connection is gone (closed, reset, unreachable).
    let io = e
        .source()
        .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some());
    if e.is_closed() || io {
        return Error::Connection {
            source: Box::new(PgError(e)),
        };
    }
    Error::Database {
        sql,
        source: Box::new(PgError(e)),
    }
}

/// The [`dunder::Error`](Error) of a server error with SQLSTATE `code`.
pub(crate) fn classify(
    code: &str,
    constraint: Option<String>,
    column: Option<String>,
    sql: String,
    source: BackendError,
) -> Error {
    match code {
        "23505" => Error::UniqueViolation {
            constraint,
            sql,
            source,
        },
        "23503" => Error::ForeignKeyViolation {
            constraint,
            sql,
            source,
        },
        "23502" => Error::NotNullViolation {
            column,
            sql,
            source,
        },
        "23514" => Error::CheckViolation {
            constraint,
            sql,
            source,
        },
        // 22003: numeric value out of range; 22001: a text longer than its
        // varchar(n) (`max_length`).
        "22003" | "22001" => Error::OutOfRange { sql, source },
        // Class 40: the server rolled the transaction back; running it
        // again may succeed.
        "40001" => Error::SerializationFailure { sql, source },
        "40P01" => Error::Deadlock { sql, source },
        // The server ended the session (`pg_terminate_backend`, a shutdown)
        // or the connection failed: retrying on it is useless.
        c if c.starts_with("08") || c.starts_with("57P") => Error::Connection { source },
        _ => Error::Database { sql, source },
    }
}

/// A PostgreSQL error that shows what the server said, as psql does: the
/// message, its SQLSTATE, and the detail and hint when there are some (the
/// postgres crate's own text is only "db error"). The driver's error is its
/// source.
#[derive(Debug)]
pub struct PgError(pub postgres::Error);

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_db_error() {
            Some(db) => {
                write!(
                    f,
                    "{}: {} (SQLSTATE {})",
                    db.severity(),
                    db.message(),
                    db.code().code()
                )?;
                if let Some(detail) = db.detail() {
                    write!(f, "\n  DETAIL: {detail}")?;
                }
                if let Some(hint) = db.hint() {
                    write!(f, "\n  HINT: {hint}")?;
                }
                Ok(())
            }
            None => {
                // "error connecting to server: …", "connection closed", with
                // the cause the driver keeps as its source.
                write!(f, "{}", self.0)?;
                let mut cause = std::error::Error::source(&self.0);
                while let Some(c) = cause {
                    write!(f, ": {c}")?;
                    cause = c.source();
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// A row of the result, borrowed from the cursor (the fetched rows are
/// dropped together once decoded, not one by one).
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct PgRow<'r>(&'r postgres::Row);

impl Row for PgRow<'_> {
    #[inline]
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        get_at(self.0, idx, column)
    }

    fn __column_names(&self) -> Vec<String> {
        self.0
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect()
    }
}

#[inline]
fn get_at<T: Decode>(row: &postgres::Row, idx: usize, column: &'static str) -> Result<T> {
    match row.try_get::<_, T::Pg>(idx) {
        Ok(v) => Ok(T::from_pg(v)),
        Err(e) => Err(pg_decode_error(row, idx, column, T::EXPECTED, &e)),
    }
}

/// A row of the postgres crate's own queries, read by column name (see
/// [`Row`](crate::Row)): `Model::from_row(&row)`.
impl Row for postgres::Row {
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        if column == crate::raw::UNNAMED {
            return get_at(self, idx, column);
        }
        let names = self.columns().iter().map(|c| c.name());
        match crate::raw::position(names.clone(), column) {
            Some(i) => get_at(self, i, column),
            None => Err(crate::raw::missing_column(column, T::EXPECTED, names)),
        }
    }

    fn __column_names(&self) -> Vec<String> {
        PgRow(self).__column_names()
    }
}

/// The error of a column that did not decode, out of the hot path.
#[cold]
#[inline(never)]
fn pg_decode_error(
    row: &postgres::Row,
    idx: usize,
    column: &'static str,
    expected: &'static str,
    e: &postgres::Error,
) -> Error {
    let was_null = e
        .source()
        .is_some_and(|s| s.downcast_ref::<postgres::types::WasNull>().is_some());
    let found = if was_null {
        "NULL".to_owned()
    } else {
        match row.columns().get(idx) {
            Some(c) => row
                .try_get::<_, RawValue<'_>>(idx)
                .ok()
                .and_then(|raw| describe_temporal(raw.0, c.type_()))
                .unwrap_or_else(|| format!("a value of type {}", c.type_())),
            None => "no such column in the result".to_owned(),
        }
    };
    decode_error(column, expected, found)
}

/// The bytes of a value as the server sent them (binary format).
struct RawValue<'a>(&'a [u8]);

impl<'a> postgres::types::FromSql<'a> for RawValue<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(RawValue(raw))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A PostgreSQL `date`, `timestamp` or `timestamptz` that chrono cannot
/// hold (PostgreSQL's dates run to the year 5874897, its timestamps to
/// 294276, chrono's to 262142; and `infinity`, `-infinity`), described; `None`
/// for any other value.
fn describe_temporal(raw: &[u8], ty: &Type) -> Option<String> {
    const DAY: i64 = 86_400_000_000;
    let (kind, days, micros) =
        if *ty == Type::DATE {
            let d = i32::from_be_bytes(raw.try_into().ok()?);
            match d {
                i32::MAX => {
                    return Some(
                        "infinity (PostgreSQL's date `infinity`, which chrono cannot represent)"
                            .into(),
                    )
                }
                i32::MIN => {
                    return Some(
                        "-infinity (PostgreSQL's date `-infinity`, which chrono cannot represent)"
                            .into(),
                    )
                }
                _ => ("date", i64::from(d), None),
            }
        } else if *ty == Type::TIMESTAMP || *ty == Type::TIMESTAMPTZ {
            let t = i64::from_be_bytes(raw.try_into().ok()?);
            match t {
                i64::MAX => return Some(
                    "infinity (PostgreSQL's timestamp `infinity`, which chrono cannot represent)"
                        .into(),
                ),
                i64::MIN => return Some(
                    "-infinity (PostgreSQL's timestamp `-infinity`, which chrono cannot represent)"
                        .into(),
                ),
                _ => ("timestamp", t.div_euclid(DAY), Some(t.rem_euclid(DAY))),
            }
        } else {
            return None;
        };
    // Days since 2000-01-01 (PostgreSQL's epoch) → a proleptic Gregorian
    // date (Howard Hinnant's `civil_from_days`, from 1970-01-01).
    let z = days + 10_957 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    use chrono::Datelike;
    let (min, max) = (
        i64::from(chrono::NaiveDate::MIN.year()),
        i64::from(chrono::NaiveDate::MAX.year()),
    );
    if (min..=max).contains(&year) {
        // It fits: the value was refused for another reason (its type).
        return None;
    }
    // PostgreSQL writes years before 1 as `… BC` (year 0 is 1 BC).
    let mut text = if year > 0 {
        format!("the {kind} {year:04}-{month:02}-{day:02}")
    } else {
        format!("the {kind} {:04}-{month:02}-{day:02} BC", 1 - year)
    };
    if let Some(us) = micros {
        let secs = us / 1_000_000;
        text.push_str(&format!(
            " {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ));
        if us % 1_000_000 != 0 {
            text.push_str(&format!(".{:06}", us % 1_000_000));
        }
    }
    text.push_str(&format!(", beyond chrono's range (years {min} to {max})"));
    Some(text)
}

/// Rows from the server: streamed (`try_for_each`), or fetched in one go,
/// which costs one wait on the connection instead of one per row.
enum Rows<'c> {
    /// The iterator, and the row it gave last.
    Streamed(postgres::RowIter<'c>, Option<postgres::Row>),
    /// Every row, and the next one's index.
    Fetched(Vec<postgres::Row>, usize),
}

struct PgCursor<'c, 't> {
    rows: Rows<'c>,
    sql: &'t str,
}

impl Cursor for PgCursor<'_, '_> {
    type Row<'r>
        = PgRow<'r>
    where
        Self: 'r;

    #[inline]
    fn next_row(&mut self) -> Result<Option<PgRow<'_>>> {
        match &mut self.rows {
            Rows::Fetched(rows, next) => {
                let row = rows.get(*next);
                *next += 1;
                Ok(row.map(PgRow))
            }
            Rows::Streamed(rows, current) => match rows.next() {
                Ok(row) => {
                    *current = row;
                    Ok(current.as_ref().map(PgRow))
                }
                Err(e) => Err(error(e, self.sql)),
            },
        }
    }

    #[inline]
    fn rows_left(&self) -> usize {
        match &self.rows {
            Rows::Fetched(rows, next) => rows.len().saturating_sub(*next),
            Rows::Streamed(..) => 0,
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
            // Checked as it is written (`column_to_sql`).
            Value::__Column { .. } => false,
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
    run_text(client, sql.postgres, params, consume)
}

/// One round trip with the parameters' types, nothing kept on the server.
fn run_text<C: postgres::GenericClient, K: Consume>(
    client: &mut C,
    text: &str,
    params: &[Value<'_>],
    consume: K,
) -> Result<K::Output> {
    check_values(params, text)?;
    let typed = params.iter().map(|p| (p, pg_type(p)));
    let rows = if K::STREAM {
        Rows::Streamed(
            client
                .query_typed_raw(text, typed)
                .map_err(|e| error(e, text))?,
            None,
        )
    } else {
        let typed: Vec<(&(dyn ToSql + Sync), Type)> = params
            .iter()
            .map(|p| (p as &(dyn ToSql + Sync), pg_type(p)))
            .collect();
        Rows::Fetched(
            client
                .query_typed(text, &typed)
                .map_err(|e| error(e, text))?,
            0,
        )
    };
    let mut cursor = PgCursor { rows, sql: text };
    consume.consume(&mut cursor).map_err(|e| e.with_sql(text))
}

/// A statement that returns no rows (UPDATE, DELETE, an INSERT that reads
/// nothing back), as [`run`]: one round trip with the parameters' types
/// (`client.execute(text, …)` would prepare first, a second round trip).
fn execute<C: postgres::GenericClient>(
    client: &mut C,
    sql: &'static Sql,
    params: &[Value<'_>],
) -> Result<u64> {
    execute_text(client, sql.postgres, params)
}

/// Raw SQL that returns no rows: the parameters sent with their types (the
/// text's own `$N` are untyped, and a value must not be read as another
/// type), in one round trip; the rows affected come from the command tag.
fn execute_text<C: postgres::GenericClient>(
    client: &mut C,
    text: &str,
    params: &[Value<'_>],
) -> Result<u64> {
    check_values(params, text)?;
    let typed = params.iter().map(|p| (p, pg_type(p)));
    let mut rows = client
        .query_typed_raw(text, typed)
        .map_err(|e| error(e, text))?;
    while rows.next().map_err(|e| error(e, text))?.is_some() {}
    Ok(rows.rows_affected().unwrap_or(0))
}

macro_rules! pg_executor {
    ($($t:ty),*) => {$(
        impl Executor for $t {
            #[inline]
            fn dialect(&self) -> Dialect {
                Dialect::Postgres
            }
            type __Again<'r> = &'r mut <Self as std::ops::Deref>::Target where Self: 'r;
            #[inline]
            fn __again(&mut self) -> Self::__Again<'_> {
                self
            }
            #[inline]
            fn __run<K: Consume>(self, sql: &'static Sql, params: &[Value<'_>], consume: K) -> Result<K::Output> {
                run(self, sql, params, consume)
            }
            #[inline]
            fn __execute(self, sql: &'static Sql, params: &[Value<'_>]) -> Result<u64> {
                execute(self, sql, params)
            }
            fn __run_text<K: Consume>(self, text: &str, params: &[Value<'_>], consume: K) -> Result<K::Output> {
                run_text(self, text, params, consume)
            }
            fn __execute_text(self, text: &str, params: &[Value<'_>]) -> Result<u64> {
                execute_text(self, text, params)
            }
            fn execute_batch(self, sql: &str) -> Result<()> {
                postgres::GenericClient::batch_execute(self, sql).map_err(|e| error(e, sql))
            }
        }
    )*};
}

pg_executor!(&mut postgres::Client, &mut postgres::Transaction<'_>);

/// Prepared statements of one connection, keyed by the address of their
/// `&'static` SQL text (each `query!` has its own).
#[derive(Default)]
struct Cache {
    statements: HashMap<(usize, usize), postgres::Statement, BuildHasherDefault<AddressHasher>>,
}

/// A hasher for the cache's keys (an address and a length, never chosen by
/// an adversary): a multiply and a rotate, where SipHash costs a few
/// hundred instructions a query.
#[derive(Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("statements", &self.statements.len())
            .finish()
    }
}

impl Cache {
    /// The statement of `text`, prepared now if it is not cached; whether
    /// it was. One hash lookup; the statement is borrowed, not cloned.
    fn statement<'s, C: postgres::GenericClient>(
        &'s mut self,
        client: &mut C,
        text: &'static str,
        params: &[Value<'_>],
    ) -> Result<(&'s postgres::Statement, bool)> {
        use std::collections::hash_map::Entry;
        match self.statements.entry(key_of(text)) {
            Entry::Occupied(e) => Ok((e.into_mut(), true)),
            Entry::Vacant(v) => {
                let types: Vec<Type> = params.iter().map(pg_type).collect();
                let s = client
                    .prepare_typed(text, &types)
                    .map_err(|e| error(e, text))?;
                Ok((v.insert(s), false))
            }
        }
    }

    fn execute<C: postgres::GenericClient>(
        &mut self,
        client: &mut C,
        sql: &'static Sql,
        params: &[Value<'_>],
        retry: bool,
    ) -> Result<u64> {
        let text = sql.postgres;
        check_values(params, text)?;
        let mut retry = retry;
        loop {
            let (statement, cached) = self.statement(client, text, params)?;
            // `execute` ignores the rows, which `query_raw` would read (12 %
            // more client instructions for an UPDATE of one row).
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            match client.execute(statement, &refs) {
                Ok(n) => return Ok(n),
                Err(e) => {
                    self.statements.remove(&key_of(text));
                    if cached && retry && stale_plan(&e) {
                        retry = false;
                        continue;
                    }
                    return Err(error(e, text));
                }
            }
        }
    }

    fn run<C: postgres::GenericClient, K: Consume>(
        &mut self,
        client: &mut C,
        sql: &'static Sql,
        params: &[Value<'_>],
        consume: K,
        retry: bool,
    ) -> Result<K::Output> {
        let text = sql.postgres;
        check_values(params, text)?;
        let mut retry = retry;
        let rows = loop {
            let (statement, cached) = self.statement(client, text, params)?;
            let result = if K::STREAM {
                client
                    .query_raw(statement, params.iter())
                    .map(|rows| Rows::Streamed(rows, None))
            } else {
                let refs: Vec<&(dyn ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                client
                    .query(statement, &refs)
                    .map(|rows| Rows::Fetched(rows, 0))
            };
            match result {
                Ok(rows) => break rows,
                Err(e) => {
                    // A statement the server no longer accepts (e.g. after a
                    // schema change) is prepared again: now, once, when a
                    // stale plan is the reason and nothing else was spoiled.
                    self.statements.remove(&key_of(text));
                    if cached && retry && stale_plan(&e) {
                        retry = false;
                        continue;
                    }
                    return Err(error(e, text));
                }
            }
        };
        let mut cursor = PgCursor { rows, sql: text };
        consume.consume(&mut cursor).map_err(|e| e.with_sql(text))
    }
}

/// The cache key of a query's text: its address and length.
fn key_of(text: &'static str) -> (usize, usize) {
    (text.as_ptr() as usize, text.len())
}

/// The server refused a prepared statement because the schema changed under
/// it ("cached plan must not change result type") or forgot it.
fn stale_plan(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::FEATURE_NOT_SUPPORTED || *c == SqlState::INVALID_SQL_STATEMENT_NAME
    })
}

/// A `postgres::Client` that prepares each dunder query once and reuses the
/// statement (a per-connection statement cache). Derefs to the client, so
/// everything else works as before.
///
/// ```no_run
/// use dunder::prelude::*;
///
/// #[derive(Model, Debug)]
/// struct Tag {
///     id: i64,
///     name: String,
/// }
///
/// let mut db = dunder::postgres::Client::connect("postgres://postgres@localhost/app", dunder::postgres_client::NoTls)?;
/// let tags = query!(Tag, name__istartswith = "rust").fetch_all(&mut db)?;
/// let mut tx = db.transaction()?;
/// let n = query!(Tag.count()).run(&mut tx)?;
/// tx.commit()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Client {
    client: postgres::Client,
    cache: Cache,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Wraps a connected client.
    pub fn new(client: postgres::Client) -> Client {
        Client {
            client,
            cache: Cache::default(),
        }
    }

    /// Connects (see `postgres::Client::connect`).
    pub fn connect<T>(params: &str, tls: T) -> Result<Client>
    where
        T: postgres::tls::MakeTlsConnect<postgres::Socket> + 'static + Send,
        T::TlsConnect: Send,
        T::Stream: Send,
        <T::TlsConnect as postgres::tls::TlsConnect<postgres::Socket>>::Future: Send,
    {
        postgres::Client::connect(params, tls)
            .map(Client::new)
            .map_err(|e| Error::Connection {
                source: Box::new(PgError(e)),
            })
    }

    /// Begins a transaction that shares this connection's statement cache.
    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        let tx = self.client.transaction().map_err(|e| error(e, "BEGIN"))?;
        Ok(Transaction {
            tx,
            cache: &mut self.cache,
            savepoint: false,
        })
    }

    /// How many statements are prepared.
    pub fn cached_statements(&self) -> usize {
        self.cache.statements.len()
    }

    /// The wrapped client.
    pub fn into_inner(self) -> postgres::Client {
        self.client
    }
}

impl Deref for Client {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        &self.client
    }
}

impl DerefMut for Client {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

/// A transaction of a [`Client`], using its statement cache. Derefs to
/// `postgres::Transaction`; commit or roll back as usual.
pub struct Transaction<'a> {
    tx: postgres::Transaction<'a>,
    cache: &'a mut Cache,
    /// A savepoint (its commit is `RELEASE SAVEPOINT`), not the outermost
    /// transaction.
    savepoint: bool,
}

impl<'a> Transaction<'a> {
    /// A savepoint inside this transaction, sharing the statement cache.
    pub fn savepoint(&mut self) -> Result<Transaction<'_>> {
        let tx = self.tx.transaction().map_err(|e| error(e, "SAVEPOINT"))?;
        Ok(Transaction {
            tx,
            cache: &mut *self.cache,
            savepoint: true,
        })
    }

    /// Commits the transaction (or releases the savepoint).
    ///
    /// When the connection is lost while the outermost transaction's
    /// `COMMIT` is under way, the transaction may or may not have committed:
    /// the error is [`Error::CommitUnknown`], never to be retried blindly.
    pub fn commit(self) -> Result<()> {
        if self.savepoint {
            self.tx.commit().map_err(|e| error(e, "RELEASE SAVEPOINT"))
        } else {
            self.tx
                .commit()
                .map_err(|e| error(e, "COMMIT").at_commit("COMMIT"))
        }
    }

    /// Rolls the transaction back.
    pub fn rollback(self) -> Result<()> {
        self.tx.rollback().map_err(|e| error(e, "ROLLBACK"))
    }
}

impl<'a> Deref for Transaction<'a> {
    type Target = postgres::Transaction<'a>;
    fn deref(&self) -> &postgres::Transaction<'a> {
        &self.tx
    }
}

impl<'a> DerefMut for Transaction<'a> {
    fn deref_mut(&mut self) -> &mut postgres::Transaction<'a> {
        &mut self.tx
    }
}

/// The cached client and its transactions run through the cache.
macro_rules! cached_executor {
    ($($t:ty => $inner:ident, $retry:literal),*) => {$(
        impl Executor for $t {
            #[inline]
            fn dialect(&self) -> Dialect {
                Dialect::Postgres
            }
            type __Again<'r> = &'r mut <Self as std::ops::Deref>::Target where Self: 'r;
            #[inline]
            fn __again(&mut self) -> Self::__Again<'_> {
                self
            }
            #[inline]
            fn __run<K: Consume>(self, sql: &'static Sql, params: &[Value<'_>], consume: K) -> Result<K::Output> {
                self.cache.run(&mut self.$inner, sql, params, consume, $retry)
            }
            #[inline]
            fn __execute(self, sql: &'static Sql, params: &[Value<'_>]) -> Result<u64> {
                self.cache.execute(&mut self.$inner, sql, params, $retry)
            }
            fn __run_text<K: Consume>(self, text: &str, params: &[Value<'_>], consume: K) -> Result<K::Output> {
                run_text(&mut self.$inner, text, params, consume)
            }
            fn __execute_text(self, text: &str, params: &[Value<'_>]) -> Result<u64> {
                execute_text(&mut self.$inner, text, params)
            }
            fn execute_batch(self, sql: &str) -> Result<()> {
                self.$inner.batch_execute(sql).map_err(|e| error(e, sql))
            }
        }
    )*};
}

// Outside a transaction a statement whose cached plan went stale is
// prepared again and retried once; inside one, its failure has aborted the
// transaction, so the error is returned (and the statement prepared again
// next time).
cached_executor!(&mut Client => client, true, &mut Transaction<'_> => tx, false);

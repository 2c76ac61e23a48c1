//! The SQLite backend (rusqlite).
//!
//! dunder's SQL on SQLite uses three things SQLite does not have built in:
//! `dunder_upper(text)` (Unicode upper case, for the case-insensitive
//! lookups), `regexp(pattern, text)` (for `regex`/`iregex`, with the `regex`
//! crate) and the `rarray` table-valued function (for `__in`: the list is
//! bound as one parameter, its values passed natively, not as text), and,
//! for `Decimal` fields, `dunder_decimal(value, max_digits, decimal_places)`
//! (what a write stores: rounded as PostgreSQL's `numeric(p, s)` rounds,
//! refused beyond `max_digits`), and the aggregates `STDDEV_POP`,
//! `STDDEV_SAMP`, `VAR_POP` and `VAR_SAMP` (for `StdDev`/`Variance`, as
//! PostgreSQL has them). They are
//! registered on a connection the first time a query needs them, so a
//! connection you open yourself works as it is; [`register_functions`] does it
//! up front, e.g. for SQL you run by hand.

use std::rc::Rc;
use std::sync::Arc;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{CachedStatement, Connection};

use crate::error::{Error, Result};
use crate::exec::{Cursor, Executor};
use crate::model::{decode_error, Decode, Dialect, Row, Sql};
use crate::query::Consume;
use crate::value::{format_date, format_datetime, format_time, Value};

/// Registers `dunder_upper`, `dunder_lower`, `regexp`, `dunder_decimal`
/// (feature `decimal`), the aggregates `stddev_pop`, `stddev_samp`,
/// `var_pop`, `var_samp` and the `rarray` module on `conn`.
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory()?;
/// dunder::sqlite::register_functions(&conn)?;
/// let up: String = conn.query_row("SELECT dunder_upper('straße été')", [], |r| r.get(0))?;
/// assert_eq!(up, "STRAßE ÉTÉ");
/// let m: bool = conn.query_row("SELECT 'Hello World' REGEXP '^H.*d$'", [], |r| r.get(0))?;
/// assert!(m);
/// let sd: f64 = conn.query_row(
///     "SELECT stddev_samp(x) FROM (SELECT 2 AS x UNION ALL SELECT 4 UNION ALL SELECT 6)",
///     [],
///     |r| r.get(0),
/// )?;
/// assert_eq!(sd, 2.0);
/// # Ok::<(), rusqlite::Error>(())
/// ```
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("dunder_upper", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Text(t) => Some(upper(&String::from_utf8_lossy(t))),
            ValueRef::Integer(i) => Some(i.to_string()),
            ValueRef::Real(r) => Some(r.to_string()),
            ValueRef::Blob(b) => Some(upper(&String::from_utf8_lossy(b))),
        })
    })?;
    conn.create_scalar_function("dunder_lower", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Text(t) => Some(lower(&String::from_utf8_lossy(t))),
            ValueRef::Integer(i) => Some(i.to_string()),
            ValueRef::Real(r) => Some(r.to_string()),
            ValueRef::Blob(b) => Some(lower(&String::from_utf8_lossy(b))),
        })
    })?;
    conn.create_scalar_function("regexp", 2, flags, |ctx| {
        if matches!(ctx.get_raw(0), ValueRef::Null) {
            return Ok(None);
        }
        let re: Arc<regex::Regex> =
            ctx.get_or_create_aux(0, |pattern| -> Result<regex::Regex, BoxError> {
                Ok(regex::Regex::new(pattern.as_str()?)?)
            })?;
        Ok(match ctx.get_raw(1) {
            ValueRef::Null => None,
            ValueRef::Text(t) => Some(re.is_match(&String::from_utf8_lossy(t))),
            ValueRef::Integer(i) => Some(re.is_match(&i.to_string())),
            ValueRef::Real(r) => Some(re.is_match(&r.to_string())),
            ValueRef::Blob(b) => Some(re.is_match(&String::from_utf8_lossy(b))),
        })
    })?;
    for (name, statistic) in [
        ("stddev_pop", Statistic::StdDevPop),
        ("stddev_samp", Statistic::StdDevSamp),
        ("var_pop", Statistic::VarPop),
        ("var_samp", Statistic::VarSamp),
    ] {
        conn.create_aggregate_function(name, 1, flags, statistic)?;
    }
    #[cfg(feature = "decimal")]
    conn.create_scalar_function("dunder_decimal", 3, flags, |ctx| {
        crate::decimal::sqlite_store(ctx.get_raw(0), ctx.get(1)?, ctx.get(2)?)
    })?;
    rusqlite::vtab::array::load_module(conn)
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `STDDEV_POP`, `STDDEV_SAMP`, `VAR_POP`, `VAR_SAMP` as PostgreSQL has them
/// (Django registers the same four on SQLite): NULLs skipped, NULL over no
/// rows (and, for the sample forms, over one row).
#[derive(Clone, Copy)]
enum Statistic {
    StdDevPop,
    StdDevSamp,
    VarPop,
    VarSamp,
}

/// Welford's running count, mean and sum of squared deviations.
#[derive(Default)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl rusqlite::functions::Aggregate<Moments, Option<f64>> for Statistic {
    fn init(&self, _: &mut rusqlite::functions::Context<'_>) -> rusqlite::Result<Moments> {
        Ok(Moments::default())
    }

    fn step(
        &self,
        ctx: &mut rusqlite::functions::Context<'_>,
        m: &mut Moments,
    ) -> rusqlite::Result<()> {
        let x = match ctx.get_raw(0) {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(i) => i as f64,
            ValueRef::Real(r) => r,
            // A decimal SQLite kept as text, or text of a number.
            ValueRef::Text(t) => match std::str::from_utf8(t)
                .ok()
                .and_then(|t| t.trim().parse().ok())
            {
                Some(x) => x,
                None => {
                    return Err(rusqlite::Error::UserFunctionError(
                        format!("not a number: {:?}", String::from_utf8_lossy(t)).into(),
                    ))
                }
            },
            ValueRef::Blob(_) => {
                return Err(rusqlite::Error::UserFunctionError(
                    "not a number: a blob".into(),
                ))
            }
        };
        m.n += 1;
        let delta = x - m.mean;
        m.mean += delta / m.n as f64;
        m.m2 += delta * (x - m.mean);
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut rusqlite::functions::Context<'_>,
        m: Option<Moments>,
    ) -> rusqlite::Result<Option<f64>> {
        let Some(m) = m.filter(|m| m.n > 0) else {
            return Ok(None);
        };
        let n = m.n as f64;
        let variance = match self {
            Statistic::StdDevPop | Statistic::VarPop => m.m2 / n,
            _ if m.n < 2 => return Ok(None),
            _ => m.m2 / (n - 1.0),
        };
        // Rounding can leave a tiny negative where the spread is 0.
        let variance = variance.max(0.0);
        Ok(Some(match self {
            Statistic::StdDevPop | Statistic::StdDevSamp => variance.sqrt(),
            _ => variance,
        }))
    }
}

/// Upper case by the simple (one-to-one) Unicode mapping, as PostgreSQL's
/// `UPPER` under a UTF-8 `LC_CTYPE`: a character whose full upper case is
/// several characters keeps its simple mapping (`ᾳ` → `ᾼ`), or stays as it
/// is when it has none (`ß`, `ŉ`, `ﬁ`), so both backends fold alike.
pub fn upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut u = c.to_uppercase();
            match (u.next(), u.next()) {
                (Some(one), None) => one,
                _ => simple_upper(c),
            }
        })
        .collect()
}

/// Lower case by the simple (one-to-one) Unicode mapping, as PostgreSQL's
/// `LOWER` under a UTF-8 `LC_CTYPE`: `İ` becomes `i`, not `i̇`.
pub fn lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut l = c.to_lowercase();
            match (l.next(), l.next()) {
                (Some(one), None) => one,
                // U+0130 is the only character whose full lower case is
                // several characters; its simple lower case is `i`.
                _ if c == '\u{130}' => 'i',
                _ => c,
            }
        })
        .collect()
}

/// The simple upper case (UnicodeData.txt) of a character whose full upper
/// case (SpecialCasing.txt) is several characters: the Greek letters with
/// ypogegrammeni map to their title-case forms; the others (`ß`, `ŉ`, the
/// ligatures, …) have no simple upper case and stay.
fn simple_upper(c: char) -> char {
    match c {
        '\u{1F80}'..='\u{1F87}' | '\u{1F90}'..='\u{1F97}' | '\u{1FA0}'..='\u{1FA7}' => {
            char::from_u32(c as u32 + 8).unwrap_or(c)
        }
        '\u{1FB3}' => '\u{1FBC}',
        '\u{1FC3}' => '\u{1FCC}',
        '\u{1FF3}' => '\u{1FFC}',
        _ => c,
    }
}

fn is_missing_dunder_function(e: &rusqlite::Error) -> bool {
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg,
        rusqlite::Error::SqlInputError { msg, .. } => msg,
        _ => return false,
    };
    let function = msg.strip_prefix("no such function: ").is_some_and(|f| {
        f.eq_ignore_ascii_case("dunder_upper")
            || f.eq_ignore_ascii_case("regexp")
            || f.eq_ignore_ascii_case("dunder_decimal")
            || f.eq_ignore_ascii_case("dunder_lower")
            || ["stddev_pop", "stddev_samp", "var_pop", "var_samp"]
                .iter()
                .any(|s| f.eq_ignore_ascii_case(s))
    });
    function || msg == "no such table: rarray"
}

/// The marker function of a connection dunder has set up, and its call.
const MARKER: &str = "dunder_connection_ready";
const MARKER_CALL: &str = "SELECT dunder_connection_ready()";

/// Sets up a connection for dunder: foreign keys enforced, whatever the
/// SQLite build's default (`SQLITE_DBCONFIG_ENABLE_FKEY`, which, unlike
/// `PRAGMA foreign_keys`, also works inside a transaction), and the marker
/// that says it was done, so it is done once: a user who turns foreign keys
/// off afterwards (as Django's schema editor does around a table rebuild)
/// is not overridden.
pub(crate) fn set_up(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY,
        true,
    )?;
    conn.create_scalar_function(
        MARKER,
        0,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |_| Ok(1),
    )
}

/// dunder's first use of `conn` sets it up ([`set_up`]); later uses find
/// the marker and change nothing.
pub(crate) fn first_use(conn: &Connection) -> rusqlite::Result<()> {
    // Preparing a call of an unknown function fails: not set up yet.
    if conn.prepare(MARKER_CALL).is_ok() {
        return Ok(());
    }
    set_up(conn)
}

fn prepare<'c>(conn: &'c Connection, sql: &str) -> Result<CachedStatement<'c>> {
    let stmt = match conn.prepare_cached(sql) {
        Ok(stmt) => stmt,
        Err(e) if is_missing_dunder_function(&e) => {
            register_functions(conn).map_err(|e| error(e, sql))?;
            conn.prepare_cached(sql).map_err(|e| error(e, sql))?
        }
        Err(e) => return Err(error(e, sql)),
    };
    // A statement that never ran on this connection was just prepared (a
    // miss of the statement cache): this may be dunder's first use of the
    // connection. A cached statement has run, so the connection is set up;
    // the check costs one counter read.
    if stmt.get_status(rusqlite::StatementStatus::Run) == 0 {
        first_use(conn).map_err(|e| error(e, sql))?;
    }
    Ok(stmt)
}

/// Turns a rusqlite error into a [`dunder::Error`](Error).
#[cold]
pub(crate) fn error(e: rusqlite::Error, sql: &str) -> Error {
    use rusqlite::ffi;
    let sql = sql.to_owned();
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        let constraint = msg
            .as_deref()
            .and_then(|m| m.split_once(": "))
            .map(|(_, c)| c.to_owned());
        match f.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                return Error::UniqueViolation {
                    constraint,
                    sql,
                    source: Box::new(e),
                };
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                return Error::ForeignKeyViolation {
                    constraint,
                    sql,
                    source: Box::new(e),
                };
            }
            // `ON DELETE RESTRICT` is enforced like a trigger: SQLite reports
            // it as SQLITE_CONSTRAINT_TRIGGER with the foreign key's message
            // (a user trigger's RAISE has its own message).
            ffi::SQLITE_CONSTRAINT_TRIGGER
                if msg.as_deref() == Some("FOREIGN KEY constraint failed") =>
            {
                return Error::ForeignKeyViolation {
                    constraint,
                    sql,
                    source: Box::new(e),
                };
            }
            ffi::SQLITE_CONSTRAINT_NOTNULL => {
                // "NOT NULL constraint failed: table.column"
                let column =
                    constraint.map(|c| c.rsplit('.').next().unwrap_or_default().to_owned());
                return Error::NotNullViolation {
                    column,
                    sql,
                    source: Box::new(e),
                };
            }
            // A text longer than its field's `max_length`, as PostgreSQL's
            // varchar(n) refuses it.
            ffi::SQLITE_CONSTRAINT_CHECK
                if constraint
                    .as_deref()
                    .is_some_and(|c| c.ends_with("_max_length")) =>
            {
                return Error::OutOfRange {
                    sql,
                    source: Box::new(e),
                };
            }
            ffi::SQLITE_CONSTRAINT_CHECK => {
                return Error::CheckViolation {
                    constraint,
                    sql,
                    source: Box::new(e),
                };
            }
            _ => {}
        }
        // `dunder_decimal` refusing a value beyond the field's max_digits.
        #[cfg(feature = "decimal")]
        if msg
            .as_deref()
            .is_some_and(|m| m.starts_with(crate::decimal::OVERFLOW))
        {
            return Error::OutOfRange {
                sql,
                source: Box::new(e),
            };
        }
        // A WAL transaction read a snapshot that another connection has
        // since written over, then tried to write: it can only be run again.
        if f.extended_code == ffi::SQLITE_BUSY_SNAPSHOT {
            return Error::SerializationFailure {
                sql,
                source: Box::new(e),
            };
        }
        // Another connection holds the lock, past the busy timeout (or at
        // once where waiting could deadlock).
        if f.code == rusqlite::ErrorCode::DatabaseBusy {
            return Error::Busy {
                sql,
                source: Box::new(e),
            };
        }
        if matches!(
            f.code,
            rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::NotADatabase
                | rusqlite::ErrorCode::SystemIoFailure
        ) {
            return Error::Connection {
                source: Box::new(e),
            };
        }
    }
    Error::Database {
        sql,
        source: Box::new(e),
    }
}

impl rusqlite::ToSql for Value<'_> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null(_) => ToSqlOutput::Owned(SqlValue::Null),
            Value::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
            Value::SmallInt(i) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*i))),
            Value::Int(i) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*i))),
            Value::BigInt(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Owned(SqlValue::Real(f64::from(*f))),
            Value::Double(f) => ToSqlOutput::Owned(SqlValue::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            #[cfg(feature = "decimal")]
            Value::Decimal(d) => ToSqlOutput::Owned(crate::decimal::to_sqlite(d)),
            Value::List(_, items) => {
                ToSqlOutput::Array(Rc::new(items.iter().map(native).collect()))
            }
            Value::__Column { .. } => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "a column of rows is a PostgreSQL parameter".into(),
                ))
            }
            other => {
                let mut text = String::with_capacity(26);
                write_temporal(other, &mut text);
                ToSqlOutput::Owned(SqlValue::Text(text))
            }
        })
    }
}

fn write_temporal(v: &Value<'_>, out: &mut String) {
    match v {
        Value::Date(d) => format_date(*d, out),
        Value::Timestamp(dt) => format_datetime(*dt, out),
        Value::TimestampTz(dt) => format_datetime(dt.naive_utc(), out),
        Value::Time(t) => format_time(*t, out),
        _ => {}
    }
}

/// One item of an `__in` list as the value SQLite stores for it.
fn native(v: &Value<'_>) -> SqlValue {
    match v {
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::SmallInt(i) => SqlValue::Integer(i64::from(*i)),
        Value::Int(i) => SqlValue::Integer(i64::from(*i)),
        Value::BigInt(i) => SqlValue::Integer(*i),
        Value::Real(f) => SqlValue::Real(f64::from(*f)),
        Value::Double(f) => SqlValue::Real(*f),
        Value::Text(s) => SqlValue::Text(s.clone().into_owned()),
        Value::Blob(b) => SqlValue::Blob(b.clone().into_owned()),
        #[cfg(feature = "decimal")]
        Value::Decimal(d) => crate::decimal::to_sqlite(d),
        Value::List(..) | Value::Null(_) | Value::__Column { .. } => SqlValue::Null,
        temporal => {
            let mut text = String::with_capacity(26);
            write_temporal(temporal, &mut text);
            SqlValue::Text(text)
        }
    }
}

struct SqliteCursor<'s, 't> {
    rows: rusqlite::Rows<'s>,
    sql: &'t str,
}

#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct SqliteRow<'r, 's>(&'r rusqlite::Row<'s>);

impl Row for SqliteRow<'_, '_> {
    #[inline]
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        get_at(self.0, idx, column)
    }

    fn __column_names(&self) -> Vec<String> {
        self.0
            .as_ref()
            .column_names()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }
}

#[inline]
fn get_at<T: Decode>(row: &rusqlite::Row<'_>, idx: usize, column: &'static str) -> Result<T> {
    let v = row
        .get_ref(idx)
        .map_err(|_| decode_error(column, T::EXPECTED, "no such column in the result"))?;
    T::from_sqlite(v).map_err(|found| decode_error(column, T::EXPECTED, found))
}

/// A row of rusqlite's own queries, read by column name (see
/// [`Row`](crate::Row)): `Model::from_row(row)`.
impl Row for rusqlite::Row<'_> {
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        if column == crate::raw::UNNAMED {
            return get_at(self, idx, column);
        }
        let stmt = self.as_ref();
        let names = (0..stmt.column_count()).map(|i| stmt.column_name(i).unwrap_or(""));
        match crate::raw::position(names.clone(), column) {
            Some(i) => get_at(self, i, column),
            None => Err(crate::raw::missing_column(column, T::EXPECTED, names)),
        }
    }

    fn __column_names(&self) -> Vec<String> {
        SqliteRow(self).__column_names()
    }
}

impl<'s> Cursor for SqliteCursor<'s, '_> {
    type Row<'r>
        = SqliteRow<'r, 's>
    where
        Self: 'r;

    #[inline]
    fn next_row(&mut self) -> Result<Option<SqliteRow<'_, 's>>> {
        match self.rows.next() {
            Ok(row) => Ok(row.map(SqliteRow)),
            Err(e) => Err(error(e, self.sql)),
        }
    }
}

fn run<K: Consume>(
    conn: &Connection,
    sql: &'static Sql,
    params: &[Value<'_>],
    consume: K,
) -> Result<K::Output> {
    run_text(conn, sql.sqlite, params, consume)
}

fn run_text<K: Consume>(
    conn: &Connection,
    text: &str,
    params: &[Value<'_>],
    consume: K,
) -> Result<K::Output> {
    run_checked(conn, text, params, consume, false)
}

fn run_checked<K: Consume>(
    conn: &Connection,
    text: &str,
    params: &[Value<'_>],
    consume: K,
    raw: bool,
) -> Result<K::Output> {
    let mut stmt = prepare(conn, text)?;
    bind(&mut stmt, params, text, raw)?;
    let mut cursor = SqliteCursor {
        rows: stmt.raw_query(),
        sql: text,
    };
    consume.consume(&mut cursor).map_err(|e| e.with_sql(text))
}

/// Binds `params` to the statement's parameters; for raw SQL, which must
/// have as many (an unbound SQLite parameter would silently be NULL: raw
/// SQL with a `:name` of its own). dunder's own SQL always has.
#[inline]
fn bind(stmt: &mut CachedStatement<'_>, params: &[Value<'_>], text: &str, raw: bool) -> Result<()> {
    if raw && stmt.parameter_count() != params.len() {
        return Err(Error::InvalidSql {
            reason: format!(
                "the statement has {} parameters but {} values were given (SQLite counts every `?`, `?N`, `:name`, `@name` and `$name`)",
                stmt.parameter_count(),
                params.len()
            ),
            sql: text.to_owned(),
        });
    }
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, p)
            .map_err(|e| error(e, text))?;
    }
    Ok(())
}

fn execute(conn: &Connection, sql: &'static Sql, params: &[Value<'_>]) -> Result<u64> {
    execute_text(conn, sql.sqlite, params, false)
}

#[inline]
fn execute_text(conn: &Connection, text: &str, params: &[Value<'_>], raw: bool) -> Result<u64> {
    let mut stmt = prepare(conn, text)?;
    bind(&mut stmt, params, text, raw)?;
    stmt.raw_execute()
        .map(|n| n as u64)
        .map_err(|e| error(e, text))
}

/// SQLite: inserts `rows` rows with `insert(first, n)` (an INSERT of the
/// `n` rows from row `first`): one call when one statement holds them all,
/// otherwise one per `per_statement` rows inside a savepoint, so a failure
/// leaves no row behind. The number of rows inserted.
fn in_chunks(
    conn: &Connection,
    rows: usize,
    per_statement: usize,
    mut insert: impl FnMut(usize, usize) -> Result<u64>,
) -> Result<u64> {
    if rows <= per_statement {
        return if rows > 0 { insert(0, rows) } else { Ok(0) };
    }
    // Prepared once per connection, like every other statement.
    let exec = |sql: &str| -> Result<()> {
        prepare(conn, sql)?
            .raw_execute()
            .map(|_| ())
            .map_err(|e| error(e, sql))
    };
    let mut all = || -> Result<u64> {
        let mut done = 0;
        let mut inserted = 0;
        while done < rows {
            let n = per_statement.min(rows - done);
            inserted += insert(done, n)?;
            done += n;
        }
        Ok(inserted)
    };
    exec("SAVEPOINT dunder_bulk_create")?;
    // Releasing the outermost savepoint commits, and checks the deferred
    // foreign keys: when that fails, the rows must go too.
    match all().and_then(|inserted| exec("RELEASE dunder_bulk_create").map(|()| inserted)) {
        Ok(inserted) => Ok(inserted),
        Err(e) => {
            let _ = exec("ROLLBACK TO dunder_bulk_create");
            let _ = exec("RELEASE dunder_bulk_create");
            Err(e)
        }
    }
}

/// The SQLite text of an INSERT of `n` rows (`RETURNING` when `returning`):
/// the derive's static text for one row, built for more.
fn insert_text(
    bulk: &'static crate::bulk::BulkInsert,
    n: usize,
    returning: bool,
) -> std::borrow::Cow<'static, str> {
    if n == 1 {
        let one = if returning {
            &bulk.one
        } else {
            &bulk.one_plain
        };
        std::borrow::Cow::Borrowed(one.sqlite)
    } else {
        std::borrow::Cow::Owned(bulk.sqlite_text(n, returning))
    }
}

/// SQLite: one INSERT of exactly as many rows, or, past the rows one
/// statement may hold, several inside a savepoint. With `out`, the rows
/// are returned (what was sent, with what the database computed); without,
/// nothing is read back. The number of rows inserted. (`Db`'s path, from
/// the rows' values; a connection of its own binds the rows themselves:
/// [`insert_rows`].)
fn insert_many<R: crate::model::FromRow>(
    conn: &Connection,
    bulk: &'static crate::bulk::BulkInsert,
    values: &[Value<'_>],
    rows: usize,
    mut out: Option<&mut Vec<R>>,
) -> Result<u64> {
    let width = bulk.width();
    // Read back only when asked and when the database computes something.
    let returning = out.is_some() && bulk.returns();
    in_chunks(conn, rows, bulk.rows_per_statement(), |first, n| {
        let values = values
            .get(first * width..(first + n) * width)
            .unwrap_or(&[]);
        let sql = insert_text(bulk, n, returning);
        let sql = &*sql;
        match out.as_deref_mut() {
            Some(out) if returning => {
                let before = out.len();
                run_text(
                    conn,
                    sql,
                    values,
                    crate::create::FillAll {
                        sources: bulk.sources,
                        values,
                        width,
                        out,
                    },
                )?;
                Ok((out.len() - before) as u64)
            }
            Some(out) => {
                let inserted = execute_text(conn, sql, values, false)?;
                crate::create::fill_sent(bulk.sources, values, width, n, out)
                    .map_err(|e| e.with_sql(sql))?;
                Ok(inserted)
            }
            None => execute_text(conn, sql, values, false),
        }
    })
}

/// Binds a row's fields to the parameters of a statement, from `index`.
struct Binder<'b, 'c, 't> {
    stmt: &'b mut CachedStatement<'c>,
    index: usize,
    sql: &'t str,
}

impl<'r> crate::bind::Put<'r> for Binder<'_, '_, '_> {
    #[inline]
    fn put<F: crate::bind::Bind>(&mut self, field: &'r F) -> Result<()> {
        field
            .__bind_sqlite(self.stmt, self.index)
            .map_err(|e| error(e, self.sql))?;
        self.index += 1;
        Ok(())
    }

    #[inline]
    fn put_value(&mut self, value: Value<'r>) -> Result<()> {
        self.stmt
            .raw_bind_parameter(self.index, &value)
            .map_err(|e| error(e, self.sql))?;
        self.index += 1;
        Ok(())
    }
}

/// [`insert_many`] from the rows themselves: every field is bound where it
/// lies (no `Value` per value), and the rows returned are built from them.
fn insert_rows<N: crate::bind::NewRow, R: crate::model::FromRow>(
    conn: &Connection,
    rows: &[N],
    mut out: Option<&mut Vec<R>>,
) -> Result<u64> {
    let bulk = N::__bulk();
    let now = crate::bind::now_for::<N>();
    // Read back only when asked and when the database computes something.
    let returning = out.is_some() && bulk.returns();
    in_chunks(conn, rows.len(), bulk.rows_per_statement(), |first, n| {
        let chunk = rows.get(first..first + n).unwrap_or(&[]);
        let sql = insert_text(bulk, n, returning);
        let sql = &*sql;
        let mut stmt = prepare(conn, sql)?;
        let mut binder = Binder {
            stmt: &mut stmt,
            index: 1,
            sql,
        };
        for row in chunk {
            row.__put(&mut binder, now)?;
        }
        match out.as_deref_mut() {
            Some(out) if returning => {
                let before = out.len();
                let mut cursor = SqliteCursor {
                    rows: stmt.raw_query(),
                    sql,
                };
                crate::create::FillRows {
                    sources: bulk.sources,
                    rows: chunk,
                    now,
                    out: &mut *out,
                }
                .consume(&mut cursor)
                .map_err(|e| e.with_sql(sql))?;
                Ok((out.len() - before) as u64)
            }
            Some(out) => {
                let inserted = stmt.raw_execute().map_err(|e| error(e, sql))? as u64;
                crate::create::fill_rows(bulk.sources, chunk, now, out)
                    .map_err(|e| e.with_sql(sql))?;
                Ok(inserted)
            }
            None => stmt
                .raw_execute()
                .map(|n| n as u64)
                .map_err(|e| error(e, sql)),
        }
    })
}

macro_rules! sqlite_executor {
    ($($t:ty),*) => {$(
        impl Executor for $t {
            #[inline]
            fn dialect(&self) -> Dialect {
                Dialect::Sqlite
            }
            type __Again<'r> = &'r <Self as std::ops::Deref>::Target where Self: 'r;
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
                run_checked(self, text, params, consume, true)
            }
            fn __execute_text(self, text: &str, params: &[Value<'_>]) -> Result<u64> {
                execute_text(self, text, params, true)
            }
            fn __insert_many<R: crate::model::FromRow>(
                self,
                bulk: &'static crate::bulk::BulkInsert,
                values: &[Value<'_>],
                rows: usize,
            ) -> Result<Vec<R>> {
                let mut out = Vec::with_capacity(rows);
                insert_many(self, bulk, values, rows, Some(&mut out))?;
                Ok(out)
            }
            fn __insert_many_count(
                self,
                bulk: &'static crate::bulk::BulkInsert,
                values: &[Value<'_>],
                rows: usize,
            ) -> Result<u64> {
                insert_many::<i64>(self, bulk, values, rows, None)
            }
            fn __insert_rows<N: crate::bind::NewRow, R: crate::model::FromRow>(
                self,
                rows: &[N],
            ) -> Result<Vec<R>> {
                let mut out = Vec::with_capacity(rows.len());
                insert_rows(self, rows, Some(&mut out))?;
                Ok(out)
            }
            fn __insert_rows_count<N: crate::bind::NewRow>(self, rows: &[N]) -> Result<u64> {
                insert_rows::<N, i64>(self, rows, None)
            }
            fn execute_batch(self, sql: &str) -> Result<()> {
                first_use(self).map_err(|e| error(e, sql))?;
                Connection::execute_batch(self, sql).map_err(|e| error(e, sql))
            }
        }
    )*};
}

sqlite_executor!(
    &Connection,
    &mut Connection,
    &rusqlite::Transaction<'_>,
    &mut rusqlite::Transaction<'_>,
    &rusqlite::Savepoint<'_>,
    &mut rusqlite::Savepoint<'_>
);

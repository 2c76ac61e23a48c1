//! Raw SQL: the escape hatch (Django's `Manager.raw` and `cursor.execute`).
//!
//! The text is the user's; the values never enter it. Placeholders are
//! written `?` (the next parameter) or `?N` (the N-th, from 1) on both
//! backends, and dunder numbers them for the connection: `?N` on SQLite,
//! `$N` on PostgreSQL. Rows are decoded by column name.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::error::{Error, Result};
use crate::exec::{Cursor, Executor};
use crate::model::{decode_error, Decode, Dialect, ForeignKey, FromRow, OneToOne, Row};
use crate::param::Kind;
use crate::query::Consume;
use crate::value::Value;

/// A Rust value bound to a placeholder of raw SQL (`?`), by reference:
/// `&[&1, &"text", &Some(date)]`.
///
/// Implemented for the types a field can have (`bool`, the integers and
/// floats, `str`/`String`, `[u8]`/`Vec<u8>`, the chrono types, `Decimal`,
/// keys), `Option` of them (`None` is a typed NULL), references to them,
/// and [`Value`] itself.
///
/// On PostgreSQL each parameter is sent with the type of its Rust value
/// (`i64` as `bigint`, `i32` as `integer`, `&str` as `text`, …), so the
/// server never guesses; write a cast in the SQL (`?::smallint`) where the
/// SQL needs another type than the value's.
pub trait ToValue {
    /// The value to bind.
    fn to_value(&self) -> Value<'_>;
}

macro_rules! copy_value {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> Value<'_> {
                Value::$variant(*self)
            }
        }
    )*};
}

copy_value! {
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
copy_value! {
    rust_decimal::Decimal => Decimal,
}

impl ToValue for str {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl ToValue for String {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl ToValue for [u8] {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}

impl ToValue for Vec<u8> {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}

impl<T> ToValue for ForeignKey<T> {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::BigInt(self.id())
    }
}

impl<T> ToValue for OneToOne<T> {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::BigInt(self.id())
    }
}

/// `None` is NULL of `T`'s SQL type.
impl<T: ToValue + Kind> ToValue for Option<T> {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null(T::SQL),
        }
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl ToValue for Value<'_> {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        self.clone()
    }
}

/// The most placeholders a statement may have (PostgreSQL's limit; SQLite's
/// is lower and SQLite says so).
const MAX_PLACEHOLDERS: u64 = 65_535;

fn invalid(reason: String, sql: &str) -> Error {
    Error::InvalidSql {
        reason,
        sql: sql.to_owned(),
    }
}

/// Numbers the placeholders of `sql` for `dialect`: `?` is one more than the
/// largest number so far (SQLite's rule), `?N` is N, `??` is a literal `?`
/// (PostgreSQL's jsonb operators `?`, `?|`, `?&`). String literals, quoted
/// identifiers, comments (and on PostgreSQL `E'…'` strings and
/// dollar-quoted strings) are copied untouched. The largest number must be
/// the number of parameters given.
pub(crate) fn number_placeholders(sql: &str, dialect: Dialect, given: usize) -> Result<String> {
    let b = sql.as_bytes();
    let pg = dialect == Dialect::Postgres;
    let mut out = String::with_capacity(sql.len() + 8);
    let mut largest: u64 = 0;
    let mut copied = 0; // `sql[copied..i]` is still to be copied
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    // The index just past the closing `close` of a quoted run from `i + 1`
    // (`''` inside `'…'` closes and reopens, which copies the same).
    let skip_to = |from: usize, close: u8, backslash: bool| -> usize {
        let mut j = from;
        while j < b.len() {
            if backslash && b[j] == b'\\' {
                j += 2;
                continue;
            }
            if b[j] == close {
                return j + 1;
            }
            j += 1;
        }
        b.len()
    };
    while i < b.len() {
        match b[i] {
            b'\'' => {
                let e_string =
                    pg && i > 0 && matches!(b[i - 1], b'E' | b'e') && (i < 2 || !ident(b[i - 2]));
                i = skip_to(i + 1, b'\'', e_string);
            }
            b'"' => i = skip_to(i + 1, b'"', false),
            b'`' if !pg => i = skip_to(i + 1, b'`', false),
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = skip_to(i + 2, b'\n', false);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // PostgreSQL's block comments nest; SQLite's do not.
                let mut depth = 1;
                i += 2;
                while i < b.len() && depth > 0 {
                    if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                    } else if pg && b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
            }
            b'$' if pg && (i == 0 || !ident(b[i - 1])) => {
                // `$tag$ … $tag$` (a tag does not start with a digit).
                let mut j = i + 1;
                while j < b.len() && ident(b[j]) && !(j == i + 1 && b[j].is_ascii_digit()) {
                    j += 1;
                }
                if b.get(j) == Some(&b'$') {
                    let tag = &sql[i..=j];
                    i = match sql[j + 1..].find(tag) {
                        Some(at) => j + 1 + at + tag.len(),
                        None => b.len(),
                    };
                } else {
                    i += 1;
                }
            }
            b'?' => {
                out.push_str(&sql[copied..i]);
                if b.get(i + 1) == Some(&b'?') {
                    out.push('?');
                    i += 2;
                    copied = i;
                    continue;
                }
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let n = if j > i + 1 {
                    match sql[i + 1..j].parse::<u64>() {
                        Ok(n) if (1..=MAX_PLACEHOLDERS).contains(&n) => n,
                        _ => {
                            return Err(invalid(
                                format!(
                                    "placeholder `{}`: placeholders are numbered from ?1 to ?{MAX_PLACEHOLDERS}",
                                    &sql[i..j]
                                ),
                                sql,
                            ))
                        }
                    }
                } else {
                    largest + 1
                };
                if n > MAX_PLACEHOLDERS {
                    return Err(invalid(
                        format!("more than {MAX_PLACEHOLDERS} placeholders"),
                        sql,
                    ));
                }
                largest = largest.max(n);
                out.push(if pg { '$' } else { '?' });
                out.push_str(&n.to_string());
                i = j;
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied..]);
    if largest != given as u64 {
        return Err(invalid(
            format!(
                "the SQL has {largest} placeholder{} (`?`) but {given} parameter{} {} given",
                if largest == 1 { "" } else { "s" },
                if given == 1 { "" } else { "s" },
                if given == 1 { "was" } else { "were" },
            ),
            sql,
        ));
    }
    Ok(out)
}

fn values<'p>(params: &'p [&dyn ToValue]) -> Vec<Value<'p>> {
    params.iter().map(|p| p.to_value()).collect()
}

/// Runs a statement of raw SQL that returns no rows (`INSERT`, `UPDATE`,
/// `DELETE`, DDL) with `params` bound to its placeholders, and returns the
/// number of rows it affected. See [`Model::raw`](crate::Model::raw) for
/// the placeholders.
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory()?;
/// dunder::raw::execute(&conn, "CREATE TABLE t (x integer, s text)", &[])?;
/// let n = dunder::raw::execute(&conn, "INSERT INTO t VALUES (?, ?), (?, 'it''s?')", &[&1, &"one", &2])?;
/// assert_eq!(n, 2);
/// let xs: Vec<i64> = dunder::raw::query(&conn, "SELECT x FROM t WHERE x >= ?1 ORDER BY x", &[&1])?;
/// assert_eq!(xs, [1, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn execute<E: Executor>(executor: E, sql: &str, params: &[&dyn ToValue]) -> Result<u64> {
    let text = number_placeholders(sql, executor.dialect(), params.len())?;
    executor.__execute_text(&text, &values(params))
}

/// Runs a query of raw SQL with `params` bound to its placeholders and
/// decodes every row as `R`: a model (or any `FromRow` type with column
/// names) **by column name**, so the SELECT may list the columns in any
/// order and extra columns are ignored; a scalar (`i64`, `String`, …) from
/// the first column. A column the row type needs and the result lacks is
/// [`Error::Decode`] naming it. See [`Model::raw`](crate::Model::raw).
pub fn query<R: FromRow, E: Executor>(
    executor: E,
    sql: &str,
    params: &[&dyn ToValue],
) -> Result<Vec<R>> {
    let text = number_placeholders(sql, executor.dialect(), params.len())?;
    executor.__run_text(&text, &values(params), FetchNamed::<R>(Default::default()))
}

/// Every row, decoded by column name.
pub(crate) struct FetchNamed<R>(std::marker::PhantomData<fn() -> R>);

impl<R: FromRow> Consume for FetchNamed<R> {
    type Output = Vec<R>;
    fn consume<C: Cursor>(self, cursor: &mut C) -> Result<Vec<R>> {
        let mut out = Vec::with_capacity(cursor.rows_left());
        let mut names: Option<Vec<String>> = None;
        while let Some(row) = cursor.next_row()? {
            let names = names.get_or_insert_with(|| row.__column_names());
            out.push(R::from_row(&Named { row: &row, names })?);
        }
        Ok(out)
    }
}

/// The column name scalar row types (`i64`, `String`, …) read with: they
/// have none, so they read by position.
pub(crate) const UNNAMED: &str = "?column?";

/// The position of the column `name` among `names`: the first with exactly
/// that name, else the first equal ignoring ASCII case (SQLite reports a
/// column as the SELECT spells it, `ID` for `id`).
pub(crate) fn position<'n>(
    mut names: impl Iterator<Item = &'n str> + Clone,
    name: &str,
) -> Option<usize> {
    names
        .clone()
        .position(|n| n == name)
        .or_else(|| names.position(|n| n.eq_ignore_ascii_case(name)))
}

#[cold]
pub(crate) fn missing_column<'n>(
    column: &'static str,
    expected: &'static str,
    names: impl Iterator<Item = &'n str>,
) -> Error {
    let list: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    decode_error(
        column,
        expected,
        format!(
            "no column named `{column}` in the result (its columns: {})",
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.join(", ")
            }
        ),
    )
}

/// A row read by column name: `get(_, column)` finds `column` among the
/// result's columns.
struct Named<'r, R> {
    row: &'r R,
    names: &'r [String],
}

impl<R: Row> Row for Named<'_, R> {
    #[inline]
    fn get<T: Decode>(&self, idx: usize, column: &'static str) -> Result<T> {
        if column == UNNAMED {
            return self.row.get(idx, column);
        }
        match position(self.names.iter().map(String::as_str), column) {
            Some(i) => self.row.get(i, column),
            None => Err(missing_column(
                column,
                T::EXPECTED,
                self.names.iter().map(String::as_str),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str, n: usize) -> String {
        number_placeholders(sql, Dialect::Postgres, n).unwrap_or_else(|e| e.to_string())
    }
    fn lite(sql: &str, n: usize) -> String {
        number_placeholders(sql, Dialect::Sqlite, n).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn placeholders_are_numbered_outside_literals_and_comments() {
        assert_eq!(
            pg("SELECT * FROM t WHERE a = ? AND b = ?", 2),
            "SELECT * FROM t WHERE a = $1 AND b = $2"
        );
        assert_eq!(
            lite("SELECT * FROM t WHERE a = ? AND b = ?", 2),
            "SELECT * FROM t WHERE a = ?1 AND b = ?2"
        );
        assert_eq!(
            pg("a = ?2 OR b = ?1 OR c = ?", 3),
            "a = $2 OR b = $1 OR c = $3"
        );
        assert_eq!(pg("a = ?1 OR b = ?1", 1), "a = $1 OR b = $1");
        assert_eq!(
            pg(
                "SELECT '?', 'it''s ?', \"?col\", ? -- ?\n, /* ? /* ? */ ? */ ?",
                2
            ),
            "SELECT '?', 'it''s ?', \"?col\", $1 -- ?\n, /* ? /* ? */ ? */ $2"
        );
        assert_eq!(pg("SELECT E'\\'?', ?", 1), "SELECT E'\\'?', $1");
        assert_eq!(
            pg("SELECT $$ ? $$, $x$ ?$ $x$, ?", 1),
            "SELECT $$ ? $$, $x$ ?$ $x$, $1"
        );
        assert_eq!(
            pg("SELECT data ?? 'k', data ??| ?", 1),
            "SELECT data ? 'k', data ?| $1"
        );
        assert_eq!(lite("SELECT `?`, [x], ?", 1), "SELECT `?`, [x], ?1");
        assert_eq!(pg("SELECT 'é?', ? -- é", 1), "SELECT 'é?', $1 -- é");
        // Unterminated: copied as is, for the database to refuse.
        assert_eq!(pg("SELECT ?, 'oops ?", 1), "SELECT $1, 'oops ?");
    }

    #[test]
    fn counts_must_match() {
        assert!(pg("SELECT ?", 2)
            .contains("the SQL has 1 placeholder (`?`) but 2 parameters were given"));
        assert!(pg("SELECT 1", 1).contains("has 0 placeholders"));
        assert!(pg("SELECT ?0", 0).contains("placeholder `?0`: placeholders are numbered from ?1"));
        assert!(pg("SELECT ?99999999999999999999999", 1).contains("numbered from ?1"));
        assert!(matches!(
            number_placeholders("SELECT ?", Dialect::Sqlite, 0),
            Err(Error::InvalidSql { .. })
        ));
    }
}

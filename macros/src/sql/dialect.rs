//! What differs between SQL dialects, in one place per dialect. The renderer
//! asks; it never tests which dialect it is rendering.

use crate::plan::{AggregateFn, Kind, Transform};

pub trait Dialect {
    /// The placeholder of parameter `n` (1-based) holding a `kind` value
    /// (`list`: an `__in` list of them).
    fn placeholder(&self, n: usize, kind: Kind, list: bool) -> String;
    /// A LIMIT/OFFSET placeholder (a 64-bit integer).
    fn slice_placeholder(&self, n: usize) -> String;
    /// Applies a transform to `expr`, whose kind is `input`.
    fn transform(&self, t: Transform, expr: &str, input: Kind) -> String;
    /// Prepares a column of `kind` for transforms (PostgreSQL: UTC for
    /// `timestamptz`).
    fn transform_base(&self, column: String, kind: Kind) -> String;
    /// Unicode upper case (simple mapping), for case-insensitive lookups.
    fn upper(&self, expr: &str) -> String;
    /// `hay` contains `needle` (case-sensitive, no wildcards).
    fn contains(&self, hay: &str, needle: &str) -> String;
    fn starts_with(&self, hay: &str, needle: &str) -> String;
    fn ends_with(&self, hay: &str, needle: &str) -> String;
    fn regex(&self, lhs: &str, pattern: &str, case_insensitive: bool) -> String;
    /// `lhs` is one of the values in the list parameter `list` of `kind`.
    fn in_list(&self, lhs: &str, list: &str, kind: Kind) -> String;
    /// What follows `ASC`/`DESC` of a nullable key so that NULL sorts as the
    /// largest value (PostgreSQL's default) on every backend.
    fn nulls(&self, desc: bool) -> &'static str;
    /// `LIMIT`/`OFFSET` (`None`: absent).
    fn limit_offset(&self, limit: Option<String>, offset: Option<String>) -> String;
    /// Row locks (`SELECT … FOR UPDATE`): PostgreSQL has them; on SQLite
    /// `select_for_update()` adds nothing, as in Django.
    fn row_locks(&self) -> bool;
    /// An aggregate's result as `kind` where the database's own type
    /// differs (PostgreSQL: `SUM` of `bigint` is `numeric`, `AVG` of
    /// integers is `numeric`).
    fn aggregate_result(&self, sql: String, func: AggregateFn, kind: Kind) -> String;
    /// The value a write stores in a column, `Some((max_digits,
    /// decimal_places))` for a decimal column (SQLite: rounded and checked
    /// by `dunder_decimal` as PostgreSQL's `numeric(p, s)` does itself).
    fn store(&self, value: String, decimal: Option<(u16, u16)>) -> String;
    /// `l / r` where one side is a decimal (SQLite would divide two whole
    /// numbers as integers: `100 / 3` is 33; PostgreSQL's numeric division
    /// is exact).
    fn decimal_divide(&self, l: &str, r: &str) -> String;
    /// Lower case (the same simple Unicode mapping as `upper`).
    fn lower(&self, expr: &str) -> String;
    /// The type `CAST(x AS …)` names for a value of `kind`.
    fn cast_type(&self, kind: Kind) -> &'static str;
}

pub struct Sqlite;
pub struct Postgres;

fn pg_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "boolean",
        Kind::I16 => "int2",
        Kind::I32 => "int4",
        Kind::I64 | Kind::ForeignKey => "int8",
        Kind::F32 => "float4",
        Kind::F64 => "float8",
        Kind::Text => "text",
        Kind::Bytes => "bytea",
        Kind::Date => "date",
        Kind::DateTime => "timestamp",
        Kind::DateTimeUtc => "timestamptz",
        Kind::Time => "time",
        Kind::Decimal => "numeric",
    }
}

impl Dialect for Sqlite {
    fn store(&self, value: String, decimal: Option<(u16, u16)>) -> String {
        match decimal {
            Some((digits, places)) => format!("dunder_decimal({value}, {digits}, {places})"),
            None => value,
        }
    }

    fn decimal_divide(&self, l: &str, r: &str) -> String {
        format!("(CAST({l} AS REAL) / {r})")
    }

    fn lower(&self, expr: &str) -> String {
        format!("dunder_lower({expr})")
    }

    fn cast_type(&self, kind: Kind) -> &'static str {
        match kind {
            Kind::Bool | Kind::I16 | Kind::I32 | Kind::I64 | Kind::ForeignKey => "INTEGER",
            Kind::F32 | Kind::F64 => "REAL",
            Kind::Bytes => "BLOB",
            _ => "TEXT",
        }
    }

    fn aggregate_result(&self, sql: String, _func: AggregateFn, _kind: Kind) -> String {
        // SQLite's SUM of integers is an integer, AVG a real.
        sql
    }

    fn placeholder(&self, n: usize, _kind: Kind, _list: bool) -> String {
        format!("?{n}")
    }

    fn slice_placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn transform_base(&self, column: String, _kind: Kind) -> String {
        column
    }

    fn transform(&self, t: Transform, x: &str, _input: Kind) -> String {
        let part = |fmt: &str| format!("CAST(strftime('{fmt}', {x}) AS INTEGER)");
        match t {
            // Django stores `YYYY-MM-DD HH:MM:SS[.ffffff]`: the date is the
            // first ten characters, the time (with its fraction) the rest.
            Transform::Date => format!("date({x})"),
            Transform::Time => format!("substr({x}, 12)"),
            Transform::Year => part("%Y"),
            Transform::IsoYear => part("%G"),
            Transform::Month => part("%m"),
            Transform::Day => part("%d"),
            Transform::Week => part("%V"),
            Transform::WeekDay => format!("({} + 1)", part("%w")),
            Transform::IsoWeekDay => part("%u"),
            Transform::Quarter => format!("(({} + 2) / 3)", part("%m")),
            Transform::Hour => part("%H"),
            Transform::Minute => part("%M"),
            Transform::Second => part("%S"),
        }
    }

    fn upper(&self, expr: &str) -> String {
        format!("dunder_upper({expr})")
    }

    fn contains(&self, hay: &str, needle: &str) -> String {
        format!("instr({hay}, {needle}) > 0")
    }

    fn starts_with(&self, hay: &str, needle: &str) -> String {
        format!("substr({hay}, 1, length({needle})) = {needle}")
    }

    fn ends_with(&self, hay: &str, needle: &str) -> String {
        format!("substr({hay}, length({hay}) - length({needle}) + 1) = {needle}")
    }

    fn regex(&self, lhs: &str, pattern: &str, ci: bool) -> String {
        if ci {
            format!("{lhs} REGEXP '(?i)' || {pattern}")
        } else {
            format!("{lhs} REGEXP {pattern}")
        }
    }

    fn in_list(&self, lhs: &str, list: &str, _kind: Kind) -> String {
        format!("{lhs} IN rarray({list})")
    }

    fn row_locks(&self) -> bool {
        false
    }

    fn nulls(&self, desc: bool) -> &'static str {
        if desc {
            " NULLS FIRST"
        } else {
            " NULLS LAST"
        }
    }

    fn limit_offset(&self, limit: Option<String>, offset: Option<String>) -> String {
        match (limit, offset) {
            (None, None) => String::new(),
            (Some(l), None) => format!(" LIMIT {l}"),
            (None, Some(o)) => format!(" LIMIT -1 OFFSET {o}"),
            (Some(l), Some(o)) => format!(" LIMIT {l} OFFSET {o}"),
        }
    }
}

impl Dialect for Postgres {
    fn store(&self, value: String, _decimal: Option<(u16, u16)>) -> String {
        // The column's `numeric(p, s)` rounds and checks.
        value
    }

    fn decimal_divide(&self, l: &str, r: &str) -> String {
        format!("({l} / {r})")
    }

    fn lower(&self, expr: &str) -> String {
        format!("LOWER({expr})")
    }

    fn cast_type(&self, kind: Kind) -> &'static str {
        pg_type(kind)
    }

    fn aggregate_result(&self, sql: String, func: AggregateFn, kind: Kind) -> String {
        match func {
            AggregateFn::Sum | AggregateFn::Avg => format!("CAST({sql} AS {})", pg_type(kind)),
            f if f.is_statistic() => format!("CAST({sql} AS {})", pg_type(kind)),
            _ => sql,
        }
    }

    fn placeholder(&self, n: usize, kind: Kind, list: bool) -> String {
        format!("${n}::{}{}", pg_type(kind), if list { "[]" } else { "" })
    }

    fn slice_placeholder(&self, n: usize) -> String {
        format!("${n}::int8")
    }

    fn transform_base(&self, column: String, kind: Kind) -> String {
        if kind == Kind::DateTimeUtc {
            format!("({column} AT TIME ZONE 'UTC')")
        } else {
            column
        }
    }

    fn transform(&self, t: Transform, x: &str, _input: Kind) -> String {
        let part = |field: &str| format!("CAST(EXTRACT({field} FROM {x}) AS integer)");
        match t {
            Transform::Date => format!("CAST({x} AS date)"),
            Transform::Time => format!("CAST({x} AS time)"),
            Transform::Year => part("YEAR"),
            Transform::IsoYear => part("ISOYEAR"),
            Transform::Month => part("MONTH"),
            Transform::Day => part("DAY"),
            Transform::Week => part("WEEK"),
            Transform::WeekDay => format!("({} + 1)", part("DOW")),
            Transform::IsoWeekDay => part("ISODOW"),
            Transform::Quarter => part("QUARTER"),
            Transform::Hour => part("HOUR"),
            Transform::Minute => part("MINUTE"),
            // The fraction is dropped, as Django does.
            Transform::Second => format!("CAST(FLOOR(EXTRACT(SECOND FROM {x})) AS integer)"),
        }
    }

    fn upper(&self, expr: &str) -> String {
        format!("UPPER({expr})")
    }

    fn contains(&self, hay: &str, needle: &str) -> String {
        format!("strpos({hay}, {needle}) > 0")
    }

    fn starts_with(&self, hay: &str, needle: &str) -> String {
        format!("starts_with({hay}, {needle})")
    }

    fn ends_with(&self, hay: &str, needle: &str) -> String {
        format!("right({hay}, length({needle})) = {needle}")
    }

    fn regex(&self, lhs: &str, pattern: &str, ci: bool) -> String {
        format!("{lhs} {} {pattern}", if ci { "~*" } else { "~" })
    }

    fn in_list(&self, lhs: &str, list: &str, _kind: Kind) -> String {
        format!("{lhs} = ANY({list})")
    }

    fn row_locks(&self) -> bool {
        true
    }

    fn nulls(&self, _desc: bool) -> &'static str {
        ""
    }

    fn limit_offset(&self, limit: Option<String>, offset: Option<String>) -> String {
        let mut s = String::new();
        if let Some(l) = limit {
            s.push_str(" LIMIT ");
            s.push_str(&l);
        }
        if let Some(o) = offset {
            s.push_str(" OFFSET ");
            s.push_str(&o);
        }
        s
    }
}

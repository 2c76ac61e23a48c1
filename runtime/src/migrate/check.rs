//! `check`: the live database's schema against the models — tables,
//! columns, types, nullability, primary keys, foreign keys, unique
//! constraints and indexes — whoever made the database (dunder's
//! migrations, `create_table`, Django's migrations).

use super::run::MigrationConn;
use super::state::{ColumnState, State, TableState};
use super::App;
use crate::error::Result;
use crate::model::{Dialect, OnDelete};
use crate::value::SqlType;

/// What [`check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Where the database and the models disagree (a query or a write
    /// would fail or behave otherwise).
    pub differences: Vec<String>,
    /// What works but differs in behaviour: a foreign key whose `ON
    /// DELETE` action is not the model's (Django applies `on_delete` in
    /// Python and creates its keys without an action).
    pub notes: Vec<String>,
}

struct LiveColumn {
    name: String,
    ty: String,
    nullable: bool,
    primary_key: bool,
}

struct LiveKey {
    column: String,
    table: String,
    target: String,
    on_delete: Option<OnDelete>,
}

/// An index: its columns in order, and whether it is unique.
struct LiveIndex {
    columns: Vec<String>,
    unique: bool,
}

const SQLITE_COLUMNS: &str =
    "SELECT name, lower(type), CAST(\"notnull\" = 0 AS text), CAST(pk > 0 AS text) \
     FROM pragma_table_info(?1) ORDER BY cid";
const SQLITE_KEYS: &str =
    "SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list(?1)";
const SQLITE_INDEXES: &str =
    "SELECT il.name, CAST(il.\"unique\" AS text), ii.name FROM pragma_index_list(?1) il \
     JOIN pragma_index_info(il.name) ii WHERE il.origin <> 'pk' ORDER BY il.name, ii.seqno";
const PG_COLUMNS: &str = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), (NOT a.attnotnull)::text, \
     (EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)))::text \
     FROM pg_attribute a WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY a.attnum";
const PG_KEYS: &str = "SELECT a.attname::text, cf.relname::text, af.attname::text, c.confdeltype::text \
     FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
     JOIN pg_class cf ON cf.oid = c.confrelid JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] \
     WHERE c.conrelid = to_regclass(quote_ident($1)) AND c.contype = 'f'";
const PG_INDEXES: &str = "SELECT ic.relname::text, i.indisunique::text, a.attname::text \
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
     WHERE i.indrelid = to_regclass(quote_ident($1)) AND NOT i.indisprimary ORDER BY ic.relname, k.ord";

fn on_delete(code: &str) -> Option<OnDelete> {
    match code.to_ascii_uppercase().as_str() {
        "C" | "CASCADE" => Some(OnDelete::Cascade),
        "R" | "RESTRICT" => Some(OnDelete::Restrict),
        "N" | "SET NULL" => Some(OnDelete::SetNull),
        "D" | "SET DEFAULT" => Some(OnDelete::SetDefault),
        _ => None,
    }
}

fn action_name(a: Option<OnDelete>) -> &'static str {
    match a {
        Some(OnDelete::Cascade) => "CASCADE",
        Some(OnDelete::Protect | OnDelete::Restrict) => "RESTRICT",
        Some(OnDelete::SetNull) => "SET NULL",
        Some(OnDelete::SetDefault) => "SET DEFAULT",
        Some(OnDelete::DoNothing) | None => "NO ACTION",
    }
}

/// The type the database reports for `c`: SQLite's declared type (lower
/// case), PostgreSQL's `format_type`.
fn expected_type(c: &ColumnState, d: Dialect) -> String {
    if let (SqlType::Text, Some(n)) = (c.sql_type, c.max_length) {
        return match d {
            Dialect::Sqlite => format!("varchar({n})"),
            Dialect::Postgres => format!("character varying({n})"),
        };
    }
    match d {
        Dialect::Sqlite if c.auto => "integer".into(),
        Dialect::Sqlite => c.sql_type.sqlite_name().into(),
        Dialect::Postgres => match (c.sql_type, c.decimal) {
            (SqlType::Decimal, Some((p, s))) => format!("numeric({p},{s})"),
            (SqlType::Timestamp, _) => "timestamp without time zone".into(),
            (SqlType::Time, _) => "time without time zone".into(),
            (t, _) => t.postgres_name().into(),
        },
    }
}

/// Compares the live schema of every table of `app` with the models.
pub fn check<C: MigrationConn + ?Sized>(conn: &mut C, app: &App) -> Result<Report> {
    check_state(conn, &app.state())
}

/// [`check`] against a [`State`] (the models', or a migration's).
pub fn check_state<C: MigrationConn + ?Sized>(conn: &mut C, state: &State) -> Result<Report> {
    let d = conn.__dialect();
    let mut report = Report::default();
    for t in &state.tables {
        check_table(conn, d, t, &mut report)?;
    }
    Ok(report)
}

fn check_table<C: MigrationConn + ?Sized>(
    conn: &mut C,
    d: Dialect,
    t: &TableState,
    report: &mut Report,
) -> Result<()> {
    let (columns_sql, keys_sql, indexes_sql) = match d {
        Dialect::Sqlite => (SQLITE_COLUMNS, SQLITE_KEYS, SQLITE_INDEXES),
        Dialect::Postgres => (PG_COLUMNS, PG_KEYS, PG_INDEXES),
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let live: Vec<LiveColumn> = conn
        .__rows(columns_sql, &t.name)?
        .iter()
        .map(|r| LiveColumn {
            name: text(&r[0]),
            ty: text(&r[1]).to_lowercase(),
            nullable: matches!(r[2].as_deref(), Some("1" | "true")),
            primary_key: matches!(r[3].as_deref(), Some("1" | "true")),
        })
        .collect();
    let diff =
        |report: &mut Report, what: String| report.differences.push(format!("{}: {what}", t.name));
    if live.is_empty() {
        diff(report, format!("no such table (the model {})", t.model));
        return Ok(());
    }
    for c in &t.columns {
        let Some(l) = live.iter().find(|l| l.name == c.name) else {
            diff(
                report,
                format!("no column `{}` (field {}.{})", c.name, t.model, c.field),
            );
            continue;
        };
        let want = expected_type(c, d);
        if l.ty.replace(", ", ",") != want.replace(", ", ",") {
            diff(
                report,
                format!(
                    "column `{}` is `{}` in the database, `{want}` in the model",
                    c.name, l.ty
                ),
            );
        }
        if l.nullable != c.nullable {
            let says = |n: bool| if n { "NULL" } else { "NOT NULL" };
            diff(
                report,
                format!(
                    "column `{}` is {} in the database, {} in the model",
                    c.name,
                    says(l.nullable),
                    says(c.nullable)
                ),
            );
        }
        if l.primary_key != c.primary_key {
            diff(
                report,
                format!(
                    "column `{}` is {}the primary key in the database but {}in the model",
                    c.name,
                    if l.primary_key { "" } else { "not " },
                    if c.primary_key { "" } else { "not " }
                ),
            );
        }
    }
    for l in &live {
        if t.column(&l.name).is_none() {
            let required = !l.nullable && !l.primary_key;
            diff(
                report,
                format!(
                    "column `{}` is in the database but not in the model{}",
                    l.name,
                    if required {
                        " (NOT NULL: inserts will fail)"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
    let keys: Vec<LiveKey> = conn
        .__rows(keys_sql, &t.name)?
        .iter()
        .map(|r| LiveKey {
            column: text(&r[0]),
            table: text(&r[1]),
            target: text(&r[2]),
            on_delete: on_delete(&text(&r[3])),
        })
        .collect();
    for c in &t.columns {
        let live_key = keys.iter().find(|k| k.column == c.name);
        match (&c.references, live_key) {
            (Some((table, pk)), Some(k)) => {
                if k.table != *table || (!k.target.is_empty() && k.target != *pk) {
                    diff(
                        report,
                        format!(
                            "column `{}` references `{}`.`{}` in the database, `{table}`.`{pk}` in the model",
                            c.name, k.table, k.target
                        ),
                    );
                }
                let model = match c.on_delete {
                    Some(OnDelete::DoNothing) | None => None,
                    Some(OnDelete::Protect) => Some(OnDelete::Restrict),
                    other => other,
                };
                if k.on_delete != model {
                    report.notes.push(format!(
                        "{}: the foreign key `{}` is ON DELETE {} in the database, {} in the model: deleting a `{}` row does what the database says",
                        t.name,
                        c.name,
                        action_name(k.on_delete),
                        action_name(c.on_delete),
                        table
                    ));
                }
            }
            (Some((table, _)), None) => diff(
                report,
                format!(
                    "column `{}` has no foreign key to `{table}` in the database",
                    c.name
                ),
            ),
            (None, Some(k)) => diff(
                report,
                format!(
                    "column `{}` has a foreign key to `{}` in the database, none in the model",
                    c.name, k.table
                ),
            ),
            (None, None) => {}
        }
    }
    let mut indexes: Vec<(String, LiveIndex)> = Vec::new();
    for r in conn.__rows(indexes_sql, &t.name)? {
        let name = text(&r[0]);
        let unique = matches!(r[1].as_deref(), Some("1" | "true"));
        match indexes.iter_mut().find(|(n, _)| *n == name) {
            Some((_, i)) => i.columns.push(text(&r[2])),
            None => indexes.push((
                name,
                LiveIndex {
                    columns: vec![text(&r[2])],
                    unique,
                },
            )),
        }
    }
    let same = |a: &[String], b: &[String]| {
        let mut a = a.to_vec();
        let mut b = b.to_vec();
        a.sort();
        b.sort();
        a == b
    };
    let mut unique_groups: Vec<Vec<String>> = t
        .columns
        .iter()
        .filter(|c| c.unique && !c.primary_key)
        .map(|c| vec![c.name.clone()])
        .collect();
    unique_groups.extend(t.unique_together.iter().cloned());
    for g in &unique_groups {
        if !indexes.iter().any(|(_, i)| i.unique && same(&i.columns, g)) {
            diff(
                report,
                format!(
                    "({}) is unique in the model, not in the database",
                    g.join(", ")
                ),
            );
        }
    }
    for (name, i) in indexes.iter().filter(|(_, i)| i.unique) {
        if !unique_groups.iter().any(|g| same(&i.columns, g)) {
            diff(
                report,
                format!(
                    "({}) is unique in the database (`{name}`), not in the model",
                    i.columns.join(", ")
                ),
            );
        }
    }
    let index_groups = t
        .columns
        .iter()
        .filter(|c| c.index)
        .map(|c| vec![c.name.clone()])
        .chain(t.indexes.iter().cloned());
    for g in index_groups {
        if !indexes.iter().any(|(_, i)| same(&i.columns, &g)) {
            diff(
                report,
                format!("({}) has no index in the database", g.join(", ")),
            );
        }
    }
    Ok(())
}

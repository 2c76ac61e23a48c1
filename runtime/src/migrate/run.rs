//! Applying and rolling back migrations, recorded in `dunder_migrations`.

use super::files::{Migration, Migrations};
use crate::error::{Error, Result};
use crate::model::Dialect;

/// The table that records the applied migrations.
pub const TABLE: &str = "dunder_migrations";

/// A connection migrations run on: `rusqlite::Connection`,
/// `postgres::Client`, [`dunder::postgres::Client`](crate::postgres::Client),
/// [`Db`](crate::Db).
pub trait MigrationConn {
    #[doc(hidden)]
    fn __dialect(&self) -> Dialect;
    /// Runs SQL text without parameters.
    #[doc(hidden)]
    fn __batch(&mut self, sql: &str) -> Result<()>;
    /// `(name, checksum)` of the applied migrations of `app`, in order.
    #[doc(hidden)]
    fn __applied(&mut self, app: &str) -> Result<Vec<(String, String)>>;
    /// Records (`Some(checksum)`) or forgets (`None`) migration `name`.
    #[doc(hidden)]
    fn __record(&mut self, app: &str, name: &str, checksum: Option<&str>) -> Result<()>;
    /// Rows `PRAGMA foreign_key_check` reports (SQLite).
    #[doc(hidden)]
    fn __foreign_key_problems(&mut self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    /// Whether SQLite enforces foreign keys on this connection.
    #[doc(hidden)]
    fn __foreign_keys_on(&mut self) -> Result<bool> {
        Ok(true)
    }
    /// The rows of `sql` (text columns) with `param` as its one parameter.
    #[doc(hidden)]
    fn __rows(&mut self, sql: &str, param: &str) -> Result<Vec<Vec<Option<String>>>>;
}

pub(crate) const RECORD_SQL: [&str; 2] = [
    "INSERT INTO dunder_migrations (app, name, checksum, applied_at) VALUES (?1, ?2, ?3, CURRENT_TIMESTAMP)",
    "INSERT INTO dunder_migrations (app, name, checksum, applied_at) VALUES ($1, $2, $3, CURRENT_TIMESTAMP)",
];
pub(crate) const FORGET_SQL: [&str; 2] = [
    "DELETE FROM dunder_migrations WHERE app = ?1 AND name = ?2",
    "DELETE FROM dunder_migrations WHERE app = $1 AND name = $2",
];
pub(crate) const APPLIED_SQL: [&str; 2] = [
    "SELECT name, checksum FROM dunder_migrations WHERE app = ?1 ORDER BY id",
    "SELECT name, checksum FROM dunder_migrations WHERE app = $1 ORDER BY id",
];

#[cfg(feature = "sqlite")]
impl MigrationConn for rusqlite::Connection {
    fn __dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn __batch(&mut self, sql: &str) -> Result<()> {
        self.execute_batch(sql)
            .map_err(|e| crate::sqlite::error(e, sql))
    }
    fn __applied(&mut self, app: &str) -> Result<Vec<(String, String)>> {
        let sql = APPLIED_SQL[0];
        let mut st = self
            .prepare(sql)
            .map_err(|e| crate::sqlite::error(e, sql))?;
        let rows = st
            .query_map([app], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| crate::sqlite::error(e, sql))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| crate::sqlite::error(e, sql))
    }
    fn __record(&mut self, app: &str, name: &str, checksum: Option<&str>) -> Result<()> {
        let r = match checksum {
            Some(c) => self.execute(RECORD_SQL[0], [app, name, c]),
            None => self.execute(FORGET_SQL[0], [app, name]),
        };
        r.map(|_| ())
            .map_err(|e| crate::sqlite::error(e, RECORD_SQL[0]))
    }
    fn __foreign_key_problems(&mut self) -> Result<Vec<String>> {
        let sql = "PRAGMA foreign_key_check";
        let mut st = self
            .prepare(sql)
            .map_err(|e| crate::sqlite::error(e, sql))?;
        let rows = st
            .query_map([], |r| {
                let table: String = r.get(0)?;
                let rowid: Option<i64> = r.get(1)?;
                let parent: String = r.get(2)?;
                Ok(format!(
                    "a row of `{table}` (rowid {}) points at no row of `{parent}`",
                    rowid.map_or_else(|| "?".to_owned(), |i| i.to_string())
                ))
            })
            .map_err(|e| crate::sqlite::error(e, sql))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| crate::sqlite::error(e, sql))
    }
    fn __foreign_keys_on(&mut self) -> Result<bool> {
        let sql = "PRAGMA foreign_keys";
        self.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|v| v != 0)
            .map_err(|e| crate::sqlite::error(e, sql))
    }
    fn __rows(&mut self, sql: &str, param: &str) -> Result<Vec<Vec<Option<String>>>> {
        let mut st = self
            .prepare(sql)
            .map_err(|e| crate::sqlite::error(e, sql))?;
        let n = st.column_count();
        let rows = st
            .query_map([param], |r| {
                (0..n).map(|i| r.get::<_, Option<String>>(i)).collect()
            })
            .map_err(|e| crate::sqlite::error(e, sql))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| crate::sqlite::error(e, sql))
    }
}

#[cfg(feature = "postgres")]
impl MigrationConn for postgres::Client {
    fn __dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    fn __batch(&mut self, sql: &str) -> Result<()> {
        self.batch_execute(sql)
            .map_err(|e| crate::postgres::error(e, sql))
    }
    fn __applied(&mut self, app: &str) -> Result<Vec<(String, String)>> {
        let sql = APPLIED_SQL[1];
        let rows = self
            .query(sql, &[&app])
            .map_err(|e| crate::postgres::error(e, sql))?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<std::result::Result<Vec<_>, postgres::Error>>()
            .map_err(|e| crate::postgres::error(e, sql))
    }
    fn __record(&mut self, app: &str, name: &str, checksum: Option<&str>) -> Result<()> {
        let r = match checksum {
            Some(c) => self.execute(RECORD_SQL[1], &[&app, &name, &c]),
            None => self.execute(FORGET_SQL[1], &[&app, &name]),
        };
        r.map(|_| ())
            .map_err(|e| crate::postgres::error(e, RECORD_SQL[1]))
    }
    fn __rows(&mut self, sql: &str, param: &str) -> Result<Vec<Vec<Option<String>>>> {
        let rows = self
            .query(sql, &[&param])
            .map_err(|e| crate::postgres::error(e, sql))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get::<_, Option<String>>(i))
                    .collect()
            })
            .collect::<std::result::Result<Vec<_>, postgres::Error>>()
            .map_err(|e| crate::postgres::error(e, sql))
    }
}

#[cfg(feature = "postgres")]
impl MigrationConn for crate::postgres::Client {
    fn __dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    fn __batch(&mut self, sql: &str) -> Result<()> {
        (**self).__batch(sql)
    }
    fn __applied(&mut self, app: &str) -> Result<Vec<(String, String)>> {
        (**self).__applied(app)
    }
    fn __record(&mut self, app: &str, name: &str, checksum: Option<&str>) -> Result<()> {
        (**self).__record(app, name, checksum)
    }
    fn __rows(&mut self, sql: &str, param: &str) -> Result<Vec<Vec<Option<String>>>> {
        (**self).__rows(sql, param)
    }
}

impl MigrationConn for crate::Db {
    fn __dialect(&self) -> Dialect {
        self.dialect()
    }
    fn __batch(&mut self, sql: &str) -> Result<()> {
        match self {
            #[cfg(feature = "sqlite")]
            crate::Db::Sqlite(c) => c.__batch(sql),
            #[cfg(feature = "postgres")]
            crate::Db::Postgres(c) => c.__batch(sql),
        }
    }
    fn __applied(&mut self, app: &str) -> Result<Vec<(String, String)>> {
        match self {
            #[cfg(feature = "sqlite")]
            crate::Db::Sqlite(c) => c.__applied(app),
            #[cfg(feature = "postgres")]
            crate::Db::Postgres(c) => c.__applied(app),
        }
    }
    fn __record(&mut self, app: &str, name: &str, checksum: Option<&str>) -> Result<()> {
        match self {
            #[cfg(feature = "sqlite")]
            crate::Db::Sqlite(c) => c.__record(app, name, checksum),
            #[cfg(feature = "postgres")]
            crate::Db::Postgres(c) => c.__record(app, name, checksum),
        }
    }
    fn __foreign_key_problems(&mut self) -> Result<Vec<String>> {
        match self {
            #[cfg(feature = "sqlite")]
            crate::Db::Sqlite(c) => c.__foreign_key_problems(),
            #[cfg(feature = "postgres")]
            crate::Db::Postgres(_) => Ok(Vec::new()),
        }
    }
    fn __foreign_keys_on(&mut self) -> Result<bool> {
        match self {
            #[cfg(feature = "sqlite")]
            crate::Db::Sqlite(c) => c.__foreign_keys_on(),
            #[cfg(feature = "postgres")]
            crate::Db::Postgres(_) => Ok(true),
        }
    }
    fn __rows(&mut self, sql: &str, param: &str) -> Result<Vec<Vec<Option<String>>>> {
        match self {
            #[cfg(feature = "sqlite")]
            crate::Db::Sqlite(c) => c.__rows(sql, param),
            #[cfg(feature = "postgres")]
            crate::Db::Postgres(c) => c.__rows(sql, param),
        }
    }
}

/// The advisory lock key of dunder's migrations (PostgreSQL).
const LOCK_KEY: i64 = 0x6475_6e64_6572; // "dunder"

fn tracking_table(d: Dialect) -> String {
    let id = match d {
        Dialect::Sqlite => "integer NOT NULL PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY",
    };
    let ts = match d {
        Dialect::Sqlite => "datetime",
        Dialect::Postgres => "timestamp with time zone",
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {TABLE} (id {id}, app text NOT NULL, name text NOT NULL, \
         checksum text NOT NULL, applied_at {ts} NOT NULL, UNIQUE (app, name));"
    )
}

/// One step `migrate` took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Applied migration `name`.
    Applied(String),
    /// Rolled migration `name` back.
    Unapplied(String),
}

/// Where `migrate` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Every migration applied.
    Latest,
    /// Applied up to and including this one (a name, or its number
    /// `0002`), the later ones rolled back.
    To(&'a str),
    /// Every migration rolled back (Django's `migrate app zero`).
    Zero,
}

/// Brings the database to `target`: applies the unapplied migrations in
/// order (or rolls back the later ones with their down SQL, newest first),
/// each in a transaction together with its row in `dunder_migrations`, so a
/// failure leaves the database at the migration before. Refuses to run when
/// an applied migration's file changed (its checksum) or is missing.
///
/// On PostgreSQL it holds an advisory lock for the whole run, so two
/// processes starting together apply each migration once. On SQLite the
/// foreign keys are off during the run (a table rebuild drops and renames
/// tables) and checked with `PRAGMA foreign_key_check` before each commit.
pub fn migrate<C: MigrationConn + ?Sized>(
    conn: &mut C,
    migrations: &Migrations,
    target: Target<'_>,
) -> Result<Vec<Step>> {
    let d = conn.__dialect();
    if d == Dialect::Postgres {
        conn.__batch(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))?;
    }
    let fk_on = match d {
        Dialect::Sqlite => {
            let on = conn.__foreign_keys_on()?;
            conn.__batch("PRAGMA foreign_keys = OFF")?;
            on
        }
        Dialect::Postgres => false,
    };
    let result = run(conn, migrations, target);
    let restore = match d {
        Dialect::Postgres => conn.__batch(&format!("SELECT pg_advisory_unlock({LOCK_KEY})")),
        Dialect::Sqlite if fk_on => conn.__batch("PRAGMA foreign_keys = ON"),
        Dialect::Sqlite => Ok(()),
    };
    let steps = result?;
    restore?;
    Ok(steps)
}

fn app_of(migrations: &Migrations) -> &str {
    migrations.list.first().map_or("", |m| m.app.as_str())
}

fn run<C: MigrationConn + ?Sized>(
    conn: &mut C,
    migrations: &Migrations,
    target: Target<'_>,
) -> Result<Vec<Step>> {
    let d = conn.__dialect();
    conn.__batch(&tracking_table(d))?;
    let app = app_of(migrations);
    let applied = verified(conn, migrations)?;
    let goal = match target {
        Target::Latest => migrations.list.len(),
        Target::Zero => 0,
        Target::To(name) => {
            let m = migrations.find(name).ok_or_else(|| Error::Migration {
                message: format!(
                    "no migration `{name}` of app `{app}` (there are: {})",
                    names(migrations)
                ),
            })?;
            migrations
                .list
                .iter()
                .position(|x| x.name == m.name)
                .map_or(0, |i| i + 1)
        }
    };
    let mut steps = Vec::new();
    for m in migrations.list.iter().take(goal).skip(applied) {
        in_transaction(conn, |c| {
            for sql in m.up(d) {
                c.__batch(sql)?;
            }
            c.__record(&m.app, &m.name, Some(&m.checksum))
        })
        .map_err(|e| failed("applying", m, e))?;
        steps.push(Step::Applied(m.name.clone()));
    }
    for m in migrations.list[goal.min(applied)..applied].iter().rev() {
        in_transaction(conn, |c| {
            for sql in m.down(d) {
                c.__batch(sql)?;
            }
            c.__record(&m.app, &m.name, None)
        })
        .map_err(|e| failed("rolling back", m, e))?;
        steps.push(Step::Unapplied(m.name.clone()));
    }
    Ok(steps)
}

fn names(migrations: &Migrations) -> String {
    let n: Vec<&str> = migrations.list.iter().map(|m| m.name.as_str()).collect();
    if n.is_empty() {
        "none".to_owned()
    } else {
        n.join(", ")
    }
}

fn failed(doing: &str, m: &Migration, e: Error) -> Error {
    Error::Migration {
        message: format!(
            "{doing} migration {} failed, nothing of it was kept: {e}",
            m.name
        ),
    }
}

/// How many of `migrations` are applied (a prefix of them), after checking
/// that what is recorded matches the files.
fn verified<C: MigrationConn + ?Sized>(conn: &mut C, migrations: &Migrations) -> Result<usize> {
    let recorded = conn.__applied(app_of(migrations))?;
    for (i, (name, sum)) in recorded.iter().enumerate() {
        match migrations.list.get(i) {
            Some(m) if m.name == *name && m.checksum == *sum => {}
            Some(m) if m.name == *name => {
                return Err(Error::Migration {
                    message: format!(
                        "migration {name} was changed after it was applied (checksum {sum} when applied, {} now): restore the file, or roll it back with the old file first",
                        m.checksum
                    ),
                })
            }
            _ => {
                return Err(Error::Migration {
                    message: format!(
                        "migration {name} is applied to the database but its file is missing or out of order (the files are: {})",
                        names(migrations)
                    ),
                })
            }
        }
    }
    Ok(recorded.len())
}

fn in_transaction<C: MigrationConn + ?Sized>(
    conn: &mut C,
    f: impl FnOnce(&mut C) -> Result<()>,
) -> Result<()> {
    let d = conn.__dialect();
    conn.__batch(match d {
        Dialect::Sqlite => "BEGIN IMMEDIATE",
        Dialect::Postgres => "BEGIN",
    })?;
    let result = f(conn).and_then(|()| {
        let problems = conn.__foreign_key_problems()?;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Migration {
                message: format!("foreign keys broken: {}", problems.join("; ")),
            })
        }
    });
    match result {
        Ok(()) => conn.__batch("COMMIT"),
        Err(e) => {
            // The error that matters is the first one.
            let _ = conn.__batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Each migration and whether it is applied (Django's `showmigrations`).
pub fn show_migrations<C: MigrationConn + ?Sized>(
    conn: &mut C,
    migrations: &Migrations,
) -> Result<Vec<(String, bool)>> {
    conn.__batch(&tracking_table(conn.__dialect()))?;
    let applied: Vec<String> = conn
        .__applied(app_of(migrations))?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    Ok(migrations
        .list
        .iter()
        .map(|m| (m.name.clone(), applied.contains(&m.name)))
        .collect())
}

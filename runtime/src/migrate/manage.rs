//! The `manage` command line: `makemigrations`, `migrate`, `sqlmigrate`,
//! `showmigrations`, as Django's `manage.py`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::files::{make_migration, write_migration, MakeOptions, Migrations};
use super::ops::Questioner;
use super::run::{migrate, show_migrations, Step, Target};
use super::state::{ColumnState, TableState};
use super::{Answers, App};
use crate::error::{Error, Result};
use crate::model::Dialect;

const USAGE: &str = "\
usage: manage <command> [options]

commands:
  makemigrations [--check] [--yes] [--name NAME] [--default Model.field=VALUE]...
      write the next migration from the models (--check: exit 1 if one is needed, write nothing;
      --yes: take renames dunder asks about and allow dropping tables and columns)
  migrate [[APP] NAME | zero] [--database URL]
      apply the migrations (up to NAME), or roll back to NAME (zero: all of them)
  sqlmigrate NAME [--dialect sqlite|postgres] [--backwards]
      print the SQL of migration NAME
  showmigrations [--database URL]
      list the migrations, [X] applied
  check [--database URL]
      compare the database's tables with the models (exit 1 on a difference)

The database URL comes from --database or DATABASE_URL: sqlite:path/to/file.db or postgres://…";

/// Runs the `manage` command line for `app`, whose migration files are in
/// `dir`, with the process's arguments, standard input and output; the
/// exit code. A program's `src/bin/manage.rs`:
///
/// ```no_run
/// # use dunder::prelude::*;
/// # #[derive(Model)] pub struct Tag { pub id: i64 }
/// dunder::app!(pub BLOG = [Tag]);
///
/// fn main() -> std::process::ExitCode {
///     dunder::migrate::manage(&BLOG, concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
/// }
/// ```
pub fn manage(app: &App, dir: impl AsRef<Path>) -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut input = stdin.lock();
    let mut out = std::io::stdout();
    match run_command(app, dir.as_ref(), &args, &mut input, &mut out, interactive) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// [`manage`] with its arguments (without the program name), input and
/// output given, and whether to ask questions on `input` (a terminal): the
/// exit code (0, or 1 for `makemigrations --check` with changes).
pub fn run_command(
    app: &App,
    dir: &Path,
    args: &[String],
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    interactive: bool,
) -> Result<u8> {
    let usage = |why: &str| Error::Migration {
        message: format!("{why}\n\n{USAGE}"),
    };
    let Some((command, rest)) = args.split_first() else {
        return Err(usage("no command"));
    };
    let mut flags = Flags::default();
    let mut positional = Vec::new();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| usage(&format!("{name} needs a value")))
        };
        match a.as_str() {
            "--check" => flags.check = true,
            "--yes" => flags.yes = true,
            "--backwards" => flags.backwards = true,
            "--name" => flags.name = Some(value("--name")?),
            "--database" => flags.database = Some(value("--database")?),
            "--dialect" => flags.dialect = Some(value("--dialect")?),
            "--default" => {
                let v = value("--default")?;
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| usage("--default takes Model.field=VALUE"))?;
                flags.defaults.push((k.to_owned(), val.to_owned()));
            }
            "-h" | "--help" => {
                writeln!(out, "{USAGE}").map_err(io)?;
                return Ok(0);
            }
            s if s.starts_with('-') => return Err(usage(&format!("unknown option {s}"))),
            s => positional.push(s.to_owned()),
        }
    }
    let out_of_place = |positional: &[String], n: usize| -> Result<()> {
        if positional.len() > n {
            Err(usage(&format!("{command}: unexpected `{}`", positional[n])))
        } else {
            Ok(())
        }
    };
    match command.as_str() {
        "makemigrations" => {
            out_of_place(&positional, 0)?;
            makemigrations(app, dir, &flags, input, out, interactive)
        }
        "migrate" => {
            // Django's `migrate APP NAME`: the app is this program's.
            if positional.len() == 2 {
                if positional[0] != app.label() {
                    return Err(usage(&format!(
                        "migrate: no app `{}` here (this program's app is `{}`)",
                        positional[0],
                        app.label()
                    )));
                }
                positional.remove(0);
            }
            out_of_place(&positional, 1)?;
            let migrations = Migrations::load(dir)?;
            let target = match positional.first().map(String::as_str) {
                None => Target::Latest,
                Some("zero") => Target::Zero,
                Some(name) => Target::To(name),
            };
            let mut db = crate::Db::connect(&database_url(&flags)?)?;
            let steps = migrate(&mut db, &migrations, target)?;
            if steps.is_empty() {
                writeln!(out, "No migrations to apply.").map_err(io)?;
            }
            for s in steps {
                match s {
                    Step::Applied(n) => writeln!(out, "Applied {n}"),
                    Step::Unapplied(n) => writeln!(out, "Unapplied {n}"),
                }
                .map_err(io)?;
            }
            Ok(0)
        }
        "sqlmigrate" => {
            out_of_place(&positional, 1)?;
            let name = positional
                .first()
                .ok_or_else(|| usage("sqlmigrate needs the migration's name"))?;
            let migrations = Migrations::load(dir)?;
            let m = migrations.find(name).ok_or_else(|| Error::Migration {
                message: format!("no migration `{name}` in {}", dir.display()),
            })?;
            let dialect = match flags.dialect.as_deref() {
                Some("sqlite") => Dialect::Sqlite,
                Some("postgres") => Dialect::Postgres,
                Some(other) => return Err(usage(&format!("unknown dialect {other}"))),
                None => match database_url(&flags) {
                    Ok(url) if url.starts_with("postgres") => Dialect::Postgres,
                    _ => Dialect::Sqlite,
                },
            };
            let sql = if flags.backwards {
                m.down(dialect)
            } else {
                m.up(dialect)
            };
            for s in sql {
                writeln!(out, "{s}").map_err(io)?;
            }
            Ok(0)
        }
        "showmigrations" => {
            out_of_place(&positional, 0)?;
            let migrations = Migrations::load(dir)?;
            let mut db = crate::Db::connect(&database_url(&flags)?)?;
            writeln!(out, "{}", app.label()).map_err(io)?;
            for (name, applied) in show_migrations(&mut db, &migrations)? {
                let mark = if applied { "X" } else { " " };
                writeln!(out, " [{mark}] {name}").map_err(io)?;
            }
            Ok(0)
        }
        "check" => {
            out_of_place(&positional, 0)?;
            let mut db = crate::Db::connect(&database_url(&flags)?)?;
            let report = super::check::check(&mut db, app)?;
            for d in &report.differences {
                writeln!(out, "difference: {d}").map_err(io)?;
            }
            for n in &report.notes {
                writeln!(out, "note: {n}").map_err(io)?;
            }
            if report.differences.is_empty() {
                writeln!(out, "The database matches the models.").map_err(io)?;
                Ok(0)
            } else {
                Ok(1)
            }
        }
        other => Err(usage(&format!("unknown command `{other}`"))),
    }
}

#[derive(Debug, Default)]
struct Flags {
    check: bool,
    yes: bool,
    backwards: bool,
    name: Option<String>,
    database: Option<String>,
    dialect: Option<String>,
    defaults: Vec<(String, String)>,
}

fn io(e: std::io::Error) -> Error {
    Error::Migration {
        message: format!("writing the output: {e}"),
    }
}

fn database_url(flags: &Flags) -> Result<String> {
    match &flags.database {
        Some(u) => Ok(u.clone()),
        None => std::env::var("DATABASE_URL").map_err(|_| Error::Migration {
            message: "no database: give --database URL or set DATABASE_URL (sqlite:app.db, postgres://user@host/db)".into(),
        }),
    }
}

fn makemigrations(
    app: &App,
    dir: &Path,
    flags: &Flags,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    interactive: bool,
) -> Result<u8> {
    let existing = Migrations::load(dir)?;
    let mut ask = Prompt {
        answers: Answers {
            defaults: flags.defaults.clone(),
            renames: flags.yes,
        },
        interactive: interactive && !flags.yes && !flags.check,
        input,
        out,
        asked: Vec::new(),
        check: flags.check,
    };
    let mut options = MakeOptions {
        name: flags.name.clone(),
        allow_drop: flags.yes || flags.check,
    };
    let made = match make_migration(app, &existing, &options, &mut ask) {
        Err(Error::Migration { message })
            if message.contains("would drop data") && ask.interactive =>
        {
            writeln!(ask.out, "{message}").map_err(io)?;
            if !ask.yes_no("Drop them (the data in them is lost)?")? {
                writeln!(ask.out, "Nothing written.").map_err(io)?;
                return Ok(1);
            }
            options.allow_drop = true;
            make_migration(app, &existing, &options, &mut ask)?
        }
        other => other?,
    };
    let Some(m) = made else {
        writeln!(ask.out, "No changes detected.").map_err(io)?;
        return Ok(0);
    };
    if flags.check {
        writeln!(
            ask.out,
            "Changes detected: a migration {} is needed:",
            m.name
        )
        .map_err(io)?;
        for op in &m.operations {
            writeln!(ask.out, "  - {op}").map_err(io)?;
        }
        return Ok(1);
    }
    let path: PathBuf = write_migration(dir, &m)?;
    writeln!(ask.out, "Migration {}:", path.display()).map_err(io)?;
    for op in &m.operations {
        writeln!(ask.out, "  - {op}").map_err(io)?;
    }
    Ok(0)
}

/// Asks on the terminal what the answers given do not say (each question
/// once: the diff runs again after the drops are confirmed).
struct Prompt<'a> {
    answers: Answers,
    interactive: bool,
    input: &'a mut dyn BufRead,
    out: &'a mut dyn Write,
    asked: Vec<(String, Option<String>)>,
    /// `--check`: any value will do, only whether there are changes counts.
    check: bool,
}

impl Prompt<'_> {
    fn line(&mut self, question: &str) -> Result<Option<String>> {
        if let Some((_, a)) = self.asked.iter().find(|(q, _)| q == question) {
            return Ok(a.clone());
        }
        let answer = self.read(question)?;
        self.asked.push((question.to_owned(), answer.clone()));
        Ok(answer)
    }

    fn read(&mut self, question: &str) -> Result<Option<String>> {
        write!(self.out, "{question} ").map_err(io)?;
        self.out.flush().map_err(io)?;
        let mut s = String::new();
        let n = self.input.read_line(&mut s).map_err(|e| Error::Migration {
            message: format!("reading the answer: {e}"),
        })?;
        Ok((n > 0).then(|| s.trim().to_owned()))
    }

    fn yes_no(&mut self, question: &str) -> Result<bool> {
        Ok(self
            .line(&format!("{question} [y/N]"))?
            .is_some_and(|a| matches!(a.as_str(), "y" | "Y" | "yes")))
    }
}

impl Questioner for Prompt<'_> {
    fn default_for(&mut self, table: &TableState, column: &ColumnState) -> Option<String> {
        if let Some(v) = self.answers.default_for(table, column) {
            return Some(v);
        }
        if self.check {
            return Some(super::ops::zero(column.sql_type).to_owned());
        }
        if !self.interactive {
            return None;
        }
        let q = format!(
            "`{}.{}` is NOT NULL and `{}` may have rows: the value they get (empty to stop)?",
            table.model, column.field, table.name
        );
        self.line(&q).ok().flatten().filter(|a| !a.is_empty())
    }

    fn renamed_column(&mut self, table: &TableState, old: &ColumnState, new: &ColumnState) -> bool {
        if self.answers.renames {
            return true;
        }
        self.interactive
            && self
                .yes_no(&format!(
                    "Did you rename `{}.{}` to `{}.{}`?",
                    table.model, old.field, table.model, new.field
                ))
                .unwrap_or(false)
    }

    fn renamed_table(&mut self, old: &TableState, new: &TableState) -> bool {
        if self.answers.renames {
            return true;
        }
        self.interactive
            && self
                .yes_no(&format!(
                    "Did you rename the model `{}` (table `{}`) to `{}` (table `{}`)?",
                    old.model, old.name, new.model, new.name
                ))
                .unwrap_or(false)
    }
}

//! Migration files: one JSON file per migration in the app's `migrations/`
//! directory, with what it does, its SQL for each dialect (up and down) and
//! the state it leads to.

use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use super::ops::{diff, Operation, Questioner};
use super::state::State;
use super::{ddl, App};
use crate::error::{Error, Result};
use crate::model::Dialect;

/// The format version written in each file.
const FORMAT: u64 = 1;

/// One migration, as read from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// `0002_article_views`: the file name without `.json`.
    pub name: String,
    /// The app label it belongs to.
    pub app: String,
    /// What it does, one line per operation.
    pub operations: Vec<String>,
    /// The statements that apply it, per dialect.
    pub up: [Vec<String>; 2],
    /// The statements that undo it, per dialect.
    pub down: [Vec<String>; 2],
    /// The state it leads to.
    pub state: State,
    /// The checksum of the file's text (see [`checksum`]).
    pub checksum: String,
}

fn slot(d: Dialect) -> usize {
    match d {
        Dialect::Sqlite => 0,
        Dialect::Postgres => 1,
    }
}

impl Migration {
    /// The statements that apply it on `dialect`.
    pub fn up(&self, dialect: Dialect) -> &[String] {
        &self.up[slot(dialect)]
    }

    /// The statements that undo it on `dialect`.
    pub fn down(&self, dialect: Dialect) -> &[String] {
        &self.down[slot(dialect)]
    }

    /// Reads a migration file's text (`name` is its file name without
    /// `.json`).
    pub fn parse(name: &str, text: &str) -> Result<Migration> {
        let bad = |why: String| Error::Migration {
            message: format!("migration file {name}.json: {why}"),
        };
        let v: Json = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        if v.get("dunder_migration").and_then(Json::as_u64) != Some(FORMAT) {
            return Err(bad(format!(
                "not a dunder migration of format {FORMAT} (`\"dunder_migration\": {FORMAT}`)"
            )));
        }
        let list = |v: Option<&Json>, what: &str| -> Result<Vec<String>> {
            v.and_then(Json::as_array)
                .ok_or_else(|| bad(format!("no `{what}` list")))?
                .iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad(format!("`{what}` holds a non-string")))
                })
                .collect()
        };
        let sql = |dir: &str| -> Result<[Vec<String>; 2]> {
            let d = v.get(dir);
            Ok([
                list(d.and_then(|d| d.get("sqlite")), &format!("{dir}.sqlite"))?,
                list(
                    d.and_then(|d| d.get("postgres")),
                    &format!("{dir}.postgres"),
                )?,
            ])
        };
        Ok(Migration {
            name: name.to_owned(),
            app: v
                .get("app")
                .and_then(Json::as_str)
                .ok_or_else(|| bad("no `app`".into()))?
                .to_owned(),
            operations: list(v.get("operations"), "operations")?,
            up: sql("up")?,
            down: sql("down")?,
            state: State::from_json(v.get("state").ok_or_else(|| bad("no `state`".into()))?)
                .map_err(|e| bad(e.to_string()))?,
            checksum: checksum(text),
        })
    }
}

/// The checksum of a migration file: FNV-1a (64 bits) of its text with
/// line ends as `\n`, in hex. It tells a file changed after it was applied
/// (not a defence against tampering).
pub fn checksum(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes().filter(|b| *b != b'\r') {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The migrations of an app, in order.
#[derive(Debug, Clone, Default)]
pub struct Migrations {
    /// The migrations, in name order.
    pub list: Vec<Migration>,
}

impl Migrations {
    /// Reads every `*.json` of `dir`, in name order (`0001_…`, `0002_…`).
    /// A directory that does not exist holds no migrations.
    pub fn load(dir: impl AsRef<Path>) -> Result<Migrations> {
        let dir = dir.as_ref();
        let io = |e: std::io::Error| Error::Migration {
            message: format!("reading {}: {e}", dir.display()),
        };
        let mut files: Vec<(String, PathBuf)> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter_map(|p| Some((p.file_stem()?.to_str()?.to_owned(), p)))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(e)),
        };
        files.sort();
        let mut texts = Vec::new();
        for (name, path) in files {
            texts.push((name, std::fs::read_to_string(&path).map_err(io)?));
        }
        Migrations::from_texts(texts.iter().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// The migrations from `(name, file text)` pairs (what
    /// [`embed_migrations!`](crate::embed_migrations) holds), sorted by name.
    pub fn from_texts<'a>(
        texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Migrations> {
        let mut list = texts
            .into_iter()
            .map(|(n, t)| Migration::parse(n, t))
            .collect::<Result<Vec<_>>>()?;
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Migrations { list })
    }

    /// The state the migrations add up to (the last one's).
    pub fn state(&self) -> State {
        self.list
            .last()
            .map(|m| m.state.clone())
            .unwrap_or_default()
    }

    /// The migration named `name` (or its number: `0002`).
    pub fn find(&self, name: &str) -> Option<&Migration> {
        self.list.iter().find(|m| m.name == name).or_else(|| {
            let mut hits = self
                .list
                .iter()
                .filter(|m| m.name.split('_').next() == Some(name));
            match (hits.next(), hits.next()) {
                (Some(m), None) => Some(m),
                _ => None,
            }
        })
    }
}

/// What `makemigrations` does besides diffing.
#[derive(Debug, Clone, Default)]
pub struct MakeOptions {
    /// The new migration's name after its number (default: from what it
    /// does, `initial` for the first).
    pub name: Option<String>,
    /// Drop tables and columns without asking (they may hold data).
    pub allow_drop: bool,
}

/// A new migration: its file name and text, and what it does.
#[derive(Debug, Clone)]
pub struct NewMigration {
    /// Its name (`0002_article_views`): the file is `<name>.json`.
    pub name: String,
    /// The file's text.
    pub text: String,
    /// What it does, one line per operation.
    pub operations: Vec<String>,
}

/// The next migration of `app` after `existing`: `None` when the models
/// match the state the migrations add up to. Asks `ask` about defaults and
/// renames; refuses to drop a table or column unless
/// [`MakeOptions::allow_drop`].
pub fn make_migration(
    app: &App,
    existing: &Migrations,
    options: &MakeOptions,
    ask: &mut dyn Questioner,
) -> Result<Option<NewMigration>> {
    let old = existing.state();
    let new = app.state();
    let ops = diff(&old, &new, ask)?;
    if ops.is_empty() {
        return Ok(None);
    }
    let drops: Vec<String> = ops
        .iter()
        .filter(|op| matches!(op, Operation::DropTable(_) | Operation::RemoveColumn { .. }))
        .map(|op| op.describe(&old))
        .collect();
    if !drops.is_empty() && !options.allow_drop {
        return Err(Error::Migration {
            message: format!(
                "this migration would drop data: {}; confirm (`--yes`, or `MakeOptions::allow_drop`), or mark a rename (`#[dunder(renamed_from = …)]` is not built yet: answer the rename question)",
                drops.join("; ")
            ),
        });
    }
    let number = existing
        .list
        .last()
        .and_then(|m| m.name.split('_').next()?.parse::<u32>().ok())
        .unwrap_or(0)
        + 1;
    let slug = match &options.name {
        Some(n) => n.clone(),
        None if existing.list.is_empty() => "initial".to_owned(),
        None => auto_name(&ops, &old),
    };
    let name = format!("{number:04}_{slug}");
    let mut descriptions = Vec::new();
    let mut running = old.clone();
    for op in &ops {
        descriptions.push(op.describe(&running));
        op.apply(&mut running)?;
    }
    let inverse: Vec<Operation> = ops.iter().rev().map(Operation::inverse).collect();
    let sql = |state: &State, ops: &[Operation], d: Dialect| ddl::render(state, ops, d);
    let file = json!({
        "dunder_migration": FORMAT,
        "app": app.label(),
        "name": name,
        "operations": descriptions,
        "up": {
            "sqlite": sql(&old, &ops, Dialect::Sqlite)?,
            "postgres": sql(&old, &ops, Dialect::Postgres)?,
        },
        "down": {
            "sqlite": sql(&new, &inverse, Dialect::Sqlite)?,
            "postgres": sql(&new, &inverse, Dialect::Postgres)?,
        },
        "state": new.to_json(),
    });
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| Error::Migration {
        message: format!("writing the migration: {e}"),
    })?;
    text.push('\n');
    Ok(Some(NewMigration {
        name,
        text,
        operations: descriptions,
    }))
}

/// A name from what the migration does, as Django's `auto_name`
/// (`item_note`, `delete_tag`, `remove_item_stock`, …), `auto` when long.
fn auto_name(ops: &[Operation], old: &State) -> String {
    let model = |table: &str| {
        old.table(table)
            .map_or(table, |t| t.model.as_str())
            .to_lowercase()
            .replace('.', "_")
    };
    let part = |op: &Operation| match op {
        Operation::CreateTable(t) => t.model.to_lowercase().replace('.', "_"),
        Operation::DropTable(t) => format!("delete_{}", model(&t.name)),
        Operation::RenameTable { from, to } => format!("rename_{}_{to}", model(from)),
        Operation::AddColumn { table, column, .. } => format!("{}_{}", model(table), column.field),
        Operation::RemoveColumn { table, column } => {
            format!("remove_{}_{}", model(table), column.field)
        }
        Operation::RenameColumn { table, from, to } => {
            format!("rename_{from}_{}_{to}", model(table))
        }
        Operation::AlterColumn { table, to, .. } => format!("alter_{}_{}", model(table), to.field),
        Operation::AddUnique { table, columns } => {
            format!("unique_{}_{}", model(table), columns.join("_"))
        }
        Operation::RemoveUnique { table, columns } => {
            format!("remove_unique_{}_{}", model(table), columns.join("_"))
        }
        Operation::AddIndex { table, columns } => {
            format!("index_{}_{}", model(table), columns.join("_"))
        }
        Operation::RemoveIndex { table, columns } => {
            format!("remove_index_{}_{}", model(table), columns.join("_"))
        }
    };
    let name = ops.iter().map(part).collect::<Vec<_>>().join("_");
    let name: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.len() > 52 || name.is_empty() {
        "auto".to_owned()
    } else {
        name
    }
}

/// Writes `m` into `dir` (created if needed) as `<name>.json`.
pub fn write_migration(dir: impl AsRef<Path>, m: &NewMigration) -> Result<PathBuf> {
    let dir = dir.as_ref();
    let io = |e: std::io::Error| Error::Migration {
        message: format!("writing {}: {e}", dir.display()),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join(format!("{}.json", m.name));
    if path.exists() {
        return Err(Error::Migration {
            message: format!("{} exists already", path.display()),
        });
    }
    std::fs::write(&path, &m.text).map_err(io)?;
    Ok(path)
}

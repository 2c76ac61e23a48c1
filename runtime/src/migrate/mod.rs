//! Migrations, as Django's `makemigrations` and `migrate`: the app declares
//! its models once ([`app!`](crate::app)); [`make_migration`] diffs them
//! against the state the migration files add up to (no database needed) and
//! writes the next file; [`migrate`] applies the files in order, each in a
//! transaction, recorded in `dunder_migrations`, and rolls back to a named
//! migration with each file's down SQL.
//!
//! ```
//! use dunder::prelude::*;
//! use dunder::migrate::{make_migration, migrate, MakeOptions, Migrations, NoQuestions, Target};
//!
//! #[derive(Model, Debug)]
//! pub struct Author {
//!     pub id: i64,
//!     pub name: String,
//! }
//!
//! #[derive(Model, Debug)]
//! pub struct Book {
//!     pub id: i64,
//!     pub title: String,
//!     pub author: ForeignKey<crate::Author>,
//! }
//!
//! dunder::app!(pub LIBRARY = [Author, Book]);
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // makemigrations: the first migration creates both tables.
//!     let none = Migrations::default();
//!     let m = make_migration(&LIBRARY, &none, &MakeOptions::default(), &mut NoQuestions)?
//!         .expect("the models are new");
//!     assert_eq!(m.name, "0001_initial");
//!
//!     // migrate (the text would be a file in `migrations/`).
//!     let migrations = Migrations::from_texts([(m.name.as_str(), m.text.as_str())])?;
//!     let mut conn = rusqlite::Connection::open_in_memory()?;
//!     migrate(&mut conn, &migrations, Target::Latest)?;
//!     assert_eq!(query!(Book.count()).run(&conn)?, 0);
//!
//!     // Nothing changed since: no new migration.
//!     let again = make_migration(&LIBRARY, &migrations, &MakeOptions::default(), &mut NoQuestions)?;
//!     assert!(again.is_none());
//!     Ok(())
//! }
//! ```

mod check;
mod ddl;
mod files;
mod manage;
mod ops;
mod run;
#[cfg(feature = "postgres")]
pub(crate) use run::{APPLIED_SQL, FORGET_SQL, RECORD_SQL};
mod state;

pub use check::{check, check_state, Report};
pub use ddl::create_table;
pub use files::{
    checksum, make_migration, write_migration, MakeOptions, Migration, Migrations, NewMigration,
};
pub use manage::{manage, run_command};
pub use ops::{diff, Operation, Questioner};
pub use run::{migrate, show_migrations, MigrationConn, Step, Target, TABLE};
pub use state::{ColumnState, State, TableState};

use crate::model::{Column, ManyToManyTable, Model};

/// A model of an [`App`], as its derive describes it.
#[derive(Debug, Clone, Copy)]
pub struct ModelDef {
    /// The struct's name.
    pub name: &'static str,
    /// Its table.
    pub table: &'static str,
    /// Its columns, in field order.
    pub columns: &'static [Column],
    /// The through tables of its many-to-many fields.
    pub many_to_many: &'static [ManyToManyTable],
    /// Its name before a rename (`#[dunder(renamed_from = "Old")]`).
    pub renamed_from: Option<&'static str>,
    /// Its groups of columns unique together.
    pub unique_together: &'static [&'static [&'static str]],
    /// Its indexes on several columns.
    pub index_together: &'static [&'static [&'static str]],
}

impl ModelDef {
    /// The description of model `M` (what [`app!`](crate::app) lists).
    pub const fn of<M: Model>() -> ModelDef {
        ModelDef {
            name: M::NAME,
            table: M::TABLE,
            columns: M::COLUMNS,
            many_to_many: M::MANY_TO_MANY,
            renamed_from: M::RENAMED_FROM,
            unique_together: M::UNIQUE_TOGETHER,
            index_together: M::INDEX_TOGETHER,
        }
    }
}

/// The models of an application, declared once with [`app!`](crate::app)
/// (Django's `INSTALLED_APPS` entry and its models).
#[derive(Debug, Clone, Copy)]
pub struct App {
    /// The name given to [`app!`](crate::app) (`BLOG`); its lower case is
    /// the app's label in `dunder_migrations`.
    pub name: &'static str,
    /// The models, in the order given.
    pub models: &'static [ModelDef],
}

impl App {
    /// The app's label: its name in lower case (`blog`).
    pub fn label(&self) -> String {
        self.name.to_lowercase()
    }

    /// The tables the models need: each model's, then the through tables
    /// of their many-to-many fields.
    pub fn state(&self) -> State {
        let mut tables: Vec<TableState> = self
            .models
            .iter()
            .map(|m| {
                let mut t = TableState::from_columns(m.name, m.table, m.columns);
                t.renamed_from = m.renamed_from.map(str::to_owned);
                let groups = |g: &[&[&str]]| -> Vec<Vec<String>> {
                    g.iter()
                        .map(|cols| cols.iter().map(|c| (*c).to_owned()).collect())
                        .collect()
                };
                t.unique_together = groups(m.unique_together);
                t.indexes = groups(m.index_together);
                t
            })
            .collect();
        for m in self.models {
            for m2m in m.many_to_many {
                tables.push(TableState::through(m.name, m2m));
            }
        }
        State { tables }
    }
}

/// Declares an app's models: `dunder::app!(pub BLOG = [Author, Article, Tag]);`
/// defines `pub static BLOG: dunder::migrate::App`. A type that is not a
/// model is a compile error on its name.
#[macro_export]
macro_rules! app {
    ($vis:vis $name:ident = [$($model:ty),* $(,)?]) => {
        $vis static $name: $crate::migrate::App = $crate::migrate::App {
            name: ::core::stringify!($name),
            models: &[$($crate::migrate::ModelDef::of::<$model>()),*],
        };
    };
}

/// A [`Questioner`] for scripts: no renames, no value for new `NOT NULL`
/// columns (an error says which column needs one).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoQuestions;

impl Questioner for NoQuestions {
    fn default_for(&mut self, _: &TableState, _: &ColumnState) -> Option<String> {
        None
    }
    fn renamed_column(&mut self, _: &TableState, _: &ColumnState, _: &ColumnState) -> bool {
        false
    }
    fn renamed_table(&mut self, _: &TableState, _: &TableState) -> bool {
        false
    }
}

/// Answers given up front (the `--default` and `--yes` of
/// `makemigrations`): values for new `NOT NULL` columns by `Model.field`
/// or `table.column`, and whether every rename question is answered yes.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// `("Article.views", "0")`.
    pub defaults: Vec<(String, String)>,
    /// Take every rename dunder asks about.
    pub renames: bool,
}

impl Questioner for Answers {
    fn default_for(&mut self, table: &TableState, column: &ColumnState) -> Option<String> {
        let keys = [
            format!("{}.{}", table.model, column.field),
            format!("{}.{}", table.name, column.name),
        ];
        self.defaults
            .iter()
            .find(|(k, _)| keys.contains(k))
            .map(|(_, v)| v.clone())
    }
    fn renamed_column(&mut self, _: &TableState, _: &ColumnState, _: &ColumnState) -> bool {
        self.renames
    }
    fn renamed_table(&mut self, _: &TableState, _: &TableState) -> bool {
        self.renames
    }
}

//! Migrations on real SQLite and PostgreSQL databases: a sequence of model
//! versions (add a nullable field, a NOT NULL field with a value for the
//! rows there, a foreign key, a many-to-many; rename a field and a model;
//! change a type and a nullability; drop a field), each generated into
//! migration files, applied, the live schema compared with the models,
//! rolled back to the first migration and applied again, the data kept at
//! every step. Also: a failing migration leaves nothing behind, a changed
//! file is refused, and two `migrate` runs at once on PostgreSQL apply each
//! migration once.

use std::path::{Path, PathBuf};

use dunder::migrate::{
    make_migration, migrate, show_migrations, write_migration, Answers, App, MakeOptions,
    MigrationConn, Migrations, NoQuestions, State, Step, Target,
};
use dunder::prelude::*;

mod v1 {
    use dunder::prelude::*;

    #[derive(Model, Debug)]
    #[dunder(table = "m_author")]
    pub struct Author {
        pub id: i64,
        pub name: String,
    }

    #[derive(Model, Debug)]
    #[dunder(table = "m_item")]
    pub struct Item {
        pub id: i64,
        pub title: String,
        pub views: i32,
    }

    dunder::app!(pub SHOP = [Author, Item]);
}

mod v2 {
    use dunder::prelude::*;

    #[derive(Model, Debug)]
    #[dunder(table = "m_author")]
    pub struct Author {
        pub id: i64,
        pub name: String,
    }

    /// Adds a nullable field, a NOT NULL one and a foreign key.
    #[derive(Model, Debug)]
    #[dunder(table = "m_item")]
    pub struct Item {
        pub id: i64,
        pub title: String,
        pub views: i32,
        pub note: Option<String>,
        pub stock: i32,
        pub author: Option<ForeignKey<crate::v2::Author>>,
    }

    dunder::app!(pub SHOP = [Author, Item]);
}

mod v3 {
    use dunder::prelude::*;

    /// The model renamed (its table too).
    #[derive(Model, Debug)]
    #[dunder(table = "m_writer")]
    pub struct Writer {
        pub id: i64,
        pub name: String,
    }

    /// `title` renamed `label`, `views` now an `i64`, `note` NOT NULL,
    /// `stock` dropped, a many-to-many added.
    #[derive(Model, Debug)]
    #[dunder(table = "m_item")]
    pub struct Item {
        pub id: i64,
        pub label: String,
        pub views: i64,
        pub note: String,
        pub author: Option<ForeignKey<crate::v3::Writer>>,
        pub tags: ManyToMany<crate::v3::Tag>,
    }

    #[derive(Model, Debug)]
    #[dunder(table = "m_tag")]
    pub struct Tag {
        pub id: i64,
        pub name: String,
        #[dunder(related = tags)]
        pub items: Reverse<crate::v3::Item>,
    }

    dunder::app!(pub SHOP = [Writer, Item, Tag]);
}

mod v4 {
    use dunder::prelude::*;

    /// Renamed again, marked on the model: no question asked.
    #[derive(Model, Debug)]
    #[dunder(table = "m_person", renamed_from = "Writer")]
    pub struct Person {
        pub id: i64,
        pub name: String,
    }

    /// `label` renamed `title` and made nullable, marked on the field.
    #[derive(Model, Debug)]
    #[dunder(table = "m_item")]
    pub struct Item {
        pub id: i64,
        #[dunder(renamed_from = "label")]
        pub title: Option<String>,
        pub views: i64,
        pub note: String,
        pub author: Option<ForeignKey<crate::v4::Person>>,
        pub tags: ManyToMany<crate::v4::Tag>,
    }

    #[derive(Model, Debug)]
    #[dunder(table = "m_tag")]
    pub struct Tag {
        pub id: i64,
        pub name: String,
        #[dunder(related = tags)]
        pub items: Reverse<crate::v4::Item>,
    }

    dunder::app!(pub SHOP = [Person, Item, Tag]);
}

mod v5 {
    use dunder::prelude::*;

    #[derive(Model, Debug)]
    #[dunder(table = "m_person")]
    pub struct Person {
        pub id: i64,
        pub name: String,
    }

    /// Indexes, a length limit, a unique pair, a new NOT NULL field whose
    /// literal default fills the rows there (no question).
    #[derive(Model, Debug)]
    #[dunder(
        table = "m_item",
        unique_together = "title, author",
        index_together = "views, note"
    )]
    pub struct Item {
        pub id: i64,
        pub title: Option<String>,
        #[dunder(index)]
        pub views: i64,
        #[dunder(max_length = 20)]
        pub note: String,
        pub author: Option<ForeignKey<crate::v5::Person>>,
        pub tags: ManyToMany<crate::v5::Tag>,
        #[dunder(default = 3)]
        pub rank: i32,
    }

    #[derive(Model, Debug)]
    #[dunder(table = "m_tag")]
    pub struct Tag {
        pub id: i64,
        #[dunder(unique)]
        pub name: String,
        #[dunder(related = tags)]
        pub items: Reverse<crate::v5::Item>,
    }

    dunder::app!(pub SHOP = [Person, Item, Tag]);
}

/// A directory of its own for one test's migration files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dunder_migrations_{name}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// makemigrations for `app` into `dir`: the new file's name.
fn make(app: &App, dir: &Path, options: &MakeOptions, answers: Answers) -> String {
    let existing = Migrations::load(dir).expect("load migrations");
    let mut answers = answers;
    let m = make_migration(app, &existing, options, &mut answers)
        .expect("makemigrations")
        .expect("the models changed");
    write_migration(dir, &m).expect("write");
    m.name
}

/// The files of the three versions, as a developer would make them.
fn three_migrations(dir: &Path) -> Vec<String> {
    let mut names = vec![make(
        &v1::SHOP,
        dir,
        &MakeOptions::default(),
        Answers::default(),
    )];
    names.push(make(
        &v2::SHOP,
        dir,
        &MakeOptions::default(),
        Answers {
            defaults: vec![("Item.stock".into(), "5".into())],
            renames: false,
        },
    ));
    names.push(make(
        &v3::SHOP,
        dir,
        &MakeOptions {
            allow_drop: true,
            ..MakeOptions::default()
        },
        Answers {
            defaults: vec![("Item.note".into(), "none".into())],
            renames: true,
        },
    ));
    names
}

/// `(column, type, nullable)` of the live table, in order.
fn live_columns<C: Live>(conn: &mut C, table: &str) -> Vec<(String, String, bool)> {
    conn.columns(table)
}

trait Live: MigrationConn {
    fn columns(&mut self, table: &str) -> Vec<(String, String, bool)>;
    fn tables(&mut self) -> Vec<String>;
    fn query_strings(&mut self, sql: &str) -> Vec<String>;
}

impl Live for rusqlite::Connection {
    fn columns(&mut self, table: &str) -> Vec<(String, String, bool)> {
        let mut st = self
            .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info(?1) ORDER BY cid")
            .expect("pragma");
        st.query_map([table], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, String>(1)?.to_lowercase(),
                r.get::<_, i64>(2)? == 0,
            ))
        })
        .expect("columns")
        .collect::<rusqlite::Result<_>>()
        .expect("columns")
    }
    fn tables(&mut self) -> Vec<String> {
        self.query_strings(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'm\\_%' ESCAPE '\\' ORDER BY name",
        )
    }
    fn query_strings(&mut self, sql: &str) -> Vec<String> {
        let mut st = self.prepare(sql).expect("prepare");
        st.query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }
}

impl Live for postgres::Client {
    fn columns(&mut self, table: &str) -> Vec<(String, String, bool)> {
        self.query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull \
             FROM pg_attribute a WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 \
             AND NOT a.attisdropped ORDER BY a.attnum",
            &[&format!("\"{table}\"")],
        )
        .expect("columns")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
    }
    fn tables(&mut self) -> Vec<String> {
        self.query_strings(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_name LIKE 'm\\_%' ORDER BY table_name",
        )
    }
    fn query_strings(&mut self, sql: &str) -> Vec<String> {
        self.query(sql, &[])
            .expect("query")
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

/// The live schema is the state's: every table, column, type and
/// nullability.
fn assert_schema<C: Live>(conn: &mut C, state: &State, dialect: Dialect, when: &str) {
    let mut want_tables: Vec<String> = state.tables.iter().map(|t| t.name.clone()).collect();
    want_tables.sort();
    assert_eq!(conn.tables(), want_tables, "{when}: tables");
    for t in &state.tables {
        let want: Vec<(String, String, bool)> = t
            .columns
            .iter()
            .map(|c| {
                let ty = match (dialect, c.auto, c.max_length) {
                    (Dialect::Sqlite, _, Some(n)) => format!("varchar({n})"),
                    (Dialect::Postgres, _, Some(n)) => format!("character varying({n})"),
                    (Dialect::Sqlite, true, _) => "integer".to_owned(),
                    (Dialect::Sqlite, false, _) => c.sql_type.sqlite_name().to_owned(),
                    (Dialect::Postgres, _, _) => c.sql_type.postgres_name().to_owned(),
                };
                (c.name.clone(), ty, c.nullable)
            })
            .collect();
        assert_eq!(
            live_columns(conn, &t.name),
            want,
            "{when}: columns of {}",
            t.name
        );
    }
}

fn scenario<C: Live>(conn: &mut C, dialect: Dialect, dir: &Path) {
    let names = three_migrations(dir);
    assert_eq!(
        names,
        [
            "0001_initial",
            "0002_item_note_item_stock_item_author",
            "0003_auto"
        ]
    );
    let migrations = Migrations::load(dir).expect("load");
    let states: Vec<State> = migrations.list.iter().map(|m| m.state.clone()).collect();
    // The files add up to the models: nothing more to make.
    let again = make_migration(
        &v3::SHOP,
        &migrations,
        &MakeOptions::default(),
        &mut NoQuestions,
    );
    assert!(again.expect("no change").is_none());

    // 0001, then rows.
    let steps = migrate(conn, &migrations, Target::To("0001")).expect("migrate 0001");
    assert_eq!(steps, [Step::Applied("0001_initial".into())]);
    assert_schema(conn, &states[0], dialect, "after 0001");
    conn.__batch(
        "INSERT INTO m_author (id, name) VALUES (1, 'Ann'); \
         INSERT INTO m_item (id, title, views) VALUES (1, 'pen', 10), (2, 'ink', 20);",
    )
    .expect("rows");

    // The rest.
    let steps = migrate(conn, &migrations, Target::Latest).expect("migrate");
    assert_eq!(steps.len(), 2);
    assert_schema(conn, &states[2], dialect, "after 0003");
    // The rows kept their values through the rename, the type change and
    // the rebuilds; the new NOT NULL columns hold the values given.
    let rows = conn.query_strings(
        "SELECT label || '/' || CAST(views AS text) || '/' || note FROM m_item ORDER BY id",
    );
    assert_eq!(rows, ["pen/10/none", "ink/20/none"]);
    assert_eq!(conn.query_strings("SELECT name FROM m_writer"), ["Ann"]);
    assert_eq!(
        show_migrations(conn, &migrations).expect("show"),
        names.iter().map(|n| (n.clone(), true)).collect::<Vec<_>>()
    );
    // Nothing left to do.
    assert!(migrate(conn, &migrations, Target::Latest)
        .expect("again")
        .is_empty());

    // The foreign key and the many-to-many work.
    conn.__batch(
        "UPDATE m_item SET author_id = 1 WHERE id = 1; \
         INSERT INTO m_tag (id, name) VALUES (1, 'blue'); \
         INSERT INTO m_item_tags (item_id, tag_id) VALUES (1, 1);",
    )
    .expect("relations");
    let bad = conn.__batch("BEGIN; UPDATE m_item SET author_id = 99 WHERE id = 2; COMMIT;");
    assert!(bad.is_err(), "a key to no row is refused");
    let _ = conn.__batch("ROLLBACK");

    // Back to 0001: the schema and the rows of then.
    let steps = migrate(conn, &migrations, Target::To("0001_initial")).expect("roll back");
    assert_eq!(
        steps,
        [
            Step::Unapplied(names[2].clone()),
            Step::Unapplied(names[1].clone())
        ]
    );
    assert_schema(conn, &states[0], dialect, "rolled back to 0001");
    let rows =
        conn.query_strings("SELECT title || '/' || CAST(views AS text) FROM m_item ORDER BY id");
    assert_eq!(rows, ["pen/10", "ink/20"]);

    // And forward again.
    migrate(conn, &migrations, Target::Latest).expect("re-apply");
    assert_schema(conn, &states[2], dialect, "re-applied");
    assert_eq!(
        conn.query_strings("SELECT label FROM m_item ORDER BY id"),
        ["pen", "ink"]
    );

    // All the way down.
    migrate(conn, &migrations, Target::Zero).expect("zero");
    assert_eq!(conn.tables(), Vec::<String>::new());
}

#[test]
fn a_sequence_of_model_versions_migrates_and_rolls_back_on_sqlite() {
    let dir = scratch("sqlite");
    let mut conn = dunder_tests::sqlite();
    scenario(&mut conn, Dialect::Sqlite, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sequence_of_model_versions_migrates_and_rolls_back_on_postgres() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    let dir = scratch("pg");
    scenario(&mut *db, Dialect::Postgres, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A migration whose last statement fails leaves the database at the
/// migration before (DDL included), with no record of it.
fn failure_leaves_nothing<C: Live>(conn: &mut C, dialect: Dialect, dir: &Path) {
    three_migrations(dir);
    // Break 0002: a statement that fails after its real ones.
    let path = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains("0002_"))
        .expect("0002");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut file: serde_json::Value = serde_json::from_str(&text).expect("json");
    let key = match dialect {
        Dialect::Sqlite => "sqlite",
        Dialect::Postgres => "postgres",
    };
    file["up"][key]
        .as_array_mut()
        .expect("up")
        .push("SELECT * FROM no_such_table".into());
    std::fs::write(&path, serde_json::to_string_pretty(&file).expect("json")).expect("write");
    let migrations = Migrations::load(dir).expect("load");
    migrate(conn, &migrations, Target::To("0001")).expect("0001");
    let before: Vec<_> = live_columns(conn, "m_item");
    let err = migrate(conn, &migrations, Target::Latest).expect_err("0002 fails");
    let text = err.to_string();
    assert!(
        text.contains("0002_") && text.contains("nothing of it was kept"),
        "{text}"
    );
    assert_eq!(live_columns(conn, "m_item"), before, "nothing half-applied");
    assert_eq!(
        show_migrations(conn, &migrations).expect("show")[1..],
        [
            (migrations.list[1].name.clone(), false),
            (migrations.list[2].name.clone(), false)
        ]
    );
}

#[test]
fn a_failing_migration_leaves_the_previous_state_on_sqlite() {
    let dir = scratch("fail_sqlite");
    failure_leaves_nothing(&mut dunder_tests::sqlite(), Dialect::Sqlite, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_migration_leaves_the_previous_state_on_postgres() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    let dir = scratch("fail_pg");
    failure_leaves_nothing(&mut *db, Dialect::Postgres, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_migration_changed_after_it_was_applied_is_refused() {
    let dir = scratch("checksum");
    let names = three_migrations(&dir);
    let mut conn = dunder_tests::sqlite();
    migrate(
        &mut conn,
        &Migrations::load(&dir).expect("load"),
        Target::Latest,
    )
    .expect("migrate");
    let path = dir.join(format!("{}.json", names[1]));
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("Add column", "Add a column")).expect("write");
    let err = migrate(
        &mut conn,
        &Migrations::load(&dir).expect("load"),
        Target::Latest,
    )
    .expect_err("changed file");
    assert!(
        err.to_string().contains(&format!(
            "migration {} was changed after it was applied",
            names[1]
        )),
        "{err}"
    );
    // A file that went missing.
    std::fs::remove_file(&path).expect("remove");
    let err = migrate(
        &mut conn,
        &Migrations::load(&dir).expect("load"),
        Target::Latest,
    )
    .expect_err("missing file");
    assert!(err.to_string().contains("its file is missing"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn makemigrations_asks_before_dropping_and_for_not_null_values() {
    let dir = scratch("ask");
    make(&v1::SHOP, &dir, &MakeOptions::default(), Answers::default());
    let existing = Migrations::load(&dir).expect("load");
    // `stock` is NOT NULL: the rows there need a value.
    let err = make_migration(
        &v2::SHOP,
        &existing,
        &MakeOptions::default(),
        &mut NoQuestions,
    )
    .expect_err("needs a default");
    assert!(
        err.to_string()
            .contains("column `stock` of `m_item` (Item) is NOT NULL"),
        "{err}"
    );
    // A bad value for its type.
    let err = make_migration(
        &v2::SHOP,
        &existing,
        &MakeOptions::default(),
        &mut Answers {
            defaults: vec![("Item.stock".into(), "five".into())],
            renames: false,
        },
    )
    .expect_err("not an integer");
    assert!(err.to_string().contains("expected an integer"), "{err}");
    make(
        &v2::SHOP,
        &dir,
        &MakeOptions::default(),
        Answers {
            defaults: vec![("Item.stock".into(), "5".into())],
            renames: false,
        },
    );
    // v3 drops `stock` (and, without the rename answers, `title` and the
    // table `m_author`): refused without `allow_drop`.
    let existing = Migrations::load(&dir).expect("load");
    let err = make_migration(
        &v3::SHOP,
        &existing,
        &MakeOptions::default(),
        &mut Answers {
            defaults: vec![
                ("Item.note".into(), "".into()),
                ("Item.label".into(), "".into()),
            ],
            renames: false,
        },
    )
    .expect_err("drops data");
    let text = err.to_string();
    assert!(
        text.contains("would drop data") && text.contains("Remove column `stock`"),
        "{text}"
    );
    assert!(text.contains("Drop table `m_author`"), "{text}");
    // The models of the last migration need none.
    assert!(make_migration(
        &v2::SHOP,
        &existing,
        &MakeOptions::default(),
        &mut NoQuestions
    )
    .expect("no change")
    .is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_migrate_runs_at_once_on_postgres_apply_each_migration_once() {
    let Some(db) = dunder_tests::pg() else {
        return;
    };
    let dir = scratch("concurrent");
    three_migrations(&dir);
    let migrations = Migrations::load(&dir).expect("load");
    let runs: Vec<Vec<Step>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let migrations = &migrations;
                let name = db.dbname().to_owned();
                s.spawn(move || {
                    // One run on the postgres crate, one on dunder's own client.
                    let mut config: postgres::Config =
                        dunder_tests::postgres_url().parse().expect("url");
                    config.dbname(&name);
                    if i == 0 {
                        let mut c = config.connect(postgres::NoTls).expect("connect");
                        migrate(&mut c, migrations, Target::Latest).expect("migrate")
                    } else {
                        let mut c = dunder_tests::pg_conn_to(&name);
                        migrate(&mut c, migrations, Target::Latest).expect("migrate")
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let applied: usize = runs.iter().map(Vec::len).sum();
    assert_eq!(applied, 3, "{runs:?}");
    let mut c = dunder_tests::pg_connect(&db);
    let rows = c
        .query("SELECT count(*) FROM dunder_migrations", &[])
        .expect("count");
    assert_eq!(rows[0].get::<_, i64>(0), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn create_table_sql_is_the_first_migration_of_a_model() {
    // `create_table` renders from the same state the migrations record.
    let dir = scratch("same");
    make(&v1::SHOP, &dir, &MakeOptions::default(), Answers::default());
    let m = &Migrations::load(&dir).expect("load").list[0];
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        let from_models = format!(
            "{} {}",
            dunder::create_table_sql::<v1::Author>(d),
            dunder::create_table_sql::<v1::Item>(d)
        );
        assert_eq!(m.up(d).join(" "), from_models);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn migration_files_snapshot() {
    // The three files as a reviewer reads them in a diff.
    let dir = scratch("snapshot");
    let names = three_migrations(&dir);
    for name in names {
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("read");
        insta::assert_snapshot!(format!("migration_{name}"), text);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `renamed_from` on a model and on a field: renames (and the field's
/// change of nullability) without a question, the data kept both ways.
fn marked_renames<C: Live>(conn: &mut C, dialect: Dialect, dir: &Path) {
    three_migrations(dir);
    let existing = Migrations::load(dir).expect("load");
    let m = make_migration(
        &v4::SHOP,
        &existing,
        &MakeOptions::default(),
        &mut NoQuestions,
    )
    .expect("no question, no drop")
    .expect("changes");
    assert_eq!(
        m.operations,
        [
            "Rename table `m_writer` to `m_person`",
            "Rename column `label` of Item to `title`",
            "Alter column `title` of Item",
        ]
    );
    write_migration(dir, &m).expect("write");
    let migrations = Migrations::load(dir).expect("load");
    migrate(conn, &migrations, Target::To("0003")).expect("0003");
    conn.__batch(
        "INSERT INTO m_writer (id, name) VALUES (1, 'Ann'); \
         INSERT INTO m_item (id, label, views, note, author_id) VALUES (1, 'pen', 10, 'n', 1);",
    )
    .expect("rows");
    migrate(conn, &migrations, Target::Latest).expect("0004");
    assert_schema(conn, &migrations.list[3].state, dialect, "after 0004");
    assert_eq!(
        conn.query_strings(
            "SELECT p.name || '/' || i.title FROM m_item i JOIN m_person p ON p.id = i.author_id"
        ),
        ["Ann/pen"]
    );
    migrate(conn, &migrations, Target::To("0003")).expect("back to 0003");
    assert_schema(conn, &migrations.list[2].state, dialect, "back at 0003");
    assert_eq!(conn.query_strings("SELECT label FROM m_item"), ["pen"]);
}

#[test]
fn renamed_from_renames_without_asking_on_sqlite() {
    let dir = scratch("renamed_sqlite");
    marked_renames(&mut dunder_tests::sqlite(), Dialect::Sqlite, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn renamed_from_renames_without_asking_on_postgres() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    let dir = scratch("renamed_pg");
    marked_renames(&mut *db, Dialect::Postgres, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the `manage` command line: (exit code, output).
fn manage(app: &App, dir: &Path, args: &[&str], input: &str) -> dunder::Result<(u8, String)> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut input = std::io::Cursor::new(input.as_bytes().to_vec());
    let mut out = Vec::new();
    let code = dunder::migrate::run_command(app, dir, &args, &mut input, &mut out, true)?;
    Ok((code, String::from_utf8(out).expect("utf-8")))
}

#[test]
fn the_manage_command_line() {
    let dir = scratch("manage");
    let db = dir.join("app.db");
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite:{}", db.display());
    let (code, out) = manage(&v1::SHOP, &dir, &["makemigrations"], "").expect("make");
    assert_eq!(code, 0);
    assert!(
        out.contains("0001_initial.json") && out.contains("Create table `m_item` (Item)"),
        "{out}"
    );
    assert_eq!(
        manage(&v1::SHOP, &dir, &["makemigrations", "--check"], "").expect("check"),
        (0, "No changes detected.\n".to_owned())
    );
    // v2 needs a migration: --check says so and writes nothing.
    let (code, out) = manage(&v2::SHOP, &dir, &["makemigrations", "--check"], "").expect("check");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Changes detected") && out.contains("Add column `stock` to Item"),
        "{out}"
    );
    // Asked on the terminal: the value of the NOT NULL column.
    let (code, out) = manage(&v2::SHOP, &dir, &["makemigrations"], "5\n").expect("make 2");
    assert_eq!(code, 0);
    assert!(
        out.contains("`Item.stock` is NOT NULL and `m_item` may have rows"),
        "{out}"
    );
    // v3: renames asked, the new NOT NULL value asked, the drop confirmed.
    let (code, out) = manage(
        &v3::SHOP,
        &dir,
        &["makemigrations", "--name", "shop_v3"],
        "y\ny\nnone\ny\n",
    )
    .expect("make 3");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Did you rename the model `Author` (table `m_author`) to `Writer`"),
        "{out}"
    );
    assert!(
        out.contains("Did you rename `Item.title` to `Item.label`?"),
        "{out}"
    );
    assert!(
        out.contains("Drop them (the data in them is lost)?"),
        "{out}"
    );
    assert!(out.contains("0003_shop_v3.json"), "{out}");

    // migrate, showmigrations, sqlmigrate, roll back.
    let (_, out) = manage(&v3::SHOP, &dir, &["migrate", "--database", &url], "").expect("migrate");
    assert_eq!(
        out,
        "Applied 0001_initial\nApplied 0002_item_note_item_stock_item_author\nApplied 0003_shop_v3\n"
    );
    let (_, out) = manage(
        &v3::SHOP,
        &dir,
        &["migrate", "shop", "0001", "--database", &url],
        "",
    )
    .expect("back");
    assert_eq!(
        out,
        "Unapplied 0003_shop_v3\nUnapplied 0002_item_note_item_stock_item_author\n"
    );
    let (_, out) =
        manage(&v3::SHOP, &dir, &["showmigrations", "--database", &url], "").expect("show");
    assert_eq!(
        out,
        "shop\n [X] 0001_initial\n [ ] 0002_item_note_item_stock_item_author\n [ ] 0003_shop_v3\n"
    );
    let (_, out) = manage(
        &v3::SHOP,
        &dir,
        &["sqlmigrate", "0002", "--dialect", "postgres"],
        "",
    )
    .expect("sql");
    assert!(
        out.starts_with("ALTER TABLE \"m_item\" ADD COLUMN \"note\" text NULL;\n"),
        "{out}"
    );
    assert!(
        out.contains("ADD COLUMN \"stock\" integer NOT NULL DEFAULT 5;"),
        "{out}"
    );
    let (_, out) = manage(
        &v3::SHOP,
        &dir,
        &["sqlmigrate", "0002", "--dialect", "sqlite", "--backwards"],
        "",
    )
    .expect("sql back");
    assert!(out.contains("CREATE TABLE \"new__m_item\""), "{out}");

    // Mistakes are errors that say what to type.
    let err = manage(&v3::SHOP, &dir, &["migrat"], "").expect_err("unknown command");
    assert!(
        err.to_string().contains("unknown command `migrat`")
            && err.to_string().contains("usage: manage"),
        "{err}"
    );
    let err = manage(
        &v3::SHOP,
        &dir,
        &["migrate", "blog", "0001", "--database", &url],
        "",
    )
    .expect_err("another app");
    assert!(
        err.to_string()
            .contains("no app `blog` here (this program's app is `shop`)"),
        "{err}"
    );
    let err = manage(
        &v3::SHOP,
        &dir,
        &["migrate", "0009", "--database", &url],
        "",
    )
    .expect_err("no such");
    assert!(err.to_string().contains("no migration `0009`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn embedded_migrations_are_the_files() {
    // The blog demo's migrations, built into this test binary.
    let embedded =
        dunder::embed_migrations!("../runtime/examples/blog/migrations").expect("embedded");
    let on_disk = Migrations::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../runtime/examples/blog/migrations"
    ))
    .expect("files");
    assert!(!embedded.list.is_empty());
    assert_eq!(embedded.list, on_disk.list);
}

/// Indexes (one column and several), `unique`, `unique_together`,
/// `max_length` and a literal default, added by a migration, enforced alike
/// on both backends, and rolled back.
fn constraints_and_indexes<C: Live>(conn: &mut C, dialect: Dialect, dir: &Path) {
    three_migrations(dir);
    for app in [&v4::SHOP, &v5::SHOP] {
        let existing = Migrations::load(dir).expect("load");
        let m = make_migration(app, &existing, &MakeOptions::default(), &mut NoQuestions)
            .expect("no question")
            .expect("changes");
        write_migration(dir, &m).expect("write");
    }
    let migrations = Migrations::load(dir).expect("load");
    assert_eq!(
        migrations.list[4].operations,
        [
            "Alter column `views` of Item",
            "Alter column `note` of Item",
            "Add column `rank` to Item (rows there: 3)",
            "Make (title, author_id) of Item unique together",
            "Index (views, note) of Item",
            "Alter column `name` of Tag",
        ]
    );
    migrate(conn, &migrations, Target::To("0004")).expect("0004");
    conn.__batch(
        "INSERT INTO m_person (id, name) VALUES (1, 'Ann'); \
         INSERT INTO m_item (id, title, views, note, author_id) VALUES (1, 'pen', 10, 'short', 1);",
    )
    .expect("rows");
    migrate(conn, &migrations, Target::Latest).expect("0005");
    assert_schema(conn, &migrations.list[4].state, dialect, "after 0005");
    assert_eq!(
        conn.query_strings("SELECT CAST(rank AS text) FROM m_item"),
        ["3"]
    );
    let index_sql = match dialect {
        Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'm_item' AND sql IS NOT NULL ORDER BY name",
        Dialect::Postgres => "SELECT indexname::text FROM pg_indexes WHERE tablename = 'm_item' AND indexname LIKE '%\\_idx' ORDER BY indexname",
    };
    assert_eq!(
        conn.query_strings(index_sql),
        [
            "m_item_author_id_idx",
            "m_item_views_idx",
            "m_item_views_note_idx"
        ]
    );
    // Enforced alike: a longer note, a second tag name, a second (title, author).
    let too_long = conn
        .__batch("UPDATE m_item SET note = 'a note of more than twenty characters' WHERE id = 1");
    assert!(
        matches!(too_long, Err(dunder::Error::OutOfRange { .. })),
        "{too_long:?}"
    );
    conn.__batch("INSERT INTO m_tag (id, name) VALUES (1, 'blue')")
        .expect("tag");
    let twice = conn.__batch("INSERT INTO m_tag (id, name) VALUES (2, 'blue')");
    assert!(
        matches!(twice, Err(dunder::Error::UniqueViolation { .. })),
        "{twice:?}"
    );
    let pair = conn.__batch(
        "INSERT INTO m_item (id, title, views, note, author_id, rank) VALUES (2, 'pen', 1, 'x', 1, 1)",
    );
    assert!(
        matches!(pair, Err(dunder::Error::UniqueViolation { .. })),
        "{pair:?}"
    );
    // Back: the constraints and indexes go.
    conn.__batch("DELETE FROM m_tag").expect("clean");
    migrate(conn, &migrations, Target::To("0004")).expect("back to 0004");
    assert_schema(conn, &migrations.list[3].state, dialect, "back at 0004");
    assert_eq!(conn.query_strings(index_sql), ["m_item_author_id_idx"]);
    conn.__batch(
        "INSERT INTO m_item (id, title, views, note, author_id) VALUES (2, 'pen', 1, 'a note of more than twenty characters', 1); \
         INSERT INTO m_tag (id, name) VALUES (1, 'blue'), (2, 'blue');",
    )
    .expect("no constraints any more");
}

#[test]
fn constraints_and_indexes_on_sqlite() {
    let dir = scratch("constraints_sqlite");
    constraints_and_indexes(&mut dunder_tests::sqlite(), Dialect::Sqlite, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn constraints_and_indexes_on_postgres() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    let dir = scratch("constraints_pg");
    constraints_and_indexes(&mut *db, Dialect::Postgres, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The conformance models, as an app.
mod conformance_app {
    use dunder_test_models::conformance::{Article, Author, Tag};
    dunder::app!(pub CONFORMANCE = [Author, Tag, Article]);
}

/// Django's own DDL for the conformance models
/// (`tests/conformance/schema.json`, from Django's migrations).
fn django_schema(dialect: Dialect) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/schema.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema.json")).expect("json");
    let key = match dialect {
        Dialect::Sqlite => "sqlite",
        Dialect::Postgres => "postgres",
    };
    v[key]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| s.as_str().expect("text").to_owned())
        .collect()
}

/// A database made by Django's migrations reads as the models say (its
/// foreign keys have no `ON DELETE`: notes, not differences); one made by
/// dunder's migrations matches with no note; a changed one is reported.
fn django_database<C: Live>(conn: &mut C, dialect: Dialect) {
    use dunder::migrate::check;
    for sql in django_schema(dialect) {
        conn.__batch(&sql).expect("Django's DDL");
    }
    let report = check(conn, &conformance_app::CONFORMANCE).expect("check");
    assert_eq!(report.differences, Vec::<String>::new());
    assert_eq!(report.notes.len(), 4, "{:#?}", report.notes);
    assert!(
        report.notes[0].contains("the foreign key `author_id` is ON DELETE NO ACTION in the database, CASCADE in the model"),
        "{:#?}",
        report.notes
    );
    // Changed behind the models' back.
    conn.__batch("ALTER TABLE author ADD COLUMN nickname text NOT NULL DEFAULT ''")
        .expect("alter");
    conn.__batch("DROP TABLE article_tags").expect("drop");
    let report = check(conn, &conformance_app::CONFORMANCE).expect("check");
    assert_eq!(
        report.differences,
        [
            "author: column `nickname` is in the database but not in the model (NOT NULL: inserts will fail)",
            "article_tags: no such table (the model Article.tags)",
        ]
    );
}

fn dunder_database<C: Live>(conn: &mut C, dir: &Path) {
    use dunder::migrate::check;
    make(
        &conformance_app::CONFORMANCE,
        dir,
        &MakeOptions::default(),
        Answers::default(),
    );
    migrate(conn, &Migrations::load(dir).expect("load"), Target::Latest).expect("migrate");
    assert_eq!(
        check(conn, &conformance_app::CONFORMANCE).expect("check"),
        dunder::migrate::Report::default()
    );
    conn.__batch("DROP INDEX article_author_id_idx")
        .expect("drop index");
    let report = check(conn, &conformance_app::CONFORMANCE).expect("check");
    assert_eq!(
        report.differences,
        ["article: (author_id) has no index in the database"]
    );
}

#[test]
fn a_database_made_by_django_matches_the_models_on_sqlite() {
    let dir = scratch("django_sqlite");
    django_database(&mut dunder_tests::sqlite(), Dialect::Sqlite);
    dunder_database(&mut dunder_tests::sqlite(), &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_database_made_by_django_matches_the_models_on_postgres() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    let dir = scratch("django_pg");
    django_database(&mut *db, Dialect::Postgres);
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    dunder_database(&mut *db, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

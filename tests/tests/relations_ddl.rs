//! The schema side of relations: `OneToOne` (a `UNIQUE` key column),
//! `on_delete` (the `ON DELETE` action of the `REFERENCES` clause) and the
//! automatic through table of a `ManyToMany` field, as `create_table` renders
//! them and as real SQLite and PostgreSQL databases enforce them.
//!
//! The three models implement `dunder::Model` and `FromRow` by hand (the
//! `Column`s, `on_delete`s and `MANY_TO_MANY` a derive would emit), so these
//! tests fix the runtime's half of the contract on their own. Statements the
//! query language has no form for yet (deleting a parent by id with its
//! cascades, raw INSERTs into the through table) run through
//! `dunder::Executor::execute_batch`, which maps driver errors to
//! `dunder::Error`.
//!
//! What the databases do, found by these tests (foreign keys are
//! `DEFERRABLE INITIALLY DEFERRED`, as Django creates them):
//!
//! * A key that points nowhere (a dangling through row, a `DO_NOTHING`
//!   parent deleted) is refused at the end of the statement outside a
//!   transaction, and at `COMMIT` inside one, with
//!   `Error::ForeignKeyViolation` on both backends. PostgreSQL ends (rolls
//!   back) the transaction whose COMMIT failed; SQLite leaves it open, still
//!   holding the offending change, until the caller rolls back (or repairs
//!   the data and commits again).
//! * `ON DELETE RESTRICT` (`Protect`, `Restrict`) is checked at the DELETE,
//!   even inside a transaction, on both backends: the DELETE fails with
//!   `Error::ForeignKeyViolation` and deletes nothing. On PostgreSQL the
//!   failed statement aborts the surrounding transaction (as any error does).
//! * `CASCADE`, `SET NULL` and `SET DEFAULT` happen at the DELETE, also inside
//!   a transaction, so the same transaction already sees their effect.
//!   `SET DEFAULT` sets the column's SQL default, which dunder does not
//!   create: the key becomes NULL.

use dunder::{
    Column, Dialect, ForeignKey, FromRow, ManyToMany, ManyToManyTable, Model, OnDelete, OneToOne,
    Reverse, ReverseOne, Row, SqlType,
};

/// `owner`: the target of every foreign key of `Pet` and of `Toy.maker`.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub id: i64,
    pub name: String,
    /// Reverse of `Pet.owner`.
    pub pets: Reverse<Pet>,
}

/// `toy`: the target of `Pet.favourite_toy` (one-to-one) and `Pet.toys`.
#[derive(Debug, Clone, PartialEq)]
pub struct Toy {
    pub id: i64,
    pub name: String,
    /// `on_delete = restrict`.
    pub maker: Option<ForeignKey<Owner>>,
    /// Reverse of the one-to-one `Pet.favourite_toy`.
    pub favourite_of: ReverseOne<Pet>,
    /// Reverse of the many-to-many `Pet.toys`.
    pub played_with_by: Reverse<Pet>,
}

/// `pet`: one key column per `on_delete`, a one-to-one and a many-to-many.
#[derive(Debug, Clone, PartialEq)]
pub struct Pet {
    pub id: i64,
    pub name: String,
    /// `on_delete = cascade`.
    pub owner: ForeignKey<Owner>,
    /// `on_delete = protect`.
    pub breeder: Option<ForeignKey<Owner>>,
    /// `on_delete = do_nothing`.
    pub sitter: Option<ForeignKey<Owner>>,
    /// `on_delete = set_default`.
    pub walker: Option<ForeignKey<Owner>>,
    /// One-to-one, `on_delete = set_null`.
    pub favourite_toy: Option<OneToOne<Toy>>,
    /// Many-to-many through `pet_toys`.
    pub toys: ManyToMany<Toy>,
}

const fn column(field: &'static str, name: &'static str, sql_type: SqlType) -> Column {
    Column {
        field,
        name,
        sql_type,
        decimal: None,
        nullable: false,
        primary_key: false,
        references: None,
        unique: false,
        on_delete: None,
        renamed_from: None,
        index: false,
        max_length: None,
        migration_default: None,
    }
}

const fn id() -> Column {
    Column {
        primary_key: true,
        ..column("id", "id", SqlType::BigInt)
    }
}

const fn key(
    field: &'static str,
    name: &'static str,
    nullable: bool,
    target: (&'static str, &'static str),
    on_delete: OnDelete,
) -> Column {
    Column {
        nullable,
        references: Some(target),
        on_delete: Some(on_delete),
        ..column(field, name, SqlType::BigInt)
    }
}

impl Model for Owner {
    const TABLE: &'static str = "owner";
    const PRIMARY_KEY: &'static str = "id";
    const COLUMNS: &'static [Column] = &[id(), column("name", "name", SqlType::Text)];
}

impl FromRow for Owner {
    fn from_row<R: Row>(row: &R) -> dunder::Result<Self> {
        Ok(Owner {
            id: row.get(0, "id")?,
            name: row.get(1, "name")?,
            pets: Reverse::new(),
        })
    }
}

const OWNER: (&str, &str) = ("owner", "id");
const TOY: (&str, &str) = ("toy", "id");

impl Model for Toy {
    const TABLE: &'static str = "toy";
    const PRIMARY_KEY: &'static str = "id";
    const COLUMNS: &'static [Column] = &[
        id(),
        column("name", "name", SqlType::Text),
        key("maker", "maker_id", true, OWNER, OnDelete::Restrict),
    ];
}

impl FromRow for Toy {
    fn from_row<R: Row>(row: &R) -> dunder::Result<Self> {
        Ok(Toy {
            id: row.get(0, "id")?,
            name: row.get(1, "name")?,
            maker: row.get(2, "maker_id")?,
            favourite_of: ReverseOne::new(),
            played_with_by: Reverse::new(),
        })
    }
}

impl Model for Pet {
    const TABLE: &'static str = "pet";
    const PRIMARY_KEY: &'static str = "id";
    const COLUMNS: &'static [Column] = &[
        id(),
        column("name", "name", SqlType::Text),
        key("owner", "owner_id", false, OWNER, OnDelete::Cascade),
        key("breeder", "breeder_id", true, OWNER, OnDelete::Protect),
        key("sitter", "sitter_id", true, OWNER, OnDelete::DoNothing),
        key("walker", "walker_id", true, OWNER, OnDelete::SetDefault),
        Column {
            unique: true,
            ..key(
                "favourite_toy",
                "favourite_toy_id",
                true,
                TOY,
                OnDelete::SetNull,
            )
        },
    ];
    const MANY_TO_MANY: &'static [ManyToManyTable] = &[ManyToManyTable {
        field: "toys",
        table: "pet_toys",
        source_column: "pet_id",
        target_column: "toy_id",
        source: ("pet", "id"),
        target: TOY,
    }];
}

impl FromRow for Pet {
    fn from_row<R: Row>(row: &R) -> dunder::Result<Self> {
        Ok(Pet {
            id: row.get(0, "id")?,
            name: row.get(1, "name")?,
            owner: row.get(2, "owner_id")?,
            breeder: row.get(3, "breeder_id")?,
            sitter: row.get(4, "sitter_id")?,
            walker: row.get(5, "walker_id")?,
            favourite_toy: row.get(6, "favourite_toy_id")?,
            toys: ManyToMany::new(),
        })
    }
}

const OWNER_SQLITE: &str = r#"CREATE TABLE "owner" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" text NOT NULL);"#;
const OWNER_PG: &str = r#"CREATE TABLE "owner" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "name" text NOT NULL);"#;

const TOY_SQLITE: &str = concat!(
    r#"CREATE TABLE "toy" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" text NOT NULL, "#,
    r#""maker_id" bigint NULL REFERENCES "owner" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);"#,
    r#" CREATE INDEX "toy_maker_id_idx" ON "toy" ("maker_id");"#,
);
const TOY_PG: &str = concat!(
    r#"CREATE TABLE "toy" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "name" text NOT NULL, "#,
    r#""maker_id" bigint NULL REFERENCES "owner" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);"#,
    r#" CREATE INDEX "toy_maker_id_idx" ON "toy" ("maker_id");"#,
);

/// Everything after the primary key of `pet`, the same in both dialects.
macro_rules! pet_tail {
    () => {
        concat!(
            r#""name" text NOT NULL, "#,
            r#""owner_id" bigint NOT NULL REFERENCES "owner" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "#,
            r#""breeder_id" bigint NULL REFERENCES "owner" ("id") ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED, "#,
            r#""sitter_id" bigint NULL REFERENCES "owner" ("id") DEFERRABLE INITIALLY DEFERRED, "#,
            r#""walker_id" bigint NULL REFERENCES "owner" ("id") ON DELETE SET DEFAULT DEFERRABLE INITIALLY DEFERRED, "#,
            r#""favourite_toy_id" bigint NULL UNIQUE REFERENCES "toy" ("id") ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED);"#,
            r#" CREATE INDEX "pet_owner_id_idx" ON "pet" ("owner_id");"#,
            r#" CREATE INDEX "pet_breeder_id_idx" ON "pet" ("breeder_id");"#,
            r#" CREATE INDEX "pet_sitter_id_idx" ON "pet" ("sitter_id");"#,
            r#" CREATE INDEX "pet_walker_id_idx" ON "pet" ("walker_id");"#,
        )
    };
}

/// Everything after the primary key of `pet_toys`, the same in both dialects.
macro_rules! pet_toys_tail {
    () => {
        concat!(
            r#""pet_id" bigint NOT NULL REFERENCES "pet" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "#,
            r#""toy_id" bigint NOT NULL REFERENCES "toy" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "#,
            r#"UNIQUE ("pet_id", "toy_id"));"#,
            r#" CREATE INDEX "pet_toys_pet_id_idx" ON "pet_toys" ("pet_id");"#,
            r#" CREATE INDEX "pet_toys_toy_id_idx" ON "pet_toys" ("toy_id");"#,
        )
    };
}

const PET_SQLITE: &str = concat!(
    r#"CREATE TABLE "pet" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "#,
    pet_tail!(),
    r#" CREATE TABLE "pet_toys" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "#,
    pet_toys_tail!(),
);
const PET_PG: &str = concat!(
    r#"CREATE TABLE "pet" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "#,
    pet_tail!(),
    r#" CREATE TABLE "pet_toys" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "#,
    pet_toys_tail!(),
);

#[test]
fn ddl_text_in_both_dialects() {
    use dunder::create_table_sql;
    assert_eq!(create_table_sql::<Owner>(Dialect::Sqlite), OWNER_SQLITE);
    assert_eq!(create_table_sql::<Owner>(Dialect::Postgres), OWNER_PG);
    assert_eq!(create_table_sql::<Toy>(Dialect::Sqlite), TOY_SQLITE);
    assert_eq!(create_table_sql::<Toy>(Dialect::Postgres), TOY_PG);
    assert_eq!(create_table_sql::<Pet>(Dialect::Sqlite), PET_SQLITE);
    assert_eq!(create_table_sql::<Pet>(Dialect::Postgres), PET_PG);
}

#[test]
fn key_types_and_caches() {
    let k: OneToOne<Toy> = 7.into();
    assert_eq!(k, OneToOne::new(7));
    assert_eq!(k.id(), 7);
    assert!(format!("{k:?}").starts_with("OneToOne<") && format!("{k:?}").ends_with("Toy>(7)"));
    assert_eq!(
        dunder::__private::value::<i64, _>(&k),
        dunder::Value::BigInt(7)
    );
    assert_eq!(
        dunder::__private::value::<i64, _>(k.clone()),
        dunder::Value::BigInt(7)
    );
    assert_eq!(
        <OneToOne<Toy> as dunder::Decode>::from_sqlite(rusqlite::types::ValueRef::Integer(9)),
        Ok(OneToOne::new(9))
    );
    assert_eq!(
        <OneToOne<Toy> as dunder::Decode>::from_pg(9),
        OneToOne::new(9)
    );

    let mut pet = Pet {
        id: 1,
        name: "rex".into(),
        owner: ForeignKey::new(1),
        breeder: None,
        sitter: None,
        walker: None,
        favourite_toy: Some(k),
        toys: ManyToMany::default(),
    };
    let before = pet.clone();
    assert!(!pet.toys.is_loaded());
    assert!(pet.toys.loaded().is_none());
    assert_eq!(format!("{:?}", pet.toys), "ManyToMany(not loaded)");
    pet.toys.__set(vec![Toy {
        id: 7,
        name: "ball".into(),
        maker: None,
        favourite_of: ReverseOne::default(),
        played_with_by: Reverse::default(),
    }]);
    assert!(pet.toys.is_loaded());
    assert_eq!(pet.toys.loaded().map(|t| t[0].name.as_str()), Some("ball"));
    assert!(format!("{:?}", pet.toys).starts_with("ManyToMany([Toy { id: 7, "));
    assert_eq!(pet, before, "a loaded cache does not change equality");
    pet.name = "max".into();
    assert_ne!(pet, before, "the columns do");

    let mut one: ReverseOne<i64> = ReverseOne::new();
    assert_eq!(one.loaded(), None);
    one.__set(None);
    assert_eq!(one.loaded(), Some(None));
    assert_eq!(format!("{one:?}"), "ReverseOne(None)");
    one.__set(Some(3));
    assert_eq!(one.loaded(), Some(Some(&3)));
    assert_eq!(format!("{one:?}"), "ReverseOne(Some(3))");

    let mut rev: Reverse<i64> = Reverse::new();
    assert_eq!(format!("{rev:?}"), "Reverse(not loaded)");
    rev.__set(vec![]);
    assert_eq!(rev.loaded(), Some(&[][..]));
    assert_eq!(format!("{rev:?}"), "Reverse([])");
}

/// The few things the scenario needs from a connection.
trait Backend {
    const NAME: &'static str;
    /// Runs SQL through dunder (errors mapped to `dunder::Error`).
    fn exec(&mut self, sql: &str) -> dunder::Result<()>;
    /// The first column of the only row (a count or a key).
    fn int(&mut self, sql: &str) -> Option<i64>;
    fn create<M: Model>(&mut self) -> dunder::Result<()>;
    /// Whether the connection is inside a transaction.
    fn in_transaction(&mut self) -> bool;
}

impl Backend for rusqlite::Connection {
    const NAME: &'static str = "SQLite";
    fn exec(&mut self, sql: &str) -> dunder::Result<()> {
        dunder::Executor::execute_batch(&*self, sql)
    }
    fn int(&mut self, sql: &str) -> Option<i64> {
        self.query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
    fn create<M: Model>(&mut self) -> dunder::Result<()> {
        dunder::create_table::<M, _>(&*self)
    }
    fn in_transaction(&mut self) -> bool {
        !self.is_autocommit()
    }
}

impl Backend for postgres::Client {
    const NAME: &'static str = "PostgreSQL";
    fn exec(&mut self, sql: &str) -> dunder::Result<()> {
        dunder::Executor::execute_batch(self, sql)
    }
    fn int(&mut self, sql: &str) -> Option<i64> {
        self.query_one(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
    }
    fn create<M: Model>(&mut self) -> dunder::Result<()> {
        dunder::create_table::<M, _>(self)
    }
    fn in_transaction(&mut self) -> bool {
        // SAVEPOINT is refused outside a transaction block.
        match self.batch_execute("SAVEPOINT probe") {
            Ok(()) => {
                self.batch_execute("RELEASE SAVEPOINT probe")
                    .expect("release");
                true
            }
            Err(e) if e.code() == Some(&postgres::error::SqlState::NO_ACTIVE_SQL_TRANSACTION) => {
                false
            }
            Err(e) => panic!("SAVEPOINT probe: {e}"),
        }
    }
}

fn expect_fk<T: std::fmt::Debug>(what: &str, r: dunder::Result<T>) {
    match r {
        Err(dunder::Error::ForeignKeyViolation { .. }) => {}
        other => panic!("{what}: expected ForeignKeyViolation, got {other:?}"),
    }
}

fn expect_unique<T: std::fmt::Debug>(what: &str, r: dunder::Result<T>) {
    match r {
        Err(dunder::Error::UniqueViolation { .. }) => {}
        other => panic!("{what}: expected UniqueViolation, got {other:?}"),
    }
}

fn count<B: Backend>(db: &mut B, table: &str) -> i64 {
    db.int(&format!("SELECT count(*) FROM \"{table}\""))
        .expect("a count")
}

/// Owners 1 ann (owns rex, tom), 2 bob (owns kit), 3 cy (sits kit), 4 dee
/// (bred kit), 5 eve (made bone), 6 fay (walks kit); toys 1 ball, 2 rope,
/// 3 bone; rex ↔ ball, rope; tom ↔ ball; kit ↔ rope.
fn seed<B: Backend>(db: &mut B) {
    // Targets first: PostgreSQL checks that a REFERENCES target exists.
    db.create::<Owner>().expect("create owner");
    db.create::<Toy>().expect("create toy");
    db.create::<Pet>().expect("create pet and pet_toys");
    db.exec(
        "INSERT INTO owner (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cy'), (4, 'dee'), (5, 'eve'), (6, 'fay');
         INSERT INTO toy (id, name, maker_id) VALUES (1, 'ball', NULL), (2, 'rope', NULL), (3, 'bone', 5);
         INSERT INTO pet (id, name, owner_id, breeder_id, sitter_id, walker_id, favourite_toy_id) VALUES
           (1, 'rex', 1, NULL, NULL, NULL, 1),
           (2, 'tom', 1, NULL, NULL, NULL, NULL),
           (3, 'kit', 2, 4, 3, 6, 2);
         INSERT INTO pet_toys (pet_id, toy_id) VALUES (1, 1), (1, 2), (2, 1), (3, 2);",
    )
    .expect("the tables accept rows");
    assert_eq!(count(db, "pet_toys"), 4);
}

fn scenario<B: Backend>(db: &mut B) {
    let name = B::NAME;
    seed(db);

    // The through table: one row per pair, keys that exist.
    expect_unique(
        name,
        db.exec("INSERT INTO pet_toys (pet_id, toy_id) VALUES (1, 1)"),
    );
    expect_fk(
        name,
        db.exec("INSERT INTO pet_toys (pet_id, toy_id) VALUES (1, 999)"),
    );
    expect_fk(
        name,
        db.exec("INSERT INTO pet_toys (pet_id, toy_id) VALUES (999, 1)"),
    );
    assert_eq!(count(db, "pet_toys"), 4, "{name}: nothing was inserted");

    // Deferred: inside a transaction the dangling row goes in, COMMIT refuses it.
    db.exec("BEGIN").expect("begin");
    db.exec("INSERT INTO pet_toys (pet_id, toy_id) VALUES (1, 999)")
        .expect("a deferred key is not checked before COMMIT");
    assert_eq!(count(db, "pet_toys"), 5);
    expect_fk(name, db.exec("COMMIT"));
    after_failed_commit(db);
    assert_eq!(count(db, "pet_toys"), 4, "{name}: rolled back");

    // One-to-one: one pet per toy; any number of pets without one.
    expect_unique(
        name,
        db.exec("INSERT INTO pet (name, owner_id, favourite_toy_id) VALUES ('copycat', 2, 1)"),
    );
    db.exec(
        "INSERT INTO pet (id, name, owner_id, favourite_toy_id) VALUES (4, 'nil', 2, NULL), (5, 'nul', 2, NULL)",
    )
    .expect("NULL keys are not a unique conflict");
    db.exec("DELETE FROM pet WHERE id IN (4, 5)")
        .expect("delete");

    // PROTECT and RESTRICT: refused at the DELETE, nothing deleted.
    expect_fk(name, db.exec("DELETE FROM owner WHERE id = 4"));
    expect_fk(name, db.exec("DELETE FROM owner WHERE id = 5"));
    assert_eq!(count(db, "owner"), 6, "{name}: nothing deleted");
    assert_eq!(count(db, "toy"), 3);
    assert_eq!(count(db, "pet"), 3);
    // … also inside a transaction, although the constraint is deferred.
    db.exec("BEGIN").expect("begin");
    expect_fk(name, db.exec("DELETE FROM owner WHERE id = 4"));
    db.exec("ROLLBACK").expect("rollback");
    assert_eq!(count(db, "owner"), 6);

    // DO_NOTHING (NO ACTION): refused when the deferred constraint is checked,
    // at the end of the statement outside a transaction …
    expect_fk(name, db.exec("DELETE FROM owner WHERE id = 3"));
    assert_eq!(count(db, "owner"), 6, "{name}: nothing deleted");
    // … and at COMMIT inside one.
    db.exec("BEGIN").expect("begin");
    db.exec("DELETE FROM owner WHERE id = 3")
        .expect("NO ACTION is deferred to COMMIT");
    assert_eq!(count(db, "owner"), 5);
    expect_fk(name, db.exec("COMMIT"));
    after_failed_commit(db);
    assert_eq!(count(db, "owner"), 6, "{name}: rolled back");

    // CASCADE: ann's pets go, and their through rows with them; at once,
    // inside the transaction.
    db.exec("BEGIN").expect("begin");
    db.exec("DELETE FROM owner WHERE id = 1").expect("cascade");
    assert_eq!(count(db, "pet"), 1, "{name}: rex and tom deleted at once");
    db.exec("COMMIT").expect("commit");
    assert_eq!(db.int("SELECT min(id) FROM pet"), Some(3));
    assert_eq!(count(db, "pet_toys"), 1, "{name}: their toys rows deleted");
    assert_eq!(count(db, "toy"), 3, "{name}: toys stay");

    // SET DEFAULT: the column has no SQL default, so NULL.
    db.exec("DELETE FROM owner WHERE id = 6")
        .expect("set default");
    assert_eq!(db.int("SELECT walker_id FROM pet WHERE id = 3"), None);

    // SET NULL on the one-to-one key; CASCADE on the through table's target side.
    db.exec("DELETE FROM toy WHERE id = 2")
        .expect("delete rope");
    assert_eq!(
        db.int("SELECT favourite_toy_id FROM pet WHERE id = 3"),
        None,
        "{name}: set null"
    );
    assert_eq!(count(db, "pet_toys"), 0, "{name}: kit ↔ rope deleted");
    assert_eq!(count(db, "pet"), 1, "{name}: kit stays");
    assert!(!db.in_transaction());
}

/// What a COMMIT refused by a deferred constraint leaves behind.
fn after_failed_commit<B: Backend>(db: &mut B) {
    if B::NAME == "SQLite" {
        // SQLite keeps the transaction open, the offending change included.
        assert!(db.in_transaction(), "SQLite: still in the transaction");
        db.exec("ROLLBACK").expect("rollback");
    } else {
        // PostgreSQL has rolled it back.
        assert!(!db.in_transaction(), "PostgreSQL: the transaction is over");
    }
}

#[test]
fn sqlite_relations_are_enforced() {
    let mut conn = dunder_tests::sqlite();
    conn.execute_batch("PRAGMA foreign_keys = ON")
        .expect("pragma");
    scenario(&mut conn);
}

#[test]
fn postgres_relations_are_enforced() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    scenario(&mut *pg);
}

#[test]
fn postgres_create_table_needs_its_targets_first() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    let e = dunder::create_table::<Pet, _>(&mut *pg).expect_err("owner does not exist yet");
    assert!(
        matches!(e, dunder::Error::Database { .. }),
        "relation \"owner\" does not exist: {e:?}"
    );
}

#[test]
fn postgres_deferred_violation_at_commit_of_the_cached_client() {
    let Some(pg) = dunder_tests::pg() else {
        return;
    };
    let mut client = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
    seed(&mut *client);
    let mut tx = client.transaction().expect("begin");
    dunder::Executor::execute_batch(&mut tx, "DELETE FROM owner WHERE id = 3")
        .expect("NO ACTION is deferred to COMMIT");
    expect_fk("cached client", tx.commit());
    assert_eq!(count(&mut *client, "owner"), 6, "rolled back");
}

#[test]
fn sqlite_trigger_errors_are_not_foreign_key_violations() {
    // SQLite reports `ON DELETE RESTRICT` as a trigger's constraint error
    // (SQLITE_CONSTRAINT_TRIGGER, "FOREIGN KEY constraint failed"); a
    // user trigger's RAISE has the same code and stays a database error.
    let mut conn = dunder_tests::sqlite();
    conn.execute_batch(
        "CREATE TABLE t (x integer);
         CREATE TRIGGER no_x BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'no x'); END;",
    )
    .expect("trigger");
    match conn.exec("INSERT INTO t VALUES (1)") {
        Err(dunder::Error::Database { .. }) => {}
        other => panic!("expected a database error, got {other:?}"),
    }
}

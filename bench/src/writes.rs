//! The write scenarios (issue #12), each through dunder and through the raw
//! driver doing the same work, on SQLite and PostgreSQL, on diesel_bench's
//! `users(id, name, hair_color NULL)` table:
//!
//! * `bulk_insert N`: `User::bulk_insert` against one multi-row `INSERT …
//!   VALUES (?, ?), …` prepared once per size (the row count back);
//! * `bulk_create N`: `User::bulk_create` against the same INSERT
//!   `RETURNING "id"`, the rows built from the values sent and the ids read;
//! * `create`: `query!(User.create(…))` against `INSERT … RETURNING "id"`;
//! * `update`: `query!(User.filter(id = k).update(hair_color = …))`;
//! * `save`: `user.save(…)` (every column by primary key);
//! * `delete`: `query!(User.filter(id = k).delete())`.
//!
//! The hand-written side runs the SQL text dunder renders (checked by the
//! tests below), prepared once (`prepare_cached`; PostgreSQL: `prepare` up
//! front), values bound by position.

use dunder::{query, Dialect, Reverse};
use postgres::types::ToSql;

use crate::{NewUser, User};

/// A scenario of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    BulkInsert,
    BulkCreate,
    Create,
    Update,
    Save,
    Delete,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::BulkInsert,
        Scenario::BulkCreate,
        Scenario::Create,
        Scenario::Update,
        Scenario::Save,
        Scenario::Delete,
    ];

    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|x| x.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Scenario::BulkInsert => "bulk_insert",
            Scenario::BulkCreate => "bulk_create",
            Scenario::Create => "create",
            Scenario::Update => "update",
            Scenario::Save => "save",
            Scenario::Delete => "delete",
        }
    }

    /// Whether the scenario inserts (into an empty table) rather than
    /// writes rows that are there.
    pub fn inserts(self) -> bool {
        matches!(
            self,
            Scenario::BulkInsert | Scenario::BulkCreate | Scenario::Create
        )
    }
}

/// The rows the update, save and delete scenarios find: ids 1..=`TABLE_ROWS`.
pub const TABLE_ROWS: i64 = 10_000;

/// The multi-row INSERT of `n` users with SQLite's `?N` or PostgreSQL's
/// `$N::text`, optionally `RETURNING "id"`.
pub fn insert_sql(n: usize, pg: bool, returning: bool) -> String {
    let p = |i: usize| {
        if pg {
            format!("${i}::text")
        } else {
            format!("?{i}")
        }
    };
    let values: Vec<String> = (0..n)
        .map(|i| format!("({}, {})", p(2 * i + 1), p(2 * i + 2)))
        .collect();
    format!(
        "INSERT INTO \"users\" (\"name\", \"hair_color\") VALUES {}{}",
        values.join(", "),
        if returning { " RETURNING \"id\"" } else { "" }
    )
}

/// `query!(User.filter(id = k).update(hair_color = c))` (its two values
/// held in place).
pub fn update_query(k: i64, c: Option<&str>) -> dunder::Command<'_, [dunder::Value<'_>; 2]> {
    query!(User.filter(id = k).update(hair_color = c))
}

/// `query!(User.filter(id = k).delete())`.
pub fn delete_query(k: i64) -> dunder::Command<'static, [dunder::Value<'static>; 1]> {
    query!(User.filter(id = k).delete())
}

/// `query!(User.create(name = n, hair_color = c))`.
pub fn create_query<'a>(
    n: &'a str,
    c: Option<&'a str>,
) -> dunder::Create<'a, User, [dunder::Value<'a>; 2]> {
    query!(User.create(name = n, hair_color = c))
}

/// The SQL of the single-row statements, as dunder renders them (constants,
/// checked against dunder's in the tests: the hand-written side must not
/// build a dunder statement on every call to learn its text).
pub fn sql(s: Scenario, d: Dialect) -> &'static str {
    match (s, d) {
        (Scenario::Create, Dialect::Sqlite) => CREATE_SQLITE,
        (Scenario::Create, Dialect::Postgres) => CREATE_PG,
        (Scenario::Update, Dialect::Sqlite) => UPDATE_SQLITE,
        (Scenario::Update, Dialect::Postgres) => UPDATE_PG,
        (Scenario::Delete, Dialect::Sqlite) => DELETE_SQLITE,
        (Scenario::Delete, Dialect::Postgres) => DELETE_PG,
        (Scenario::Save, Dialect::Sqlite) => SAVE_SQLITE,
        (Scenario::Save, Dialect::Postgres) => SAVE_PG,
        (Scenario::BulkInsert | Scenario::BulkCreate, _) => "",
    }
}

/// What `create_query` runs.
pub const CREATE_SQLITE: &str =
    r#"INSERT INTO "users" ("name", "hair_color") VALUES (?1, ?2) RETURNING "id""#;
pub const CREATE_PG: &str =
    r#"INSERT INTO "users" ("name", "hair_color") VALUES ($1::text, $2::text) RETURNING "id""#;
/// What `update_query` runs.
pub const UPDATE_SQLITE: &str = r#"UPDATE "users" SET "hair_color" = ?2 WHERE "users"."id" = ?1"#;
pub const UPDATE_PG: &str =
    r#"UPDATE "users" SET "hair_color" = $2::text WHERE "users"."id" = $1::int8"#;
/// What `delete_query` runs.
pub const DELETE_SQLITE: &str = r#"DELETE FROM "users" WHERE "users"."id" = ?1"#;
pub const DELETE_PG: &str = r#"DELETE FROM "users" WHERE "users"."id" = $1::int8"#;

/// What `User::save` runs (checked against the derive in the tests: a
/// `save` statement cannot be asked for its SQL).
pub const SAVE_SQLITE: &str =
    r#"UPDATE "users" SET "name" = ?1, "hair_color" = ?2 WHERE "users"."id" = ?3"#;
pub const SAVE_PG: &str = r#"UPDATE "users" SET "name" = $1::text, "hair_color" = $2::text WHERE "users"."id" = $3::int8"#;

/// The user row `k` (1-based) as the update, save and delete scenarios
/// find it.
pub fn user(k: i64) -> User {
    User {
        id: k,
        name: format!("User {k}"),
        hair_color: (k % 2 == 0).then(|| "black".to_owned()),
        posts: Reverse::new(),
    }
}

/// The next hair colour of row `k` at step `i`, so that every update
/// changes the row.
pub fn colour(i: usize) -> Option<&'static str> {
    match i % 3 {
        0 => Some("brown"),
        1 => Some("black"),
        _ => None,
    }
}

/// Rows built from what was sent and the ids that came back (what the
/// hand-written code must do to have `bulk_create`'s answer).
fn with_ids(rows: &[NewUser], ids: impl Iterator<Item = i64>) -> Vec<User> {
    rows.iter()
        .zip(ids)
        .map(|(r, id)| User {
            id,
            name: r.name.clone(),
            hair_color: r.hair_color.clone(),
            posts: Reverse::new(),
        })
        .collect()
}

/// SQLite by hand.
pub mod sqlite {
    use super::*;
    use rusqlite::Connection;

    /// An in-memory database with the `users` table, holding `rows` users.
    pub fn database(rows: i64) -> Connection {
        let conn = Connection::open_in_memory().expect("open");
        dunder::create_table::<User, _>(&conn).expect("table");
        fill(&conn, rows);
        conn
    }

    /// Inserts users 1..=`rows` (`user(k)`).
    pub fn fill(conn: &Connection, rows: i64) {
        let tx = conn.unchecked_transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare("INSERT INTO users (id, name, hair_color) VALUES (?1, ?2, ?3)")
                .expect("prepare");
            for k in 1..=rows {
                let u = user(k);
                stmt.execute(rusqlite::params![u.id, u.name, u.hair_color])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }

    fn params(rows: &[NewUser]) -> Vec<&dyn rusqlite::ToSql> {
        rows.iter()
            .flat_map(|r| [&r.name as &dyn rusqlite::ToSql, &r.hair_color as _])
            .collect()
    }

    /// `bulk_insert` by hand: `sql` is `insert_sql(rows.len(), false, false)`.
    pub fn bulk_insert(conn: &Connection, sql: &str, rows: &[NewUser]) -> usize {
        let mut stmt = conn.prepare_cached(sql).expect("prepare");
        stmt.execute(params(rows).as_slice()).expect("insert")
    }

    /// `bulk_create` by hand: `sql` is `insert_sql(rows.len(), false, true)`.
    pub fn bulk_create(conn: &Connection, sql: &str, rows: &[NewUser]) -> Vec<User> {
        let mut stmt = conn.prepare_cached(sql).expect("prepare");
        let ids = stmt
            .query_map(params(rows).as_slice(), |r| r.get::<_, i64>(0))
            .expect("insert")
            .collect::<Result<Vec<i64>, _>>()
            .expect("ids");
        with_ids(rows, ids.into_iter())
    }

    pub fn create(conn: &Connection, name: &str, hair: Option<&str>) -> User {
        let mut stmt = conn
            .prepare_cached(sql(Scenario::Create, Dialect::Sqlite))
            .expect("prepare");
        let id: i64 = stmt
            .query_row(rusqlite::params![name, hair], |r| r.get(0))
            .expect("insert");
        User {
            id,
            name: name.to_owned(),
            hair_color: hair.map(str::to_owned),
            posts: Reverse::new(),
        }
    }

    pub fn update(conn: &Connection, k: i64, c: Option<&str>) -> usize {
        let mut stmt = conn
            .prepare_cached(sql(Scenario::Update, Dialect::Sqlite))
            .expect("prepare");
        stmt.execute(rusqlite::params![k, c]).expect("update")
    }

    pub fn save(conn: &Connection, u: &User) -> usize {
        let mut stmt = conn.prepare_cached(SAVE_SQLITE).expect("prepare");
        stmt.execute(rusqlite::params![u.name, u.hair_color, u.id])
            .expect("save")
    }

    pub fn delete(conn: &Connection, k: i64) -> usize {
        let mut stmt = conn
            .prepare_cached(sql(Scenario::Delete, Dialect::Sqlite))
            .expect("prepare");
        stmt.execute([k]).expect("delete")
    }
}

/// PostgreSQL by hand (the postgres crate, statements prepared once).
pub mod pg {
    use super::*;

    /// The statements of the single-row scenarios, prepared.
    #[derive(Debug)]
    pub struct Prepared {
        pub create: postgres::Statement,
        pub update: postgres::Statement,
        pub save: postgres::Statement,
        pub delete: postgres::Statement,
    }

    impl Prepared {
        pub fn new(client: &mut postgres::Client) -> Prepared {
            let mut p = |s| client.prepare(sql(s, Dialect::Postgres)).expect("prepare");
            Prepared {
                create: p(Scenario::Create),
                update: p(Scenario::Update),
                save: p(Scenario::Save),
                delete: p(Scenario::Delete),
            }
        }
    }

    /// Inserts users 1..=`rows` (`user(k)`) into an emptied table.
    pub fn fill(client: &mut postgres::Client, rows: i64) {
        client
            .batch_execute(&format!(
                "TRUNCATE users RESTART IDENTITY; \
                 INSERT INTO users (id, name, hair_color) \
                 SELECT k, 'User ' || k, CASE WHEN k % 2 = 0 THEN 'black' END \
                 FROM generate_series(1, {rows}) AS k; \
                 SELECT setval(pg_get_serial_sequence('users', 'id'), {rows}); ANALYZE users"
            ))
            .expect("fill");
    }

    fn params(rows: &[NewUser]) -> Vec<&(dyn ToSql + Sync)> {
        rows.iter()
            .flat_map(|r| [&r.name as &(dyn ToSql + Sync), &r.hair_color as _])
            .collect()
    }

    /// `bulk_insert` by hand: `stmt` is `insert_sql(rows.len(), true, false)`.
    pub fn bulk_insert(
        client: &mut postgres::Client,
        stmt: &postgres::Statement,
        rows: &[NewUser],
    ) -> u64 {
        client.execute(stmt, &params(rows)).expect("insert")
    }

    /// `bulk_create` by hand: `stmt` is `insert_sql(rows.len(), true, true)`.
    pub fn bulk_create(
        client: &mut postgres::Client,
        stmt: &postgres::Statement,
        rows: &[NewUser],
    ) -> Vec<User> {
        let ids = client.query(stmt, &params(rows)).expect("insert");
        with_ids(rows, ids.iter().map(|r| r.get::<_, i64>(0)))
    }

    pub fn create(
        client: &mut postgres::Client,
        p: &Prepared,
        name: &str,
        hair: Option<&str>,
    ) -> User {
        let row = client
            .query_one(&p.create, &[&name, &hair])
            .expect("insert");
        User {
            id: row.get(0),
            name: name.to_owned(),
            hair_color: hair.map(str::to_owned),
            posts: Reverse::new(),
        }
    }

    pub fn update(client: &mut postgres::Client, p: &Prepared, k: i64, c: Option<&str>) -> u64 {
        client.execute(&p.update, &[&k, &c]).expect("update")
    }

    pub fn save(client: &mut postgres::Client, p: &Prepared, u: &User) -> u64 {
        client
            .execute(&p.save, &[&u.name, &u.hair_color, &u.id])
            .expect("save")
    }

    pub fn delete(client: &mut postgres::Client, p: &Prepared, k: i64) -> u64 {
        client.execute(&p.delete, &[&k]).expect("delete")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written statements are dunder's, and both sides write the
    /// same rows and return the same values.
    #[test]
    fn both_sides_do_the_same_work_on_sqlite() {
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            assert_eq!(sql(Scenario::Update, d), update_query(0, None).sql(d));
            assert_eq!(sql(Scenario::Create, d), create_query("", None).sql(d));
            assert_eq!(sql(Scenario::Delete, d), delete_query(0).sql(d));
        }
        let data = crate::rows(10);
        let (raw, dun) = (sqlite::database(0), sqlite::database(0));
        let a = sqlite::bulk_create(&raw, &insert_sql(10, false, true), &data);
        let b = User::bulk_create(&dun, &data).expect("bulk");
        assert_eq!(a, b);
        assert_eq!(
            sqlite::bulk_insert(&raw, &insert_sql(10, false, false), &data),
            10
        );
        assert_eq!(User::bulk_insert(&dun, &data).expect("bulk"), 10);
        assert_eq!(
            sqlite::create(&raw, "x", None),
            create_query("x", None).run(&dun).expect("create")
        );
        assert_eq!(sqlite::update(&raw, 3, Some("red")), 1);
        assert_eq!(update_query(3, Some("red")).run(&dun).expect("update"), 1);
        let mut u = user(4);
        u.name = "renamed".into();
        assert_eq!(sqlite::save(&raw, &u), 1);
        u.save(&dun).expect("save");
        assert_eq!(sqlite::delete(&raw, 5), 1);
        assert_eq!(delete_query(5).run(&dun).expect("delete"), 1);
        let all = |c: &rusqlite::Connection| query!(User.order_by(id)).fetch_all(c).expect("read");
        assert_eq!(all(&raw), all(&dun));
        // `save`'s statement is the one the hand-written side runs (its
        // NotFound carries the SQLite text).
        match user(TABLE_ROWS + 1).save(&dun) {
            Err(dunder::Error::NotFound { sql }) => assert_eq!(sql, SAVE_SQLITE),
            other => panic!("{other:?}"),
        }
    }
}

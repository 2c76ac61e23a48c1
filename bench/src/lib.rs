//! Benchmarks of dunder against hand-written driver code doing the same work.
//! Run `cargo bench -p dunder-bench`; see `bench/README.md`.

use dunder::{ForeignKey, Model, Reverse};

pub mod ab;
pub mod projection;
pub mod projection_pg;
pub mod relations;
pub mod relations_pg;
pub mod writes;

/// The 3-column table of the fetch benchmark.
#[derive(Model, Debug, Clone, PartialEq)]
#[dunder(table = "bench_item")]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub qty: i32,
}

/// The `users` table of diesel_bench's scenarios.
#[derive(Model, Debug, Clone, PartialEq)]
#[dunder(table = "users")]
pub struct User {
    pub id: i64,
    pub name: String,
    pub hair_color: Option<String>,
    /// The other side of `Post.user` (not a column: `prefetch_related` fills it).
    #[dunder(related = user)]
    pub posts: Reverse<crate::Post>,
}

/// diesel_bench's `posts(id, user_id, title, body NULL)`.
#[derive(Model, Debug, Clone, PartialEq)]
#[dunder(table = "posts")]
pub struct Post {
    pub id: i64,
    pub user: ForeignKey<crate::User>,
    pub title: String,
    pub body: Option<String>,
    /// The other side of `Comment.post`.
    #[dunder(related = post)]
    pub comments: Reverse<crate::Comment>,
}

/// diesel_bench's `comments(id, post_id, text)`.
#[derive(Model, Debug, Clone, PartialEq)]
#[dunder(table = "comments")]
pub struct Comment {
    pub id: i64,
    pub post: ForeignKey<crate::Post>,
    pub text: String,
}

/// An in-memory SQLite database with `rows` items (ids 1..=rows).
pub fn database(rows: i64) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    dunder::create_table::<Item, _>(&conn).expect("create");
    let tx = conn.unchecked_transaction().expect("tx");
    {
        let mut stmt = tx
            .prepare("INSERT INTO bench_item (id, name, qty) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        for i in 1..=rows {
            stmt.execute(rusqlite::params![
                i,
                format!("item number {i}"),
                (i % 1000) as i32
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
    conn
}

/// The same query written by hand with rusqlite: `prepare_cached`, values by index.
pub fn raw_fetch(conn: &rusqlite::Connection, n: i64) -> Vec<Item> {
    let mut stmt = conn
        .prepare_cached(
            r#"SELECT "id", "name", "qty" FROM "bench_item" WHERE "id" <= ?1 ORDER BY "id" ASC"#,
        )
        .expect("prepare");
    let rows = stmt
        .query_map([n], |r| {
            Ok(Item {
                id: r.get(0)?,
                name: r.get(1)?,
                qty: r.get(2)?,
            })
        })
        .expect("query");
    rows.collect::<Result<Vec<_>, _>>().expect("rows")
}

/// The query through dunder.
pub fn dunder_fetch(conn: &rusqlite::Connection, n: i64) -> Vec<Item> {
    dunder::query!(Item.filter(id__lte = n).order_by(id))
        .fetch_all(conn)
        .expect("fetch")
}

/// diesel_bench's insert rows: `User i`, every other one with a hair colour.
pub fn rows(n: usize) -> Vec<NewUser> {
    (0..n)
        .map(|i| NewUser {
            name: format!("User {i}"),
            hair_color: (i % 2 == 0).then(|| "black".to_owned()),
        })
        .collect()
}

/// The hand-written multi-row INSERT of `n` users, returning their ids.
pub fn raw_sql(n: usize) -> String {
    writes::insert_sql(n, false, true)
}

/// Inserts `rows` with the hand-written statement `sql` (`raw_sql(rows.len())`)
/// and builds them from the values sent and the ids returned (what
/// `bulk_create` returns).
pub fn raw_insert(conn: &rusqlite::Connection, sql: &str, rows: &[NewUser]) -> Vec<User> {
    writes::sqlite::bulk_create(conn, sql, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_return_the_same_rows() {
        let conn = database(100);
        for n in [0, 1, 50, 100, 1000] {
            assert_eq!(dunder_fetch(&conn, n), raw_fetch(&conn, n));
        }
    }
}

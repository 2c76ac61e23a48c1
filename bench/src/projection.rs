//! Projections and aggregates on SQLite: `.values(…)`, `.values_list(…,
//! flat = true)`, `.values(…).annotate(…)` (GROUP BY) and `.aggregate(…)`
//! through `query!` against hand-written rusqlite running the same SQL text
//! (`prepare_cached`, values by index, into structs of the same shape). See
//! `bench/README.md`.
//!
//! The structs `query!` generates for a projection (`ArticleValues`,
//! `ArticleAggregate`) cannot be named outside the macro, so the dunder side
//! returns them as `impl Debug`; the hand-written side builds structs of the
//! same name, fields and types ([`rows`]), so the tests compare both sides
//! by their `Debug` text, names included.

use std::fmt::Debug;

use dunder::{ForeignKey, Model};

/// Authors of the projection benchmark (`author(id, name)`).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Author {
    pub id: i64,
    pub name: String,
}

/// Articles of the projection benchmark: `article(id, title, rating,
/// summary NULL, author_id)`.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub rating: i32,
    pub summary: Option<String>,
    pub author: ForeignKey<crate::projection::Author>,
}

/// Authors in the data.
pub const AUTHORS: i64 = 100;
/// Articles in the data (100 per author).
pub const ARTICLES: i64 = 10_000;

/// The authors' rows: `(id, name)`, `Author {i}` for ids 1…=[`AUTHORS`].
pub fn authors() -> impl Iterator<Item = (i64, String)> {
    (1..=AUTHORS).map(|i| (i, format!("Author {i}")))
}

/// The articles' rows: `(id, title, rating, summary, author_id)`; article
/// `i` (1…=[`ARTICLES`]) is by author `(i - 1) % 100 + 1`, rated
/// `i * 7 % 10 + 1` (1…10), with a summary when `i` is odd (NULL when even).
pub fn articles() -> impl Iterator<Item = (i64, String, i32, Option<String>, i64)> {
    (1..=ARTICLES).map(|i| {
        let author = (i - 1) % AUTHORS + 1;
        (
            i,
            format!("Article {i} by author {author}"),
            (i * 7 % 10 + 1) as i32,
            (i % 2 == 1).then(|| format!("The summary of article {i}, a few words long")),
            author,
        )
    })
}

/// The five scenarios, by the names the benchmarks and
/// `examples/profile_projection.rs` use.
pub const SCENARIOS: [&str; 5] = ["values", "flat", "group_name", "group_fk", "aggregate"];

/// The SQL `query!` sends on SQLite for each scenario of [`SCENARIOS`], which
/// the hand-written side runs too (a test checks that they are the same text).
pub const SQLITE: [&str; 5] = [
    r#"SELECT "article"."id", "article"."title", "article"."rating", "article"."summary" FROM "article""#,
    r#"SELECT "article"."title" FROM "article""#,
    r#"SELECT "author"."name", COUNT("article"."id") AS "n", AVG("article"."rating") AS "avg" FROM "article" INNER JOIN "author" ON ("article"."author_id" = "author"."id") GROUP BY "author"."name""#,
    r#"SELECT "article"."author_id", COUNT("article"."id") AS "n", AVG("article"."rating") AS "avg" FROM "article" GROUP BY "article"."author_id""#,
    r#"SELECT COUNT("article"."id") AS "n", AVG("article"."rating") AS "avg" FROM "article""#,
];

/// The hand-written side's rows: structs named, laid out and typed as the
/// ones `query!` generates (one module per query, as each has its own
/// `ArticleValues`), so that both sides build the same values.
#[allow(non_snake_case)]
pub mod rows {
    /// `Article.values(id, title, rating, summary)`.
    pub mod values {
        #[derive(Debug, Clone, PartialEq)]
        pub struct ArticleValues {
            pub id: i64,
            pub title: String,
            pub rating: i32,
            pub summary: Option<String>,
        }
    }

    /// `Article.values(author__name).annotate(n = Count(pk), avg = Avg(rating))`.
    pub mod group_name {
        #[derive(Debug, Clone, PartialEq)]
        pub struct ArticleValues {
            pub author__name: String,
            pub n: i64,
            pub avg: Option<f64>,
        }
    }

    /// `Article.values(author).annotate(n = Count(pk), avg = Avg(rating))`.
    pub mod group_fk {
        #[derive(Debug, Clone, PartialEq)]
        pub struct ArticleValues {
            pub author: i64,
            pub n: i64,
            pub avg: Option<f64>,
        }
    }

    /// `Article.aggregate(n = Count(pk), avg = Avg(rating))`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ArticleAggregate {
        pub n: i64,
        pub avg: Option<f64>,
    }
}

/// An in-memory SQLite database with both tables (the derive's `CREATE
/// TABLE`s, with the key's index) filled with [`authors`] and [`articles`],
/// then `ANALYZE`d.
pub fn database() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    dunder::sqlite::register_functions(&conn).expect("functions");
    dunder::create_table::<Author, _>(&conn).expect("author");
    dunder::create_table::<Article, _>(&conn).expect("article");
    let tx = conn.unchecked_transaction().expect("tx");
    {
        let mut authors_stmt = tx
            .prepare("INSERT INTO author (id, name) VALUES (?1, ?2)")
            .expect("prepare");
        for (id, name) in authors() {
            authors_stmt
                .execute(rusqlite::params![id, name])
                .expect("author");
        }
        let mut articles_stmt = tx
            .prepare(
                "INSERT INTO article (id, title, rating, summary, author_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .expect("prepare");
        for (id, title, rating, summary, author) in articles() {
            articles_stmt
                .execute(rusqlite::params![id, title, rating, summary, author])
                .expect("article");
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("ANALYZE").expect("analyze");
    conn
}

// The dunder side: any connection (`&rusqlite::Connection` here, PostgreSQL
// clients in `benches/projection_pg.rs`).

/// `values()`: 10,000 rows of four columns (a text, a nullable text).
pub fn dunder_values<E: dunder::Executor>(conn: E) -> Vec<impl Debug + Clone> {
    dunder::query!(Article.values(id, title, rating, summary))
        .fetch_all(conn)
        .expect("fetch")
}

/// `values_list(flat = true)`: 10,000 strings.
pub fn dunder_flat<E: dunder::Executor>(conn: E) -> Vec<String> {
    dunder::query!(Article.values_list(title, flat = true))
        .fetch_all(conn)
        .expect("fetch")
}

/// GROUP BY a joined column: 100 rows (author name, COUNT, AVG) out of
/// 10,000 articles.
pub fn dunder_group_name<E: dunder::Executor>(conn: E) -> Vec<impl Debug + Clone> {
    dunder::query!(Article
        .values(author__name)
        .annotate(n = Count(pk), avg = Avg(rating)))
    .fetch_all(conn)
    .expect("fetch")
}

/// GROUP BY the article's own key column: 100 rows (author id, COUNT, AVG).
pub fn dunder_group_fk<E: dunder::Executor>(conn: E) -> Vec<impl Debug + Clone> {
    dunder::query!(Article
        .values(author)
        .annotate(n = Count(pk), avg = Avg(rating)))
    .fetch_all(conn)
    .expect("fetch")
}

/// `aggregate()`: one row (COUNT, AVG) over 10,000 articles.
pub fn dunder_aggregate<E: dunder::Executor>(conn: E) -> impl Debug + Clone {
    dunder::query!(Article.aggregate(n = Count(pk), avg = Avg(rating)))
        .run(conn)
        .expect("aggregate")
}

// The hand-written side.

/// `values()` by hand: [`SQLITE`]`[0]`, values by index.
pub fn raw_values(conn: &rusqlite::Connection) -> Vec<rows::values::ArticleValues> {
    let mut stmt = conn.prepare_cached(SQLITE[0]).expect("prepare");
    let rows = stmt
        .query_map([], |r| {
            Ok(rows::values::ArticleValues {
                id: r.get(0)?,
                title: r.get(1)?,
                rating: r.get(2)?,
                summary: r.get(3)?,
            })
        })
        .expect("query");
    rows.collect::<Result<Vec<_>, _>>().expect("rows")
}

/// `values_list(flat = true)` by hand: [`SQLITE`]`[1]`.
pub fn raw_flat(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn.prepare_cached(SQLITE[1]).expect("prepare");
    let rows = stmt.query_map([], |r| r.get(0)).expect("query");
    rows.collect::<Result<Vec<_>, _>>().expect("rows")
}

/// GROUP BY the author's name by hand: [`SQLITE`]`[2]`.
pub fn raw_group_name(conn: &rusqlite::Connection) -> Vec<rows::group_name::ArticleValues> {
    let mut stmt = conn.prepare_cached(SQLITE[2]).expect("prepare");
    let rows = stmt
        .query_map([], |r| {
            Ok(rows::group_name::ArticleValues {
                author__name: r.get(0)?,
                n: r.get(1)?,
                avg: r.get(2)?,
            })
        })
        .expect("query");
    rows.collect::<Result<Vec<_>, _>>().expect("rows")
}

/// GROUP BY the key column by hand: [`SQLITE`]`[3]`.
pub fn raw_group_fk(conn: &rusqlite::Connection) -> Vec<rows::group_fk::ArticleValues> {
    let mut stmt = conn.prepare_cached(SQLITE[3]).expect("prepare");
    let rows = stmt
        .query_map([], |r| {
            Ok(rows::group_fk::ArticleValues {
                author: r.get(0)?,
                n: r.get(1)?,
                avg: r.get(2)?,
            })
        })
        .expect("query");
    rows.collect::<Result<Vec<_>, _>>().expect("rows")
}

/// `aggregate()` by hand: [`SQLITE`]`[4]`, one row.
pub fn raw_aggregate(conn: &rusqlite::Connection) -> rows::ArticleAggregate {
    let mut stmt = conn.prepare_cached(SQLITE[4]).expect("prepare");
    stmt.query_row([], |r| {
        Ok(rows::ArticleAggregate {
            n: r.get(0)?,
            avg: r.get(1)?,
        })
    })
    .expect("aggregate")
}

/// Runs `scenario` (one of [`SCENARIOS`]) once through dunder on `conn` and
/// returns the number of rows, for `examples/profile_projection.rs`.
pub fn dunder_rows<E: dunder::Executor>(conn: E, scenario: &str) -> usize {
    use std::hint::black_box;
    match scenario {
        "values" => black_box(dunder_values(conn)).len(),
        "flat" => black_box(dunder_flat(conn)).len(),
        "group_name" => black_box(dunder_group_name(conn)).len(),
        "group_fk" => black_box(dunder_group_fk(conn)).len(),
        "aggregate" => {
            black_box(dunder_aggregate(conn));
            1
        }
        other => panic!("unknown scenario {other:?}: one of {SCENARIOS:?}"),
    }
}

/// The same by hand on SQLite.
pub fn raw_rows(conn: &rusqlite::Connection, scenario: &str) -> usize {
    use std::hint::black_box;
    match scenario {
        "values" => black_box(raw_values(conn)).len(),
        "flat" => black_box(raw_flat(conn)).len(),
        "group_name" => black_box(raw_group_name(conn)).len(),
        "group_fk" => black_box(raw_group_fk(conn)).len(),
        "aggregate" => {
            black_box(raw_aggregate(conn));
            1
        }
        other => panic!("unknown scenario {other:?}: one of {SCENARIOS:?}"),
    }
}

/// The `Debug` text of each row: what the tests compare between sides.
pub fn debug_rows<T: Debug>(rows: &[T]) -> Vec<String> {
    rows.iter().map(|r| format!("{r:?}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_side_runs_dunders_sql() {
        let got = [
            dunder::query!(Article.values(id, title, rating, summary)).sql(dunder::Dialect::Sqlite),
            dunder::query!(Article.values_list(title, flat = true)).sql(dunder::Dialect::Sqlite),
            dunder::query!(Article
                .values(author__name)
                .annotate(n = Count(pk), avg = Avg(rating)))
            .sql(dunder::Dialect::Sqlite),
            dunder::query!(Article
                .values(author)
                .annotate(n = Count(pk), avg = Avg(rating)))
            .sql(dunder::Dialect::Sqlite),
            dunder::query!(Article.aggregate(n = Count(pk), avg = Avg(rating)))
                .sql(dunder::Dialect::Sqlite),
        ];
        assert_eq!(got, SQLITE);
    }

    #[test]
    fn both_sides_return_the_same_rows() {
        let conn = database();
        let d = debug_rows(&dunder_values(&conn));
        assert_eq!(d.len(), ARTICLES as usize);
        assert_eq!(d, debug_rows(&raw_values(&conn)));
        assert!(d[1].contains("summary: None") && d[0].contains("summary: Some("));
        let d = dunder_flat(&conn);
        assert_eq!(d.len(), ARTICLES as usize);
        assert_eq!(d, raw_flat(&conn));
        let d = debug_rows(&dunder_group_name(&conn));
        assert_eq!(d.len(), AUTHORS as usize);
        assert_eq!(d, debug_rows(&raw_group_name(&conn)));
        let d = debug_rows(&dunder_group_fk(&conn));
        assert_eq!(d.len(), AUTHORS as usize);
        assert_eq!(d, debug_rows(&raw_group_fk(&conn)));
        let (d, r) = (dunder_aggregate(&conn), raw_aggregate(&conn));
        assert_eq!(format!("{d:?}"), format!("{r:?}"));
        assert_eq!(r.n, ARTICLES);
        for s in SCENARIOS {
            assert_eq!(dunder_rows(&conn, s), raw_rows(&conn, s));
        }
    }
}

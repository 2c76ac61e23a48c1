//! The dunder demo: an SQLite file, two tables, a few rows, and queries that
//! print their SQL and their results. No server needed:
//!
//! ```text
//! cargo run --example blog
//! ```

use chrono::NaiveDate;
use dunder::prelude::*;
use dunder::rusqlite::Connection;

/// A blog author.
#[derive(Model, Debug)]
pub struct Author {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
}

/// A blog post.
#[derive(Model, Debug)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub published_date: NaiveDate,
    pub rating: Option<i32>,
    pub author: ForeignKey<crate::Author>,
}

fn show<T: std::fmt::Debug>(label: &str, sql: &str, rows: T) {
    println!("\n# {label}\n  SQL:  {sql}\n  rows: {rows:#?}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join("dunder-blog-demo.sqlite3");
    let _ = std::fs::remove_file(&path);
    let conn = Connection::open(&path)?;
    println!("database: {}", path.display());

    dunder::create_table::<Author, _>(&conn)?;
    dunder::create_table::<Article, _>(&conn)?;
    println!("{}", dunder::create_table_sql::<Article>(Dialect::Sqlite));
    // Writes through `query!` come in a later release; seed with plain SQL.
    conn.execute_batch(
        "INSERT INTO author (id, name, email) VALUES (1, 'Ada', 'ada@example.com'), (2, 'Linus', NULL);
         INSERT INTO article (title, published_date, rating, author_id) VALUES
           ('Notes on the Analytical Engine', '2023-01-15', 5, 1),
           ('Just for fun', '2023-06-01', NULL, 2),
           ('100% safe Rust', '2022-11-30', 4, 2),
           ('Straße und Café', '2023-12-31', 3, 1);",
    )?;

    let q = query!(Article
        .filter(published_date__year = 2023)
        .order_by(-published_date));
    show(
        "published in 2023, newest first",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?,
    );

    let search = "CAFÉ";
    let q = query!(Article, title__icontains = search);
    show(
        "title contains 'CAFÉ' (any case, Unicode)",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?,
    );

    let q = query!(Article, title__contains = "100%");
    show(
        "'%' is a character, not a wildcard",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?,
    );

    let q = query!(Article
        .exclude(rating__isnull = true)
        .filter((rating__gte = 4) | (author = 1))
        .order_by(id));
    show(
        "rated, and 4+ or by author 1",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?,
    );

    let q = query!(Article.filter(
        published_date__month__in = [1, 12],
        published_date__week_day = 1
    ));
    show(
        "January or December, on a Sunday",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?,
    );

    let q = query!(Article.filter(rating__isnull = true).count());
    show(
        "how many are unrated",
        q.sql(Dialect::Sqlite),
        q.run(&conn)?,
    );

    let q = query!(Author.get(name__iexact = "ADA"));
    show("get() one author", q.sql(Dialect::Sqlite), q.run(&conn)?);

    let page = 1usize;
    let q = query!(Article.order_by(-rating, title)[page * 2..page * 2 + 2]);
    show(
        "second page of two, best rated first",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?,
    );

    println!(
        "\nThe same query for PostgreSQL:\n  {}",
        q.sql(Dialect::Postgres)
    );
    Ok(())
}

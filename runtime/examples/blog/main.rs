//! The dunder demo: an SQLite file, three tables and a many-to-many, a few
//! rows, and queries — across relations too — that print their SQL and
//! their results. No server needed:
//!
//! ```text
//! cargo run --example blog
//! ```

use chrono::NaiveDate;
use dunder::prelude::*;
use dunder::rusqlite::Connection;

mod models;

use models::{Article, ArticleField, Author, Tag};

fn show<T: std::fmt::Debug>(label: &str, sql: &str, rows: T) {
    println!("\n# {label}\n  SQL:  {sql}\n  rows: {rows:#?}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join("dunder-blog-demo.sqlite3");
    let _ = std::fs::remove_file(&path);
    let mut conn = Connection::open(&path)?;
    println!("database: {}", path.display());

    // The tables come from the migrations (`examples/blog/migrations`,
    // written by `cargo run --example manage -- makemigrations`), built
    // into the program and applied at start.
    let migrations = dunder::embed_migrations!("examples/blog/migrations")?;
    for step in dunder::migrate::migrate(&mut conn, &migrations, dunder::migrate::Target::Latest)? {
        println!("{step:?}");
    }
    for sql in migrations.list[0].up(Dialect::Sqlite) {
        println!("  {sql}");
    }
    // Rows go in through `query!` too: `create` returns the stored row.
    let ada = query!(Author.create(name = "Ada", email = Some("ada@example.com"))).run(&conn)?;
    let linus = query!(Author.create(name = "Linus")).run(&conn)?;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or("bad date");
    for (title, date, rating, author) in [
        (
            "Notes on the Analytical Engine",
            day(2023, 1, 15)?,
            Some(5),
            ada.id,
        ),
        ("Just for fun", day(2023, 6, 1)?, None, linus.id),
        ("100% safe Rust", day(2022, 11, 30)?, Some(4), linus.id),
        ("Straße und Café", day(2023, 12, 31)?, Some(3), ada.id),
    ] {
        query!(Article.create(
            title = title,
            published_date = date,
            rating = rating,
            author = author
        ))
        .run(&conn)?;
    }
    let rust = query!(Tag.create(name = "rust")).run(&conn)?;
    let history = query!(Tag.create(name = "history")).run(&conn)?;
    for a in query!(Article.order_by(id)).fetch_all(&conn)? {
        // Django's related manager: one INSERT each.
        match a.title.as_str() {
            "Notes on the Analytical Engine" => a.tags().add(&conn, [&history])?,
            "100% safe Rust" | "Just for fun" => a.tags().add(&conn, [&rust])?,
            _ => a.tags().add(&conn, [&rust, &history])?,
        };
    }

    // Across relations: a join, checked at compile time like any lookup.
    let q = query!(Article
        .filter(author__name__icontains = "ada", tags__name = "history")
        .order_by(title));
    show(
        "by an author whose name contains 'ada', tagged history",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?
            .into_iter()
            .map(|a| a.title)
            .collect::<Vec<_>>(),
    );

    // The reverse side, declared on Author: a row per matching article.
    let q = query!(Author.filter(articles__rating__gte = 4).distinct());
    show(
        "authors with an article rated 4 or more",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?
            .into_iter()
            .map(|a| a.name)
            .collect::<Vec<_>>(),
    );

    // select_related: the author read from the same row, typed, no second query.
    let q = query!(Article.select_related(author).order_by(-published_date)[..2]);
    let latest: Vec<(String, String)> = q
        .fetch_all(&conn)?
        .into_iter()
        .map(|a| {
            let by = a
                .author
                .loaded()
                .map(|x| x.name.clone())
                .unwrap_or_default();
            (a.title, by)
        })
        .collect();
    show(
        "latest two, with their author",
        q.sql(Dialect::Sqlite),
        latest,
    );

    // prefetch_related: one more query per relation, nested.
    let q = query!(Author
        .prefetch_related(articles, articles__tags)
        .order_by(name));
    let mut sql = vec![q.sql(Dialect::Sqlite)];
    sql.extend(q.prefetch_sql(Dialect::Sqlite));
    let authors = q.fetch_all(&conn)?;
    let listing: Vec<String> = authors
        .iter()
        .flat_map(|au| {
            au.articles
                .loaded()
                .unwrap_or_default()
                .iter()
                .map(move |ar| {
                    let tags: Vec<&str> = ar
                        .tags
                        .loaded()
                        .unwrap_or_default()
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect();
                    format!("{}: {} [{}]", au.name, ar.title, tags.join(", "))
                })
        })
        .collect();
    show(
        "every author's articles with their tags (3 queries)",
        &sql.join(";\n        "),
        listing,
    );

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

    // A small report: rows of structs the macro generates.
    let q = query!(Author
        .annotate(articles_n = Count(articles), best = Max(articles__rating))
        .order_by(-articles_n, name));
    println!(
        "\n# report: articles per author\n  SQL:  {}",
        q.sql(Dialect::Sqlite)
    );
    for a in q.fetch_all(&conn)? {
        println!(
            "  {:<8} {} article(s), best rating {:?}",
            a.name, a.articles_n, a.best
        );
    }
    let q = query!(Article
        .values(published_date__year)
        .annotate(n = Count(pk), avg = Avg(rating))
        .order_by(published_date__year));
    println!(
        "\n# report: average rating per year\n  SQL:  {}",
        q.sql(Dialect::Sqlite)
    );
    for y in q.fetch_all(&conn)? {
        let avg = y.avg.map_or("-".to_owned(), |a| format!("{a:.2}"));
        println!(
            "  {}  {} article(s), average {avg}",
            y.published_date__year, y.n
        );
    }
    let q = query!(Article.aggregate(n = Count(pk), rated = Count(rating), avg = Avg(rating)));
    show(
        "aggregate over every article",
        q.sql(Dialect::Sqlite),
        q.run(&conn)?,
    );

    // A search form: each condition applies only when its value is given.
    let (text, min): (Option<&str>, Option<i32>) = (None, Some(4));
    let q = query!(Article
        .filter(title__icontains = text?, rating__gte = min?)
        .values_list(title, flat = true));
    show(
        "optional conditions (title not given, rating >= 4)",
        q.sql(Dialect::Sqlite),
        q.run(&conn)?,
    );

    // A sort order from outside (`?sort=-rating`): parsed into the field
    // enum, it picks one of the statements written at compile time.
    let sort: dunder::Order<ArticleField> = "-rating".parse()?;
    let q = query!(Article
        .order_by({ sort }, title)
        .values_list(title, flat = true));
    show(
        "ordered by a key chosen at run time (\"-rating\")",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?,
    );
    if let Err(e) = "-ratnig".parse::<dunder::Order<ArticleField>>() {
        println!("  a wrong name is an error: {e}");
    }

    let q = query!(Author.in_bulk([1, 2, 99]));
    let by_id = q.run(&conn)?;
    let mut names: Vec<(i64, &str)> = by_id.iter().map(|(k, a)| (*k, a.name.as_str())).collect();
    names.sort();
    show(
        "in_bulk([1, 2, 99]): rows by key",
        q.sql(Dialect::Sqlite),
        names,
    );

    let q = query!(Article
        .filter(rating__gte = 5)
        .values_list(title, flat = true)
        .union(query!(Article
            .filter(published_date__year = 2023)
            .values_list(title, flat = true)))
        .order_by(title));
    show(
        "union of two queries",
        q.sql(Dialect::Sqlite),
        q.fetch_all(&conn)?,
    );

    let q = query!(Article
        .filter(rating__lt = 5)
        .update(rating = F(rating) + 1));
    show(
        "bump every rating below 5 (rows affected)",
        q.sql(Dialect::Sqlite),
        q.run(&conn)?,
    );

    for _ in 0..2 {
        let q = query!(
            Author.get_or_create(name = "Grace", defaults(email = Some("grace@example.com")))
        );
        show(
            "get_or_create: (row, created), created only the first time",
            &q.sql(Dialect::Sqlite).join(";\n        "),
            q.run(&conn)?,
        );
    }

    // All or nothing: the error rolls back the delete.
    let failed: Result<(), dunder::Error> = dunder::atomic(&mut conn, |tx| {
        query!(Article.delete()).run(&*tx)?;
        query!(Author.get(name = "Nobody")).run(&*tx)?;
        Ok(())
    });
    let q = query!(Article.count());
    show(
        &format!(
            "after a failed transaction ({})",
            failed.map_or_else(
                |e| e.to_string().lines().next().unwrap_or_default().to_owned(),
                |_| "ok".into()
            )
        ),
        q.sql(Dialect::Sqlite),
        q.run(&conn)?,
    );
    Ok(())
}

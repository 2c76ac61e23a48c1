//! The PostgreSQL side of the projection benchmark
//! (`benches/projection_pg.rs`, `examples/profile_projection.rs`): the
//! database, its data, and the hand-written code: statements prepared once,
//! values by index, into structs of the same shape as dunder's, the same
//! SQL text (a test checks it). The dunder side is
//! [`crate::projection`]'s, generic over the connection.

use crate::projection::{articles, authors, rows, Article, Author, SCENARIOS};
use crate::relations_pg::{empty_database, Server};

/// The SQL `query!` sends on PostgreSQL for each scenario of [`SCENARIOS`]
/// (checked against dunder by a test and at the start of the benchmark).
pub const PG: [&str; 5] = [
    r#"SELECT "article"."id", "article"."title", "article"."rating", "article"."summary" FROM "article""#,
    r#"SELECT "article"."title" FROM "article""#,
    r#"SELECT "author"."name", COUNT("article"."id") AS "n", CAST(AVG("article"."rating") AS float8) AS "avg" FROM "article" INNER JOIN "author" ON ("article"."author_id" = "author"."id") GROUP BY "author"."name""#,
    r#"SELECT "article"."author_id", COUNT("article"."id") AS "n", CAST(AVG("article"."rating") AS float8) AS "avg" FROM "article" GROUP BY "article"."author_id""#,
    r#"SELECT COUNT("article"."id") AS "n", CAST(AVG("article"."rating") AS float8) AS "avg" FROM "article""#,
];

/// The server of `DUNDER_POSTGRES_URL` with a fresh database `db` of its
/// own holding both tables, filled (one UNNEST insert per table) and
/// `ANALYZE`d; `Err` says why not (no server, a bad URL).
pub fn server(db: &'static str) -> Result<Server, String> {
    let server = empty_database(db)?;
    let mut client = server.connect();
    dunder::create_table::<Author, _>(&mut client).expect("author");
    dunder::create_table::<Article, _>(&mut client).expect("article");
    let (ids, names): (Vec<i64>, Vec<String>) = authors().unzip();
    client
        .execute(
            "INSERT INTO author (id, name) SELECT * FROM UNNEST($1::int8[], $2::text[])",
            &[&ids, &names],
        )
        .expect("authors");
    let (mut ids, mut titles, mut ratings, mut summaries, mut keys) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, title, rating, summary, author) in articles() {
        ids.push(id);
        titles.push(title);
        ratings.push(rating);
        summaries.push(summary);
        keys.push(author);
    }
    client
        .execute(
            "INSERT INTO article (id, title, rating, summary, author_id) SELECT * FROM UNNEST($1::int8[], $2::text[], $3::int4[], $4::text[], $5::int8[])",
            &[&ids, &titles, &ratings, &summaries, &keys],
        )
        .expect("articles");
    client.batch_execute("ANALYZE").expect("analyze");
    Ok(server)
}

/// The hand-written side's statements ([`PG`]), prepared once.
#[allow(missing_debug_implementations)]
pub struct Hand {
    statements: [postgres::Statement; 5],
}

impl Hand {
    pub fn prepare(client: &mut postgres::Client) -> Hand {
        Hand {
            statements: PG.map(|sql| client.prepare(sql).expect("prepare")),
        }
    }
}

/// `values()` by hand: [`PG`]`[0]`, values by index.
pub fn raw_values(client: &mut postgres::Client, hand: &Hand) -> Vec<rows::values::ArticleValues> {
    client
        .query(&hand.statements[0], &[])
        .expect("query")
        .iter()
        .map(|r| rows::values::ArticleValues {
            id: r.get(0),
            title: r.get(1),
            rating: r.get(2),
            summary: r.get(3),
        })
        .collect()
}

/// `values_list(flat = true)` by hand: [`PG`]`[1]`.
pub fn raw_flat(client: &mut postgres::Client, hand: &Hand) -> Vec<String> {
    client
        .query(&hand.statements[1], &[])
        .expect("query")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// GROUP BY the author's name by hand: [`PG`]`[2]`.
pub fn raw_group_name(
    client: &mut postgres::Client,
    hand: &Hand,
) -> Vec<rows::group_name::ArticleValues> {
    client
        .query(&hand.statements[2], &[])
        .expect("query")
        .iter()
        .map(|r| rows::group_name::ArticleValues {
            author__name: r.get(0),
            n: r.get(1),
            avg: r.get(2),
        })
        .collect()
}

/// GROUP BY the key column by hand: [`PG`]`[3]`.
pub fn raw_group_fk(
    client: &mut postgres::Client,
    hand: &Hand,
) -> Vec<rows::group_fk::ArticleValues> {
    client
        .query(&hand.statements[3], &[])
        .expect("query")
        .iter()
        .map(|r| rows::group_fk::ArticleValues {
            author: r.get(0),
            n: r.get(1),
            avg: r.get(2),
        })
        .collect()
}

/// `aggregate()` by hand: [`PG`]`[4]`, one row.
pub fn raw_aggregate(client: &mut postgres::Client, hand: &Hand) -> rows::ArticleAggregate {
    let r = client
        .query_one(&hand.statements[4], &[])
        .expect("aggregate");
    rows::ArticleAggregate {
        n: r.get(0),
        avg: r.get(1),
    }
}

/// Runs `scenario` (one of [`SCENARIOS`]) once by hand and returns the
/// number of rows, for `examples/profile_projection.rs`.
pub fn raw_rows(client: &mut postgres::Client, hand: &Hand, scenario: &str) -> usize {
    use std::hint::black_box;
    match scenario {
        "values" => black_box(raw_values(client, hand)).len(),
        "flat" => black_box(raw_flat(client, hand)).len(),
        "group_name" => black_box(raw_group_name(client, hand)).len(),
        "group_fk" => black_box(raw_group_fk(client, hand)).len(),
        "aggregate" => {
            black_box(raw_aggregate(client, hand));
            1
        }
        other => panic!("unknown scenario {other:?}: one of {SCENARIOS:?}"),
    }
}

/// Checks, before measuring, that `client` (a `dunder::postgres::Client`
/// or a plain `postgres::Client`) returns through dunder what the
/// hand-written code does (by the rows' `Debug` text, struct names
/// included).
pub fn check<C>(raw: &mut postgres::Client, hand: &Hand, client: &mut C)
where
    for<'a> &'a mut C: dunder::Executor,
{
    use crate::projection::{
        debug_rows, dunder_aggregate, dunder_flat, dunder_group_fk, dunder_group_name,
        dunder_values,
    };
    assert_eq!(
        debug_rows(&dunder_values(&mut *client)),
        debug_rows(&raw_values(raw, hand))
    );
    assert_eq!(dunder_flat(&mut *client), raw_flat(raw, hand));
    assert_eq!(
        debug_rows(&dunder_group_name(&mut *client)),
        debug_rows(&raw_group_name(raw, hand))
    );
    assert_eq!(
        debug_rows(&dunder_group_fk(&mut *client)),
        debug_rows(&raw_group_fk(raw, hand))
    );
    assert_eq!(
        format!("{:?}", dunder_aggregate(&mut *client)),
        format!("{:?}", raw_aggregate(raw, hand))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_side_runs_dunders_sql() {
        let d = dunder::Dialect::Postgres;
        let got = [
            dunder::query!(Article.values(id, title, rating, summary)).sql(d),
            dunder::query!(Article.values_list(title, flat = true)).sql(d),
            dunder::query!(Article
                .values(author__name)
                .annotate(n = Count(pk), avg = Avg(rating)))
            .sql(d),
            dunder::query!(Article
                .values(author)
                .annotate(n = Count(pk), avg = Avg(rating)))
            .sql(d),
            dunder::query!(Article.aggregate(n = Count(pk), avg = Avg(rating))).sql(d),
        ];
        assert_eq!(got, PG);
    }
}

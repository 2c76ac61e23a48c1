//! Subqueries the user writes — `field__in = query!(…)`, `Exists(…)`,
//! `OuterRef(…)`, `Subquery(…)` — on real SQLite and PostgreSQL, over the
//! blog data of `dunder_tests::relations_db` (table in tests/projection.rs;
//! comments: 1 nice (post 1, Bob) 2 meh (1, Cy) 3 great (2, Ann) 4 ok (4, —)
//! 5 wow (4, Bob) 6 late (3, —)). Expected answers worked out by hand.

use dunder::prelude::*;
use dunder_test_models::relations::{Blog, Comment, Person, Post};
use dunder_tests::relations_db::{seeded_pg, seeded_sqlite, Conn};

macro_rules! ids {
    ($c:expr, $q:expr) => {{
        let c = &mut *$c;
        let q = &$q;
        q.fetch_all(c.c())
            .unwrap_or_else(|e| panic!("{}: {e}\n  {}", c.name(), q.sql(c.dialect())))
            .iter()
            .map(|r| r.id)
            .collect::<Vec<i64>>()
    }};
}

fn in_subquery<C: Conn>(c: &mut C) {
    let name = c.name();
    let q = query!(Post
        .filter(author__in = query!(Person.filter(name__in = ["Ann", "Cy"]).values(pk)))
        .order_by(id));
    assert_eq!(ids!(c, q), [1, 4, 5], "{name}");
    // The subquery's rows: their primary key, as Django's.
    let q = query!(Post
        .filter(blog__in = query!(Blog.filter(owner__name = "Bob")))
        .order_by(id));
    assert_eq!(ids!(c, q), [3, 5], "{name}");
    // exclude() keeps the rows whose key is NULL (Django's guard).
    let q = query!(Post
        .exclude(editor__in = query!(Person.filter(name = "Bob").values_list(id, flat = true)))
        .order_by(id));
    assert_eq!(ids!(c, q), [2, 3, 4, 5], "{name}");
    // Values on both levels share one parameter list, optional ones too.
    let run = |c: &mut C, prefix: Option<&str>| {
        ids!(
            c,
            query!(Post
                .filter(
                    rating__gte = 5,
                    author__in = query!(Person.filter(name__startswith = prefix?))
                )
                .order_by(id))
        )
    };
    assert_eq!(run(c, Some("B")), [2, 3], "{name}");
    assert_eq!(run(c, None), [1, 2, 3, 4], "{name}");
}

fn exists<C: Conn>(c: &mut C) {
    let name = c.name();
    let q = query!(Person
        .filter(Exists(query!(
            Post.filter(author = OuterRef(pk), rating__gte = 8)
        )))
        .order_by(id));
    assert_eq!(ids!(c, q), [2, 3], "{name}");
    let q = query!(Person
        .filter(!Exists(query!(Post.filter(author = OuterRef(pk)))))
        .order_by(id));
    assert_eq!(ids!(c, q), [4, 5], "{name}");
    // OuterRef to another column of the outer row: posts with a comment
    // by their own editor.
    let q = query!(Post
        .filter(Exists(query!(
            Comment.filter(post = OuterRef(pk), author = OuterRef(editor))
        )))
        .order_by(id));
    assert_eq!(ids!(c, q), [1], "{name}");
}

fn annotations<C: Conn>(c: &mut C) {
    let q = query!(Person
        .annotate(
            edits = Exists(query!(Post.filter(editor = OuterRef(pk)))),
            best = Subquery(query!(
                Post.filter(author = OuterRef(pk))
                    .order_by(-rating)
                    .values(title)[..1]
            )),
        )
        .order_by(id));
    let rows = q
        .fetch_all(c.c())
        .unwrap_or_else(|e| panic!("{}: {e}\n  {}", c.name(), q.sql(c.dialect())));
    let got: Vec<(&str, bool, Option<&str>)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.edits, r.best.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("Ann", true, Some("Intro")),
            ("Bob", true, Some("Rust")),
            ("Cy", true, Some("Django")),
            ("Dee", false, None),
            ("Eve", false, None),
        ],
        "{}",
        c.name()
    );
}

#[test]
fn subqueries_on_both_backends() {
    let mut sqlite = seeded_sqlite();
    in_subquery(&mut sqlite);
    exists(&mut sqlite);
    annotations(&mut sqlite);
    if let Some(mut pg) = seeded_pg() {
        in_subquery(&mut *pg);
        exists(&mut *pg);
        annotations(&mut *pg);
        let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
        in_subquery(&mut cached);
        in_subquery(&mut cached);
    }
}

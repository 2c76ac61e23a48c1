//! Optional conditions (`field__lookup = value?`, `value: Option<_>`): the
//! condition applies only when the value is `Some`, as a Django search form
//! adds `.filter(…)` only for the fields filled in. Each combination is a
//! statement of its own, fixed at compile time: an absent condition leaves
//! no trace (no `?1 IS NULL OR …`, no join), so every statement plans as if
//! written by hand. Run on real SQLite and PostgreSQL over the blog data of
//! `dunder_tests::relations_db` (see tests/projection.rs for the table).

use dunder::prelude::*;
use dunder_test_models::relations::Post;
use dunder_tests::relations_db::{seeded_pg, seeded_sqlite, Conn};

/// The search form: every field optional.
#[derive(Default)]
struct Search<'a> {
    title: Option<&'a str>,
    min_rating: Option<i32>,
    tag: Option<String>,
    author_not: Option<&'a str>,
}

/// The posts a search finds, by id.
fn search<C: Conn>(c: &mut C, s: &Search<'_>) -> Vec<i64> {
    let q = query!(Post
        .filter(
            title__icontains = s.title?,
            rating__gte = s.min_rating?,
            tags__name = &s.tag?,
        )
        .exclude(author__name = s.author_not?)
        .order_by(id));
    q.fetch_all(c.c())
        .unwrap_or_else(|e| panic!("{}: {e}\n  {}", c.name(), q.sql(c.dialect())))
        .iter()
        .map(|p| p.id)
        .collect()
}

fn search_form<C: Conn>(c: &mut C) {
    let name = c.name();
    // Nothing given: every post, once (no join to the tags was made).
    assert_eq!(search(c, &Search::default()), [1, 2, 3, 4, 5], "{name}");
    let s = Search {
        title: Some("r"),
        ..Default::default()
    };
    assert_eq!(search(c, &s), [1, 2, 5], "{name}: Intro, Rust, Draft");
    let s = Search {
        min_rating: Some(7),
        ..Default::default()
    };
    assert_eq!(search(c, &s), [2, 3, 4], "{name}");
    let s = Search {
        tag: Some("rust".into()),
        min_rating: Some(6),
        ..Default::default()
    };
    assert_eq!(search(c, &s), [2, 4], "{name}");
    // An optional exclude: absent, it excludes nothing.
    let s = Search {
        author_not: Some("Bob"),
        ..Default::default()
    };
    assert_eq!(search(c, &s), [1, 4, 5], "{name}");
    let s = Search {
        title: Some("o"),
        min_rating: Some(2),
        tag: Some("web".into()),
        author_not: Some("Cy"),
    };
    assert_eq!(search(c, &s), [1], "{name}: Intro");
}

/// In Q algebra an absent condition is dropped from its node, as Django
/// drops an empty `Q()`: `a? | b` is `b` without `a`, not "everything".
fn q_algebra<C: Conn>(c: &mut C) {
    let ids = |c: &mut C, a: Option<&str>, min: i32| -> Vec<i64> {
        query!(Post.filter((title = a?) | (rating__gte = min)).order_by(id))
            .fetch_all(c.c())
            .expect("query")
            .iter()
            .map(|p| p.id)
            .collect()
    };
    assert_eq!(ids(c, Some("Draft"), 9), [4, 5], "{}", c.name());
    assert_eq!(ids(c, None, 9), [4], "{}", c.name());
    // In an aggregate's filter and a count.
    let n = |c: &mut C, min: Option<i32>| -> i64 {
        query!(Post.aggregate(n = Count(pk, filter = Q(rating__gte = min?))))
            .run(c.c())
            .expect("aggregate")
            .n
    };
    assert_eq!((n(c, Some(8)), n(c, None)), (2, 5), "{}", c.name());
    let count = |c: &mut C, editor: Option<&str>| -> i64 {
        query!(Post.filter(editor__name = editor?).count())
            .run(c.c())
            .expect("count")
    };
    assert_eq!(
        (count(c, Some("Ann")), count(c, None)),
        (1, 5),
        "{}",
        c.name()
    );
}

#[test]
fn optional_conditions_on_both_backends() {
    let mut sqlite = seeded_sqlite();
    search_form(&mut sqlite);
    q_algebra(&mut sqlite);
    if let Some(mut pg) = seeded_pg() {
        search_form(&mut *pg);
        q_algebra(&mut *pg);
        // The cached client prepares each combination once.
        let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
        search_form(&mut cached);
        search_form(&mut cached);
    }
}

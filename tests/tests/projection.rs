//! `.values(…)`, `.values_list(…)`, `.annotate(…)` and `.aggregate(…)` on
//! real SQLite and real PostgreSQL, over the blog data of the relation tests
//! (`dunder_tests::relations_db::SEED`):
//!
//! ```text
//! person   1 Ann  2 Bob  3 Cy  4 Dee  5 Eve
//! post     id title  rating blog author editor  tags            comments
//!           1 Intro       5   1   Ann    Bob     rust, web       2
//!           2 Rust        8   1   Bob    —       rust            1
//!           3 SQL         7   2   Bob    Cy      db              1
//!           4 Django      9   3   Cy     Ann     rust, db, web   2
//!           5 Draft       1   2   Ann    —       —               0
//! tag      1 rust  2 db  3 web  4 unused
//! ```
//!
//! Every expected answer was worked out by hand from that table (the same
//! querysets give the same rows in Django 5.2; the Django-computed corpus
//! `tests/projection_conformance.rs` checks many more shapes).

use dunder::prelude::*;
use dunder_test_models::relations::{Person, Post, Tag};
use dunder_tests::relations_db::{seed, seeded_pg, seeded_sqlite, Conn};

/// Runs the scenario `$body` on a fresh, seeded database of each backend.
macro_rules! check_both {
    ($body:ident) => {{
        let mut sqlite = seeded_sqlite();
        $body(&mut sqlite);
        if let Some(mut pg) = seeded_pg() {
            $body(&mut *pg);
        }
    }};
}

/// Runs `$q` and returns its answer, or fails with the backend and SQL.
macro_rules! run {
    ($c:expr, $q:expr) => {{
        let c = &mut *$c;
        let q = &$q;
        q.run(c.c())
            .unwrap_or_else(|e| panic!("{}: {e}\n  {}", c.name(), q.sql(c.dialect())))
    }};
}

/// `.values(…)`: a generated struct, fields named after the paths, an
/// `Option` where a LEFT join can miss; `Debug`, `Clone`, `PartialEq`.
fn values_rows<C: Conn>(c: &mut C) {
    let rows = run!(c, query!(Post.values(title, editor__name).order_by(id)));
    let got: Vec<(String, Option<String>)> = rows
        .iter()
        .map(|r| (r.title.clone(), r.editor__name.clone()))
        .collect();
    let want = [
        ("Intro", Some("Bob")),
        ("Rust", None),
        ("SQL", Some("Cy")),
        ("Django", Some("Ann")),
        ("Draft", None),
    ];
    let want: Vec<(String, Option<String>)> = want
        .iter()
        .map(|(t, e)| (t.to_string(), e.map(str::to_owned)))
        .collect();
    assert_eq!(got, want, "{}", c.name());
    assert_eq!(rows[0].clone(), rows[0]);
    assert!(format!("{:?}", rows[1]).contains("editor__name: None"));

    // A foreign key reads its id; a named expression through a relation.
    let rows = run!(
        c,
        query!(Post.filter(id = 4).values(author, who = F(author__name)))
    );
    assert_eq!((rows[0].author, rows[0].who.as_str()), (3, "Cy"));
}

/// `.values_list(…)`: tuples, or the values themselves with `flat = true`.
fn values_list_rows<C: Conn>(c: &mut C) {
    let titles: Vec<String> = run!(
        c,
        query!(Post
            .filter(rating__gte = 7)
            .order_by(-rating)
            .values_list(title, flat = true))
    );
    assert_eq!(titles, ["Django", "Rust", "SQL"], "{}", c.name());
    let pairs: Vec<(i64, String)> = run!(
        c,
        query!(Post.order_by(id).values_list(id, author__name)[..2])
    );
    assert_eq!(pairs, [(1, "Ann".to_owned()), (2, "Bob".to_owned())]);
    // DISTINCT over the values only.
    let authors: Vec<i64> = run!(
        c,
        query!(Post
            .order_by(author)
            .values_list(author, flat = true)
            .distinct())
    );
    assert_eq!(authors, [1, 2, 3], "{}", c.name());
}

/// `.values(…).annotate(…)`: one row per group of the values.
fn grouped<C: Conn>(c: &mut C) {
    let rows = run!(
        c,
        query!(Post
            .values(author__name)
            .annotate(n = Count(pk), avg = Avg(rating), best = Max(rating))
            .order_by(author__name))
    );
    let got: Vec<(&str, i64, Option<f64>, Option<i32>)> = rows
        .iter()
        .map(|r| (r.author__name.as_str(), r.n, r.avg, r.best))
        .collect();
    assert_eq!(
        got,
        [
            ("Ann", 2, Some(3.0), Some(5)),
            ("Bob", 2, Some(7.5), Some(8)),
            ("Cy", 1, Some(9.0), Some(9)),
        ],
        "{}",
        c.name()
    );
    // Counting groups; HAVING; exists.
    assert_eq!(
        run!(
            c,
            query!(Post.values(author).annotate(n = Count(pk)).count())
        ),
        3
    );
    assert_eq!(
        run!(
            c,
            query!(Post
                .values(author)
                .annotate(n = Count(pk))
                .filter(n__gt = 1)
                .count())
        ),
        2
    );
    assert!(!run!(
        c,
        query!(Post
            .values(author)
            .annotate(n = Count(pk))
            .filter(n__gt = 2)
            .exists())
    ));
}

/// `.annotate(…)` on model rows: the row derefs to the model and has the
/// annotations; HAVING; ordering by an annotation.
fn annotated_models<C: Conn>(c: &mut C) {
    let rows = run!(
        c,
        query!(Person.annotate(n = Count(posts)).order_by(-n, name))
    );
    let got: Vec<(&str, i64)> = rows.iter().map(|r| (r.name.as_str(), r.n)).collect();
    assert_eq!(
        got,
        [("Ann", 2), ("Bob", 2), ("Cy", 1), ("Dee", 0), ("Eve", 0)],
        "{}",
        c.name()
    );
    assert_eq!(rows[0].person.id, 1);

    let rows = run!(
        c,
        query!(Person
            .annotate(n = Count(posts))
            .filter(n__gte = 2)
            .order_by(name))
    );
    assert_eq!(
        rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Ann", "Bob"]
    );
    // exclude on an aggregate: NOT in the HAVING.
    let rows = run!(
        c,
        query!(Person
            .annotate(n = Count(posts))
            .exclude(n = 0)
            .order_by(id))
    );
    assert_eq!(
        rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        [1, 2, 3],
        "{}",
        c.name()
    );

    // A non-aggregate annotation filters in the WHERE.
    let rows = run!(
        c,
        query!(Post
            .annotate(double = F(rating) * 2)
            .filter(double__gt = 15)
            .order_by(id))
    );
    assert_eq!(
        rows.iter().map(|r| (r.id, r.double)).collect::<Vec<_>>(),
        [(2, 16), (4, 18)],
        "{}",
        c.name()
    );

    // select_related rows are read with the annotations.
    let rows = run!(
        c,
        query!(Post
            .select_related(author)
            .annotate(comments_n = Count(comments))
            .order_by(id))
    );
    let got: Vec<(&str, i64)> = rows
        .iter()
        .map(|r| {
            let author = r.author.loaded().expect("select_related loaded it");
            (author.name.as_str(), r.comments_n)
        })
        .collect();
    assert_eq!(
        got,
        [("Ann", 2), ("Bob", 1), ("Bob", 1), ("Cy", 2), ("Ann", 0)],
        "{}",
        c.name()
    );
}

/// Django's documented trap: two multi-valued aggregates multiply each
/// other's rows; `distinct = true` counts each related row once.
fn multi_valued_aggregates<C: Conn>(c: &mut C) {
    let rows = run!(
        c,
        query!(Person
            .annotate(p = Count(posts), e = Count(edited))
            .order_by(id))
    );
    let got: Vec<(i64, i64)> = rows.iter().map(|r| (r.p, r.e)).collect();
    assert_eq!(
        got,
        [(2, 2), (2, 2), (1, 1), (0, 0), (0, 0)],
        "{}",
        c.name()
    );
    let rows = run!(
        c,
        query!(Person
            .annotate(
                p = Count(posts, distinct = true),
                e = Count(edited, distinct = true)
            )
            .order_by(id))
    );
    let got: Vec<(i64, i64)> = rows.iter().map(|r| (r.p, r.e)).collect();
    assert_eq!(
        got,
        [(2, 1), (2, 1), (1, 1), (0, 0), (0, 0)],
        "{}",
        c.name()
    );
    // `filter = Q(…)` counts the matching related rows only.
    let rows = run!(
        c,
        query!(Tag
            .annotate(good = Count(posts, filter = Q(posts__rating__gte = 8)))
            .order_by(id))
    );
    assert_eq!(
        rows.iter().map(|r| r.good).collect::<Vec<_>>(),
        [2, 1, 1, 0],
        "{}",
        c.name()
    );
}

/// `.aggregate(…)`: one row; empty input; over a subquery.
fn aggregates<C: Conn>(c: &mut C) {
    let a = run!(
        c,
        query!(Post.aggregate(
            n = Count(pk),
            total = Sum(rating),
            hi = Max(rating),
            first = Min(title),
            good = Count(pk, filter = Q(rating__gte = 7)),
            avg = Avg(rating),
        ))
    );
    assert_eq!(
        (a.n, a.total, a.hi, a.first.as_deref(), a.good, a.avg),
        (5, Some(30), Some(9), Some("Django"), 3, Some(6.0)),
        "{}",
        c.name()
    );
    let none = run!(
        c,
        query!(Post.filter(rating__gt = 100).aggregate(
            n = Count(pk),
            s = Sum(rating),
            s0 = Sum(rating, default = 0),
            hi = Max(title),
        ))
    );
    assert_eq!((none.n, none.s, none.s0, none.hi), (0, None, 0, None));
    // Over an annotated (grouped) query and over a slice: a subquery.
    let a = run!(
        c,
        query!(Person
            .annotate(n = Count(posts))
            .aggregate(avg = Avg(n), hi = Max(n)))
    );
    assert_eq!((a.avg, a.hi), (Some(1.0), Some(2)), "{}", c.name());
    let a = run!(
        c,
        query!(Post.order_by(-rating)[..2].aggregate(s = Sum(rating)))
    );
    assert_eq!(a.s, Some(17), "{}", c.name());
}

#[test]
fn values_on_both_backends() {
    check_both!(values_rows);
    check_both!(values_list_rows);
}

#[test]
fn group_by_on_both_backends() {
    check_both!(grouped);
}

#[test]
fn annotations_on_both_backends() {
    check_both!(annotated_models);
    check_both!(multi_valued_aggregates);
}

#[test]
fn aggregate_on_both_backends() {
    check_both!(aggregates);
}

/// A row struct of the user's, to return rows from a function: the macro
/// builds it field by field, so a name or type that does not match the
/// projection is a compile error (`ui/query_projection_row_struct.rs`).
#[derive(Debug, PartialEq)]
struct TitleRating {
    title: String,
    rating: i32,
}

/// The posts of a blog, best first.
fn posts_of<C: Conn>(c: &mut C, blog: i64) -> dunder::Result<Vec<TitleRating>> {
    query!(Post
        .filter(blog = blog)
        .order_by(-rating)
        .values(title, rating) as TitleRating)
    .run(c.c())
}

/// Annotated model rows in the user's struct: the model under its snake
/// name.
struct PersonPosts {
    person: Person,
    n: i64,
}

fn busiest<C: Conn>(c: &mut C) -> dunder::Result<Option<PersonPosts>> {
    query!(Person.annotate(n = Count(posts)).order_by(-n, id).first() as PersonPosts).run(c.c())
}

fn user_structs<C: Conn>(c: &mut C) {
    let rows = posts_of(c, 1).expect("posts of blog 1");
    assert_eq!(
        rows,
        [
            TitleRating {
                title: "Rust".into(),
                rating: 8
            },
            TitleRating {
                title: "Intro".into(),
                rating: 5
            },
        ],
        "{}",
        c.name()
    );
    let top = busiest(c).expect("busiest").expect("a person");
    assert_eq!((top.person.name.as_str(), top.n), ("Ann", 2));
}

#[test]
fn user_row_structs_on_both_backends() {
    check_both!(user_structs);
}

/// Through `dunder::Db` and the cached PostgreSQL client (twice: the second
/// run takes every statement from the cache).
#[test]
fn through_db_and_the_cached_client() {
    let mut db = dunder::Db::connect("sqlite::memory:").expect("sqlite::memory:");
    seed(&mut db);
    grouped(&mut db);
    aggregates(&mut db);
    if let Some(pg) = seeded_pg() {
        let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
        grouped(&mut cached);
        grouped(&mut cached);
        annotated_models(&mut cached);
        aggregates(&mut cached);
    }
}

//! Database functions in annotations, values and aggregates — `Lower`,
//! `Upper`, `Length`, `Concat`, `Coalesce`, `Cast`, `Case`/`When`, `Value` —
//! on real SQLite and PostgreSQL, with one answer on both (Unicode case
//! mapping included), over the blog data of `dunder_tests::relations_db`
//! (table in tests/projection.rs). Expected answers worked out by hand.

use dunder::prelude::*;
use dunder_test_models::relations::{Person, Post};
use dunder_tests::relations_db::{seeded_pg, seeded_sqlite, Conn};

macro_rules! run {
    ($c:expr, $q:expr) => {{
        let c = &mut *$c;
        let q = &$q;
        q.run(c.c())
            .unwrap_or_else(|e| panic!("{}: {e}\n  {}", c.name(), q.sql(c.dialect())))
    }};
}

fn text_functions<C: Conn>(c: &mut C) {
    let rows = run!(
        c,
        query!(Post.filter(id__in = [1, 2]).order_by(id).values(
            low = Lower(F(title)),
            up = Upper(F(author__name)),
            len = Length(F(title)),
            label = Concat(F(title), " by ", F(author__name), " ed. ", F(editor__name)),
            who = Coalesce(F(editor__name), F(author__name)),
        ))
    );
    let got: Vec<(&str, &str, i32, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.low.as_str(),
                r.up.as_str(),
                r.len,
                r.label.as_str(),
                r.who.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("intro", "ANN", 5, "Intro by Ann ed. Bob", "Bob"),
            // A NULL in Concat is empty; Coalesce takes the next.
            ("rust", "BOB", 4, "Rust by Bob ed. ", "Bob"),
        ],
        "{}",
        c.name()
    );
    // The same Unicode mapping on both backends (PostgreSQL under C.UTF-8).
    let rows = run!(
        c,
        query!(Person.filter(id = 1).values(
            x = Upper(Concat(F(name), " été straße")),
            y = Lower(Value("ÉTÉ"))
        ))
    );
    assert_eq!(
        (rows[0].x.as_str(), rows[0].y.as_str()),
        ("ANN ÉTÉ STRAßE", "été"),
        "{}",
        c.name()
    );
    // Characters whose full case mapping is several characters take their
    // simple mapping (or stay), as PostgreSQL's `upper`/`lower` do.
    let rows = run!(
        c,
        query!(Person.filter(id = 1).values(
            x = Upper(Value("ᾳ ᾀ ῳ ß İ ﬁ ŉ ᾼ")),
            y = Lower(Value("İ ᾼ ẞ ΣΑΣ"))
        ))
    );
    assert_eq!(
        (rows[0].x.as_str(), rows[0].y.as_str()),
        ("ᾼ ᾈ ῼ ß İ ﬁ ŉ ᾼ", "i ᾳ ß σασ"),
        "{}",
        c.name()
    );
}

fn case_when<C: Conn>(c: &mut C) {
    // Grades, grouped: GROUP BY a CASE with parameters.
    let rows = run!(
        c,
        query!(Post
            .values(
                grade = Case(
                    When(rating__gte = 8, then = "great"),
                    When(rating__gte = 5, then = "fine"),
                    default = "poor",
                )
            )
            .annotate(n = Count(pk))
            .order_by(grade))
    );
    let got: Vec<(&str, i64)> = rows.iter().map(|r| (r.grade.as_str(), r.n)).collect();
    assert_eq!(
        got,
        [("fine", 2), ("great", 2), ("poor", 1)],
        "{}",
        c.name()
    );
    // Conditional counting, as Sum(Case(…)).
    let a = run!(
        c,
        query!(Post.aggregate(
            good = Sum(Case(When(rating__gte = 7, then = 1), default = 0)),
            edited = Sum(Case(When(editor__isnull = false, then = 1), default = 0)),
        ))
    );
    assert_eq!((a.good, a.edited), (Some(3), Some(3)), "{}", c.name());
    // Without a default, a CASE is NULL where nothing matched.
    let rows = run!(
        c,
        query!(Post
            .order_by(id)
            .values_list(Case(When(rating__lt = 5, then = F(title))), flat = true))
    );
    assert_eq!(
        rows,
        [None, None, None, None, Some("Draft".to_owned())],
        "{}",
        c.name()
    );
}

fn casts<C: Conn>(c: &mut C) {
    // Widening before arithmetic; a number as text.
    let rows = run!(
        c,
        query!(Post.filter(id = 4).values(
            big = Cast(F(rating), i64) * 1000000000,
            t = Cast(F(rating), String)
        ))
    );
    assert_eq!(
        (rows[0].big, rows[0].t.as_str()),
        (9_000_000_000, "9"),
        "{}",
        c.name()
    );
}

#[test]
fn functions_on_both_backends() {
    let mut sqlite = seeded_sqlite();
    text_functions(&mut sqlite);
    case_when(&mut sqlite);
    casts(&mut sqlite);
    if let Some(mut pg) = seeded_pg() {
        text_functions(&mut *pg);
        case_when(&mut *pg);
        casts(&mut *pg);
        let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
        case_when(&mut cached);
        case_when(&mut cached);
    }
}

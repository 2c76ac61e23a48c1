//! `.last()`, `.latest(…)`, `.earliest(…)`, `.reverse()`, `.all()` and
//! `.none()` on both backends, against the seed rows sorted in Rust.

use chrono::Datelike;
use dunder::prelude::*;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

macro_rules! both {
    ($sqlite:expr, $pg:expr, $q:expr) => {{
        let q = $q;
        let mut answers = vec![("sqlite", q.run(&$sqlite))];
        if let Some(db) = $pg.as_mut() {
            answers.push(("postgres", q.run(&mut **db)));
        }
        answers
    }};
}

#[test]
fn queryset_methods_on_both_backends() {
    let rows = every_kind::seed();
    let sqlite = dunder_tests::sqlite();
    every_kind::load_sqlite(&sqlite, &rows);
    let mut pg = dunder_tests::pg();
    if let Some(db) = pg.as_mut() {
        every_kind::load_pg(db, &rows);
    }
    let by = |key: &dyn Fn(&EveryKind) -> (i64, i64)| {
        let mut ids: Vec<&EveryKind> = rows.iter().collect();
        ids.sort_by_key(|r| key(r));
        ids.iter().map(|r| r.id).collect::<Vec<i64>>()
    };
    let by_int = by(&|r| (i64::from(r.int), r.id));
    let max_id = rows.iter().map(|r| r.id).max();

    // last(): the highest primary key, or the last of the order.
    for (b, got) in both!(sqlite, pg, query!(EveryKind.last())) {
        assert_eq!(got.expect(b).map(|r| r.id), max_id, "{b}");
    }
    for (b, got) in both!(sqlite, pg, query!(EveryKind.order_by(int, id).last())) {
        assert_eq!(got.expect(b).map(|r| r.id), by_int.last().copied(), "{b}");
    }
    // reverse(): the order flipped; twice, as it was; first() of an
    // unordered reversed query is the highest key.
    let mut reversed = by_int.clone();
    reversed.reverse();
    for (b, got) in both!(
        sqlite,
        pg,
        query!(EveryKind
            .order_by(int, id)
            .reverse()
            .values_list(id, flat = true))
    ) {
        assert_eq!(got.expect(b), reversed, "{b}");
    }
    for (b, got) in both!(
        sqlite,
        pg,
        query!(EveryKind
            .order_by(int, id)
            .reverse()
            .reverse()
            .values_list(id, flat = true))
    ) {
        assert_eq!(got.expect(b), by_int, "{b}");
    }
    for (b, got) in both!(sqlite, pg, query!(EveryKind.reverse().first())) {
        assert_eq!(got.expect(b).map(|r| r.id), max_id, "{b}");
    }
    // latest / earliest: by their fields, whatever the query's order.
    let by_date = by(&|r| (r.date.num_days_from_ce().into(), r.id));
    for (b, got) in both!(
        sqlite,
        pg,
        query!(EveryKind.order_by(-int).latest(date, id))
    ) {
        assert_eq!(got.expect(b).id, *by_date.last().expect("rows"), "{b}");
    }
    for (b, got) in both!(sqlite, pg, query!(EveryKind.earliest(date, id))) {
        assert_eq!(got.expect(b).id, by_date[0], "{b}");
    }
    for (b, got) in both!(sqlite, pg, query!(EveryKind.earliest(-int, -id))) {
        assert_eq!(got.expect(b).id, *by_int.last().expect("rows"), "{b}");
    }
    // … and NotFound when there is no row (Django's DoesNotExist).
    for (b, got) in both!(
        sqlite,
        pg,
        query!(EveryKind.filter(id__gt = 1000).latest(date))
    ) {
        assert!(
            matches!(got, Err(dunder::Error::NotFound { .. })),
            "{b}: {got:?}"
        );
    }
    // all() is the query; none() has no row.
    for (b, got) in both!(sqlite, pg, query!(EveryKind.all().count())) {
        assert_eq!(got.expect(b), rows.len() as i64, "{b}");
    }
    for (b, got) in both!(sqlite, pg, query!(EveryKind.filter(id__gt = 0).none())) {
        assert!(got.expect(b).is_empty(), "{b}");
    }
    for (b, got) in both!(sqlite, pg, query!(EveryKind.none().exists())) {
        assert!(!got.expect(b), "{b}");
    }
}

//! Every lookup and transform on every field kind, run on SQLite and on
//! PostgreSQL against awkward data. The expected rows come from an oracle
//! written in plain Rust over the same seed rows (dunder's documented
//! semantics), so a wrong SQL rendering on either backend fails here.

// The oracles spell `exclude(c)` as `!c` on purpose.
#![allow(clippy::nonminimal_bool)]

use chrono::{Datelike, Timelike};
use dunder::prelude::*;
use dunder::{FromRow, Mode};
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind::{self, d, dt, t, utc};

/// Simple (one character to one character) upper case: what dunder's
/// case-insensitive lookups compare.
fn up(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut u = c.to_uppercase();
            match (u.next(), u.next()) {
                (Some(x), None) => x,
                _ => c,
            }
        })
        .collect()
}

struct Dbs {
    sqlite: rusqlite::Connection,
    pg: Option<dunder_tests::PgDb>,
    rows: Vec<EveryKind>,
}

fn dbs() -> Dbs {
    let rows = every_kind::seed();
    let sqlite = dunder_tests::sqlite();
    every_kind::load_sqlite(&sqlite, &rows);
    let mut pg = dunder_tests::pg();
    if let Some(client) = pg.as_mut() {
        every_kind::load_pg(client, &rows);
    }
    Dbs { sqlite, pg, rows }
}

impl Dbs {
    /// Runs `q` on both backends and compares the ids with the oracle.
    fn check<M: Mode>(
        &mut self,
        name: &str,
        q: &Query<'_, EveryKind, M>,
        expect: impl Fn(&EveryKind) -> bool,
    ) {
        let mut want: Vec<i64> = self
            .rows
            .iter()
            .filter(|r| expect(r))
            .map(|r| r.id)
            .collect();
        want.sort_unstable();
        let ids = |rows: Vec<EveryKind>| {
            let mut v: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
            v.sort_unstable();
            v
        };
        let got = ids(q
            .fetch_all(&self.sqlite)
            .unwrap_or_else(|e| panic!("{name} (sqlite): {e}")));
        assert_eq!(
            got,
            want,
            "{name} on SQLite\n  SQL: {}",
            q.sql(Dialect::Sqlite)
        );
        if let Some(pg) = self.pg.as_mut() {
            let got = ids(q
                .fetch_all(&mut **pg)
                .unwrap_or_else(|e| panic!("{name} (postgres): {e}")));
            assert_eq!(
                got,
                want,
                "{name} on PostgreSQL\n  SQL: {}",
                q.sql(Dialect::Postgres)
            );
        }
    }

    /// Runs `q` on both backends and returns both answers, which must agree.
    fn run<R: FromRow + PartialEq + std::fmt::Debug, M: Mode>(
        &mut self,
        q: &Query<'_, R, M>,
    ) -> M::Output<R>
    where
        M::Output<R>: PartialEq + std::fmt::Debug,
    {
        let a = q
            .run(&self.sqlite)
            .unwrap_or_else(|e| panic!("sqlite: {e}"));
        if let Some(pg) = self.pg.as_mut() {
            let b = q.run(&mut **pg).unwrap_or_else(|e| panic!("postgres: {e}"));
            assert_eq!(
                a,
                b,
                "SQLite and PostgreSQL disagree\n  SQL: {}",
                q.sql(Dialect::Postgres)
            );
        }
        a
    }
}

#[test]
fn text_lookups() {
    let mut db = dbs();
    db.check("exact", &query!(EveryKind, text = "hello world"), |r| {
        r.text == "hello world"
    });
    db.check("exact empty", &query!(EveryKind, text = ""), |r| {
        r.text.is_empty()
    });
    db.check(
        "exact injection",
        &query!(EveryKind, text = "O'Brien -- ; DROP TABLE x; /* ?1 $1 */"),
        |r| r.id == 8,
    );
    db.check(
        "iexact ascii",
        &query!(EveryKind, text__iexact = "HELLO world"),
        |r| up(&r.text) == "HELLO WORLD",
    );
    db.check(
        "iexact unicode",
        &query!(EveryKind, text__iexact = "ünïcødé çafé"),
        |r| r.id == 6,
    );
    db.check(
        "iexact percent is literal",
        &query!(EveryKind, text__iexact = "%"),
        |_| false,
    );
    db.check(
        "contains is case-sensitive",
        &query!(EveryKind, text__contains = "hello"),
        |r| r.text.contains("hello"),
    );
    db.check(
        "contains %",
        &query!(EveryKind, text__contains = "%"),
        |r| r.text.contains('%'),
    );
    db.check(
        "contains _",
        &query!(EveryKind, text__contains = "_"),
        |r| r.text.contains('_'),
    );
    db.check(
        "contains backslash",
        &query!(EveryKind, text__contains = "\\"),
        |r| r.text.contains('\\'),
    );
    db.check(
        "contains quote",
        &query!(EveryKind, text__contains = "'"),
        |r| r.text.contains('\''),
    );
    db.check(
        "contains empty",
        &query!(EveryKind, text__contains = ""),
        |_| true,
    );
    db.check(
        "icontains unicode",
        &query!(EveryKind, text__icontains = "ÇAFÉ"),
        |r| up(&r.text).contains("ÇAFÉ"),
    );
    db.check(
        "icontains sharp s",
        &query!(EveryKind, opt_text__icontains = "straße"),
        |r| {
            r.opt_text
                .as_deref()
                .is_some_and(|s| up(s).contains(&up("straße")))
        },
    );
    db.check(
        "startswith",
        &query!(EveryKind, text__startswith = "Hello"),
        |r| r.text.starts_with("Hello"),
    );
    db.check(
        "istartswith",
        &query!(EveryKind, text__istartswith = "hello"),
        |r| up(&r.text).starts_with("HELLO"),
    );
    db.check(
        "endswith %",
        &query!(EveryKind, text__endswith = "% off"),
        |r| r.text.ends_with("% off"),
    );
    db.check(
        "endswith longer than value",
        &query!(EveryKind, text__endswith = "xx50% off"),
        |_| false,
    );
    db.check(
        "endswith empty",
        &query!(EveryKind, text__endswith = ""),
        |_| true,
    );
    db.check(
        "iendswith",
        &query!(EveryKind, text__iendswith = "WORLD"),
        |r| up(&r.text).ends_with("WORLD"),
    );
    db.check(
        "in",
        &query!(EveryKind, text__in = ["", "50% off", "nope"]),
        |r| ["", "50% off"].contains(&r.text.as_str()),
    );
    let none: Vec<&str> = Vec::new();
    db.check("in empty", &query!(EveryKind, text__in = &none), |_| false);
    db.check(
        "exclude in empty",
        &query!(EveryKind.exclude(text__in = &none)),
        |_| true,
    );
    db.check(
        "gt is by code point",
        &query!(EveryKind, text__gt = "Z"),
        |r| r.text.as_str() > "Z",
    );
    db.check("range", &query!(EveryKind, text__range = ("A", "N")), |r| {
        ("A"..="N").contains(&r.text.as_str())
    });
    db.check(
        "regex",
        &query!(EveryKind, text__regex = "^[A-Z][a-z]+ [A-Z]"),
        |r| r.id == 1,
    );
    db.check("iregex", &query!(EveryKind, text__iregex = "^hello"), |r| {
        up(&r.text).starts_with("HELLO")
    });
    db.check(
        "regex unicode",
        &query!(EveryKind, text__regex = "é"),
        |r| r.text.contains('é'),
    );
    db.check("isnull", &query!(EveryKind, opt_text__isnull = true), |r| {
        r.opt_text.is_none()
    });
    db.check(
        "isnull false",
        &query!(EveryKind, opt_text__isnull = false),
        |r| r.opt_text.is_some(),
    );
    let owned = String::from("hello");
    db.check(
        "owned and borrowed values",
        &query!(
            EveryKind,
            opt_text = owned.clone(),
            text__icontains = &owned
        ),
        |r| r.id == 1,
    );
}

#[test]
fn numbers_booleans_bytes() {
    let mut db = dbs();
    db.check("bool", &query!(EveryKind, flag = true), |r| r.flag);
    db.check(
        "opt bool exclude keeps NULL",
        &query!(EveryKind.exclude(opt_flag = true)),
        |r| r.opt_flag != Some(true),
    );
    db.check("i16", &query!(EveryKind, small__lt = -9), |r| r.small < -9);
    db.check("i32 extremes", &query!(EveryKind, int = i32::MAX), |r| {
        r.int == i32::MAX
    });
    db.check(
        "i32 opt min",
        &query!(EveryKind, opt_int__lte = i32::MIN),
        |r| r.opt_int == Some(i32::MIN),
    );
    db.check("i64", &query!(EveryKind, big__gte = 50_000_000_000), |r| {
        r.big >= 50_000_000_000
    });
    db.check(
        "i64 in",
        &query!(EveryKind, id__in = vec![1, 3, 3, 99]),
        |r| [1, 3].contains(&r.id),
    );
    db.check("pk alias", &query!(EveryKind, pk__range = (2, 4)), |r| {
        (2..=4).contains(&r.id)
    });
    db.check("f32", &query!(EveryKind, real = 1.5f32), |r| r.real == 1.5);
    db.check(
        "f64 range",
        &query!(EveryKind, double__range = (-1.0, 3.0)),
        |r| (-1.0..=3.0).contains(&r.double),
    );
    db.check(
        "f64 extremes",
        &query!(EveryKind, double__gt = 1e299),
        |r| r.double > 1e299,
    );
    db.check(
        "f64 in",
        &query!(EveryKind, double__in = [0.0, 4.5, f64::MIN_POSITIVE]),
        |r| [0.0, 4.5, f64::MIN_POSITIVE].contains(&r.double),
    );
    db.check(
        "opt f64 exclude gt keeps NULL",
        &query!(EveryKind.exclude(opt_double__gt = 0.0)),
        |r| !r.opt_double.is_some_and(|x| x > 0.0),
    );
    db.check("bytes", &query!(EveryKind, bytes = b"Hel"), |r| {
        r.bytes == b"Hel"
    });
    db.check(
        "bytes in",
        &query!(EveryKind, bytes__in = [b"50%".to_vec(), vec![0xff]]),
        |r| r.bytes == b"50%",
    );
    db.check(
        "bytes opt",
        &query!(EveryKind, opt_bytes = &b"%"[..]),
        |r| r.opt_bytes.as_deref() == Some(b"%"),
    );
}

#[test]
fn dates_times_and_transforms() {
    let mut db = dbs();
    db.check(
        "date exact leap day",
        &query!(EveryKind, date = d("2020-02-29")),
        |r| r.date == d("2020-02-29"),
    );
    db.check(
        "date range",
        &query!(EveryKind, date__range = (d("2019-12-31"), d("2020-01-01"))),
        |r| (d("2019-12-31")..=d("2020-01-01")).contains(&r.date),
    );
    db.check(
        "date in",
        &query!(EveryKind, date__in = [d("2023-12-31"), d("2018-12-31")]),
        |r| r.id == 8 || r.id == 5,
    );
    db.check(
        "datetime microseconds",
        &query!(EveryKind, datetime = dt("2019-12-31 23:59:59.999999")),
        |r| r.id == 2,
    );
    db.check(
        "datetime utc gt",
        &query!(EveryKind, datetime_utc__gt = utc("2022-06-15 14:00:00")),
        |r| r.datetime_utc > utc("2022-06-15 14:00:00"),
    );
    db.check(
        "time fraction",
        &query!(EveryKind, time = t("18:45:30.25")),
        |r| r.id == 6,
    );
    db.check(
        "time lt",
        &query!(EveryKind, time__lt = t("06:00:00.5")),
        |r| r.time < t("06:00:00.5"),
    );

    for year in [2018, 2019, 2020, 2021, 2024, 1, 9999] {
        db.check("date year", &query!(EveryKind, date__year = year), |r| {
            r.date.year() == year
        });
        db.check(
            "date year gt",
            &query!(EveryKind, date__year__gt = year),
            |r| r.date.year() > year,
        );
        db.check(
            "date year gte",
            &query!(EveryKind, date__year__gte = year),
            |r| r.date.year() >= year,
        );
        db.check(
            "date year lt",
            &query!(EveryKind, date__year__lt = year),
            |r| r.date.year() < year,
        );
        db.check(
            "date year lte",
            &query!(EveryKind, date__year__lte = year),
            |r| r.date.year() <= year,
        );
        db.check(
            "datetime year",
            &query!(EveryKind, datetime__year = year),
            |r| r.datetime.year() == year,
        );
        db.check(
            "datetime year lte",
            &query!(EveryKind, datetime__year__lte = year),
            |r| r.datetime.year() <= year,
        );
        db.check(
            "utc year gt",
            &query!(EveryKind, datetime_utc__year__gt = year),
            |r| r.datetime_utc.year() > year,
        );
        db.check("iso year", &query!(EveryKind, date__iso_year = year), |r| {
            r.date.iso_week().year() == year
        });
        db.check(
            "iso year lt",
            &query!(EveryKind, datetime__iso_year__lt = year),
            |r| r.datetime.iso_week().year() < year,
        );
        db.check(
            "year in",
            &query!(EveryKind, date__year__in = [year]),
            |r| r.date.year() == year,
        );
    }
    db.check(
        "opt date exclude year keeps NULL",
        &query!(EveryKind.exclude(opt_date__year = 2020)),
        |r| !r.opt_date.is_some_and(|x| x.year() == 2020),
    );
    db.check(
        "opt datetime exclude year keeps NULL",
        &query!(EveryKind.exclude(opt_datetime__year__gte = 2020)),
        |r| !r.opt_datetime.is_some_and(|x| x.year() >= 2020),
    );
    for m in 1..=12 {
        db.check("month", &query!(EveryKind, date__month = m), |r| {
            r.date.month() as i32 == m
        });
    }
    for q in 1..=4 {
        db.check("quarter", &query!(EveryKind, datetime__quarter = q), |r| {
            (r.datetime.month() as i32 + 2) / 3 == q
        });
    }
    for w in 1..=7 {
        db.check(
            "week_day 1=Sunday",
            &query!(EveryKind, date__week_day = w),
            |r| r.date.weekday().num_days_from_sunday() as i32 + 1 == w,
        );
        db.check(
            "iso_week_day 1=Monday",
            &query!(EveryKind, datetime_utc__iso_week_day = w),
            |r| r.datetime_utc.weekday().number_from_monday() as i32 == w,
        );
    }
    for w in [1, 9, 52, 53] {
        db.check("iso week", &query!(EveryKind, date__week = w), |r| {
            r.date.iso_week().week() as i32 == w
        });
    }
    db.check("day", &query!(EveryKind, date__day__in = [29, 31]), |r| {
        [29, 31].contains(&r.date.day())
    });
    db.check(
        "day gte",
        &query!(EveryKind, datetime__day__gte = 29),
        |r| r.datetime.day() >= 29,
    );
    db.check("hour", &query!(EveryKind, datetime__hour = 23), |r| {
        r.datetime.hour() == 23
    });
    db.check("time hour", &query!(EveryKind, time__hour__lt = 7), |r| {
        r.time.hour() < 7
    });
    db.check(
        "minute",
        &query!(EveryKind, datetime_utc__minute = 30),
        |r| r.datetime_utc.minute() == 30,
    );
    db.check(
        "second drops fraction",
        &query!(EveryKind, time__second = 30),
        |r| r.time.second() == 30,
    );
    db.check(
        "datetime second",
        &query!(EveryKind, datetime__second__in = [59, 0]),
        |r| [59, 0].contains(&r.datetime.second()),
    );
    db.check(
        "date transform",
        &query!(EveryKind, datetime__date = d("2019-12-31")),
        |r| r.datetime.date() == d("2019-12-31"),
    );
    db.check(
        "utc date transform",
        &query!(EveryKind, datetime_utc__date__gte = d("2022-01-01")),
        |r| r.datetime_utc.date_naive() >= d("2022-01-01"),
    );
    db.check(
        "date then year (BETWEEN)",
        &query!(EveryKind, datetime__date__year = 2020),
        |r| r.datetime.year() == 2020,
    );
    db.check(
        "date then month",
        &query!(EveryKind, datetime_utc__date__month = 12),
        |r| r.datetime_utc.month() == 12,
    );
    db.check(
        "time transform keeps fraction",
        &query!(EveryKind, datetime__time = t("23:59:59.999999")),
        |r| r.id == 2,
    );
    db.check(
        "time transform gte",
        &query!(EveryKind, datetime_utc__time__gte = t("14:00:00")),
        |r| r.datetime_utc.time() >= t("14:00:00"),
    );
    db.check(
        "opt time minute isnull",
        &query!(EveryKind, opt_time__minute__isnull = true),
        |r| r.opt_time.is_none(),
    );
}

#[test]
fn q_objects_exclude_and_null_semantics() {
    let mut db = dbs();
    db.check(
        "or",
        &query!(EveryKind.filter((int = 5) | (opt_int = 2))),
        |r| r.int == 5 || r.opt_int == Some(2),
    );
    db.check(
        "and or precedence",
        &query!(EveryKind.filter((int__gt = 0) & (flag = true) | (text = ""))),
        |r| (r.int > 0 && r.flag) || r.text.is_empty(),
    );
    db.check("not", &query!(EveryKind.filter(!(opt_int__gt = 0))), |r| {
        !r.opt_int.is_some_and(|x| x > 0)
    });
    db.check(
        "double not",
        &query!(EveryKind.filter(!!(opt_int__gt = 0))),
        |r| r.opt_int.is_some_and(|x| x > 0),
    );
    db.check(
        "not or",
        &query!(EveryKind.filter(!((opt_int = 5) | (opt_text = "%")))),
        |r| !(r.opt_int == Some(5) || r.opt_text.as_deref() == Some("%")),
    );
    db.check(
        "exclude two conditions",
        &query!(EveryKind.exclude(opt_text__contains = "e", opt_int__gte = 0)),
        |r| {
            !(r.opt_text.as_deref().is_some_and(|s| s.contains('e'))
                && r.opt_int.is_some_and(|x| x >= 0))
        },
    );
    db.check(
        "chained excludes",
        &query!(EveryKind
            .exclude(opt_text__contains = "e")
            .exclude(opt_int__gte = 0)),
        |r| {
            !r.opt_text.as_deref().is_some_and(|s| s.contains('e'))
                && !r.opt_int.is_some_and(|x| x >= 0)
        },
    );
    db.check(
        "filter and exclude",
        &query!(EveryKind.filter(int__gte = 0).exclude(opt_text = "")),
        |r| r.int >= 0 && r.opt_text.as_deref() != Some(""),
    );
    db.check(
        "exclude isnull",
        &query!(EveryKind.exclude(opt_int__isnull = true)),
        |r| r.opt_int.is_some(),
    );
    db.check(
        "empty in inside or",
        &query!(EveryKind.filter((id__in = Vec::<i64>::new()) | (int = 5))),
        |r| r.int == 5,
    );
    db.check(
        "empty in inside and",
        &query!(EveryKind.filter(id__in = Vec::<i64>::new(), int = 5)),
        |_| false,
    );
    db.check(
        "negated empty in",
        &query!(EveryKind.filter(!(id__in = Vec::<i64>::new()))),
        |_| true,
    );

    // filter(c) and exclude(c) partition the table, NULLs included.
    let total = db.rows.len();
    let a = db.run(&query!(EveryKind.filter(opt_double__lt = 1.0).count()));
    let b = db.run(&query!(EveryKind.exclude(opt_double__lt = 1.0).count()));
    assert_eq!((a + b) as usize, total);
}

#[test]
fn order_slices_and_terminals() {
    let mut db = dbs();
    let ids = |rows: Vec<EveryKind>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();

    let mut want: Vec<&EveryKind> = db.rows.iter().collect();
    // NULLs sort as the largest value on both backends.
    want.sort_by(|a, b| match (a.opt_int, b.opt_int) {
        (Some(x), Some(y)) => x.cmp(&y).then(b.id.cmp(&a.id)),
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, None) => b.id.cmp(&a.id),
    });
    let want: Vec<i64> = want.iter().map(|r| r.id).collect();
    assert_eq!(ids(db.run(&query!(EveryKind.order_by(opt_int, -id)))), want);
    let mut desc = want.clone();
    desc.reverse();
    assert_eq!(ids(db.run(&query!(EveryKind.order_by(-opt_int, id)))), desc);

    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(-text)[..2]))),
        vec![6, 4]
    ); // by code point
    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(id)[2..4]))),
        vec![3, 4]
    );
    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(id)[6..]))),
        vec![7, 8]
    );
    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(id)[1..3][1..]))),
        vec![3]
    );
    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(id)[5..2]))),
        Vec::<i64>::new()
    );
    let (a, b) = (3usize, 5usize);
    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(id)[a..b]))),
        vec![4, 5]
    );
    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(id)[b..a]))),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(id)[..a]))),
        vec![1, 2, 3]
    );
    assert_eq!(
        ids(db.run(&query!(EveryKind.order_by(id)[b + 2..]))),
        vec![8]
    );

    assert_eq!(db.run(&query!(EveryKind.count())), 8);
    assert_eq!(db.run(&query!(EveryKind.filter(int__gt = 3).count())), 4);
    assert_eq!(db.run(&query!(EveryKind.order_by(id)[2..5].count())), 3);
    assert_eq!(
        db.run(&query!(EveryKind.filter(flag = true).distinct().count())),
        4
    );
    assert!(db.run(&query!(EveryKind.filter(text = "").exists())));
    assert!(!db.run(&query!(EveryKind.filter(text = "nope").exists())));
    assert!(!db.run(&query!(EveryKind.order_by(id)[8..].exists())));
    assert_eq!(
        db.run(&query!(EveryKind.filter(int__gt = 3).first()))
            .map(|r| r.id),
        Some(1)
    );
    assert_eq!(
        db.run(&query!(EveryKind
            .filter(int__gt = 3)
            .order_by(-int)
            .first()))
            .map(|r| r.id),
        Some(8)
    );
    assert_eq!(
        db.run(&query!(EveryKind.filter(text = "nope").first())),
        None
    );
    let got = db.run(&query!(EveryKind.get(text = "50% off")));
    assert_eq!(got, db.rows[2]);
    assert_eq!(
        ids(db.run(&query!(EveryKind.distinct().order_by(id)[..2]))),
        vec![1, 2]
    );

    // get(): NotFound and MultipleRows are typed errors carrying the SQL.
    let q = query!(EveryKind.get(text = "missing"));
    match q.run(&db.sqlite) {
        Err(dunder::Error::NotFound { sql }) => assert!(sql.contains("LIMIT 21")),
        other => panic!("expected NotFound, got {other:?}"),
    }
    let q = query!(EveryKind.get(flag = true));
    match q.run(&db.sqlite) {
        Err(dunder::Error::MultipleRows { count: 4, .. }) => {}
        other => panic!("expected MultipleRows, got {other:?}"),
    }
    if let Some(pg) = db.pg.as_mut() {
        assert!(matches!(
            query!(EveryKind.get(text = "missing")).run(&mut **pg),
            Err(dunder::Error::NotFound { .. })
        ));
        assert!(matches!(
            query!(EveryKind.get(flag = true)).run(&mut **pg),
            Err(dunder::Error::MultipleRows { count: 4, .. })
        ));
    }
}

#[test]
fn rows_round_trip_every_field_kind() {
    let mut db = dbs();
    let all = db.run(&query!(EveryKind.order_by(id)));
    assert_eq!(all, db.rows);
}

#[test]
fn streaming_and_transactions() {
    let mut db = dbs();
    let q = query!(EveryKind.filter(int__gte = 0).order_by(id));
    let mut seen = Vec::new();
    q.try_for_each(&db.sqlite, |r| {
        seen.push(r.id);
        Ok(())
    })
    .expect("stream sqlite");
    assert_eq!(seen, vec![1, 2, 3, 5, 6, 7, 8]);
    let tx = db.sqlite.transaction().expect("tx");
    assert_eq!(q.fetch_all(&tx).expect("in tx").len(), 7);
    drop(tx);
    if let Some(pg) = db.pg.as_mut() {
        let mut seen = Vec::new();
        q.try_for_each(&mut **pg, |r| {
            seen.push(r.id);
            Ok(())
        })
        .expect("stream pg");
        assert_eq!(seen, vec![1, 2, 3, 5, 6, 7, 8]);
        let mut tx = pg.transaction().expect("pg tx");
        assert_eq!(q.fetch_all(&mut tx).expect("in pg tx").len(), 7);
        tx.rollback().expect("rollback");
    }
}

#[test]
fn errors_are_typed_and_carry_the_sql() {
    let db = dbs();
    // An invalid regex is an error from the database, not a panic.
    let q = query!(EveryKind, text__regex = "(unclosed");
    let e = q.fetch_all(&db.sqlite).expect_err("invalid regex");
    assert!(matches!(e, dunder::Error::Database { .. }), "{e:?}");
    assert_eq!(e.sql(), Some(q.sql(Dialect::Sqlite)));
    // A column that does not decode reports the column and what it found.
    db.sqlite
        .execute("UPDATE every_kind SET date = 'not a date' WHERE id = 1", [])
        .expect("update");
    let e = query!(EveryKind, id = 1)
        .fetch_all(&db.sqlite)
        .expect_err("bad date");
    match e {
        dunder::Error::Decode {
            column, found, sql, ..
        } => {
            assert_eq!(column, "date");
            assert!(found.contains("not a date"), "{found}");
            assert!(sql.starts_with("SELECT"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

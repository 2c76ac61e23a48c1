//! Decimal fields (`rust_decimal::Decimal`, Django's `DecimalField`) on
//! SQLite and PostgreSQL: what is stored (as Django stores it), what is read
//! back, every lookup that applies, `F()` arithmetic, aggregates, and
//! adversarial values (max digits, negative zero, more places than the
//! scale, values beyond `max_digits`, very small values).
//!
//! Every scenario runs on both backends through `dunder::Db` (PostgreSQL
//! with its statement cache); a few also run on a plain `postgres::Client`.

use std::str::FromStr;

use dunder::prelude::*;
use dunder::{Db, Decimal, Error};
use dunder_test_models::conformance::Article;

/// Decimal fields of several precisions (`priced`).
#[derive(Model, Debug, Clone, PartialEq)]
#[dunder(table = "priced")]
pub struct Priced {
    pub id: i64,
    pub name: String,
    /// Up to 999999.99.
    #[dunder(max_digits = 8, decimal_places = 2)]
    pub price: Option<Decimal>,
    /// Whole numbers up to 9999999999, not null, 0 by default.
    #[dunder(max_digits = 10, decimal_places = 0, default = Decimal::ZERO)]
    pub units: Decimal,
    /// Below 1: 0.000 to 0.999.
    #[dunder(max_digits = 3, decimal_places = 3)]
    pub ratio: Option<Decimal>,
    /// rust_decimal's widest: 28 digits, 10 of them places.
    #[dunder(max_digits = 28, decimal_places = 10)]
    pub wide: Option<Decimal>,
    pub qty: i32,
    pub weight: Option<f64>,
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// `Some(dec(s))`.
fn some(s: &str) -> Option<Decimal> {
    Some(dec(s))
}

/// The text of a decimal: it shows the scale, which `==` ignores.
fn text(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Fresh databases on both backends (PostgreSQL when reachable); the
/// guard drops the PostgreSQL database.
struct Backends {
    dbs: Vec<Db>,
    _pg: Option<dunder_tests::PgDb>,
}

fn backends() -> Backends {
    let mut dbs = vec![Db::Sqlite(dunder_tests::sqlite())];
    let pg = dunder_tests::pg();
    if let Some(guard) = &pg {
        dbs.push(Db::Postgres(Box::new(dunder_tests::pg_conn(guard))));
    }
    Backends { dbs, _pg: pg }
}

fn name(db: &Db) -> &'static str {
    match db.dialect() {
        Dialect::Sqlite => "sqlite",
        Dialect::Postgres => "postgres",
    }
}

/// Backends with the `priced` table.
fn priced() -> Backends {
    let mut b = backends();
    for db in &mut b.dbs {
        dunder::create_table::<Priced, _>(&mut *db).expect("create priced");
    }
    b
}

/// Backends with the conformance data set (`article.price` is
/// `decimal(8, 2)`, loaded from Django's text on SQLite).
fn articles() -> Backends {
    let mut b = backends();
    for db in &mut b.dbs {
        match db {
            Db::Sqlite(c) => dunder_tests::load_conformance_sqlite(c),
            Db::Postgres(_) => {
                let guard = b._pg.as_ref().expect("a PostgreSQL database");
                dunder_tests::load_conformance_pg(&mut dunder_tests::pg_connect(guard))
            }
            _ => unreachable!(),
        }
    }
    b
}

/// What a backend holds in a column, as text: SQLite `typeof(x) value`,
/// PostgreSQL `x::text`.
fn stored(db: &mut Db, column: &str, id: i64) -> String {
    match db {
        Db::Sqlite(c) => c
            .query_row(
                &format!("SELECT typeof(\"{column}\") || ' ' || quote(\"{column}\") FROM \"priced\" WHERE \"id\" = ?1"),
                [id],
                |r| r.get(0),
            )
            .expect("sqlite stored"),
        Db::Postgres(c) => c
            .query::<String>(
                &format!("SELECT coalesce(\"{column}\"::text, 'NULL') FROM \"priced\" WHERE \"id\" = ?"),
                &[&id],
            )
            .expect("postgres stored")
            .remove(0),
        _ => unreachable!(),
    }
}

fn create(db: &mut Db, name: &str, price: Option<Decimal>) -> dunder::Result<Priced> {
    query!(Priced.create(name = name, price = price, qty = 1)).run(db)
}

#[test]
fn values_are_stored_as_django_stores_them_and_read_back_at_the_scale() {
    let mut b = priced();
    // (given, read back on both, SQLite's storage as Django 5.2 leaves it,
    // PostgreSQL's numeric(8, 2) text)
    let cases = [
        ("9.99", "9.99", "real 9.99", "9.99"),
        ("100.00", "100.00", "integer 100", "100.00"),
        ("100", "100.00", "integer 100", "100.00"),
        ("5.5", "5.50", "real 5.5", "5.50"),
        ("0.01", "0.01", "real 0.01", "0.01"),
        ("-0.00", "0.00", "integer 0", "0.00"),
        ("999999.99", "999999.99", "real 999999.99", "999999.99"),
        ("-999999.99", "-999999.99", "real -999999.99", "-999999.99"),
    ];
    for db in &mut b.dbs {
        let backend = name(db);
        for (given, read, sqlite, postgres) in cases {
            let row = create(db, given, some(given))
                .unwrap_or_else(|e| panic!("{backend}: create {given}: {e}"));
            // What create returns is what a read gives.
            assert_eq!(text(row.price).as_deref(), Some(read), "{backend}: {given}");
            let again = query!(Priced.get(pk = row.id)).run(&mut *db).expect("get");
            assert_eq!(
                text(again.price).as_deref(),
                Some(read),
                "{backend}: {given}"
            );
            assert!(!again
                .price
                .is_some_and(|p| p.is_sign_negative() && p.is_zero()));
            let want = match db.dialect() {
                Dialect::Sqlite => sqlite,
                Dialect::Postgres => postgres,
            };
            assert_eq!(stored(db, "price", row.id), want, "{backend}: {given}");
        }
        // NULL stays NULL; a field of scale 0 reads without a point.
        let row = create(db, "none", None).expect("null");
        assert_eq!(row.price, None);
        assert_eq!(text(Some(row.units)).as_deref(), Some("0"));
    }
}

#[test]
fn more_places_than_the_scale_are_rounded_half_away_from_zero() {
    // PostgreSQL's numeric(p, s) rounds half away from zero; dunder rounds
    // the same way on SQLite (Django's SQLite backend stores the value
    // unrounded and rounds half to even only when it reads it).
    let mut b = priced();
    let cases = [
        ("1.005", "1.01"),
        ("-1.005", "-1.01"),
        ("1.015", "1.02"),
        ("1.025", "1.03"),
        ("2.675", "2.68"),
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-0.004", "0.00"),
        ("12345.6789", "12345.68"),
        ("999999.994", "999999.99"),
    ];
    for db in &mut b.dbs {
        let backend = name(db);
        for (given, read) in cases {
            let row = create(db, given, some(given)).expect("create");
            assert_eq!(text(row.price).as_deref(), Some(read), "{backend}: {given}");
            // The stored value is the rounded one: the given one no longer
            // matches, the rounded one does.
            let by_given = query!(Priced.filter(pk = row.id, price = dec(given)).count());
            let by_read = query!(Priced.filter(pk = row.id, price = dec(read)).count());
            assert_eq!(
                by_given.run(&mut *db).expect("count"),
                i64::from(given == read)
            );
            assert_eq!(
                by_read.run(&mut *db).expect("count"),
                1,
                "{backend}: {read}"
            );
        }
        // The other write paths round too: update, save, bulk_create.
        let mut row = create(db, "w", some("1")).expect("create");
        query!(Priced.filter(pk = row.id).update(price = some("3.335")))
            .run(&mut *db)
            .expect("update");
        row.refresh(&mut *db).expect("refresh");
        assert_eq!(
            text(row.price).as_deref(),
            Some("3.34"),
            "{backend}: update"
        );
        row.price = some("-7.125");
        row.ratio = some("0.0005");
        row.save(&mut *db).expect("save");
        row.refresh(&mut *db).expect("refresh");
        assert_eq!(text(row.price).as_deref(), Some("-7.13"), "{backend}: save");
        assert_eq!(text(row.ratio).as_deref(), Some("0.001"), "{backend}: save");
        let new = |price: &str| NewPriced {
            name: "bulk".to_owned(),
            price: some(price),
            units: dec("2.5"),
            ratio: None,
            wide: None,
            qty: 0,
            weight: None,
        };
        let rows = Priced::bulk_create(&mut *db, &[new("0.125"), new("10")]).expect("bulk");
        let prices: Vec<_> = rows.iter().map(|r| text(r.price)).collect();
        assert_eq!(
            prices,
            [Some("0.13".into()), Some("10.00".into())],
            "{backend}"
        );
        assert_eq!(text(Some(rows[0].units)).as_deref(), Some("3"), "{backend}");
    }
}

#[test]
fn values_beyond_max_digits_are_out_of_range_on_both_backends() {
    let mut b = priced();
    for db in &mut b.dbs {
        let backend = name(db);
        // 999999.995 rounds to 1000000.00: eight digits before the point.
        for given in ["1000000", "999999.995", "-1000000.00", "12345678901"] {
            match create(db, given, some(given)) {
                Err(Error::OutOfRange { sql, source }) => {
                    assert!(!sql.is_empty());
                    let msg = source.to_string();
                    assert!(msg.contains("numeric field overflow"), "{backend}: {msg}");
                    assert!(
                        msg.contains("precision 8, scale 2") && msg.contains("less than 10^6"),
                        "{backend}: {msg}"
                    );
                }
                other => panic!("{backend}: {given}: expected OutOfRange, got {other:?}"),
            }
        }
        // A field of scale == precision holds values below 1 only.
        let e = query!(Priced.create(name = "r", ratio = some("0.9995"), qty = 1))
            .run(&mut *db)
            .expect_err("0.9995 rounds to 1.000");
        assert!(matches!(e, Error::OutOfRange { .. }), "{backend}: {e:?}");
        assert!(e.to_string().contains("less than 1"), "{backend}: {e}");
        // Nothing was stored; an update beyond the range changes nothing.
        let row = create(db, "ok", some("500000")).expect("create");
        let e = query!(Priced.filter(pk = row.id).update(price = F(price) * 2))
            .run(&mut *db)
            .expect_err("1000000.00");
        assert!(matches!(e, Error::OutOfRange { .. }), "{backend}: {e:?}");
        let rows = query!(Priced.order_by(id))
            .fetch_all(&mut *db)
            .expect("rows");
        assert_eq!(rows.len(), 1, "{backend}");
        assert_eq!(
            text(rows[0].price).as_deref(),
            Some("500000.00"),
            "{backend}"
        );
        // Comparing with a value beyond the range is fine.
        let n = query!(Priced.filter(price__lt = dec("99999999999.5")).count())
            .run(&mut *db)
            .expect("count");
        assert_eq!(n, 1, "{backend}");
    }
}

#[test]
fn small_and_wide_values() {
    let mut b = priced();
    for db in &mut b.dbs {
        let backend = name(db);
        let row = query!(Priced.create(
            name = "w",
            qty = 1,
            ratio = some("0.001"),
            wide = some("0.0000000001"),
            units = dec("9999999999")
        ))
        .run(&mut *db)
        .expect("create");
        assert_eq!(text(row.ratio).as_deref(), Some("0.001"), "{backend}");
        assert_eq!(text(row.wide).as_deref(), Some("0.0000000001"), "{backend}");
        assert_eq!(row.units, dec("9999999999"), "{backend}");
        let n = query!(Priced
            .filter(wide__gt = Decimal::ZERO, wide__lt = dec("0.00000000011"))
            .count())
        .run(&mut *db)
        .expect("count");
        assert_eq!(n, 1, "{backend}");
        // 18 digits before the point: PostgreSQL keeps every digit; SQLite
        // keeps what a REAL holds (15 significant digits, as Django reads
        // them), exactly for whole numbers within 64 bits.
        let big = "123456789012345678.1234567891";
        let row = query!(Priced.create(name = "big", qty = 1, wide = some(big)))
            .run(&mut *db)
            .expect("big");
        let whole =
            query!(Priced.create(name = "whole", qty = 1, wide = some("123456789012345678")))
                .run(&mut *db)
                .expect("whole");
        assert_eq!(
            text(whole.wide).as_deref(),
            Some("123456789012345678.0000000000"),
            "{backend}"
        );
        match db.dialect() {
            Dialect::Postgres => assert_eq!(text(row.wide).as_deref(), Some(big)),
            Dialect::Sqlite => {
                assert_eq!(
                    text(row.wide).as_deref(),
                    Some("123456789012346000.0000000000")
                )
            }
        }
    }
}

#[test]
fn negative_zero_is_zero() {
    let mut b = priced();
    for db in &mut b.dbs {
        let backend = name(db);
        let row = create(db, "z", Some(-Decimal::ZERO)).expect("create");
        assert_eq!(text(row.price).as_deref(), Some("0.00"), "{backend}");
        for zero in [dec("-0"), dec("0.000"), Decimal::ZERO] {
            let n = query!(Priced.filter(price = zero).count())
                .run(&mut *db)
                .expect("count");
            assert_eq!(n, 1, "{backend}: {zero}");
        }
        // -0.00 × anything is 0.00.
        query!(Priced.update(price = F(price) * -3))
            .run(&mut *db)
            .expect("update");
        let row = query!(Priced.get(pk = row.id)).run(&mut *db).expect("get");
        assert_eq!(text(row.price).as_deref(), Some("0.00"), "{backend}");
    }
}

/// The pks of the data set's articles whose price satisfies `f` (Django's
/// answers for the lookups below are these).
fn expected(f: impl Fn(Option<Decimal>) -> bool) -> Vec<i64> {
    expected_rows(&|r| f(r["price"].as_str().map(dec)))
}

fn pks(q: &dunder::Query<'_, Article>, db: &mut Db) -> Vec<i64> {
    let mut v: Vec<i64> = q
        .fetch_all(db)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|r| r.id)
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn every_lookup_on_a_decimal() {
    let mut b = articles();
    let ten = dec("10.10");
    for db in &mut b.dbs {
        let backend = name(db);
        let mut check =
            |what: &str, q: dunder::Query<'_, Article>, f: &dyn Fn(Option<Decimal>) -> bool| {
                assert_eq!(
                    pks(&q, db),
                    expected(f),
                    "{backend}: {what}\n  {}",
                    q.sql(db.dialect())
                );
            };
        check("exact", query!(Article, price = dec("9.99")), &|p| {
            p == some("9.99")
        });
        // Trailing zeros do not matter (`5.5` finds the stored 5.50).
        check("exact 5.5", query!(Article, price = dec("5.5")), &|p| {
            p == some("5.50")
        });
        check("exact 100", query!(Article, price = dec("100")), &|p| {
            p == some("100")
        });
        // An integer is a decimal (as Django's `price__lt=1`).
        check("lt 1", query!(Article, price__lt = 1), &|p| {
            p.is_some_and(|p| p < dec("1"))
        });
        check("gte", query!(Article, price__gte = ten), &|p| {
            p.is_some_and(|p| p >= ten)
        });
        check("gt", query!(Article, price__gt = &ten), &|p| {
            p.is_some_and(|p| p > ten)
        });
        check("lte", query!(Article, price__lte = dec("0.01")), &|p| {
            p.is_some_and(|p| p <= dec("0.01"))
        });
        check(
            "in",
            query!(
                Article,
                price__in = [dec("9.99"), dec("100.0"), dec("5.5"), dec("-1")]
            ),
            &|p| p.is_some_and(|p| [dec("9.99"), dec("100"), dec("5.5")].contains(&p)),
        );
        check(
            "in integers",
            query!(Article, price__in = vec![0i64, 1, 100]),
            &|p| p.is_some_and(|p| [dec("0"), dec("1"), dec("100")].contains(&p)),
        );
        check(
            "in empty",
            query!(Article, price__in = Vec::<Decimal>::new()),
            &|_| false,
        );
        check(
            "range",
            query!(Article, price__range = (dec("1"), dec("10"))),
            &|p| p.is_some_and(|p| dec("1") <= p && p <= dec("10")),
        );
        check("isnull", query!(Article, price__isnull = true), &|p| {
            p.is_none()
        });
        check(
            "exclude gt",
            query!(Article.exclude(price__gt = dec("5"))),
            &|p| p.is_none_or(|p| p <= dec("5")),
        );
        check(
            "or",
            query!(Article.filter((price__lt = dec("1")) | (price__gte = dec("99.99")))),
            &|p| p.is_some_and(|p| p < dec("1") || p >= dec("99.99")),
        );
        let max: Option<Decimal> = None;
        check(
            "optional absent",
            query!(Article, price__lte = max?),
            &|_| true,
        );
        check("optional", query!(Article, price__lte = some("1")?), &|p| {
            p.is_some_and(|p| p <= dec("1"))
        });
        // F(): a float column against a decimal one (Django's
        // f_filter_nullable_rhs), a decimal against an integer column,
        // decimal arithmetic on the right.
        let row = |want: &dyn Fn(&serde_json::Value) -> bool| expected_rows(want);
        let price = |r: &serde_json::Value| r["price"].as_str().map(dec);
        let price_f64 =
            |r: &serde_json::Value| r["price"].as_str().map(|s| s.parse::<f64>().expect("f64"));
        assert_eq!(
            pks(&query!(Article, score__gt = F(price)), db),
            row(&|r| matches!((r["score"].as_f64(), price_f64(r)), (Some(s), Some(p)) if s > p)),
            "{backend}: score > F(price)"
        );
        assert_eq!(
            pks(&query!(Article, price__gte = F(rating)), db),
            row(&|r| price(r)
                .is_some_and(|p| p >= Decimal::from(r["rating"].as_i64().expect("rating")))),
            "{backend}: price >= F(rating)"
        );
        assert_eq!(
            pks(&query!(Article, price__lt = F(price) * 2), db),
            expected(|p| p.is_some_and(|p| p > Decimal::ZERO)),
            "{backend}"
        );
        assert_eq!(
            pks(&query!(Article, price__gt = F(price) / 3 + dec("3.30")), db),
            expected(|p| p.is_some_and(|p| p * dec("2") / dec("3") > dec("3.30"))),
            "{backend}"
        );
    }
}

/// The sorted pks of the data set's articles for which `f` holds.
fn expected_rows(f: &dyn Fn(&serde_json::Value) -> bool) -> Vec<i64> {
    let data = dunder_tests::conformance::dataset();
    let mut pks: Vec<i64> = data["article"]
        .as_array()
        .expect("articles")
        .iter()
        .filter(|r| f(r))
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    pks.sort_unstable();
    pks
}

#[test]
fn f_arithmetic_in_updates() {
    let mut b = priced();
    for db in &mut b.dbs {
        let backend = name(db);
        let a = create(db, "a", some("9.99")).expect("a");
        let c = create(db, "c", some("100")).expect("c");
        let get =
            |db: &mut Db, id: i64| text(query!(Priced.get(pk = id)).run(db).expect("get").price);
        fn update<'a, P: AsRef<[dunder::Value<'a>]>>(
            db: &mut Db,
            id: i64,
            q: dunder::Command<'a, P>,
        ) -> u64 {
            let _ = id;
            q.run(db).unwrap_or_else(|e| panic!("{e}"))
        }
        update(
            db,
            a.id,
            query!(Priced.filter(pk = a.id).update(price = F(price) * 2)),
        );
        assert_eq!(get(db, a.id).as_deref(), Some("19.98"), "{backend}");
        update(
            db,
            a.id,
            query!(Priced
                .filter(pk = a.id)
                .update(price = F(price) * dec("1.5"))),
        );
        assert_eq!(get(db, a.id).as_deref(), Some("29.97"), "{backend}");
        update(
            db,
            a.id,
            query!(Priced
                .filter(pk = a.id)
                .update(price = -F(price) + dec("0.005"))),
        );
        assert_eq!(
            get(db, a.id).as_deref(),
            Some("-29.97"),
            "{backend}: -29.965 rounds away"
        );
        // Division is exact on both (Django's SQLite backend divides 100 by
        // 3 as integers: 33.00).
        update(
            db,
            c.id,
            query!(Priced.filter(pk = c.id).update(price = F(price) / 3)),
        );
        assert_eq!(get(db, c.id).as_deref(), Some("33.33"), "{backend}");
        update(
            db,
            c.id,
            query!(Priced.filter(pk = c.id).update(price = F(price) / F(qty))),
        );
        assert_eq!(get(db, c.id).as_deref(), Some("33.33"), "{backend}");
        // A decimal from other number columns (as Django, a float column is
        // converted when it is stored).
        query!(Priced.filter(pk = c.id).update(weight = Some(1.5), qty = 3))
            .run(&mut *db)
            .expect("weight");
        update(
            db,
            c.id,
            query!(Priced
                .filter(pk = c.id)
                .update(price = F(price) * F(weight))),
        );
        assert_eq!(
            get(db, c.id).as_deref(),
            Some("50.00"),
            "{backend}: 33.33 × 1.5 = 49.995"
        );
        update(
            db,
            c.id,
            query!(Priced
                .filter(pk = c.id)
                .update(units = F(qty) * 7, ratio = Some(dec("0.5")))),
        );
        let row = query!(Priced.get(pk = c.id)).run(&mut *db).expect("row");
        assert_eq!(
            (row.units, text(row.ratio).as_deref()),
            (dec("21"), Some("0.500"))
        );
        // NULL arithmetic stays NULL.
        let n = create(db, "n", None).expect("n");
        update(
            db,
            n.id,
            query!(Priced.filter(pk = n.id).update(price = F(price) + 1)),
        );
        assert_eq!(get(db, n.id), None, "{backend}");
    }
}

#[test]
fn aggregates_and_projections() {
    let mut b = articles();
    let mut answers = Vec::new();
    for db in &mut b.dbs {
        let backend = name(db);
        let agg = query!(Article.aggregate(
            total = Sum(price),
            mean = Avg(price),
            low = Min(price),
            high = Max(price),
            n = Count(price),
            none = Sum(price, filter = Q(price__gt = 1000000))
        ))
        .run(&mut *db)
        .expect("aggregate");
        assert_eq!(agg.total, some("232.82"), "{backend}");
        assert_eq!(agg.mean, some("23.282"), "{backend}");
        assert_eq!(agg.low, some("0"), "{backend}");
        assert_eq!(agg.high, some("100"), "{backend}");
        assert_eq!(agg.n, 10, "{backend}");
        assert_eq!(agg.none, None, "{backend}");
        let doubled = query!(Article
            .filter(price__isnull = false)
            .order_by(id)
            .values(id, p = F(price) * 2))
        .fetch_all(&mut *db)
        .expect("values");
        assert_eq!(
            (doubled[0].id, doubled[0].p),
            (1, some("19.98")),
            "{backend}"
        );
        let prices: Vec<Option<Decimal>> =
            query!(Article.order_by(id).values_list(price, flat = true))
                .fetch_all(&mut *db)
                .expect("prices");
        // A column is read at its field's scale, as a model's field is (and
        // as Django's converter reads a column): `100.00` on both backends.
        let texts: Vec<Option<String>> = prices.iter().map(|p| text(*p)).collect();
        let want: Vec<Option<String>> = expected_rows(&|_| true)
            .iter()
            .map(|id| {
                dunder_tests::conformance::dataset()["article"]
                    [usize::try_from(id - 1).expect("index")]["price"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        assert_eq!(texts, want, "{backend}: values_list(price)");
        let through = query!(Article.filter(pk = 5).values(price, author__name))
            .fetch_all(&mut *db)
            .expect("values");
        assert_eq!(
            text(through[0].price).as_deref(),
            Some("100.00"),
            "{backend}"
        );
        let by_author = query!(Article
            .values(author)
            .annotate(spent = Sum(price, default = 0))
            .order_by(author))
        .fetch_all(&mut *db)
        .expect("group");
        let by_author: Vec<(i64, Decimal)> =
            by_author.into_iter().map(|r| (r.author, r.spent)).collect();
        answers.push((backend, prices, by_author));
    }
    if let [(_, p1, g1), (_, p2, g2)] = answers.as_slice() {
        assert_eq!(p1, p2, "values(price) agree");
        assert_eq!(g1, g2, "sums per author agree");
    }
}

#[test]
fn get_or_create_and_the_plain_postgres_client() {
    let mut b = priced();
    for db in &mut b.dbs {
        let backend = name(db);
        let (row, created) =
            query!(Priced.get_or_create(price = dec("1.50"), defaults(name = "g", qty = 2)))
                .run(&mut *db)
                .expect("create");
        assert!(created, "{backend}");
        let (again, created) =
            query!(Priced.get_or_create(price = dec("1.5"), defaults(name = "h", qty = 3)))
                .run(&mut *db)
                .expect("get");
        assert!(!created, "{backend}: 1.5 finds 1.50");
        assert_eq!(again, row);
    }
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Priced, _>(&mut *pg).expect("table");
    let row = query!(Priced.create(name = "p", price = some("2.345"), qty = 1))
        .run(&mut *pg)
        .expect("create");
    assert_eq!(text(row.price).as_deref(), Some("2.35"));
    let n = query!(Priced
        .filter(price__in = [dec("2.35")], price__range = (2, 3))
        .count())
    .run(&mut *pg)
    .expect("count");
    assert_eq!(n, 1);
    let e = query!(Priced.create(name = "p", price = some("1e6"), qty = 1))
        .run(&mut *pg)
        .expect_err("overflow");
    assert!(matches!(e, Error::OutOfRange { .. }), "{e:?}");
}

#[test]
fn the_schema_is_djangos() {
    let sqlite = dunder::create_table_sql::<Priced>(Dialect::Sqlite);
    let postgres = dunder::create_table_sql::<Priced>(Dialect::Postgres);
    assert!(
        sqlite.contains(r#""price" decimal NULL, "units" decimal NOT NULL"#),
        "{sqlite}"
    );
    assert!(
        postgres.contains(r#""price" numeric(8, 2) NULL, "units" numeric(10, 0) NOT NULL, "ratio" numeric(3, 3) NULL, "wide" numeric(28, 10) NULL"#),
        "{postgres}"
    );
    // The conformance table is the one Django made (shared/conformance/schema.json).
    let article = dunder::create_table_sql::<Article>(Dialect::Postgres);
    assert!(
        article.contains(r#""price" numeric(8, 2) NULL"#),
        "{article}"
    );
    let article = dunder::create_table_sql::<Article>(Dialect::Sqlite);
    assert!(article.contains(r#""price" decimal NULL"#), "{article}");
    // A decimal is bound as numeric on PostgreSQL, written through
    // dunder_decimal on SQLite.
    let q = query!(Priced.filter(price__gte = 1).update(price = F(price) * 2));
    assert_eq!(
        q.sql(Dialect::Postgres),
        r#"UPDATE "priced" SET "price" = ("priced"."price" * $2::numeric) WHERE "priced"."price" >= $1::numeric"#
    );
    assert_eq!(
        q.sql(Dialect::Sqlite),
        r#"UPDATE "priced" SET "price" = dunder_decimal(("priced"."price" * ?2), 8, 2) WHERE "priced"."price" >= ?1"#
    );
}

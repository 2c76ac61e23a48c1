//! The type of a computed value is the one PostgreSQL computes, and SQLite's
//! answer is decoded as that type too: mixed integer and `f32` arithmetic is
//! an `f64`, `Coalesce`/`Case` of several integer types the widest, a
//! negative float literal an `f64`, the sum of `f32`s summed in doubles.
//! An annotation the statement does not read binds no value. Each answer
//! is checked against Rust's own arithmetic on the rows, on both backends.

use dunder::prelude::*;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

/// The seed, with `real` values a `float4` sum loses digits of.
fn rows() -> Vec<EveryKind> {
    let mut rows = every_kind::seed();
    for r in &mut rows {
        r.real = r.id as f32 * 0.1;
    }
    rows
}

/// `rows` in a fresh SQLite database and, when it is reachable, a fresh
/// PostgreSQL one.
fn loaded(rows: &[EveryKind]) -> (rusqlite::Connection, Option<dunder_tests::PgDb>) {
    let sqlite = dunder_tests::sqlite();
    every_kind::load_sqlite(&sqlite, rows);
    let mut pg = dunder_tests::pg();
    if let Some(db) = pg.as_mut() {
        every_kind::load_pg(db, rows);
    }
    (sqlite, pg)
}

/// Runs `$q` on SQLite and, when it is reachable, on PostgreSQL.
macro_rules! both {
    ($sqlite:expr, $pg:expr, $q:expr) => {{
        let q = $q;
        let mut answers = vec![("sqlite", q.run(&$sqlite).expect("sqlite"))];
        if let Some(db) = $pg.as_mut() {
            answers.push(("postgres", q.run(&mut **db).expect("postgres")));
        }
        answers
    }};
}

#[test]
fn computed_values_have_postgresql_types_on_both_backends() {
    let rows = rows();
    let (sqlite, mut pg) = loaded(&rows);

    // An integer times an `f32` is an `f64` (PostgreSQL: `int2 * float4`
    // is `float8`); a negative float literal is an `f64` as a positive one.
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind.order_by(id).values(
            a = F(small) * F(real),
            c = F(real) / -2.5,
            d = F(real) * (-0.5)
        ))
    ) {
        for (g, r) in got.iter().zip(&rows) {
            let (a, c, d): (f64, f64, f64) = (g.a, g.c, g.d);
            assert_eq!(
                a,
                f64::from(r.small) * f64::from(r.real),
                "{backend} a, row {}",
                r.id
            );
            assert_eq!(c, f64::from(r.real) / -2.5, "{backend} c, row {}", r.id);
            assert_eq!(d, f64::from(r.real) * -0.5, "{backend} d, row {}", r.id);
        }
        assert_eq!(got.len(), rows.len());
    }

    // `Coalesce` and `Case` of an `i32` and an `i64` are `i64`s.
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind.order_by(id).values(
            a = Coalesce(F(opt_int), F(big)),
            b = Case(When(flag = true, then = F(int)), default = F(big)),
            c = Coalesce(F(opt_int), F(small)),
        ))
    ) {
        for (g, r) in got.iter().zip(&rows) {
            let (a, b, c): (i64, i64, i32) = (g.a, g.b, g.c);
            assert_eq!(
                a,
                r.opt_int.map_or(r.big, i64::from),
                "{backend} a, row {}",
                r.id
            );
            let want_b = if r.flag { i64::from(r.int) } else { r.big };
            assert_eq!(b, want_b, "{backend} b, row {}", r.id);
            assert_eq!(
                c,
                r.opt_int.unwrap_or(i32::from(r.small)),
                "{backend} c, row {}",
                r.id
            );
        }
    }

    // The sum of `f32`s is summed in doubles (PostgreSQL sums `float4` in
    // `float4`, a few parts in 10⁷ off).
    let want: f64 = rows.iter().map(|r| f64::from(r.real)).sum();
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind.aggregate(s = Sum(F(real)), m = Max(F(real))))
    ) {
        let s: f64 = got.s.expect("rows");
        assert!((s - want).abs() < 1e-12, "{backend}: {s} != {want}");
        let m: f32 = got.m.expect("rows");
        assert_eq!(m, rows.iter().map(|r| r.real).fold(f32::MIN, f32::max));
    }

    // A boolean cast to `i32` is 0 or 1 on both.
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind
            .order_by(id)
            .values_list(Cast(F(flag), i32), flat = true))
    ) {
        let want: Vec<i32> = rows.iter().map(|r| i32::from(r.flag)).collect();
        assert_eq!(got, want, "{backend}");
    }
}

#[test]
fn an_annotation_the_statement_does_not_read_binds_nothing() {
    let rows = rows();
    let (sqlite, mut pg) = loaded(&rows);
    let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind
            .annotate(a = F(small) + 1)
            .order_by(id)
            .values_list(pk, flat = true))
    ) {
        assert_eq!(got, ids, "{backend}");
    }
    // Ordered by one annotation, the other left out.
    ids.sort_by(|x, y| {
        let key = |id: &i64| rows[(*id - 1) as usize].real;
        key(y).total_cmp(&key(x)).then(x.cmp(y))
    });
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind
            .annotate(a = F(real) + 1.0, b = F(big) + 7)
            .order_by(-a, id)
            .values_list(pk, flat = true))
    ) {
        assert_eq!(got, ids, "{backend}");
    }
    // An annotation read through another one, in a filter.
    let want: Vec<i64> = rows
        .iter()
        .filter(|r| (i32::from(r.small) - 1) * -2 > 10)
        .map(|r| r.id)
        .collect();
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind
            .annotate(a = F(small) - 1, b = F(a) * -2, c = F(big) - 3)
            .filter(b__gt = 10)
            .order_by(id)
            .values_list(pk, flat = true))
    ) {
        assert_eq!(got, want, "{backend}");
    }
}

/// Population and sample statistics of `xs` (NULLs already left out):
/// (stddev_pop, stddev_samp, var_pop, var_samp), as PostgreSQL defines them.
fn statistics(xs: &[f64]) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (None, None, None, None);
    }
    let mean = xs.iter().sum::<f64>() / n;
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    let pop = ss / n;
    let samp = (xs.len() > 1).then(|| ss / (n - 1.0));
    (Some(pop.sqrt()), samp.map(f64::sqrt), Some(pop), samp)
}

fn close(got: Option<f64>, want: Option<f64>) -> bool {
    match (got, want) {
        (Some(g), Some(w)) => (g - w).abs() <= 1e-9 * w.abs().max(1.0),
        (None, None) => true,
        _ => false,
    }
}

#[test]
fn standard_deviation_and_variance_on_both_backends() {
    let rows = rows();
    let (sqlite, mut pg) = loaded(&rows);
    let small: Vec<f64> = rows.iter().map(|r| f64::from(r.small)).collect();
    let opt: Vec<f64> = rows.iter().filter_map(|r| r.opt_double).collect();
    let flagged: Vec<f64> = rows
        .iter()
        .filter(|r| r.flag)
        .map(|r| f64::from(r.real))
        .collect();
    let (sd_pop, sd_samp, _, var_samp) = statistics(&small);
    let (_, _, opt_var_pop, _) = statistics(&opt);
    let (_, flag_sd_samp, _, _) = statistics(&flagged);
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind.aggregate(
            a = StdDev(small),
            b = StdDev(small, sample = true),
            c = Variance(F(small) * 1, sample = true),
            d = Variance(opt_double),
            e = StdDev(real, sample = true, filter = Q(flag = true)),
            f = StdDev(small, sample = true, filter = Q(id = 1)),
            g = Variance(small, filter = Q(id = 1), default = -1.0),
        ))
    ) {
        assert!(close(got.a, sd_pop), "{backend} a: {:?} {sd_pop:?}", got.a);
        assert!(
            close(got.b, sd_samp),
            "{backend} b: {:?} {sd_samp:?}",
            got.b
        );
        assert!(
            close(got.c, var_samp),
            "{backend} c: {:?} {var_samp:?}",
            got.c
        );
        assert!(
            close(got.d, opt_var_pop),
            "{backend} d: {:?} {opt_var_pop:?}",
            got.d
        );
        assert!(
            close(got.e, flag_sd_samp),
            "{backend} e: {:?} {flag_sd_samp:?}",
            got.e
        );
        // One row: no sample deviation; the population variance is 0.
        assert_eq!(got.f, None, "{backend} f");
        let g: f64 = got.g;
        assert_eq!(g, 0.0, "{backend} g");
    }
    // Grouped: a deviation per group.
    for (backend, got) in both!(
        sqlite,
        pg,
        query!(EveryKind
            .values(flag)
            .annotate(sd = StdDev(real))
            .order_by(flag))
    ) {
        for g in &got {
            let xs: Vec<f64> = rows
                .iter()
                .filter(|r| r.flag == g.flag)
                .map(|r| f64::from(r.real))
                .collect();
            assert!(close(g.sd, statistics(&xs).0), "{backend} {g:?}");
        }
        assert_eq!(got.len(), 2, "{backend}");
    }
}

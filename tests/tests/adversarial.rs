//! Adversarial values: each is stored, found again through every lookup that
//! applies to it, and read back byte-identical, on SQLite and PostgreSQL; the
//! SQL never contains the value. Where a backend cannot hold a value, the
//! answer is a typed error, never a truncated or changed value.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use dunder::prelude::*;
use dunder::Value;
use proptest::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dunder(table = "adv")]
pub struct Adv {
    pub id: i64,
    pub text: String,
    pub bytes: Vec<u8>,
    pub int: i64,
    pub double: f64,
    pub date: NaiveDate,
    pub at: NaiveDateTime,
    pub time: NaiveTime,
}

fn base(id: i64) -> Adv {
    Adv {
        id,
        text: String::new(),
        bytes: Vec::new(),
        int: 0,
        double: 0.0,
        date: NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"),
        at: NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("datetime"),
        time: NaiveTime::MIN,
    }
}

fn params(r: &Adv) -> Vec<Value<'_>> {
    vec![
        Value::BigInt(r.id),
        Value::Text(Cow::Borrowed(&r.text)),
        Value::Blob(Cow::Borrowed(&r.bytes)),
        Value::BigInt(r.int),
        Value::Double(r.double),
        Value::Date(r.date),
        Value::Timestamp(r.at),
        Value::Time(r.time),
    ]
}

const INSERT_SQLITE: &str = "INSERT INTO adv (id, text, bytes, int, double, date, at, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const INSERT_PG: &str = "INSERT INTO adv (id, text, bytes, int, double, date, at, time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

struct Dbs {
    sqlite: rusqlite::Connection,
    pg: Option<dunder_tests::PgDb>,
}

fn dbs() -> Dbs {
    let sqlite = dunder_tests::sqlite();
    dunder::create_table::<Adv, _>(&sqlite).expect("sqlite table");
    let mut pg = dunder_tests::pg();
    if let Some(c) = pg.as_mut() {
        dunder::create_table::<Adv, _>(&mut **c).expect("pg table");
    }
    Dbs { sqlite, pg }
}

impl Dbs {
    fn insert(&mut self, row: &Adv, pg_too: bool) {
        let ps = params(row);
        self.sqlite
            .execute(INSERT_SQLITE, rusqlite::params_from_iter(ps.iter()))
            .expect("sqlite insert");
        if let (Some(c), true) = (self.pg.as_mut(), pg_too) {
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = ps
                .iter()
                .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                .collect();
            c.execute(INSERT_PG, &refs).expect("pg insert");
        }
    }

    /// `q` finds the row `want` (among others perhaps), read back identical,
    /// and its SQL does not contain `shown` (the value's text).
    fn finds(&mut self, what: &str, q: &Query<'_, Adv>, want: &Adv, shown: &str, pg_too: bool) {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            if shown.chars().count() >= 3 {
                assert!(
                    !q.sql(dialect).contains(shown),
                    "{what}: the SQL contains the value\n  {}",
                    q.sql(dialect)
                );
            }
        }
        let rows = q
            .fetch_all(&self.sqlite)
            .unwrap_or_else(|e| panic!("{what} (SQLite): {e}"));
        let got = rows.iter().find(|r| r.id == want.id);
        assert_eq!(got, Some(want), "{what} on SQLite");
        if let (Some(c), true) = (self.pg.as_mut(), pg_too) {
            let rows = q
                .fetch_all(&mut **c)
                .unwrap_or_else(|e| panic!("{what} (PostgreSQL): {e}"));
            let got = rows.iter().find(|r| r.id == want.id);
            assert_eq!(got, Some(want), "{what} on PostgreSQL");
        }
    }
}

fn texts() -> Vec<String> {
    let mut v: Vec<String> = [
        "'",
        "''",
        "\"",
        "%",
        "_",
        "\\",
        "\\%",
        "%_\\",
        "--",
        "/*",
        "*/",
        "/* -- */",
        ";",
        "; DROP TABLE adv; --",
        "$1",
        "$$",
        "?",
        "?1",
        ":name",
        "@p",
        "\r\n",
        "\n",
        "\t",
        "\u{2028}",
        "\u{2029}",
        "😀",
        "👩‍👩‍👧",
        "e\u{301}",
        "é",
        "\u{202e}abc",
        "\u{feff}",
        "ß",
        "ǅ",
        "İ",
        "ﬁ",
        "Ω",
        " ",
        "  leading",
        "trailing  ",
        "NULL",
        "null",
        "0",
        "-1",
        "1e308",
        "' OR '1'='1",
        "x\u{7f}y",
        "\u{1}",
        "a\u{0}b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("é".repeat(512 * 1024)); // 1 MiB of UTF-8
    v
}

#[test]
fn text_values_through_every_text_lookup() {
    let mut db = dbs();
    for (i, text) in texts().into_iter().enumerate() {
        let id = i as i64 + 1;
        let nul = text.contains('\0');
        let row = Adv {
            text: text.clone(),
            bytes: text.as_bytes().to_vec(),
            ..base(id)
        };
        db.insert(&row, !nul);
        let pg = !nul;
        let t = text.as_str();
        let what = |l: &str| format!("{l} {:?}", t.chars().take(20).collect::<String>());
        db.finds(&what("exact"), &query!(Adv, text = t), &row, t, pg);
        db.finds(&what("iexact"), &query!(Adv, text__iexact = t), &row, t, pg);
        db.finds(
            &what("in"),
            &query!(Adv, text__in = [t, "other"]),
            &row,
            t,
            pg,
        );
        db.finds(
            &what("range"),
            &query!(Adv, text__range = (t, t)),
            &row,
            t,
            pg,
        );
        db.finds(
            &what("gte"),
            &query!(Adv, text__gte = t, text__lte = t),
            &row,
            t,
            pg,
        );
        db.finds(
            &what("bytes exact"),
            &query!(Adv, bytes = row.bytes.as_slice()),
            &row,
            t,
            pg,
        );
        if !nul {
            // SQLite's length() and instr() stop at NUL; PostgreSQL text cannot hold it.
            db.finds(
                &what("contains"),
                &query!(Adv, text__contains = t),
                &row,
                t,
                pg,
            );
            db.finds(
                &what("icontains"),
                &query!(Adv, text__icontains = t),
                &row,
                t,
                pg,
            );
            db.finds(
                &what("startswith"),
                &query!(Adv, text__startswith = t),
                &row,
                t,
                pg,
            );
            db.finds(
                &what("istartswith"),
                &query!(Adv, text__istartswith = t),
                &row,
                t,
                pg,
            );
            db.finds(
                &what("endswith"),
                &query!(Adv, text__endswith = t),
                &row,
                t,
                pg,
            );
            db.finds(
                &what("iendswith"),
                &query!(Adv, text__iendswith = t),
                &row,
                t,
                pg,
            );
        }
        // A value that only differs by one character must not match.
        let other = format!("{t}x");
        let q = query!(Adv, text = other.as_str(), id = id);
        assert!(
            q.fetch_all(&db.sqlite).expect("sqlite").is_empty(),
            "{}",
            what("not equal")
        );
    }
}

#[test]
fn nul_in_text_is_a_typed_error_on_postgres() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Adv, _>(&mut *pg).expect("table");
    let q = query!(Adv, text = "a\0b");
    match q.fetch_all(&mut *pg) {
        Err(dunder::Error::InvalidValue { reason, sql }) => {
            assert!(reason.contains("NUL"), "{reason}");
            assert_eq!(sql, q.sql(Dialect::Postgres));
        }
        other => panic!("expected InvalidValue, got {other:?}"),
    }
    let q = query!(Adv, text__in = ["ok", "a\0b"]);
    assert!(matches!(
        q.fetch_all(&mut *pg),
        Err(dunder::Error::InvalidValue { .. })
    ));
    // The connection is still usable.
    assert_eq!(query!(Adv.count()).run(&mut *pg).expect("count"), 0);
}

#[test]
fn extreme_numbers_dates_and_times() {
    let mut db = dbs();
    let ints = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
    let doubles = [
        f64::MIN,
        -1e-300,
        -f64::MIN_POSITIVE,
        5e-324,
        f64::MIN_POSITIVE,
        1e-300,
        0.1,
        1e300,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let dates = [
        "0001-01-01",
        "9999-12-31",
        "2000-02-29",
        "1900-02-28",
        "1970-01-01",
    ];
    let datetimes = [
        "0001-01-01 00:00:00",
        "9999-12-31 23:59:59.999999",
        "2020-02-29 12:00:00.000001",
        "1999-12-31 23:59:59.999999",
    ];
    let times = [
        "00:00:00",
        "23:59:59.999999",
        "12:00:00.000001",
        "00:00:00.5",
    ];
    let mut id = 0;
    for (i, &int) in ints.iter().enumerate() {
        id += 1;
        let row = Adv {
            int,
            double: doubles[i % doubles.len()],
            date: NaiveDate::parse_from_str(dates[i % dates.len()], "%Y-%m-%d").expect("date"),
            at: NaiveDateTime::parse_from_str(
                datetimes[i % datetimes.len()],
                "%Y-%m-%d %H:%M:%S%.f",
            )
            .expect("dt"),
            time: NaiveTime::parse_from_str(times[i % times.len()], "%H:%M:%S%.f").expect("time"),
            ..base(id)
        };
        db.insert(&row, true);
        db.finds("int exact", &query!(Adv, int = int), &row, "", true);
        db.finds("int in", &query!(Adv, int__in = [int]), &row, "", true);
        db.finds(
            "int range",
            &query!(Adv, int__range = (int, int)),
            &row,
            "",
            true,
        );
        db.finds(
            "date exact",
            &query!(Adv, date = row.date, at = row.at, time = row.time),
            &row,
            "",
            true,
        );
        db.finds(
            "date in",
            &query!(
                Adv,
                date__in = [row.date],
                at__in = [row.at],
                time__in = [row.time]
            ),
            &row,
            "",
            true,
        );
        db.finds(
            "year",
            &query!(
                Adv,
                date__year = row
                    .date
                    .format("%Y")
                    .to_string()
                    .parse::<i32>()
                    .unwrap_or(0)
            ),
            &row,
            "",
            true,
        );
    }
    for &double in &doubles {
        id += 1;
        let row = Adv { double, ..base(id) };
        db.insert(&row, true);
        db.finds(
            &format!("double exact {double:e}"),
            &query!(Adv, double = double),
            &row,
            "",
            true,
        );
        db.finds(
            &format!("double in {double:e}"),
            &query!(Adv, double__in = [double, 42.0]),
            &row,
            "",
            true,
        );
        db.finds(
            &format!("double range {double:e}"),
            &query!(Adv, double__range = (double, double)),
            &row,
            "",
            true,
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any text without NUL is found by each text lookup and read back as it was.
    #[test]
    fn any_text_round_trips(text in "\\PC{0,40}", extra in "[^\\x00]{0,8}") {
        let mut db = dbs();
        let text = format!("{text}{extra}");
        prop_assume!(!text.contains('\0'));
        let row = Adv { text: text.clone(), bytes: text.as_bytes().to_vec(), ..base(1) };
        db.insert(&row, true);
        let t = text.as_str();
        db.finds("exact", &query!(Adv, text = t), &row, t, true);
        db.finds("contains", &query!(Adv, text__contains = t), &row, t, true);
        db.finds("icontains", &query!(Adv, text__icontains = t), &row, t, true);
        db.finds("startswith", &query!(Adv, text__startswith = t), &row, t, true);
        db.finds("iendswith", &query!(Adv, text__iendswith = t), &row, t, true);
        db.finds("in", &query!(Adv, text__in = vec![t]), &row, t, true);
        db.finds("bytes", &query!(Adv, bytes = &row.bytes), &row, t, true);
    }
}

/// SQLite has no NaN: binding one stores NULL, which a NOT NULL column
/// refuses, and comparing with NaN finds nothing. PostgreSQL keeps NaN (and,
/// unlike IEEE, finds it equal to itself).
#[test]
fn nan_is_kept_by_postgres_and_refused_by_sqlite() {
    let db = dbs();
    let row = Adv {
        double: f64::NAN,
        ..base(1)
    };
    let ps = params(&row);
    let e = db
        .sqlite
        .execute(INSERT_SQLITE, rusqlite::params_from_iter(ps.iter()))
        .expect_err("NaN in NOT NULL");
    assert!(e.to_string().contains("NOT NULL"), "{e}");
    assert!(query!(Adv, double = f64::NAN)
        .fetch_all(&db.sqlite)
        .expect("sqlite")
        .is_empty());
    let Some(mut pg) = db.pg else { return };
    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = ps
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect();
    pg.execute(INSERT_PG, &refs).expect("pg insert");
    let rows = query!(Adv, double = f64::NAN)
        .fetch_all(&mut *pg)
        .expect("pg");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].double.is_nan());
}

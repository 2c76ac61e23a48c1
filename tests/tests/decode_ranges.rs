//! A stored value the field's Rust type cannot hold is `Error::Decode`,
//! never a silently different value.

use dunder::prelude::*;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

#[test]
fn an_f32_field_reading_a_double_beyond_its_range_is_a_decode_error() {
    let conn = dunder_tests::sqlite();
    every_kind::load_sqlite(&conn, &every_kind::seed());
    conn.execute("UPDATE every_kind SET real = 1e300 WHERE id = 1", [])
        .expect("sqlite stores any double");
    let err = query!(EveryKind.get(pk = 1)).run(&conn).unwrap_err();
    match &err {
        dunder::Error::Decode { column, found, .. } => {
            assert_eq!(*column, "real");
            assert!(found.contains("out of range for f32"), "{found}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // Infinities stay infinities (they fit).
    conn.execute("UPDATE every_kind SET real = 9e999 WHERE id = 1", [])
        .expect("inf");
    let row = query!(EveryKind.get(pk = 1))
        .run(&conn)
        .expect("inf decodes");
    assert!(row.real.is_infinite());
    // PostgreSQL's `real` column refuses such a value when it is written.
    if let Some(mut db) = dunder_tests::pg() {
        every_kind::load_pg(&mut db, &every_kind::seed());
        let err = db
            .batch_execute("UPDATE every_kind SET real = 1e300 WHERE id = 1")
            .unwrap_err();
        assert!(
            err.to_string().contains("out of range") || format!("{err:?}").contains("22003"),
            "{err:?}"
        );
    }
}

/// PostgreSQL's dates run to the year 5874897 and its timestamps to 294276,
/// chrono's to 262142; and both have `infinity`. Reading one says what the
/// value is and why it does not fit.
#[test]
fn a_postgres_date_beyond_chrono_says_what_it_is() {
    let Some(mut db) = dunder_tests::pg() else {
        return;
    };
    every_kind::load_pg(&mut db, &every_kind::seed());
    let found = |db: &mut dunder_tests::PgDb, set: &str| -> (&'static str, String) {
        db.batch_execute(&format!("UPDATE every_kind SET {set} WHERE id = 1"))
            .expect("PostgreSQL stores it");
        let err = query!(EveryKind.get(pk = 1)).run(&mut **db).unwrap_err();
        let text = err.to_string();
        match err {
            dunder::Error::Decode { column, found, .. } => {
                assert!(text.contains(&found), "{text}");
                (column, found)
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    };
    let (column, text) = found(&mut db, "date = '300000-01-01'");
    assert_eq!(column, "date");
    assert_eq!(
        text,
        "the date 300000-01-01, beyond chrono's range (years -262143 to 262142)"
    );
    let (column, text) = found(&mut db, "date = '5874897-12-31'");
    assert_eq!(column, "date");
    assert!(text.starts_with("the date 5874897-12-31, beyond"), "{text}");
    let (column, text) = found(&mut db, "date = 'infinity'");
    assert_eq!(column, "date");
    assert!(text.starts_with("infinity ("), "{text}");
    let (column, text) = found(&mut db, "date = '-infinity', opt_date = 'infinity'");
    assert_eq!(
        (column, text.starts_with("-infinity (")),
        ("date", true),
        "{text}"
    );
    let (column, text) = found(&mut db, "date = '2020-02-29'");
    assert_eq!(
        (column, text.starts_with("infinity (")),
        ("opt_date", true),
        "{text}"
    );
    let (column, text) = found(
        &mut db,
        "opt_date = NULL, datetime = '294276-12-31 23:59:59.5'",
    );
    assert_eq!(column, "datetime");
    assert_eq!(
        text,
        "the timestamp 294276-12-31 23:59:59.500000, beyond chrono's range (years -262143 to 262142)"
    );
    let (column, text) = found(
        &mut db,
        "datetime = '2020-01-01', datetime_utc = '-infinity'",
    );
    assert_eq!(
        (column, text.starts_with("-infinity (")),
        ("datetime_utc", true),
        "{text}"
    );
    // Dates before the year 1 fit chrono (PostgreSQL's earliest is 4713 BC).
    db.batch_execute(
        "UPDATE every_kind SET datetime_utc = now(), date = '4713-01-01 BC' WHERE id = 1",
    )
    .expect("store");
    let row = query!(EveryKind.get(pk = 1))
        .run(&mut *db)
        .expect("decodes");
    use chrono::Datelike;
    assert_eq!(row.date.year(), -4712);
}

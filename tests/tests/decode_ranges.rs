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

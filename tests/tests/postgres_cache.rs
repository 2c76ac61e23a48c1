//! `dunder::postgres::Client`: each query is prepared once per connection,
//! transactions share the cache, and a statement the server no longer
//! accepts is prepared again.

use dunder::prelude::*;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

fn cached() -> Option<(dunder_tests::PgDb, dunder::postgres::Client)> {
    let mut db = dunder_tests::pg()?;
    every_kind::load_pg(&mut db, &every_kind::seed());
    let client = dunder::postgres::Client::new(dunder_tests::pg_connect(&db));
    Some((db, client))
}

fn by_int(client: &mut dunder::postgres::Client, min: i32) -> Vec<i64> {
    query!(EveryKind.filter(int__gte = min).order_by(id))
        .fetch_all(client)
        .expect("query")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[test]
fn statements_are_prepared_once_and_reused() {
    let Some((db, mut client)) = cached() else {
        return;
    };
    assert_eq!(client.cached_statements(), 0);
    let first = by_int(&mut client, 3);
    assert_eq!(client.cached_statements(), 1);
    for min in [3, 4, 5, 3] {
        let again = by_int(&mut client, min);
        if min == 3 {
            assert_eq!(again, first);
        }
    }
    assert_eq!(
        client.cached_statements(),
        1,
        "the same query! reuses its statement"
    );
    let n: i64 = query!(EveryKind.count()).run(&mut client).expect("count");
    assert_eq!(n, 8);
    assert_eq!(client.cached_statements(), 2);
    // The answers are those of the plain client.
    let mut plain = dunder_tests::pg_connect(&db);
    let q = query!(EveryKind.filter(int__gte = 3).order_by(id));
    let plain_ids: Vec<i64> = q
        .fetch_all(&mut plain)
        .expect("plain")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(plain_ids, first);
}

#[test]
fn transactions_share_the_cache_and_roll_back() {
    let Some((_db, mut client)) = cached() else {
        return;
    };
    let before = by_int(&mut client, 0);
    {
        let mut tx = client.transaction().expect("begin");
        tx.execute("DELETE FROM every_kind WHERE id = 1", &[])
            .expect("delete");
        let inside: Vec<i64> = query!(EveryKind.filter(int__gte = 0).order_by(id))
            .fetch_all(&mut tx)
            .expect("in tx")
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert!(!inside.contains(&1));
        tx.rollback().expect("rollback");
    }
    assert_eq!(client.cached_statements(), 1);
    assert_eq!(by_int(&mut client, 0), before);
}

#[test]
fn a_statement_invalidated_by_a_schema_change_is_prepared_again() {
    let Some((_db, mut client)) = cached() else {
        return;
    };
    let before = by_int(&mut client, 0);
    client
        .batch_execute("ALTER TABLE every_kind ALTER COLUMN small TYPE integer")
        .expect("alter");
    // The old plan's result type changed: the first call may fail with a
    // typed error (and evicts the statement); the next one works again.
    let first = query!(EveryKind.filter(int__gte = 0).order_by(id)).fetch_all(&mut client);
    if let Err(e) = &first {
        assert!(e.sql().is_some(), "{e}");
    }
    client
        .batch_execute("ALTER TABLE every_kind ALTER COLUMN small TYPE smallint")
        .expect("alter back");
    let _ = query!(EveryKind.filter(int__gte = 0).order_by(id)).fetch_all(&mut client);
    assert_eq!(by_int(&mut client, 0), before);
}

/// After a schema change that keeps the types Rust reads (text → varchar),
/// the next query just works: the stale plan is prepared again and the
/// query retried once, without the caller seeing an error. Inside a
/// transaction the failure has aborted it, so the error is returned.
#[test]
fn a_stale_plan_is_prepared_again_and_retried_once() {
    let Some((_db, mut client)) = cached() else {
        return;
    };
    let texts = |client: &mut dunder::postgres::Client| {
        query!(EveryKind.filter(text__contains = "").order_by(id))
            .fetch_all(client)
            .map(|rows| rows.into_iter().map(|r| r.text).collect::<Vec<_>>())
    };
    let before = texts(&mut client).expect("before");
    let bump = query!(EveryKind.filter(id = 1).update(text = "changed"));
    assert_eq!(bump.run(&mut client).expect("update"), 1);
    client
        .batch_execute("ALTER TABLE every_kind ALTER COLUMN text TYPE varchar(100000)")
        .expect("alter");
    let after = texts(&mut client).expect("the read is retried, not failed");
    assert_eq!(after.len(), before.len());
    assert_eq!(after[0], "changed");
    assert_eq!(bump.run(&mut client).expect("the write works too"), 1);
    client
        .batch_execute("ALTER TABLE every_kind ALTER COLUMN text TYPE text")
        .expect("alter back");
    let mut tx = client.transaction().expect("tx");
    let err = query!(EveryKind.filter(text__contains = "").order_by(id))
        .fetch_all(&mut tx)
        .expect_err("inside a transaction the stale plan is an error");
    assert!(err.to_string().contains("0A000"), "{err}");
    tx.rollback().expect("rollback");
    assert_eq!(
        texts(&mut client).expect("prepared again").len(),
        before.len()
    );
}

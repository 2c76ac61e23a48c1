//! `dunder::postgres::Connection`, dunder's own PostgreSQL client: the
//! protocol under every path (prepared once and cached, unnamed for raw SQL,
//! the simple protocol for scripts), its errors, and a stream that stays in
//! step after anything goes wrong. Against the real server.

use dunder::postgres::Connection;
use dunder::prelude::*;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

#[derive(Model, Debug)]
#[dunder(table = "uniq")]
struct Uniq {
    id: i64,
    v: i32,
}

fn conn() -> Option<(dunder_tests::PgDb, Connection)> {
    let db = dunder_tests::pg()?;
    every_kind::load_pg(&mut dunder_tests::pg_connect(&db), &every_kind::seed());
    let conn = dunder_tests::pg_conn(&db);
    Some((db, conn))
}

fn ids(conn: &mut Connection, min: i32) -> Vec<i64> {
    query!(EveryKind.filter(int__gte = min).order_by(id))
        .fetch_all(conn)
        .expect("query")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// Every field kind goes in through the bulk paths (one row: VALUES; more:
/// UNNEST arrays) and comes back as sent.
#[test]
fn bulk_writes_of_every_kind() {
    let Some(db) = dunder_tests::pg() else {
        return;
    };
    let mut conn = dunder_tests::pg_conn(&db);
    dunder::create_table::<EveryKind, _>(&mut conn).expect("table");
    let new = every_kind::new_rows(300);
    let created = EveryKind::bulk_create(&mut conn, &new).expect("bulk_create");
    assert_eq!(created.len(), 300);
    assert_eq!(
        EveryKind::bulk_insert(&mut conn, &new[..1]).expect("one"),
        1
    );
    assert_eq!(EveryKind::bulk_insert(&mut conn, &new).expect("many"), 300);
    let stored = query!(EveryKind
        .filter(id__in = created.iter().map(|r| r.id).collect::<Vec<_>>())
        .order_by(id))
    .fetch_all(&mut conn)
    .expect("read back");
    assert_eq!(format!("{stored:?}"), format!("{created:?}"));
    assert_eq!(count(&mut conn), 601);
}

fn count(conn: &mut Connection) -> usize {
    query!(EveryKind.count()).run(conn).expect("count") as usize
}

/// Every field kind decodes as the postgres crate decodes it.
#[test]
fn rows_are_those_of_the_postgres_crate() {
    let Some((db, mut conn)) = conn() else {
        return;
    };
    let q = query!(EveryKind.order_by(id));
    let ours = q.fetch_all(&mut conn).expect("own client");
    let theirs = q
        .fetch_all(&mut dunder_tests::pg_connect(&db))
        .expect("postgres crate");
    assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    assert_eq!(ours.len(), every_kind::seed().len());
    // And again from the cache, through the other paths.
    assert_eq!(
        format!("{:?}", q.fetch_all(&mut conn).unwrap()),
        format!("{ours:?}")
    );
    let mut streamed = Vec::new();
    q.try_for_each(&mut conn, |r| {
        streamed.push(r);
        Ok(())
    })
    .expect("streamed");
    assert_eq!(format!("{streamed:?}"), format!("{ours:?}"));
}

#[test]
fn each_query_is_prepared_once() {
    let Some((_db, mut conn)) = conn() else {
        return;
    };
    assert_eq!(conn.cached_statements(), 0);
    let first = ids(&mut conn, 3);
    assert_eq!(conn.cached_statements(), 1);
    for min in [4, 5, 3] {
        let again = ids(&mut conn, min);
        if min == 3 {
            assert_eq!(again, first);
        }
    }
    assert_eq!(conn.cached_statements(), 1);
    // Raw SQL is never cached.
    let n: Vec<i64> = conn
        .query("SELECT count(*) FROM every_kind WHERE int >= ?", &[&3i32])
        .expect("raw");
    assert_eq!(n, [first.len() as i64]);
    assert_eq!(conn.cached_statements(), 1);
}

/// A statement prepared by its first run, whose run then failed, exists on
/// the server: it is kept, and the next run binds it again.
#[test]
fn a_failure_on_the_first_run_keeps_the_statement() {
    let Some((_db, mut conn)) = conn() else {
        return;
    };
    conn.batch_execute("CREATE TABLE uniq (id bigserial PRIMARY KEY, v integer UNIQUE)")
        .expect("table");
    conn.execute("INSERT INTO uniq (v) VALUES (?)", &[&1i32])
        .expect("seed");
    let insert = |conn: &mut Connection, v: i32| query!(Uniq.create(v = v)).run(conn);
    let err = insert(&mut conn, 1).expect_err("duplicate");
    assert!(
        matches!(err, dunder::Error::UniqueViolation { .. }),
        "{err:?}"
    );
    assert_eq!(conn.cached_statements(), 1);
    let row = insert(&mut conn, 2).expect("the same statement, bound again");
    assert_eq!(row.v, 2);
    assert_eq!(conn.cached_statements(), 1);
}

#[test]
fn a_stale_plan_is_prepared_again_and_retried_once() {
    let Some((_db, mut conn)) = conn() else {
        return;
    };
    let texts = |conn: &mut Connection| {
        query!(EveryKind.filter(text__contains = "").order_by(id))
            .fetch_all(conn)
            .map(|rows| rows.into_iter().map(|r| r.text).collect::<Vec<_>>())
    };
    let before = texts(&mut conn).expect("before");
    conn.batch_execute("ALTER TABLE every_kind ALTER COLUMN text TYPE varchar(100000)")
        .expect("alter");
    assert_eq!(texts(&mut conn).expect("retried, not failed"), before);
    conn.batch_execute("ALTER TABLE every_kind ALTER COLUMN text TYPE text")
        .expect("alter back");
    let mut tx = conn.transaction().expect("tx");
    let err = query!(EveryKind.filter(text__contains = "").order_by(id))
        .fetch_all(&mut tx)
        .expect_err("inside a transaction the stale plan is an error");
    assert!(err.to_string().contains("0A000"), "{err}");
    tx.rollback().expect("rollback");
    assert_eq!(texts(&mut conn).expect("prepared again"), before);
}

/// Server errors are typed, carry the SQL and the server's words, and leave
/// the connection in step for the next statement.
#[test]
fn errors_are_typed_and_the_connection_stays_usable() {
    let Some((_db, mut conn)) = conn() else {
        return;
    };
    let err = conn
        .execute("INSERT INTO every_kind (id) VALUES (?)", &[&1i64])
        .expect_err("null violation");
    match &err {
        dunder::Error::NotNullViolation { column, sql, .. } => {
            assert_eq!(column.as_deref(), Some("flag"));
            assert!(sql.starts_with("INSERT INTO every_kind"), "{sql}");
        }
        other => panic!("{other:?}"),
    }
    let text = std::error::Error::source(&err).expect("source").to_string();
    assert!(text.contains("SQLSTATE 23502"), "{text}");
    // A syntax error in raw SQL, a division by zero in the middle of the
    // rows, a script whose second statement fails.
    let err = conn.query::<i64>("SELEC 1", &[]).expect_err("syntax");
    assert!(err.to_string().contains("42601"), "{err}");
    let err = conn
        .query::<i64>(
            "SELECT 10 / (3 - g::bigint) FROM generate_series(1, 5) g",
            &[],
        )
        .expect_err("division by zero after two rows");
    assert!(err.to_string().contains("22012"), "{err}");
    let err = conn
        .batch_execute("SELECT 1; SELECT 1/0; SELECT 2")
        .expect_err("script");
    assert!(err.to_string().contains("22012"), "{err}");
    assert_eq!(count(&mut conn), every_kind::seed().len());
    // COPY FROM STDIN is refused on both protocols, and the stream stays in
    // step.
    let err = conn
        .batch_execute("COPY every_kind (id) FROM STDIN")
        .expect_err("copy, simple protocol");
    assert!(err.to_string().contains("COPY"), "{err}");
    assert_eq!(count(&mut conn), every_kind::seed().len());
    let err = conn
        .execute("COPY every_kind (id) FROM STDIN", &[])
        .expect_err("copy, extended protocol");
    assert!(err.to_string().contains("COPY"), "{err}");
    assert_eq!(count(&mut conn), every_kind::seed().len());
    assert!(!conn.is_closed());
}

/// A value that cannot be sent is refused before anything is sent.
#[test]
fn values_that_cannot_be_sent_leave_nothing_half_written() {
    let Some((_db, mut conn)) = conn() else {
        return;
    };
    let err = query!(EveryKind.filter(text = "a\0b").count())
        .run(&mut conn)
        .expect_err("NUL");
    assert!(matches!(err, dunder::Error::InvalidValue { .. }), "{err:?}");
    let mut rows = every_kind::new_rows(2);
    rows[1].opt_text = Some("x\0y".into());
    let err = EveryKind::bulk_insert(&mut conn, &rows).expect_err("NUL in a bulk row");
    assert!(matches!(err, dunder::Error::InvalidValue { .. }), "{err:?}");
    let n = query!(EveryKind.count()).run(&mut conn).expect("count");
    assert_eq!(n as usize, every_kind::seed().len());
}

/// Large values grow the buffers; many rows stream; a consumer that stops
/// early leaves the rest to be read before the next statement.
#[test]
fn large_values_many_rows_and_early_stops() {
    let Some((_db, mut conn)) = conn() else {
        return;
    };
    let big = "é".repeat(1 << 20);
    let n = query!(EveryKind.filter(id = 1).update(text = big.as_str()))
        .run(&mut conn)
        .expect("update");
    assert_eq!(n, 1);
    let row = query!(EveryKind.get(id = 1)).run(&mut conn).expect("get");
    assert_eq!(row.text, big);
    let many: Vec<i64> = conn
        .query("SELECT g::bigint FROM generate_series(1, 20000) g", &[])
        .expect("many");
    assert_eq!(many.len(), 20_000);
    assert_eq!(many.iter().sum::<i64>(), 20_000 * 20_001 / 2);
    // Stop after the first row: the rest is drained.
    let mut seen = 0;
    let r = query!(EveryKind.order_by(id)).try_for_each(&mut conn, |_| {
        seen += 1;
        Err(dunder::Error::NotFound { sql: "stop".into() })
    });
    assert!(r.is_err());
    assert_eq!(seen, 1);
    assert_eq!(count(&mut conn), every_kind::seed().len());
}

#[test]
fn transactions_savepoints_and_drops() {
    let Some((_db, mut conn)) = conn() else {
        return;
    };
    let all = ids(&mut conn, 0);
    {
        let mut tx = conn.transaction().expect("begin");
        query!(EveryKind.filter(id = 1).delete())
            .run(&mut tx)
            .expect("delete");
        {
            let mut sp = tx.savepoint().expect("savepoint");
            query!(EveryKind.filter(id = 2).delete())
                .run(&mut sp)
                .expect("delete");
            // Dropped: rolled back to the savepoint.
        }
        let mut sp = tx.savepoint().expect("savepoint");
        query!(EveryKind.filter(id = 3).delete())
            .run(&mut sp)
            .expect("delete");
        sp.commit().expect("release");
        tx.commit().expect("commit");
    }
    let left = ids(&mut conn, 0);
    assert_eq!(left.len(), all.len() - 2);
    assert!(!left.contains(&1) && left.contains(&2) && !left.contains(&3));
    {
        // Dropped without commit: rolled back.
        let mut tx = conn.transaction().expect("begin");
        query!(EveryKind.delete()).run(&mut tx).expect("delete all");
    }
    assert_eq!(ids(&mut conn, 0), left);
    // A failed statement aborts the transaction; `atomic` rolls it back.
    let r = dunder::atomic(&mut conn, |tx| {
        query!(EveryKind.filter(id = 2).delete()).run(&mut *tx)?;
        tx.execute("SELECT 1/0", &[])?;
        Ok::<_, dunder::Error>(())
    });
    assert!(r.is_err());
    assert_eq!(ids(&mut conn, 0), left);
    // Row locks need a transaction: inside one they work.
    dunder::atomic(&mut conn, |tx| {
        let locked = query!(EveryKind.filter(id = 2).select_for_update(nowait = true))
            .fetch_all(&mut *tx)?;
        assert_eq!(locked.len(), 1);
        Ok::<_, dunder::Error>(())
    })
    .expect("select_for_update");
}

/// Notices and parameter changes arrive between the answers: they are
/// skipped.
#[test]
fn notices_and_parameter_changes_are_skipped() {
    let Some((_db, mut conn)) = conn() else {
        return;
    };
    conn.batch_execute(
        "SET application_name = 'dunder test'; \
         DO $$ BEGIN RAISE NOTICE 'hello'; RAISE WARNING 'careful'; END $$; \
         SET TimeZone = 'Asia/Tokyo'",
    )
    .expect("script");
    let name: Vec<String> = conn
        .query("SELECT current_setting('application_name')", &[])
        .expect("setting");
    assert_eq!(name, ["dunder test"]);
    assert_eq!(count(&mut conn), every_kind::seed().len());
}

/// A session the server ends is a connection error, now and for every
/// later statement, without waiting.
#[test]
fn a_terminated_session_is_a_connection_error() {
    let Some((db, mut conn)) = conn() else {
        return;
    };
    let pid: Vec<i32> = conn.query("SELECT pg_backend_pid()", &[]).expect("pid");
    let mut admin = dunder_tests::pg_connect(&db);
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid[0]])
        .expect("terminate");
    let first = query!(EveryKind.count()).run(&mut conn);
    assert!(
        matches!(first, Err(dunder::Error::Connection { .. })),
        "{first:?}"
    );
    assert!(conn.is_closed());
    let again = query!(EveryKind.count()).run(&mut conn);
    assert!(
        matches!(again, Err(dunder::Error::Connection { .. })),
        "{again:?}"
    );
}

/// Connection strings: URLs and libpq's key=value form, a Unix-domain
/// socket, and the errors of a bad string, a refused port, an unknown
/// database and `sslmode=require`.
#[test]
fn connection_strings_and_their_errors() {
    let Some((db, _conn)) = conn() else {
        return;
    };
    let config: postgres::Config = dunder_tests::postgres_url().parse().expect("url");
    let user = config.get_user().unwrap_or("postgres").to_owned();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let password = config
        .get_password()
        .map(|p| format!(" password={}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    let kv = format!(
        "host={host} port={port} user={user} dbname={}{password} application_name=kv",
        db.dbname()
    );
    let mut c = Connection::connect(&kv).expect("key=value");
    let n = query!(EveryKind.count()).run(&mut c).expect("count");
    assert_eq!(n as usize, every_kind::seed().len());

    // The server's Unix-domain socket, where there is one here.
    let dir = std::path::Path::new("/var/run/postgresql");
    if dir.join(format!(".s.PGSQL.{port}")).exists() && host == "127.0.0.1" {
        let mut c = Connection::connect(&format!(
            "host={} port={port} user={user} dbname={}{password}",
            dir.display(),
            db.dbname()
        ))
        .expect("unix socket");
        let n = query!(EveryKind.count()).run(&mut c).expect("count");
        assert_eq!(n as usize, every_kind::seed().len());
    }

    let err = Connection::connect("postgres://[nope").expect_err("bad url");
    assert!(matches!(err, dunder::Error::Connection { .. }), "{err:?}");
    // A port nobody listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let err =
        Connection::connect(&format!("postgres://{user}@127.0.0.1:{free}/x")).expect_err("refused");
    assert!(matches!(err, dunder::Error::Connection { .. }), "{err:?}");
    let err = Connection::connect(&format!(
        "host={host} port={port} user={user} dbname=dunder_no_such_db{password}"
    ))
    .expect_err("no such database");
    let text = std::error::Error::source(&err).expect("source").to_string();
    assert!(text.contains("3D000"), "{text}");
    let err = Connection::connect(&format!("{kv} sslmode=require")).expect_err("TLS");
    let text = std::error::Error::source(&err).expect("source").to_string();
    assert!(text.contains("without TLS"), "{text}");
}

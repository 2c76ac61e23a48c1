//! A connection lost while `COMMIT` is under way leaves the transaction's
//! outcome unknown: `atomic` says so with `Error::CommitUnknown` (never
//! retried), whereas a connection lost before `COMMIT` is
//! `Error::Connection` and nothing was written. On the plain PostgreSQL
//! client, the caching client and `Db`, with real faults:
//!
//! * a backend killed (`pg_terminate_backend`) while its `COMMIT` runs a
//!   deferred constraint trigger that sleeps: `CommitUnknown` (here the
//!   transaction did not commit);
//! * a backend killed while a statement of the transaction sleeps in a
//!   trigger: `Connection`, nothing written;
//! * the connection cut by a TCP relay after the server received `COMMIT`
//!   and answered it: `CommitUnknown` although the transaction **did**
//!   commit — the case where a blind retry writes twice;
//! * the connection cut during a savepoint's `RELEASE`: `Connection` (the
//!   outer transaction never committed).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dunder::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub name: String,
}

/// A trigger function that sleeps (until the backend is killed), fired at
/// COMMIT for one name and inside the INSERT for another.
const TRIGGERS: &str = r#"
CREATE FUNCTION dunder_sleep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(300);
    RETURN NEW;
END $$;
CREATE CONSTRAINT TRIGGER entry_sleep_at_commit AFTER INSERT ON entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.name = 'sleep at commit') EXECUTE FUNCTION dunder_sleep();
CREATE TRIGGER entry_sleep_in_statement BEFORE INSERT ON entry
    FOR EACH ROW WHEN (NEW.name = 'sleep in statement') EXECUTE FUNCTION dunder_sleep();
"#;

fn setup() -> Option<dunder_tests::PgDb> {
    let mut pg = dunder_tests::pg()?;
    dunder::create_table::<Entry, _>(&mut *pg).expect("table");
    pg.batch_execute(TRIGGERS).expect("triggers");
    Some(pg)
}

fn names(admin: &mut postgres::Client) -> Vec<String> {
    admin
        .query("SELECT name FROM entry ORDER BY id", &[])
        .expect("names")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn backend_pid(c: &mut postgres::Client) -> i32 {
    c.query_one("SELECT pg_backend_pid()", &[])
        .expect("pid")
        .get(0)
}

/// Waits (polling `pg_stat_activity`, up to two minutes) until backend `pid`
/// sleeps in `pg_sleep` while running a statement that matches `query`,
/// then terminates it.
fn terminate_when_sleeping(admin: &mut postgres::Client, pid: i32, query: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let sql = "SELECT count(*) FROM pg_stat_activity \
               WHERE pid = $1 AND wait_event = 'PgSleep' AND query LIKE $2";
    loop {
        let n: i64 = admin
            .query_one(sql, &[&pid, &query])
            .expect("pg_stat_activity")
            .get(0);
        if n == 1 {
            break;
        }
        if Instant::now() > deadline {
            let _ = admin.execute("SELECT pg_terminate_backend($1)", &[&pid]);
            panic!("backend {pid} never slept in {query:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let done: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .expect("terminate")
        .get(0);
    assert!(done, "terminated backend {pid}");
}

/// A TCP relay between one client and the PostgreSQL server that forwards
/// everything until the client sends a simple-protocol message containing
/// `needle`; it forwards that message too, then drops the server's answer
/// and closes both sides. The server has done what was asked; the client
/// never learns it.
struct Relay {
    port: u16,
    cut: Arc<AtomicBool>,
}

/// `COMMIT` as the client sends it (`Q`, length 11, text, NUL).
const COMMIT_MESSAGE: &[u8] = b"Q\0\0\0\x0bCOMMIT\0";
/// The start of a savepoint's release (`RELEASE sp_<n>` from the postgres
/// crate, `RELEASE SAVEPOINT dunder_<n>` from dunder's own client).
const RELEASE_MESSAGE: &[u8] = b"RELEASE ";

fn server_address() -> (String, u16) {
    let config: postgres::Config = dunder_tests::postgres_url().parse().expect("url");
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        other => panic!("the relay needs a TCP server address, not {other:?}"),
    };
    (host, config.get_ports().first().copied().unwrap_or(5432))
}

fn start_relay(needle: &'static [u8]) -> Relay {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let cut = Arc::new(AtomicBool::new(false));
    let cut2 = Arc::clone(&cut);
    let (host, server_port) = server_address();
    std::thread::spawn(move || {
        let (client, _) = listener.accept().expect("accept");
        let server = TcpStream::connect((host.as_str(), server_port)).expect("server");
        let armed = Arc::new(AtomicBool::new(false));
        let (mut c_in, mut s_out) = (
            client.try_clone().expect("clone"),
            server.try_clone().expect("clone"),
        );
        let armed2 = Arc::clone(&armed);
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = match c_in.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let chunk = &buf[..n];
                if chunk.windows(needle.len()).any(|w| w == needle) {
                    armed2.store(true, SeqCst);
                }
                if s_out.write_all(chunk).is_err() {
                    break;
                }
            }
            let _ = s_out.shutdown(Shutdown::Write);
        });
        let (mut s_in, mut c_out) = (server, client);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match s_in.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // The client waits for each answer before it sends the next
            // message, so the first bytes read after the needle went out
            // are the answer to it.
            if armed.load(SeqCst) {
                cut2.store(true, SeqCst);
                break;
            }
            if c_out.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = c_out.shutdown(Shutdown::Both);
        let _ = s_in.shutdown(Shutdown::Both);
    });
    Relay { port, cut }
}

/// A `postgres::Config` for the test database, through `port` if given.
fn config(pg: &dunder_tests::PgDb, port: Option<u16>) -> postgres::Config {
    let url: postgres::Config = dunder_tests::postgres_url().parse().expect("url");
    let (host, server_port) = server_address();
    // A new Config: `host()` and `port()` add to the URL's lists.
    let mut config = postgres::Config::new();
    config
        .user(url.get_user().unwrap_or("postgres"))
        .dbname(pg.dbname());
    if let Some(p) = url.get_password() {
        config.password(p);
    }
    match port {
        Some(port) => config.host("127.0.0.1").port(port),
        None => config.host(&host).port(server_port),
    };
    config
}

fn plain_via(pg: &dunder_tests::PgDb, port: Option<u16>) -> postgres::Client {
    config(pg, port).connect(postgres::NoTls).expect("connect")
}

fn cached_via(pg: &dunder_tests::PgDb, port: Option<u16>) -> dunder::postgres::Client {
    dunder::postgres::Client::new(plain_via(pg, port))
}

fn db_via(pg: &dunder_tests::PgDb, port: Option<u16>) -> dunder::Db {
    let config = config(pg, port);
    let user = config.get_user().unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    let (host, server_port) = server_address();
    let (host, port) = match port {
        Some(p) => ("127.0.0.1".to_owned(), p),
        None => (host, server_port),
    };
    dunder::Db::connect(&format!(
        "postgres://{user}{password}@{host}:{port}/{}",
        pg.dbname()
    ))
    .expect("Db::connect")
}

fn plain_pid(c: &mut postgres::Client) -> i32 {
    backend_pid(c)
}

fn cached_pid(c: &mut dunder::postgres::Client) -> i32 {
    backend_pid(c)
}

fn db_pid(db: &mut dunder::Db) -> i32 {
    db.query::<i32>("SELECT pg_backend_pid()", &[])
        .expect("pid")[0]
}

/// Every scenario on one kind of connection: `$open(port)` opens one (a
/// fresh one per scenario: each ends with it dead), `$pid(&mut conn)` is
/// its server process's id.
macro_rules! scenarios {
    ($kind:expr, $pg:expr, $admin:expr, $open:expr, $pid:expr) => {{
        let kind: &str = $kind;
        let admin: &mut postgres::Client = $admin;
        admin.batch_execute("DELETE FROM entry").expect("clear");

        // 1. Killed while COMMIT runs the deferred trigger.
        let mut conn = $open(None);
        let pid = $pid(&mut conn);
        let r = std::thread::scope(|s| {
            let t = s.spawn(|| {
                dunder::atomic(&mut conn, |tx| {
                    query!(Entry.create(name = "before")).run(&mut *tx)?;
                    query!(Entry.create(name = "sleep at commit")).run(&mut *tx)?;
                    Ok::<_, dunder::Error>(())
                })
            });
            terminate_when_sleeping(admin, pid, "COMMIT");
            t.join().expect("no panic")
        });
        match &r {
            Err(e @ dunder::Error::CommitUnknown { sql, .. }) => {
                assert_eq!(sql, "COMMIT", "{kind}");
                assert!(!e.is_retryable(), "{kind}");
                assert_eq!(e.sql(), Some("COMMIT"));
                let text = e.to_string();
                assert!(
                    text.contains("may or may not have committed"),
                    "{kind}: {text}"
                );
            }
            other => panic!("{kind}: killed during COMMIT: expected CommitUnknown, got {other:?}"),
        }
        // Unknown to the client; here the server was killed before the
        // commit record, so nothing is there.
        assert_eq!(names(admin), Vec::<String>::new(), "{kind}");

        // 2. Killed inside a statement, before COMMIT: Connection, nothing written.
        let mut conn = $open(None);
        let pid = $pid(&mut conn);
        let r = std::thread::scope(|s| {
            let t = s.spawn(|| {
                dunder::atomic(&mut conn, |tx| {
                    query!(Entry.create(name = "before")).run(&mut *tx)?;
                    query!(Entry.create(name = "sleep in statement")).run(&mut *tx)?;
                    Ok::<_, dunder::Error>(())
                })
            });
            terminate_when_sleeping(admin, pid, "INSERT INTO \"entry\"%");
            t.join().expect("no panic")
        });
        assert!(
            matches!(&r, Err(dunder::Error::Connection { .. })),
            "{kind}: killed before COMMIT: {r:?}"
        );
        assert_eq!(
            names(admin),
            Vec::<String>::new(),
            "{kind}: nothing written"
        );

        // 3. The server commits, the answer is lost: CommitUnknown, the row
        // is there, and atomic_with_retry did not run it again.
        let relay = start_relay(COMMIT_MESSAGE);
        let mut conn = $open(Some(relay.port));
        let mut attempts = 0;
        let r = dunder::atomic_with_retry(&mut conn, 5, |tx| {
            attempts += 1;
            query!(Entry.create(name = "paid once")).run(&mut *tx)?;
            Ok::<_, dunder::Error>(())
        });
        assert!(
            relay.cut.load(SeqCst),
            "{kind}: the relay cut the connection"
        );
        assert!(
            matches!(&r, Err(dunder::Error::CommitUnknown { .. })),
            "{kind}: answer to COMMIT lost: {r:?}"
        );
        assert_eq!(attempts, 1, "{kind}: never retried");
        assert_eq!(names(admin), ["paid once"], "{kind}: it did commit, once");
        admin.batch_execute("DELETE FROM entry").expect("clear");

        // 4. Cut during a savepoint's RELEASE: the outer transaction never
        // committed, so it is a plain connection error.
        let relay = start_relay(RELEASE_MESSAGE);
        let mut conn = $open(Some(relay.port));
        let r = dunder::atomic(&mut conn, |tx| {
            query!(Entry.create(name = "outer")).run(&mut *tx)?;
            let inner = dunder::atomic(&mut *tx, |sp| {
                query!(Entry.create(name = "inner")).run(&mut *sp)?;
                Ok::<_, dunder::Error>(())
            });
            assert!(
                matches!(&inner, Err(dunder::Error::Connection { .. })),
                "{kind}: RELEASE lost: {inner:?}"
            );
            inner
        });
        assert!(
            relay.cut.load(SeqCst),
            "{kind}: the relay cut the connection"
        );
        assert!(
            matches!(&r, Err(dunder::Error::Connection { .. })),
            "{kind}: {r:?}"
        );
        assert_eq!(
            names(admin),
            Vec::<String>::new(),
            "{kind}: nothing written"
        );
    }};
}

#[test]
fn plain_client() {
    let Some(mut pg) = setup() else {
        return;
    };
    let mut admin = dunder_tests::pg_connect(&pg);
    scenarios!(
        "postgres::Client",
        pg,
        &mut admin,
        |port| plain_via(&pg, port),
        plain_pid
    );
    // The test database is still usable (the harness drops it).
    pg.batch_execute("SELECT 1").expect("alive");
}

#[test]
fn caching_client() {
    let Some(pg) = setup() else {
        return;
    };
    let mut admin = dunder_tests::pg_connect(&pg);
    scenarios!(
        "dunder::postgres::Client",
        pg,
        &mut admin,
        |port| cached_via(&pg, port),
        cached_pid
    );
}

#[test]
fn db() {
    let Some(pg) = setup() else {
        return;
    };
    let mut admin = dunder_tests::pg_connect(&pg);
    scenarios!(
        "dunder::Db",
        pg,
        &mut admin,
        |port| db_via(&pg, port),
        db_pid
    );
}

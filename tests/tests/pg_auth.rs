//! Password authentication of `dunder::postgres::Connection` (cleartext,
//! MD5, SCRAM-SHA-256) against a real server: the test's own PostgreSQL
//! cluster (`initdb` into a temporary directory, its own port, a
//! `pg_hba.conf` that asks each user for a password in one way), started
//! and stopped here. The shared test server trusts every user, so it cannot
//! show that a password goes through.
//!
//! Needs PostgreSQL's server binaries (`initdb`, `pg_ctl`: on `PATH` or in
//! `/usr/lib/postgresql/*/bin`); run as root, the cluster belongs to the
//! `postgres` user (`runuser`). Without them the test says so and does
//! nothing, unless `CI` is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use dunder::postgres::Connection;

/// The directory of `initdb` and `pg_ctl`.
fn server_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
    });
    on_path.or_else(|| {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|d| d.join("initdb").exists())
            .collect();
        dirs.sort();
        dirs.pop()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a server binary, as `postgres` when we are root (the server
/// refuses to run as root).
fn run(bin: &Path, tool: &str, args: &[&str], root: bool) {
    let exe = bin.join(tool);
    let out = if root {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&exe)
            .args(args)
            .output()
    } else {
        Command::new(&exe).args(args).output()
    }
    .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The cluster: stopped and removed when dropped.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    root: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = if self.root {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .args(["-D", &data.to_string_lossy(), "-m", "immediate", "stop"])
                .output()
        } else {
            Command::new(self.bin.join("pg_ctl"))
                .args(["-D", &data.to_string_lossy(), "-m", "immediate", "stop"])
                .output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cluster() -> Option<Cluster> {
    let Some(bin) = server_bin() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set and PostgreSQL's server binaries (initdb, pg_ctl) are missing"
        );
        eprintln!("\n*** SKIPPED: no initdb/pg_ctl: password authentication not tested ***\n");
        return None;
    };
    let root = is_root();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let dir = std::env::temp_dir().join(format!("dunder_pg_auth_{}_{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cluster = Cluster {
        bin: bin.clone(),
        dir: dir.clone(),
        port,
        root,
    };
    if root {
        let ok = Command::new("chown")
            .args(["postgres:postgres", &dir.to_string_lossy()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown {} to postgres", dir.display());
    }
    let data = dir.join("data");
    let data_s = data.to_string_lossy().into_owned();
    run(
        &bin,
        "initdb",
        &[
            "-D",
            &data_s,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        root,
    );
    // Local socket trusted (to create the users); over TCP each user is
    // asked for its password in one way.
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\n\
         host all md5_user 127.0.0.1/32 md5\n\
         host all clear_user 127.0.0.1/32 password\n\
         host all all 127.0.0.1/32 scram-sha-256\n",
    )
    .expect("pg_hba.conf");
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
        dir.display()
    );
    let log = dir.join("log").to_string_lossy().into_owned();
    run(
        &bin,
        "pg_ctl",
        &["-D", &data_s, "-o", &opts, "-l", &log, "-w", "start"],
        root,
    );
    let mut admin = Connection::connect(&format!(
        "host={} port={port} user=postgres dbname=postgres",
        dir.display()
    ))
    .expect("the cluster's socket");
    admin
        .batch_execute(
            "SET password_encryption = 'md5'; \
             CREATE ROLE md5_user LOGIN PASSWORD 'md5 secret'; \
             SET password_encryption = 'scram-sha-256'; \
             CREATE ROLE scram_user LOGIN PASSWORD 'scram secret'; \
             CREATE ROLE clear_user LOGIN PASSWORD 'clear secret'",
        )
        .expect("users");
    Some(cluster)
}

fn current_user(url: &str) -> dunder::Result<String> {
    let mut c = Connection::connect(url)?;
    Ok(c.query::<String>("SELECT current_user::text", &[])?
        .remove(0))
}

#[test]
fn passwords_go_through_scram_md5_and_cleartext() {
    let Some(c) = cluster() else {
        return;
    };
    let url = |user: &str, password: &str| {
        format!(
            "postgres://{user}:{}@127.0.0.1:{}/postgres",
            password.replace(' ', "%20"),
            c.port
        )
    };
    for (user, password) in [
        ("scram_user", "scram secret"),
        ("md5_user", "md5 secret"),
        ("clear_user", "clear secret"),
    ] {
        assert_eq!(
            current_user(&url(user, password)).unwrap_or_else(|e| panic!("{user}: {e}")),
            user
        );
        // A wrong password: the server's 28P01, as a connection error.
        let err = current_user(&url(user, "wrong")).expect_err("wrong password");
        assert!(matches!(err, dunder::Error::Connection { .. }), "{err:?}");
        let text = std::error::Error::source(&err).expect("source").to_string();
        assert!(text.contains("28P01"), "{user}: {text}");
        // None at all: said before anything is sent.
        let err = current_user(&format!("postgres://{user}@127.0.0.1:{}/postgres", c.port))
            .expect_err("no password");
        let text = std::error::Error::source(&err).expect("source").to_string();
        assert!(text.contains("none was given"), "{user}: {text}");
    }
    // And the whole of dunder over a password-authenticated connection.
    let mut db = dunder::Db::connect(&url("scram_user", "scram secret")).expect("Db");
    db.execute("CREATE TEMP TABLE t (x bigint)", &[])
        .expect("ddl");
    assert_eq!(
        db.execute("INSERT INTO t VALUES (?), (?)", &[&1i64, &2i64])
            .expect("insert"),
        2
    );
}

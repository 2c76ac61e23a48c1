//! The test harness of dunder: real SQLite databases and real PostgreSQL
//! databases, one fresh database per test so tests run in parallel.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

/// The PostgreSQL server the tests use (`DUNDER_POSTGRES_URL`).
pub fn postgres_url() -> String {
    std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh in-memory SQLite database.
pub fn sqlite() -> rusqlite::Connection {
    rusqlite::Connection::open_in_memory().expect("open an in-memory SQLite database")
}

/// A database of its own on the PostgreSQL server, dropped when this guard is.
/// Derefs to the connected `postgres::Client`.
pub struct PgDb {
    client: Option<postgres::Client>,
    admin: postgres::Client,
    name: String,
}

impl std::fmt::Debug for PgDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDb").field("name", &self.name).finish()
    }
}

impl Deref for PgDb {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        self.client.as_ref().expect("client present until drop")
    }
}

impl DerefMut for PgDb {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        self.client.as_mut().expect("client present until drop")
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        drop(self.client.take());
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ));
    }
}

impl PgDb {
    /// The name of this test's database.
    pub fn dbname(&self) -> &str {
        &self.name
    }
}

/// Another connection to the database of `db`.
pub fn pg_connect(db: &PgDb) -> postgres::Client {
    let mut config: postgres::Config = postgres_url()
        .parse()
        .expect("DUNDER_POSTGRES_URL is a valid URL");
    config.dbname(db.dbname());
    config
        .connect(postgres::NoTls)
        .expect("connect to the test database")
}

/// Another connection to the database of `db`, through dunder's own client
/// (what `Db::connect` opens for a `postgres://` URL).
pub fn pg_conn(db: &PgDb) -> dunder::postgres::Connection {
    pg_conn_to(db.dbname())
}

/// A connection to the database `name` of the test server, through
/// dunder's own client.
pub fn pg_conn_to(name: &str) -> dunder::postgres::Connection {
    let mut url = postgres_url();
    if let Some(i) = url.rfind('/') {
        url.truncate(i + 1);
    }
    url.push_str(name);
    dunder::postgres::Connection::connect(&url).expect("connect to the test database")
}

/// An error and its sources, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh PostgreSQL database (collation `C.UTF-8`, as the conformance
/// answers were computed under), or `None` when the server cannot be reached
/// and `CI` is not set. Under `CI` an unreachable server fails the test.
pub fn pg() -> Option<PgDb> {
    let url = postgres_url();
    let mut config: postgres::Config = url
        .parse()
        .unwrap_or_else(|e| panic!("DUNDER_POSTGRES_URL={url:?} is not a valid URL: {e}"));
    config.connect_timeout(std::time::Duration::from_secs(10));
    let mut admin = match config.connect(postgres::NoTls) {
        Ok(c) => c,
        Err(e) => {
            let e = error_chain(&e);
            if std::env::var_os("CI").is_some() {
                panic!(
                    "PostgreSQL unreachable at {url} ({e}); CI is set, so this is a failure \
                     (start the server, or point DUNDER_POSTGRES_URL at one)"
                );
            }
            eprintln!(
                "\n*** SKIPPED: PostgreSQL unreachable at {url} ({e}); the PostgreSQL half \
                 of this test did not run (set CI to make this a failure) ***\n"
            );
            return None;
        }
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "dunder_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    admin
        .batch_execute(&format!(
            "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        ))
        .unwrap_or_else(|e| panic!("create test database {name}: {}", error_chain(&e)));
    config.dbname(&name);
    let client = match config.connect(postgres::NoTls) {
        Ok(client) => client,
        Err(e) => {
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            panic!("connect to test database {name}: {}", error_chain(&e));
        }
    };
    Some(PgDb {
        client: Some(client),
        admin,
        name,
    })
}

/// Creates the conformance tables and inserts every row of
/// `tests/conformance/dataset.json` on SQLite (see [`conformance`]).
pub fn load_conformance_sqlite(conn: &rusqlite::Connection) {
    conformance::load_sqlite(conn);
}

/// Creates the conformance tables and inserts every row of
/// `tests/conformance/dataset.json` on PostgreSQL (see [`conformance`]).
pub fn load_conformance_pg(client: &mut postgres::Client) {
    conformance::load_pg(client);
}

/// The Django conformance data set (`tests/conformance/dataset.json`) loaded
/// into the models of `dunder_test_models::conformance`.
///
/// The tables come from `dunder::create_table` (author, tag, article, and
/// the many-to-many table `article_tags` of `Article.tags`). Rows are inserted with plain driver
/// parameters and their ids. On SQLite every value is stored exactly as
/// `dataset.json` gives it (dates and times are Django's text); on PostgreSQL
/// each value is bound with the column's type (chrono values for dates and
/// times, a `Decimal` for `price`). On SQLite `price` is given as its text
/// (`"100.00"`), as Django's adapter gives it, so the `decimal` column's
/// NUMERIC affinity stores what Django stores (`100`, `9.99`).
pub mod conformance {
    use std::path::Path;

    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    use dunder_test_models::conformance::{Article, Author, Tag};
    use postgres::types::ToSql;
    use serde_json::Value as Json;

    /// A date written `YYYY-MM-DD`.
    pub fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("bad date {s:?}: {e}"))
    }

    /// A UTC date and time written `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    pub fn datetime(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
            .unwrap_or_else(|e| panic!("bad datetime {s:?}: {e}"))
            .and_utc()
    }

    /// A time written `HH:MM[:SS[.ffffff]]`.
    pub fn time(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
            .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
            .unwrap_or_else(|e| panic!("bad time {s:?}: {e}"))
    }

    /// The parsed `tests/conformance/dataset.json`.
    pub fn dataset() -> Json {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/dataset.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
    }

    /// How a dataset column is bound on PostgreSQL.
    #[derive(Clone, Copy, Debug)]
    enum Col {
        Int4,
        Int8,
        Float8,
        Bool,
        Text,
        Date,
        TimestampTz,
        Time,
        Numeric,
    }

    /// The tables in insertion order (foreign keys point backwards) and their
    /// columns.
    const TABLES: &[(&str, &[(&str, Col)])] = &[
        (
            "author",
            &[
                ("id", Col::Int8),
                ("name", Col::Text),
                ("email", Col::Text),
                ("born", Col::Date),
            ],
        ),
        ("tag", &[("id", Col::Int8), ("name", Col::Text)]),
        (
            "article",
            &[
                ("id", Col::Int8),
                ("title", Col::Text),
                ("content", Col::Text),
                ("published_date", Col::Date),
                ("published_at", Col::TimestampTz),
                ("rating", Col::Int4),
                ("score", Col::Float8),
                ("is_featured", Col::Bool),
                ("start_time", Col::Time),
                ("price", Col::Numeric),
                ("author_id", Col::Int8),
                ("editor_id", Col::Int8),
            ],
        ),
        (
            "article_tags",
            &[
                ("id", Col::Int8),
                ("article_id", Col::Int8),
                ("tag_id", Col::Int8),
            ],
        ),
    ];
    fn insert_sql(table: &str, cols: &[(&str, Col)], placeholder: &str) -> String {
        let names: Vec<String> = cols.iter().map(|(c, _)| format!("\"{c}\"")).collect();
        let ps: Vec<String> = (1..=cols.len())
            .map(|i| format!("{placeholder}{i}"))
            .collect();
        format!(
            "INSERT INTO \"{table}\" ({}) VALUES ({})",
            names.join(", "),
            ps.join(", ")
        )
    }

    fn rows<'a>(data: &'a Json, table: &str) -> &'a [Json] {
        data[table]
            .as_array()
            .unwrap_or_else(|| panic!("dataset.json has no table {table}"))
    }

    /// A dataset value as SQLite stores it: exactly as given.
    fn sqlite_value(v: &Json) -> rusqlite::types::Value {
        use rusqlite::types::Value;
        match v {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Integer(i64::from(*b)),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Integer(i),
                None => Value::Real(n.as_f64().expect("a number")),
            },
            Json::String(s) => Value::Text(s.clone()),
            other => panic!("unexpected dataset value {other}"),
        }
    }

    /// A dataset value bound with the PostgreSQL column's type.
    fn pg_value(v: &Json, col: Col) -> Box<dyn ToSql + Sync> {
        let s = || {
            v.as_str()
                .unwrap_or_else(|| panic!("{col:?}: text expected, got {v}"))
        };
        let i = || {
            v.as_i64()
                .unwrap_or_else(|| panic!("{col:?}: integer expected, got {v}"))
        };
        match (col, v.is_null()) {
            (Col::Int4, true) => Box::new(None::<i32>),
            (Col::Int8, true) => Box::new(None::<i64>),
            (Col::Float8, true) => Box::new(None::<f64>),
            (Col::Bool, true) => Box::new(None::<bool>),
            (Col::Text, true) => Box::new(None::<String>),
            (Col::Date, true) => Box::new(None::<NaiveDate>),
            (Col::TimestampTz, true) => Box::new(None::<DateTime<Utc>>),
            (Col::Time, true) => Box::new(None::<NaiveTime>),
            (Col::Numeric, true) => Box::new(None::<dunder::Decimal>),
            (Col::Int4, false) => Box::new(i32::try_from(i()).expect("an int4")),
            (Col::Int8, false) => Box::new(i()),
            (Col::Float8, false) => Box::new(v.as_f64().expect("a float")),
            (Col::Bool, false) => Box::new(v.as_bool().expect("a bool")),
            (Col::Text, false) => Box::new(s().to_owned()),
            (Col::Date, false) => Box::new(date(s())),
            (Col::TimestampTz, false) => Box::new(datetime(s())),
            (Col::Time, false) => Box::new(time(s())),
            (Col::Numeric, false) => Box::new(
                s().parse::<dunder::Decimal>()
                    .unwrap_or_else(|e| panic!("bad decimal {v}: {e}")),
            ),
        }
    }

    /// Creates the tables and inserts the data set on SQLite.
    pub fn load_sqlite(conn: &rusqlite::Connection) {
        dunder::create_table::<Author, _>(conn).expect("create table author");
        dunder::create_table::<Tag, _>(conn).expect("create table tag");
        dunder::create_table::<Article, _>(conn).expect("create table article");
        let data = dataset();
        for (table, cols) in TABLES {
            let sql = insert_sql(table, cols, "?");
            let mut stmt = conn.prepare(&sql).expect("prepare insert");
            for row in rows(&data, table) {
                let values = cols.iter().map(|(c, _)| sqlite_value(&row[*c]));
                stmt.execute(rusqlite::params_from_iter(values))
                    .unwrap_or_else(|e| panic!("insert into {table} {row}: {e}"));
            }
        }
    }

    /// Creates the tables and inserts the data set on PostgreSQL.
    pub fn load_pg(client: &mut postgres::Client) {
        dunder::create_table::<Author, _>(&mut *client).expect("create table author");
        dunder::create_table::<Tag, _>(&mut *client).expect("create table tag");
        dunder::create_table::<Article, _>(&mut *client).expect("create table article");
        let data = dataset();
        for (table, cols) in TABLES {
            let sql = insert_sql(table, cols, "$");
            let stmt = client.prepare(&sql).expect("prepare insert");
            for row in rows(&data, table) {
                let values: Vec<Box<dyn ToSql + Sync>> =
                    cols.iter().map(|(c, t)| pg_value(&row[*c], *t)).collect();
                let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| &**b).collect();
                client
                    .execute(&stmt, &refs)
                    .unwrap_or_else(|e| panic!("insert into {table} {row}: {e}"));
            }
            // Explicit ids do not advance the identity sequence: move it
            // past them, so rows created later get fresh ids (as Django's
            // sequence reset does).
            client
                .batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), \
                     (SELECT COALESCE(MAX(\"id\"), 0) + 1 FROM \"{table}\"), false)"
                ))
                .unwrap_or_else(|e| panic!("reset the sequence of {table}: {e}"));
        }
    }
}

/// Rows of `dunder_test_models::kinds::EveryKind` with awkward values (NULLs,
/// '', `%`, `_`, `\\`, quotes, SQL comment and placeholder text, Unicode,
/// mixed case, Feb 29, Dec 31 / Jan 1, extreme numbers), and their loaders.
pub mod every_kind {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    use dunder::Value;
    use dunder_test_models::kinds::{EveryKind, NewEveryKind};

    /// The row to insert that holds `r`'s values (all but its key).
    pub fn new_of(r: &EveryKind) -> NewEveryKind {
        NewEveryKind {
            flag: r.flag,
            small: r.small,
            int: r.int,
            big: r.big,
            real: r.real,
            double: r.double,
            text: r.text.clone(),
            bytes: r.bytes.clone(),
            date: r.date,
            datetime: r.datetime,
            datetime_utc: r.datetime_utc,
            time: r.time,
            opt_flag: r.opt_flag,
            opt_int: r.opt_int,
            opt_double: r.opt_double,
            opt_text: r.opt_text.clone(),
            opt_bytes: r.opt_bytes.clone(),
            opt_date: r.opt_date,
            opt_datetime: r.opt_datetime,
            opt_datetime_utc: r.opt_datetime_utc,
            opt_time: r.opt_time,
            dec: r.dec,
            opt_dec: r.opt_dec,
        }
    }

    /// `n` rows to insert, the seed's values in turn (`int` is the row's
    /// number, `text` ends with ` #<number>`).
    pub fn new_rows(n: usize) -> Vec<NewEveryKind> {
        let seed = seed();
        (0..n)
            .map(|i| {
                let r = &seed[i % seed.len()];
                NewEveryKind {
                    int: i as i32,
                    text: format!("{} #{i}", r.text),
                    ..new_of(r)
                }
            })
            .collect()
    }

    /// Parses a test literal.
    pub fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }
    /// Parses a test literal.
    pub fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("datetime")
    }
    /// Parses a test literal.
    pub fn utc(s: &str) -> DateTime<Utc> {
        dt(s).and_utc()
    }
    /// Parses a test literal.
    pub fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M:%S%.f").expect("time")
    }
    /// Parses a test literal.
    pub fn dec(s: &str) -> dunder::Decimal {
        s.parse().expect("decimal")
    }

    /// `dec` of row `id`: the extremes of `decimal(8, 2)`, zero, a whole
    /// number stored by SQLite as an INTEGER, trailing zeros.
    const DECIMALS: [&str; 8] = [
        "9.99",
        "100.00",
        "0.00",
        "-999999.99",
        "999999.99",
        "0.01",
        "-0.50",
        "5.50",
    ];
    /// `opt_dec` of row `id` (NULL in three rows).
    const OPT_DECIMALS: [Option<&str>; 8] = [
        Some("100"),
        None,
        Some("-0.01"),
        Some("2.90"),
        None,
        Some("99.99"),
        None,
        Some("0.00"),
    ];

    #[allow(clippy::too_many_arguments)]
    pub fn row(
        id: i64,
        text: &str,
        opt_text: Option<&str>,
        int: i32,
        opt_int: Option<i32>,
        double: f64,
        opt_double: Option<f64>,
        date: &str,
        datetime: &str,
        time: &str,
    ) -> EveryKind {
        EveryKind {
            id,
            flag: id % 2 == 0,
            small: (id as i16) * -3,
            int,
            big: id * 10_000_000_000,
            real: id as f32 / 2.0,
            double,
            text: text.to_owned(),
            bytes: text.as_bytes().iter().take(3).copied().collect(),
            date: d(date),
            datetime: dt(datetime),
            datetime_utc: utc(datetime),
            time: t(time),
            opt_flag: opt_int.map(|i| i > 0),
            opt_int,
            opt_double,
            opt_text: opt_text.map(str::to_owned),
            opt_bytes: opt_text.map(|s| s.as_bytes().to_vec()),
            opt_date: opt_int.map(|_| d(date)),
            opt_datetime: opt_double.map(|_| dt(datetime)),
            opt_datetime_utc: opt_double.map(|_| utc(datetime)),
            opt_time: opt_int.map(|_| t(time)),
            dec: dec(DECIMALS[(id as usize - 1) % 8]),
            opt_dec: OPT_DECIMALS[(id as usize - 1) % 8].map(dec),
        }
    }

    pub fn seed() -> Vec<EveryKind> {
        vec![
            row(
                1,
                "Hello World",
                Some("hello"),
                5,
                Some(5),
                4.5,
                Some(4.5),
                "2020-02-29",
                "2020-02-29 12:30:45",
                "12:30:45",
            ),
            row(
                2,
                "hello world",
                None,
                3,
                None,
                -0.5,
                None,
                "2019-12-31",
                "2019-12-31 23:59:59.999999",
                "23:59:59.999999",
            ),
            row(
                3,
                "50% off",
                Some(""),
                0,
                Some(0),
                0.0,
                Some(0.0),
                "2020-01-01",
                "2020-01-01 00:00:00",
                "00:00:00",
            ),
            row(
                4,
                "under_score",
                Some("%"),
                -1,
                Some(-1),
                -2.5,
                Some(-2.5),
                "2021-01-03",
                "2021-01-03 08:15:00",
                "08:15:00",
            ),
            row(
                5,
                "back\\slash",
                Some("it's \"quoted\""),
                10,
                Some(10),
                2.5,
                None,
                "2018-12-31",
                "2018-12-31 06:00:00.5",
                "06:00:00.5",
            ),
            row(
                6,
                "Ünïcødé Çafé",
                Some("STRASSE straße"),
                4,
                None,
                3.0,
                Some(3.0),
                "2024-02-29",
                "2024-02-29 00:00:01",
                "18:45:30.25",
            ),
            row(
                7,
                "",
                None,
                2,
                Some(2),
                1e300,
                None,
                "2022-06-15",
                "2022-06-15 14:00:00",
                "14:00:00",
            ),
            row(
                8,
                "O'Brien -- ; DROP TABLE x; /* ?1 $1 */",
                Some("_"),
                i32::MAX,
                Some(i32::MIN),
                f64::MIN_POSITIVE,
                Some(-1e-300),
                "2023-12-31",
                "2023-12-31 23:59:59",
                "23:59:59",
            ),
        ]
    }

    pub fn params(r: &EveryKind) -> Vec<Option<Value<'_>>> {
        use std::borrow::Cow::Borrowed;
        vec![
            Some(Value::BigInt(r.id)),
            Some(Value::Bool(r.flag)),
            Some(Value::SmallInt(r.small)),
            Some(Value::Int(r.int)),
            Some(Value::BigInt(r.big)),
            Some(Value::Real(r.real)),
            Some(Value::Double(r.double)),
            Some(Value::Text(Borrowed(&r.text))),
            Some(Value::Blob(Borrowed(&r.bytes))),
            Some(Value::Date(r.date)),
            Some(Value::Timestamp(r.datetime)),
            Some(Value::TimestampTz(r.datetime_utc)),
            Some(Value::Time(r.time)),
            r.opt_flag.map(Value::Bool),
            r.opt_int.map(Value::Int),
            r.opt_double.map(Value::Double),
            r.opt_text.as_deref().map(|s| Value::Text(Borrowed(s))),
            r.opt_bytes.as_deref().map(|b| Value::Blob(Borrowed(b))),
            r.opt_date.map(Value::Date),
            r.opt_datetime.map(Value::Timestamp),
            r.opt_datetime_utc.map(Value::TimestampTz),
            r.opt_time.map(Value::Time),
            Some(Value::Decimal(r.dec)),
            r.opt_dec.map(Value::Decimal),
        ]
    }

    pub fn insert_sql(placeholder: impl Fn(usize) -> String) -> String {
        let cols: Vec<String> = <EveryKind as dunder::Model>::COLUMNS
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect();
        let ps: Vec<String> = (1..=cols.len()).map(placeholder).collect();
        format!(
            "INSERT INTO \"every_kind\" ({}) VALUES ({})",
            cols.join(", "),
            ps.join(", ")
        )
    }

    /// Creates the table and inserts `rows` on SQLite.
    pub fn load_sqlite(conn: &rusqlite::Connection, rows: &[EveryKind]) {
        dunder::create_table::<EveryKind, _>(conn).expect("sqlite table");
        let sql = insert_sql(|i| format!("?{i}"));
        for r in rows {
            conn.execute(&sql, rusqlite::params_from_iter(params(r).iter()))
                .expect("sqlite insert");
        }
    }

    /// Creates the table and inserts `rows` on PostgreSQL.
    pub fn load_pg(client: &mut postgres::Client, rows: &[EveryKind]) {
        dunder::create_table::<EveryKind, _>(&mut *client).expect("pg table");
        let sql = insert_sql(|i| format!("${i}"));
        for r in rows {
            let ps = params(r);
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = ps
                .iter()
                .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                .collect();
            client.execute(&sql, &refs).expect("pg insert");
        }
    }
}

/// The blog data set of the relation tests (`dunder_test_models::relations`):
/// the tables, their rows ([`SEED`](relations_db::SEED)), and a connection
/// trait the scenarios run on, for `tests/relations.rs` and
/// `tests/projection.rs`.
pub mod relations_db {
    use dunder::{Dialect, Executor};
    use dunder_test_models::relations::{
        Blog, Category, Comment, Membership, Person, Post, Profile, Tag, Team,
    };

    /// A connection the scenarios run on, borrowed again for each statement.
    pub trait Conn {
        /// The executor one statement runs on.
        type E<'r>: Executor
        where
            Self: 'r;
        /// This connection as an executor.
        fn c(&mut self) -> Self::E<'_>;
        /// For messages.
        fn name(&self) -> &'static str;
        /// The SQL dialect this connection speaks.
        fn dialect(&self) -> Dialect;
    }

    impl Conn for rusqlite::Connection {
        type E<'r> = &'r rusqlite::Connection;
        fn c(&mut self) -> &rusqlite::Connection {
            self
        }
        fn name(&self) -> &'static str {
            "SQLite"
        }
        fn dialect(&self) -> Dialect {
            Dialect::Sqlite
        }
    }

    impl Conn for postgres::Client {
        type E<'r> = &'r mut postgres::Client;
        fn c(&mut self) -> &mut postgres::Client {
            self
        }
        fn name(&self) -> &'static str {
            "PostgreSQL"
        }
        fn dialect(&self) -> Dialect {
            Dialect::Postgres
        }
    }

    impl Conn for dunder::postgres::Client {
        type E<'r> = &'r mut dunder::postgres::Client;
        fn c(&mut self) -> &mut dunder::postgres::Client {
            self
        }
        fn name(&self) -> &'static str {
            "PostgreSQL (dunder::postgres::Client, cached statements)"
        }
        fn dialect(&self) -> Dialect {
            Dialect::Postgres
        }
    }

    impl Conn for dunder::Db {
        type E<'r> = &'r mut dunder::Db;
        fn c(&mut self) -> &mut dunder::Db {
            self
        }
        fn name(&self) -> &'static str {
            match dunder::Db::dialect(self) {
                Dialect::Sqlite => "dunder::Db (SQLite)",
                Dialect::Postgres => "dunder::Db (PostgreSQL)",
            }
        }
        fn dialect(&self) -> Dialect {
            dunder::Db::dialect(self)
        }
    }

    /// The rows of every table, with their ids (the same text on both backends;
    /// explicit ids in identity columns are fine on PostgreSQL since nothing
    /// here inserts without one).
    pub const SEED: &str = "
    INSERT INTO person (id, name) VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy'), (4, 'Dee'), (5, 'Eve');
    INSERT INTO profile (id, bio, user_id) VALUES
        (1, 'ann''s bio', 1), (2, 'bob''s bio', 2), (3, 'eve''s bio', 5);
    INSERT INTO blog (id, name, owner_id) VALUES
        (1, 'Ann''s blog', 1), (2, 'Bob''s blog', 2), (3, 'Team blog', 1);
    INSERT INTO tag (id, name) VALUES (1, 'rust'), (2, 'db'), (3, 'web'), (4, 'unused');
    INSERT INTO post (id, title, rating, blog_id, author_id, editor_id) VALUES
        (1, 'Intro', 5, 1, 1, 2),
        (2, 'Rust', 8, 1, 2, NULL),
        (3, 'SQL', 7, 2, 2, 3),
        (4, 'Django', 9, 3, 3, 1),
        (5, 'Draft', 1, 2, 1, NULL);
    INSERT INTO post_tags (id, post_id, tag_id) VALUES
        (1, 1, 1), (2, 1, 3), (3, 2, 1), (4, 3, 2), (5, 4, 1), (6, 4, 2), (7, 4, 3);
    INSERT INTO comment (id, body, post_id, author_id) VALUES
        (1, 'nice', 1, 2), (2, 'meh', 1, 3), (3, 'great', 2, 1),
        (4, 'ok', 4, NULL), (5, 'wow', 4, 2), (6, 'late', 3, NULL);
    INSERT INTO category (id, name, parent_id) VALUES
        (1, 'Root', NULL), (2, 'Lang', 1), (3, 'Rust', 2), (4, 'Python', 2), (5, 'Misc', 1), (6, 'Orphan', NULL);
    INSERT INTO team (id, name) VALUES (1, 'core'), (2, 'docs'), (3, 'empty');
    INSERT INTO membership (id, team_id, person_id, role) VALUES
        (1, 1, 1, 'lead'), (2, 1, 2, 'dev'), (3, 2, 2, 'lead'), (4, 2, 3, 'writer');
    ";

    /// Creates every table of `relations` (with `dunder::create_table`, so the
    /// `ON DELETE` actions are dunder's) and inserts [`SEED`].
    pub fn seed<C: Conn>(c: &mut C) {
        let name = c.name();
        let ok = |r: dunder::Result<()>| r.unwrap_or_else(|e| panic!("{name}: seeding: {e}"));
        ok(dunder::create_table::<Person, _>(c.c()));
        ok(dunder::create_table::<Profile, _>(c.c()));
        ok(dunder::create_table::<Blog, _>(c.c()));
        ok(dunder::create_table::<Tag, _>(c.c()));
        ok(dunder::create_table::<Post, _>(c.c()));
        ok(dunder::create_table::<Comment, _>(c.c()));
        ok(dunder::create_table::<Category, _>(c.c()));
        ok(dunder::create_table::<Team, _>(c.c()));
        ok(dunder::create_table::<Membership, _>(c.c()));
        ok(c.c().execute_batch(SEED));
    }

    /// A seeded in-memory SQLite database with foreign keys enforced.
    pub fn seeded_sqlite() -> rusqlite::Connection {
        let mut conn = crate::sqlite();
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .expect("PRAGMA foreign_keys = ON");
        seed(&mut conn);
        conn
    }

    /// A seeded PostgreSQL database of its own, or `None` (skipped loudly by
    /// the harness) without a server.
    pub fn seeded_pg() -> Option<crate::PgDb> {
        let mut pg = crate::pg()?;
        seed(&mut *pg);
        Some(pg)
    }
}

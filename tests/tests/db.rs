//! `dunder::Db`: the backend chosen at run time from a URL.

use dunder::prelude::*;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

fn ids(db: &mut dunder::Db) -> (Vec<i64>, i64) {
    let rows = query!(EveryKind.filter(text__icontains = "WORLD").order_by(id))
        .fetch_all(&mut *db)
        .expect("query");
    let n = query!(EveryKind.exclude(opt_int__isnull = true).count())
        .run(&mut *db)
        .expect("count");
    (rows.into_iter().map(|r| r.id).collect(), n)
}

#[test]
fn the_same_queries_on_a_url_chosen_backend() {
    let rows = every_kind::seed();
    let mut mem = dunder::Db::connect("sqlite::memory:").expect("memory");
    assert_eq!(mem.dialect(), Dialect::Sqlite);
    let dunder::Db::Sqlite(conn) = &mem else {
        panic!("sqlite")
    };
    every_kind::load_sqlite(conn, &rows);
    let expected = ids(&mut mem);
    assert_eq!(expected, (vec![1, 2], 6));

    let dir = std::env::temp_dir().join(format!("dunder-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("app.sqlite3");
    let _ = std::fs::remove_file(&path);
    // `sqlite:/tmp/…` creates and fills the file; `sqlite:///tmp/…` reopens it.
    let mut file = dunder::Db::connect(&format!("sqlite:{}", path.display())).expect("file");
    let dunder::Db::Sqlite(conn) = &file else {
        panic!("sqlite")
    };
    every_kind::load_sqlite(conn, &rows);
    assert_eq!(ids(&mut file), expected);
    drop(file);
    let mut again = dunder::Db::connect(&format!("sqlite://{}", path.display())).expect("reopen");
    assert_eq!(ids(&mut again), expected);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);

    if let Some(pg) = dunder_tests::pg() {
        let mut config_url = dunder_tests::postgres_url();
        if let Some(i) = config_url.rfind('/') {
            config_url.truncate(i + 1);
        }
        config_url.push_str(pg.dbname());
        let mut db = dunder::Db::connect(&config_url).expect("postgres url");
        assert_eq!(db.dialect(), Dialect::Postgres);
        every_kind::load_pg(&mut dunder_tests::pg_connect(&pg), &rows);
        assert_eq!(ids(&mut db), expected);
    }
}

#[test]
fn unknown_urls_are_connection_errors() {
    for url in ["sqlite:", "sqlite://"] {
        match dunder::Db::connect(url) {
            Err(dunder::Error::Connection { source }) => assert!(
                source
                    .to_string()
                    .contains("names no database: write `sqlite::memory:`"),
                "{source}"
            ),
            other => panic!("{url}: expected a connection error, got {other:?}"),
        }
    }
    for url in ["mysql://root@localhost/x", "", "sqlite3:x.db"] {
        match dunder::Db::connect(url) {
            Err(dunder::Error::Connection { source }) => assert!(
                source.to_string().contains("unsupported database URL"),
                "{source}"
            ),
            other => panic!("{url}: expected a connection error, got {other:?}"),
        }
    }
    assert!(matches!(
        dunder::Db::connect("postgres://nobody@127.0.0.1:1/none"),
        Err(dunder::Error::Connection { .. })
    ));
}

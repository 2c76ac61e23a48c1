//! Instance methods from the derive: `save`, `delete`, `refresh`, on SQLite
//! and PostgreSQL.

use chrono::{DateTime, Utc};
use dunder::prelude::*;
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Page {
    pub id: i64,
    pub title: String,
    #[dunder(default = 0)]
    pub views: i32,
    pub summary: Option<String>,
    #[dunder(auto_now_add)]
    pub created: DateTime<Utc>,
    #[dunder(auto_now)]
    pub modified: DateTime<Utc>,
}

fn exercise<E: dunder::Executor + Copy>(e: E) {
    let mut page = query!(Page.create(title = "draft")).run(e).expect("create");
    assert_eq!(page.created, page.modified);
    let created = page.created;
    std::thread::sleep(std::time::Duration::from_millis(5));
    page.title = "final".into();
    page.views = 7;
    page.summary = Some("short".into());
    page.save(e).expect("save");
    assert!(page.modified > created, "auto_now moves on save");
    assert_eq!(page.created, created, "auto_now_add does not");
    let stored = query!(Page.get(pk = page.id)).run(e).expect("get");
    assert_eq!(stored, page);

    query!(Page
        .filter(pk = page.id)
        .update(views = F(views) + 1, summary = None))
    .run(e)
    .expect("update");
    page.refresh(e).expect("refresh");
    assert_eq!((page.views, page.summary.as_deref()), (8, None));

    page.delete(e).expect("delete");
    assert!(matches!(
        page.delete(e),
        Err(dunder::Error::NotFound { .. })
    ));
    assert!(matches!(page.save(e), Err(dunder::Error::NotFound { .. })));
    assert!(matches!(
        page.refresh(e),
        Err(dunder::Error::NotFound { .. })
    ));
}

#[test]
fn save_delete_refresh_on_sqlite() {
    let conn = dunder_tests::sqlite();
    dunder::create_table::<Page, _>(&conn).expect("table");
    exercise(&conn);
}

#[test]
fn save_delete_refresh_on_postgres() {
    let Some(mut pg) = dunder_tests::pg() else {
        return;
    };
    dunder::create_table::<Page, _>(&mut *pg).expect("table");
    let mut page = query!(Page.create(title = "draft"))
        .run(&mut *pg)
        .expect("create");
    page.views = 3;
    page.save(&mut *pg).expect("save");
    page.refresh(&mut *pg).expect("refresh");
    assert_eq!(page.views, 3);
    let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
    page.title = "cached".into();
    page.save(&mut cached).expect("save cached");
    page.refresh(&mut *pg).expect("refresh");
    assert_eq!(page.title, "cached");
    page.delete(&mut cached).expect("delete");
    assert!(matches!(
        page.refresh(&mut *pg),
        Err(dunder::Error::NotFound { .. })
    ));
}

/// Every field kind survives `save` unchanged, on both backends.
#[test]
fn save_round_trips_every_field_kind() {
    let rows = every_kind::seed();
    let conn = dunder_tests::sqlite();
    every_kind::load_sqlite(&conn, &rows);
    let mut pg = dunder_tests::pg();
    if let Some(c) = pg.as_mut() {
        every_kind::load_pg(c, &rows);
    }
    // Save each row into the slot of the next one, then compare.
    let n = rows.len();
    for (i, r) in rows.iter().enumerate() {
        let mut moved = r.clone();
        moved.id = rows[(i + 1) % n].id;
        moved.save(&conn).expect("save sqlite");
        if let Some(c) = pg.as_mut() {
            moved.save(&mut **c).expect("save pg");
        }
    }
    let want: Vec<EveryKind> = (0..n)
        .map(|i| {
            let mut r = rows[(i + n - 1) % n].clone();
            r.id = rows[i].id;
            r
        })
        .collect();
    assert_eq!(
        query!(EveryKind.order_by(id))
            .fetch_all(&conn)
            .expect("read"),
        want
    );
    if let Some(c) = pg.as_mut() {
        assert_eq!(
            query!(EveryKind.order_by(id))
                .fetch_all(&mut **c)
                .expect("read"),
            want
        );
    }
}

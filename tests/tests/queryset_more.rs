//! `.in_bulk(…)`, `.distinct(fields…)` (DISTINCT ON), `.select_for_update(…)`
//! and ordering chosen at run time (`order_by({key})`), on both backends
//! where they run, against the seed rows of `relations`.

use std::collections::BTreeMap;

use dunder::prelude::*;
use dunder::{Error, Order};
use dunder_test_models::relations::{Post, PostField, Tag};
use dunder_tests::relations_db::{seeded_pg, seeded_sqlite};

/// The seed's posts: (id, title, rating, blog).
const POSTS: [(i64, &str, i32, i64); 5] = [
    (1, "Intro", 5, 1),
    (2, "Rust", 8, 1),
    (3, "SQL", 7, 2),
    (4, "Django", 9, 3),
    (5, "Draft", 1, 2),
];

fn keys<V>(map: &std::collections::HashMap<i64, V>) -> Vec<i64> {
    let mut k: Vec<i64> = map.keys().copied().collect();
    k.sort();
    k
}

#[test]
fn in_bulk_maps_rows_by_key() {
    let sqlite = seeded_sqlite();
    let mut pg = seeded_pg();
    let check =
        |name: &str, got: dunder::Result<std::collections::HashMap<i64, Post>>, want: &[i64]| {
            let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(keys(&got), want, "{name}");
            for (k, post) in &got {
                assert_eq!(post.id, *k, "{name}: each row under its own key");
            }
        };
    let ids = vec![1i64, 3, 99];
    check("sqlite", query!(Post.in_bulk(&ids)).run(&sqlite), &[1, 3]);
    check(
        "sqlite",
        query!(Post.filter(rating__gt = 5).in_bulk()).run(&sqlite),
        &[2, 3, 4],
    );
    let none: [i64; 0] = [];
    check("sqlite", query!(Post.in_bulk(none)).run(&sqlite), &[]);
    check(
        "sqlite",
        query!(Post.filter(blog = 1).in_bulk([1, 3, 2])).run(&sqlite),
        &[1, 2],
    );
    if let Some(db) = pg.as_mut() {
        check(
            "postgres",
            query!(Post.in_bulk(&ids)).run(&mut **db),
            &[1, 3],
        );
        check(
            "postgres",
            query!(Post.filter(rating__gt = 5).in_bulk()).run(&mut **db),
            &[2, 3, 4],
        );
        check("postgres", query!(Post.in_bulk(none)).run(&mut **db), &[]);
        check(
            "postgres",
            query!(Post.filter(blog = 1).in_bulk([1, 3, 2])).run(&mut **db),
            &[1, 2],
        );
    }

    // By a unique field, with related rows loaded.
    let names = ["rust", "web", "nope"];
    let by_name = |got: std::collections::HashMap<String, Tag>| {
        got.into_iter()
            .map(|(k, t)| (k, t.id))
            .collect::<BTreeMap<_, _>>()
    };
    let want: BTreeMap<String, i64> = [("rust".to_owned(), 1), ("web".to_owned(), 3)].into();
    let q = query!(Tag.in_bulk(names, field_name = name));
    assert_eq!(by_name(q.run(&sqlite).unwrap()), want);
    let posts = query!(Post.select_related(blog).in_bulk([4]))
        .run(&sqlite)
        .unwrap();
    assert_eq!(
        posts[&4].blog.loaded().map(|b| b.name.as_str()),
        Some("Team blog")
    );
    if let Some(db) = pg.as_mut() {
        assert_eq!(by_name(q.run(&mut **db).unwrap()), want);
        let posts = query!(Post.select_related(blog).in_bulk([4]))
            .run(&mut **db)
            .unwrap();
        assert_eq!(
            posts[&4].blog.loaded().map(|b| b.name.as_str()),
            Some("Team blog")
        );
    }
}

#[test]
fn distinct_on_keeps_the_first_row_of_each_group() {
    // The best-rated post of each blog, as Django's
    // `Post.objects.order_by("blog", "-rating").distinct("blog")`.
    let mut best: BTreeMap<i64, (i32, i64)> = BTreeMap::new();
    for (id, _, rating, blog) in POSTS {
        let e = best.entry(blog).or_insert((rating, id));
        if rating > e.0 {
            *e = (rating, id);
        }
    }
    let want: Vec<i64> = best.values().map(|(_, id)| *id).collect();
    assert_eq!(want, [2, 3, 4]);

    let q = query!(Post.order_by(blog, -rating).distinct(blog));
    assert!(
        q.sql(Dialect::Postgres)
            .starts_with(r#"SELECT DISTINCT ON ("post"."blog_id") "#),
        "{}",
        q.sql(Dialect::Postgres)
    );
    let Some(mut pg) = seeded_pg() else { return };
    let ids: Vec<i64> = q
        .fetch_all(&mut *pg)
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, want);
    // values_list, through a relation, counted.
    let titles = query!(Post
        .order_by(blog__owner, -rating)
        .distinct(blog__owner)
        .values_list(title, flat = true))
    .fetch_all(&mut *pg)
    .unwrap();
    // Ann owns blogs 1 and 3 (best: Django, 9); Bob blog 2 (best: SQL, 7).
    assert_eq!(titles, ["Django", "SQL"]);
    let n = query!(Post.distinct(blog).count()).run(&mut *pg).unwrap();
    assert_eq!(n, 3);
    // The caching client and Db run it too.
    let mut cached = dunder::postgres::Client::new(dunder_tests::pg_connect(&pg));
    assert_eq!(q.fetch_all(&mut cached).unwrap().len(), 3);
    let url = url_of(&pg);
    let mut db = dunder::Db::connect(&url).unwrap();
    assert_eq!(q.fetch_all(&mut db).unwrap().len(), 3);

    // A Db on SQLite refuses it before sending anything.
    let mut lite = dunder::Db::connect("sqlite::memory:").unwrap();
    match q.fetch_all(&mut lite) {
        Err(Error::NotSupported { reason, sql }) => {
            assert!(reason.contains("DISTINCT ON"), "{reason}");
            assert!(sql.contains("DISTINCT ON"), "{sql}");
        }
        other => panic!("expected NotSupported, got {other:?}"),
    }
}

#[test]
fn select_for_update_locks_rows_on_postgres() {
    // SQLite: a no-op, as in Django; the rows are the same.
    let sqlite = seeded_sqlite();
    let q = query!(Post
        .filter(rating__gte = 7)
        .order_by(pk)
        .select_for_update());
    assert!(!q.sql(Dialect::Sqlite).contains("FOR UPDATE"));
    assert!(q.sql(Dialect::Postgres).ends_with(" FOR UPDATE"));
    let ids = |rows: Vec<Post>| rows.iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(q.fetch_all(&sqlite).unwrap()), [2, 3, 4]);
    let mut lite = dunder::Db::connect("sqlite::memory:").unwrap();
    dunder::create_table::<dunder_test_models::relations::Person, _>(&mut lite).unwrap();
    dunder::create_table::<dunder_test_models::relations::Blog, _>(&mut lite).unwrap();
    dunder::create_table::<Tag, _>(&mut lite).unwrap();
    dunder::create_table::<Post, _>(&mut lite).unwrap();
    assert!(q.fetch_all(&mut lite).unwrap().is_empty());

    let Some(mut pg) = seeded_pg() else { return };
    let mut other = dunder_tests::pg_connect(&pg);
    dunder::atomic(&mut *pg, |tx| {
        assert_eq!(ids(q.fetch_all(&mut *tx)?), [2, 3, 4]);
        // Another connection: NOWAIT fails at once on a locked row…
        let mut t2 = other.transaction().unwrap();
        let nowait = query!(Post.filter(pk = 3).select_for_update(nowait = true));
        match nowait.fetch_all(&mut t2) {
            Err(Error::Database { source, .. }) => {
                assert!(source.to_string().contains("55P03"), "{source}");
            }
            other => panic!("expected lock_not_available, got {other:?}"),
        }
        t2.rollback().unwrap();
        // …SKIP LOCKED reads the rows nobody holds.
        let mut t3 = other.transaction().unwrap();
        let free = query!(Post.order_by(pk).select_for_update(skip_locked = true))
            .fetch_all(&mut t3)
            .unwrap();
        assert_eq!(ids(free), [1, 5]);
        t3.rollback().unwrap();
        Ok::<_, Error>(())
    })
    .unwrap();
    // Committed: the locks are gone.
    let mut t4 = other.transaction().unwrap();
    let rows = query!(Post.filter(pk = 3).select_for_update(nowait = true))
        .fetch_all(&mut t4)
        .unwrap();
    assert_eq!(rows.len(), 1);
    t4.rollback().unwrap();

    // `of` locks the named tables only; `no_key` the weaker lock.
    let q = query!(Post
        .select_related(blog)
        .filter(pk = 1)
        .select_for_update(of = (self), no_key = true));
    assert!(
        q.sql(Dialect::Postgres)
            .ends_with(r#" FOR NO KEY UPDATE OF "post""#),
        "{}",
        q.sql(Dialect::Postgres)
    );
    dunder::atomic(&mut *pg, |tx| {
        let post = q.fetch_one(&mut *tx)?;
        assert_eq!(post.blog.loaded().map(|b| b.id), Some(1));
        // The blog row is not locked: another transaction locks it at once.
        let mut t5 = other.transaction().unwrap();
        t5.execute("SELECT 1 FROM blog WHERE id = 1 FOR UPDATE NOWAIT", &[])
            .unwrap();
        t5.rollback().unwrap();
        Ok::<_, Error>(())
    })
    .unwrap();

    // A Db on PostgreSQL outside a transaction refuses it.
    let url = url_of(&pg);
    let mut db = dunder::Db::connect(&url).unwrap();
    let q = query!(Post.filter(pk = 1).select_for_update());
    match q.fetch_all(&mut db) {
        Err(Error::NotSupported { reason, .. }) => {
            assert!(reason.contains("outside a transaction"), "{reason}")
        }
        other => panic!("expected NotSupported, got {other:?}"),
    }
    let n = dunder::atomic(&mut db, |tx| q.fetch_all(&mut *tx)).unwrap();
    assert_eq!(n.len(), 1);
}

#[test]
fn ordering_chosen_at_run_time() {
    let sqlite = seeded_sqlite();
    let mut pg = seeded_pg();
    // Every field and direction, with a tiebreak, against Rust's sort.
    for name in post_field_names() {
        for desc in [false, true] {
            let text = if desc {
                format!("-{name}")
            } else {
                name.to_owned()
            };
            let key: Order<PostField> = text.parse().unwrap();
            assert_eq!(key.to_string(), text);
            let mut want: Vec<(i64, &str, i32, i64)> = POSTS.to_vec();
            want.sort_by(|a, b| {
                let ord = match name {
                    "id" => a.0.cmp(&b.0),
                    "title" => a.1.cmp(b.1),
                    "rating" => a.2.cmp(&b.2),
                    "blog" => a.3.cmp(&b.3),
                    "author" => author(a.0).cmp(&author(b.0)),
                    // NULL sorts as the largest value on both backends.
                    "editor" => editor(a.0)
                        .unwrap_or(i64::MAX)
                        .cmp(&editor(b.0).unwrap_or(i64::MAX)),
                    other => panic!("unexpected field {other}"),
                };
                (if desc { ord.reverse() } else { ord }).then(a.0.cmp(&b.0))
            });
            let want: Vec<i64> = want.iter().map(|p| p.0).collect();
            let q = query!(Post.order_by({ key }, pk).values_list(id, flat = true));
            assert_eq!(q.fetch_all(&sqlite).unwrap(), want, "sqlite {text}");
            if let Some(db) = pg.as_mut() {
                assert_eq!(q.fetch_all(&mut **db).unwrap(), want, "postgres {text}");
            }
        }
    }
    // With optional conditions, first(), last() and reverse().
    let min: Option<i32> = Some(5);
    let key = PostField::Rating.desc();
    let q = query!(Post
        .filter(rating__gte = min?)
        .order_by({ key })
        .values_list(id, flat = true));
    assert_eq!(q.fetch_all(&sqlite).unwrap(), [4, 2, 3, 1]);
    let top = query!(Post.order_by({ PostField::Rating }).last())
        .run(&sqlite)
        .unwrap();
    assert_eq!(top.map(|p| p.id), Some(4));
    let low = query!(Post.order_by({ key }).reverse().first())
        .run(&sqlite)
        .unwrap();
    assert_eq!(low.map(|p| p.id), Some(5));
    if let Some(db) = pg.as_mut() {
        assert_eq!(q.fetch_all(&mut **db).unwrap(), [4, 2, 3, 1]);
        let top = query!(Post.order_by({ PostField::Rating }).last())
            .run(&mut **db)
            .unwrap();
        assert_eq!(top.map(|p| p.id), Some(4));
    }
    // Names from outside: a field, pk, a key's column; anything else is a
    // typed error, and never reaches the SQL.
    assert_eq!(
        "pk".parse::<Order<PostField>>().unwrap().field,
        PostField::Id
    );
    assert_eq!(
        "-blog_id".parse::<Order<PostField>>().unwrap(),
        PostField::Blog.desc()
    );
    for bad in [
        "titel",
        "title; DROP TABLE post",
        "-",
        "tags",
        "comments",
        "blog__name",
    ] {
        let err = bad.parse::<Order<PostField>>().unwrap_err();
        assert_eq!(err.model, "Post");
        let err: Error = err.into();
        assert!(matches!(err, Error::UnknownField(_)), "{bad}");
    }
    let err = "titel".parse::<Order<PostField>>().unwrap_err();
    assert!(err.to_string().contains("did you mean `title`"), "{err}");
}

/// The URL of the test's own PostgreSQL database.
fn url_of(pg: &dunder_tests::PgDb) -> String {
    let base = dunder_tests::postgres_url();
    let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
    format!("{server}/{}", pg.dbname())
}

fn post_field_names() -> Vec<&'static str> {
    <PostField as dunder::Field>::NAMES.to_vec()
}

/// The seed's `post.author_id` and `post.editor_id` by post id.
fn author(id: i64) -> i64 {
    [1, 2, 2, 3, 1][id as usize - 1]
}
fn editor(id: i64) -> Option<i64> {
    [Some(2), None, Some(3), Some(1), None][id as usize - 1]
}

#[test]
fn combined_queries_on_both_backends() {
    use dunder_test_models::relations::Person;
    let sqlite = seeded_sqlite();
    let mut pg = seeded_pg();
    macro_rules! both {
        ($q:expr, $want:expr) => {{
            let q = $q;
            let want = $want;
            assert_eq!(
                q.run(&sqlite).unwrap(),
                want,
                "sqlite: {}",
                q.sql(Dialect::Sqlite)
            );
            if let Some(db) = pg.as_mut() {
                assert_eq!(
                    q.run(&mut **db).unwrap(),
                    want,
                    "postgres: {}",
                    q.sql(Dialect::Postgres)
                );
            }
        }};
    }
    let ids = |v: &[i64]| v.to_vec();
    both!(
        query!(Post
            .filter(rating__gte = 8)
            .union(query!(Post.filter(blog = 2)))
            .order_by(pk)
            .values_list(id, flat = true)),
        ids(&[2, 3, 4, 5])
    );
    // The same as model rows.
    let q = query!(Post
        .filter(rating__gte = 8)
        .union(query!(Post.filter(blog = 2)))
        .order_by(-pk));
    let rows = q.fetch_all(&sqlite).unwrap();
    assert_eq!(rows.iter().map(|p| p.id).collect::<Vec<_>>(), [5, 4, 3, 2]);
    assert_eq!(rows[0].title, "Draft");
    if let Some(db) = pg.as_mut() {
        assert_eq!(q.fetch_all(&mut **db).unwrap(), rows);
    }
    // ALL keeps duplicates; counted.
    both!(
        query!(Post
            .filter(blog = 1)
            .union(query!(Post.filter(rating__gt = 6)), all = true)
            .count()),
        5
    );
    both!(
        query!(Post
            .filter(blog = 1)
            .union(query!(Post.filter(rating__gt = 6)))
            .count()),
        4
    );
    both!(
        query!(Post
            .filter(blog = 1)
            .values_list(id, flat = true)
            .intersection(query!(Post
                .filter(rating__gt = 6)
                .values_list(id, flat = true)))),
        ids(&[2])
    );
    both!(
        query!(Post
            .values_list(id, flat = true)
            .difference(query!(Post.filter(blog = 2).values_list(id, flat = true)))
            .order_by(-id)),
        ids(&[4, 2, 1])
    );
    // Values of two models, ordered by name.
    let mut names: Vec<String> = [
        "Ann", "Bob", "Cy", "Dee", "Eve", "rust", "db", "web", "unused",
    ]
    .map(str::to_owned)
    .to_vec();
    names.sort();
    both!(
        query!(Person
            .values_list(name, flat = true)
            .union(query!(Tag.values_list(name, flat = true)))
            .order_by(name)),
        names.clone()
    );
    both!(
        query!(
            Person
                .values_list(name, flat = true)
                .union(query!(Tag.values_list(name, flat = true)))
                .order_by(-name)[1..3]
        ),
        names
            .iter()
            .rev()
            .skip(1)
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
    );
    // first/last by pk; sliced parts; a change of operation.
    both!(
        query!(Post
            .filter(blog = 1)
            .union(query!(Post.filter(blog = 3)))
            .values_list(id, flat = true)
            .last()),
        Some(4)
    );
    both!(
        query!(Post.order_by(-rating)[..2]
            .union(query!(Post.order_by(rating)[..1]))
            .order_by(pk)
            .values_list(id, flat = true)),
        ids(&[2, 4, 5])
    );
    both!(
        query!(Post
            .filter(blog = 1)
            .union(query!(Post.filter(blog = 2)))
            .intersection(query!(Post.filter(rating__gte = 7)))
            .order_by(pk)
            .values_list(id, flat = true)),
        ids(&[2, 3])
    );
    // NULLs sort as the largest value here too.
    let q = query!(Post
        .union(query!(Post.filter(pk = 1)))
        .order_by(-editor, pk));
    let order = |rows: Vec<Post>| rows.iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(order(q.fetch_all(&sqlite).unwrap()), [2, 5, 3, 1, 4]);
    if let Some(db) = pg.as_mut() {
        assert_eq!(order(q.fetch_all(&mut **db).unwrap()), [2, 5, 3, 1, 4]);
    }
    // Optional conditions in the parts.
    let min: Option<i32> = None;
    let blog: Option<i64> = Some(3);
    both!(
        query!(Post
            .filter(rating__gte = min?, blog = 1)
            .union(query!(Post.filter(blog = blog?)))
            .order_by(pk)
            .values_list(id, flat = true)),
        ids(&[1, 2, 4])
    );
    both!(
        query!(Post
            .filter(blog = 9)
            .union(query!(Post.filter(blog = 8)))
            .exists()),
        false
    );
}

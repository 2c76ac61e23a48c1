//! Loading related rows: `select_related` (one query, joined) and
//! `prefetch_related` (one more query per relation), on SQLite and
//! PostgreSQL, against answers computed here from the conformance data set
//! (`tests/conformance/dataset.json`), not by dunder.

use std::collections::BTreeMap;

use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Author, Tag};
use serde_json::Value;

/// The data set's relations, read from the JSON.
struct Data {
    author_name: BTreeMap<i64, String>,
    tag_name: BTreeMap<i64, String>,
    /// article id → (author id, editor id)
    article: BTreeMap<i64, (i64, Option<i64>)>,
    /// (article id, tag id)
    article_tags: Vec<(i64, i64)>,
}

fn data() -> Data {
    let json = dunder_tests::conformance::dataset();
    let rows = |t: &str| json[t].as_array().expect("rows").clone();
    let id = |r: &Value, k: &str| r[k].as_i64();
    Data {
        author_name: rows("author")
            .iter()
            .map(|r| (id(r, "id").unwrap(), r["name"].as_str().unwrap().to_owned()))
            .collect(),
        tag_name: rows("tag")
            .iter()
            .map(|r| (id(r, "id").unwrap(), r["name"].as_str().unwrap().to_owned()))
            .collect(),
        article: rows("article")
            .iter()
            .map(|r| {
                (
                    id(r, "id").unwrap(),
                    (id(r, "author_id").unwrap(), id(r, "editor_id")),
                )
            })
            .collect(),
        article_tags: rows("article_tags")
            .iter()
            .map(|r| (id(r, "article_id").unwrap(), id(r, "tag_id").unwrap()))
            .collect(),
    }
}

impl Data {
    fn articles_of(&self, author: i64) -> Vec<i64> {
        let mut v: Vec<i64> = (self.article.iter())
            .filter(|(_, (a, _))| *a == author)
            .map(|(id, _)| *id)
            .collect();
        v.sort_unstable();
        v
    }
    fn edited_by(&self, author: i64) -> Vec<i64> {
        (self.article.iter())
            .filter(|(_, (_, e))| *e == Some(author))
            .map(|(id, _)| *id)
            .collect()
    }
    fn tags_of(&self, article: i64) -> Vec<String> {
        let mut ids: Vec<i64> = (self.article_tags.iter())
            .filter(|(a, _)| *a == article)
            .map(|(_, t)| *t)
            .collect();
        ids.sort_unstable();
        ids.iter().map(|t| self.tag_name[t].clone()).collect()
    }
    fn articles_tagged(&self, tag: i64) -> Vec<i64> {
        let mut v: Vec<i64> = (self.article_tags.iter())
            .filter(|(_, t)| *t == tag)
            .map(|(a, _)| *a)
            .collect();
        v.sort_unstable();
        v
    }
}

/// One backend's connection, as every executor type the tests use.
enum Runner<'c> {
    Sqlite(&'c rusqlite::Connection),
    Pg(&'c mut postgres::Client),
}

macro_rules! run {
    ($runner:expr, $q:expr, $method:ident) => {
        match $runner {
            Runner::Sqlite(c) => $q.$method(*c),
            Runner::Pg(c) => $q.$method(&mut **c),
        }
    };
}

/// Runs `f` on an empty SQLite database and, when a server is there, an
/// empty PostgreSQL one, after creating the tables `create` names.
fn fresh_backends(create: fn(&mut Runner<'_>), mut f: impl FnMut(&str, &mut Runner<'_>)) {
    let conn = dunder_tests::sqlite();
    let mut r = Runner::Sqlite(&conn);
    create(&mut r);
    f("sqlite", &mut r);
    if let Some(mut db) = dunder_tests::pg() {
        let mut r = Runner::Pg(&mut db);
        create(&mut r);
        f("postgres", &mut r);
    }
}

/// Creates `M`'s table (and its many-to-many tables).
fn create<M: dunder::Model>(r: &mut Runner<'_>) {
    match r {
        Runner::Sqlite(c) => dunder::create_table::<M, _>(*c),
        Runner::Pg(c) => dunder::create_table::<M, _>(&mut **c),
    }
    .expect("create table");
}

/// Runs `f` on a loaded SQLite connection and, when a server is there, on
/// PostgreSQL.
fn backends(mut f: impl FnMut(&str, &mut Runner<'_>)) {
    let conn = dunder_tests::sqlite();
    dunder_tests::load_conformance_sqlite(&conn);
    f("sqlite", &mut Runner::Sqlite(&conn));
    if let Some(mut db) = dunder_tests::pg() {
        dunder_tests::load_conformance_pg(&mut db);
        f("postgres", &mut Runner::Pg(&mut db));
    }
}

#[test]
fn select_related_reads_keys_targets_from_the_same_row() {
    let d = data();
    backends(|backend, r| {
        let q = query!(Article.select_related(author, editor).order_by(id));
        // One statement: the article's columns, then the author's, then the editor's.
        let sql = q.sql(Dialect::Sqlite);
        assert!(
            sql.contains(r#"INNER JOIN "author" ON ("article"."author_id" = "author"."id")"#),
            "{sql}"
        );
        assert!(
            sql.contains(r#"LEFT OUTER JOIN "author" "T3" ON ("article"."editor_id" = "T3"."id")"#),
            "{sql}"
        );
        let rows: Vec<Article> = run!(r, q, fetch_all).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(rows.len(), d.article.len(), "{backend}");
        for a in &rows {
            let (author, editor) = d.article[&a.id];
            let loaded = a.author.loaded().expect("author loaded");
            assert_eq!(
                (loaded.id, &loaded.name),
                (author, &d.author_name[&author]),
                "{backend}"
            );
            match (editor, &a.editor) {
                (None, None) => {}
                (Some(e), Some(k)) => {
                    let ed = k.loaded().expect("editor loaded");
                    assert_eq!((ed.id, &ed.name), (e, &d.author_name[&e]), "{backend}");
                }
                other => panic!("{backend}: article {}: editor {other:?}", a.id),
            }
            // Relations not named stay unloaded: no hidden query.
            assert!(!a.tags.is_loaded());
        }
        // Without select_related nothing is loaded.
        let plain: Vec<Article> = run!(r, query!(Article.order_by(id)), fetch_all).unwrap();
        assert!(plain.iter().all(|a| a.author.loaded().is_none()));
        // With get(), first() and a filter across the same relation (one join).
        let one = query!(Article
            .select_related(author)
            .get(author__name = "bob", rating = 0));
        let a: Article = run!(r, one, fetch_one).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(a.author.loaded().map(|x| x.name.as_str()), Some("bob"));
        assert_eq!(
            one.sql(Dialect::Postgres).matches("JOIN").count(),
            1,
            "{}",
            one.sql(Dialect::Postgres)
        );
        let first = query!(Article
            .select_related(editor)
            .filter(editor__isnull = true)
            .first());
        let f: Option<Article> = run!(r, first, run).unwrap();
        let f = f.expect("an article without editor");
        assert!(f.editor.is_none());
        // count() ignores select_related, as Django's does.
        let n: i64 = run!(r, query!(Article.select_related(author).count()), run).unwrap();
        assert_eq!(n as usize, d.article.len());
    });
}

#[test]
fn prefetch_related_fills_reverse_many_to_many_and_nested_relations() {
    let d = data();
    backends(|backend, r| {
        let q = query!(Author
            .prefetch_related(articles, articles__tags, edited_articles__author)
            .order_by(id));
        // articles, their tags, edited articles, their authors: one query each.
        assert_eq!(q.prefetch_sql(Dialect::Sqlite).len(), 4);
        let authors: Vec<Author> =
            run!(r, q, fetch_all).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(authors.len(), d.author_name.len());
        for a in &authors {
            let articles = a.articles.loaded().expect("articles loaded");
            let ids: Vec<i64> = articles.iter().map(|x| x.id).collect();
            assert_eq!(ids, d.articles_of(a.id), "{backend}: articles of {}", a.id);
            for x in articles {
                let tags: Vec<String> = x
                    .tags
                    .loaded()
                    .expect("tags loaded")
                    .iter()
                    .map(|t| t.name.clone())
                    .collect();
                assert_eq!(tags, d.tags_of(x.id), "{backend}: tags of {}", x.id);
            }
            let edited = a.edited_articles.loaded().expect("edited loaded");
            assert_eq!(
                edited.iter().map(|x| x.id).collect::<Vec<_>>(),
                d.edited_by(a.id),
                "{backend}"
            );
            // Nested forward key: each edited article's author.
            for x in edited {
                let (author, _) = d.article[&x.id];
                assert_eq!(x.author.loaded().map(|y| y.id), Some(author), "{backend}");
            }
        }
        // The reverse side of the many-to-many, on one row.
        let rust = query!(Tag.prefetch_related(articles).get(name = "Rust"));
        let t: Tag = run!(r, rust, fetch_one).unwrap();
        let ids: Vec<i64> = t.articles.loaded().unwrap().iter().map(|a| a.id).collect();
        assert_eq!(ids, d.articles_tagged(t.id), "{backend}");
        // Nothing found: nothing to prefetch, and no error.
        let none = query!(Tag.prefetch_related(articles).filter(name = "no such tag"));
        let v: Vec<Tag> = run!(r, none, fetch_all).unwrap();
        assert!(v.is_empty());
        // A tag on no article is loaded and empty.
        let unused = query!(Tag.prefetch_related(articles).get(name = "unused"));
        let u: Tag = run!(r, unused, run).unwrap();
        assert_eq!(u.articles.loaded().map(<[Article]>::len), Some(0));
    });
}

#[test]
fn select_and_prefetch_together() {
    let d = data();
    backends(|backend, r| {
        let q = query!(Article
            .select_related(author)
            .prefetch_related(tags, editor)
            .filter(tags__name__in = ["python", "Rust"])
            .distinct()
            .order_by(id));
        let rows: Vec<Article> = run!(r, q, fetch_all).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(!rows.is_empty());
        for a in &rows {
            assert_eq!(a.author.loaded().map(|x| x.id), Some(d.article[&a.id].0));
            let tags: Vec<String> = a
                .tags
                .loaded()
                .unwrap()
                .iter()
                .map(|t| t.name.clone())
                .collect();
            // Prefetch loads every tag of the article, not only the filtered ones (as Django).
            assert_eq!(tags, d.tags_of(a.id), "{backend}");
            if let Some(e) = &a.editor {
                assert_eq!(e.loaded().map(|x| x.id), Some(e.id()), "{backend}");
            }
        }
    });
}

/// The tags of article `id`, read back through prefetch_related.
fn tag_ids(r: &mut Runner<'_>, id: i64) -> Vec<i64> {
    let q = query!(Article.prefetch_related(tags).get(pk = id));
    let a: Article = run!(r, q, fetch_one).expect("article");
    a.tags
        .loaded()
        .expect("loaded")
        .iter()
        .map(|t| t.id)
        .collect()
}

macro_rules! write {
    ($runner:expr, |$c:ident| $body:expr) => {
        match $runner {
            Runner::Sqlite($c) => {
                let $c = *$c;
                $body
            }
            Runner::Pg($c) => {
                let $c = &mut **$c;
                $body
            }
        }
    };
}

#[test]
fn many_to_many_add_remove_set_clear() {
    backends(|backend, r| {
        // Article 5 has no tags; 12 has python, Rust, django_orm.
        let a5: Article = run!(r, query!(Article.get(pk = 5)), fetch_one).unwrap();
        let rust: Tag = run!(r, query!(Tag.get(name = "Rust")), fetch_one).unwrap();
        assert!(tag_ids(r, 5).is_empty());
        let n =
            write!(r, |c| a5.tags().add(c, [&rust])).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(n, 1);
        // Adding what is there already adds nothing; keys, rows and
        // ForeignKeys name rows alike.
        let n = write!(r, |c| a5.tags().add(c, [2_i64, 4, 4])).unwrap();
        assert_eq!(n, 1, "{backend}: only tag 4 was new");
        assert_eq!(tag_ids(r, 5), [2, 4], "{backend}");
        let n = write!(r, |c| a5.tags().add(c, [dunder::ForeignKey::<Tag>::new(6)])).unwrap();
        assert_eq!(n, 1);
        // Filters see the new rows.
        let found: Vec<Article> = run!(
            r,
            query!(Article.filter(tags__name = "Rust", pk = 5)),
            fetch_all
        )
        .unwrap();
        assert_eq!(found.len(), 1, "{backend}");
        let n = write!(r, |c| a5.tags().remove(c, [2_i64, 7])).unwrap();
        assert_eq!(n, 1, "{backend}: tag 7 was not related");
        assert_eq!(tag_ids(r, 5), [4, 6], "{backend}");
        write!(r, |c| a5.tags().set(c, [6_i64, 8, 1])).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(tag_ids(r, 5), [1, 6, 8], "{backend}");
        write!(r, |c| a5.tags().set(c, Vec::<i64>::new())).unwrap();
        assert!(tag_ids(r, 5).is_empty(), "{backend}");
        write!(r, |c| a5.tags().add(c, [1_i64, 2])).unwrap();
        let n = write!(r, |c| a5.tags().clear(c)).unwrap();
        assert_eq!(n, 2, "{backend}");
        // Other articles' tags are untouched.
        assert_eq!(tag_ids(r, 12), [1, 2, 3], "{backend}");
        // A key that names no row is a foreign key violation, and adds nothing.
        let err = write!(r, |c| a5.tags().add(c, [999_i64])).unwrap_err();
        assert!(
            matches!(err, dunder::Error::ForeignKeyViolation { .. }),
            "{backend}: {err:?}"
        );
        assert!(tag_ids(r, 5).is_empty(), "{backend}");
    });
}

/// A row read twice (a join's duplicates) and a related row reached from
/// several rows (a tag on many articles) each get their related rows, as
/// Django's prefetch gives every copy its list.
#[test]
fn prefetch_fills_every_copy_of_a_row() {
    let d = data();
    backends(|backend, r| {
        let q = query!(Article
            .filter(tags__name__in = ["python", "Rust"])
            .prefetch_related(tags)
            .order_by(id));
        let rows: Vec<Article> = run!(r, q, fetch_all).unwrap_or_else(|e| panic!("{backend}: {e}"));
        let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
        assert!(
            ids.windows(2).any(|w| w[0] == w[1]),
            "{backend}: duplicates expected: {ids:?}"
        );
        for a in &rows {
            let tags: Vec<String> = a
                .tags
                .loaded()
                .unwrap()
                .iter()
                .map(|t| t.name.clone())
                .collect();
            assert_eq!(tags, d.tags_of(a.id), "{backend}: article {}", a.id);
        }
        let q = query!(Article.prefetch_related(tags__articles).order_by(id));
        let rows: Vec<Article> = run!(r, q, fetch_all).unwrap();
        for a in &rows {
            for t in a.tags.loaded().unwrap() {
                let back: Vec<i64> = t.articles.loaded().unwrap().iter().map(|x| x.id).collect();
                assert_eq!(
                    back,
                    d.articles_tagged(t.id),
                    "{backend}: tag {} of article {}",
                    t.id,
                    a.id
                );
            }
        }
    });
}

/// The same loading through `dunder::Db` (both backends) and the cached
/// `dunder::postgres::Client`: every executor runs the prefetch queries on
/// the same connection.
#[test]
fn loading_through_db_and_the_cached_client() {
    let d = data();
    fn check(backend: &str, authors: Vec<Author>, d: &Data) {
        assert_eq!(authors.len(), d.author_name.len(), "{backend}");
        for a in &authors {
            let ids: Vec<i64> = a.articles.loaded().unwrap().iter().map(|x| x.id).collect();
            assert_eq!(ids, d.articles_of(a.id), "{backend}");
            for x in a.articles.loaded().unwrap() {
                assert_eq!(x.author.loaded().map(|y| y.id), Some(a.id), "{backend}");
            }
        }
    }
    let q = query!(Author
        .prefetch_related(articles, articles__author)
        .order_by(id));
    let mut db = dunder::Db::connect("sqlite::memory:").expect("sqlite");
    if let dunder::Db::Sqlite(conn) = &db {
        dunder_tests::load_conformance_sqlite(conn);
    }
    check("Db sqlite", q.fetch_all(&mut db).expect("Db sqlite"), &d);
    if let Some(pg) = dunder_tests::pg() {
        let mut client = dunder_tests::pg_connect(&pg);
        dunder_tests::load_conformance_pg(&mut client);
        let mut cached = dunder::postgres::Client::new(client);
        for round in 0..2 {
            let rows = q.fetch_all(&mut cached).expect("cached client");
            check(&format!("cached client, round {round}"), rows, &d);
        }
        let mut config_url = dunder_tests::postgres_url();
        if let Some(i) = config_url.rfind('/') {
            config_url.truncate(i + 1);
        }
        config_url.push_str(pg.dbname());
        let mut db = dunder::Db::connect(&config_url).expect("Db postgres");
        check(
            "Db postgres",
            q.fetch_all(&mut db).expect("Db postgres"),
            &d,
        );
        // Inside a transaction: the prefetch queries see its writes.
        let mut tx = cached.transaction().expect("tx");
        query!(Article.filter(author = 7).delete())
            .run(&mut tx)
            .expect("noop delete");
        let zed = query!(Author.prefetch_related(articles).get(pk = 7))
            .run(&mut tx)
            .expect("in tx");
        assert_eq!(zed.articles.loaded().map(<[Article]>::len), Some(0));
        tx.rollback().expect("rollback");
    }
}

/// `select_related` of one-to-one relations both ways: the forward key
/// (`Profile.user`) and the reverse side (`Person.profile`, a LEFT join:
/// no profile reads as `Some(None)`), nested (`post.author.profile`).
#[test]
fn select_related_one_to_one_both_ways() {
    use dunder_test_models::relations::{Blog, Person, Post, Profile};
    let setup = |r: &mut Runner<'_>| {
        let ann = run!(r, query!(Person.create(name = "Ann")), run).unwrap();
        let bob = run!(r, query!(Person.create(name = "Bob")), run).unwrap();
        run!(r, query!(Profile.create(bio = "ann's", user = ann.id)), run).unwrap();
        let blog = run!(r, query!(Blog.create(name = "b", owner = ann.id)), run).unwrap();
        for (title, author) in [("by ann", ann.id), ("by bob", bob.id)] {
            run!(
                r,
                query!(Post.create(title = title, rating = 1, blog = blog.id, author = author)),
                run
            )
            .unwrap();
        }
    };
    let check = |backend: &str, r: &mut Runner<'_>| {
        let people: Vec<Person> = run!(
            r,
            query!(Person.select_related(profile).order_by(name)),
            fetch_all
        )
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let bios: Vec<Option<Option<&str>>> = people
            .iter()
            .map(|p| p.profile.loaded().map(|x| x.map(|x| x.bio.as_str())))
            .collect();
        assert_eq!(bios, [Some(Some("ann's")), Some(None)], "{backend}");
        let profiles: Vec<Profile> =
            run!(r, query!(Profile.select_related(user)), fetch_all).unwrap();
        assert_eq!(
            profiles[0].user.loaded().map(|u| u.name.as_str()),
            Some("Ann")
        );
        let posts: Vec<Post> = run!(
            r,
            query!(Post.select_related(author__profile).order_by(title)),
            fetch_all
        )
        .unwrap();
        let got: Vec<(&str, Option<Option<&str>>)> = posts
            .iter()
            .map(|p| {
                let a = p.author.loaded().expect("author loaded");
                (
                    a.name.as_str(),
                    a.profile.loaded().map(|x| x.map(|x| x.bio.as_str())),
                )
            })
            .collect();
        assert_eq!(
            got,
            [("Ann", Some(Some("ann's"))), ("Bob", Some(None))],
            "{backend}"
        );
    };
    fresh_backends(
        |r| {
            create::<Person>(r);
            create::<Profile>(r);
            create::<Blog>(r);
            create::<dunder_test_models::relations::Tag>(r);
            create::<Post>(r);
        },
        |backend, r| {
            setup(r);
            check(backend, r);
        },
    );
}

/// The reverse side of a many-to-many writes the same through table.
#[test]
fn reverse_many_to_many_writes() {
    backends(|backend, r| {
        let unused: Tag = run!(r, query!(Tag.get(name = "unused")), fetch_one).unwrap();
        let n = write!(r, |c| unused.articles().add(c, [1_i64, 2])).unwrap();
        assert_eq!(n, 2, "{backend}");
        let tagged: Vec<Article> = run!(
            r,
            query!(Article.filter(tags__name = "unused").order_by(id)),
            fetch_all
        )
        .unwrap();
        assert_eq!(
            tagged.iter().map(|a| a.id).collect::<Vec<_>>(),
            [1, 2],
            "{backend}"
        );
        assert!(tag_ids(r, 1).contains(&unused.id), "{backend}");
        write!(r, |c| unused.articles().set(c, [3_i64])).unwrap();
        assert_eq!(tag_ids(r, 3), [4, unused.id], "{backend}");
        assert!(!tag_ids(r, 1).contains(&unused.id), "{backend}");
        let n = write!(r, |c| unused.articles().clear(c)).unwrap();
        assert_eq!(n, 1, "{backend}");
    });
}

/// prefetch_related through an explicit through model, both ways.
#[test]
fn prefetch_through_an_explicit_through_model() {
    use dunder_test_models::relations::{Membership, Person, Team};
    let setup = |r: &mut Runner<'_>| {
        let ann = run!(r, query!(Person.create(name = "Ann")), run).unwrap();
        let bob = run!(r, query!(Person.create(name = "Bob")), run).unwrap();
        run!(r, query!(Person.create(name = "Cy")), run).unwrap();
        let red = run!(r, query!(Team.create(name = "red")), run).unwrap();
        let blue = run!(r, query!(Team.create(name = "blue")), run).unwrap();
        run!(r, query!(Team.create(name = "empty")), run).unwrap();
        for (team, person, role) in [
            (red.id, ann.id, "lead"),
            (red.id, bob.id, "dev"),
            (blue.id, ann.id, "dev"),
        ] {
            run!(
                r,
                query!(Membership.create(team = team, person = person, role = role)),
                run
            )
            .unwrap();
        }
    };
    let check = |backend: &str, r: &mut Runner<'_>| {
        let teams: Vec<Team> = run!(
            r,
            query!(Team.prefetch_related(members, memberships).order_by(id)),
            fetch_all
        )
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let got: Vec<(&str, Vec<&str>, Vec<&str>)> = teams
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    t.members
                        .loaded()
                        .unwrap()
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect(),
                    t.memberships
                        .loaded()
                        .unwrap()
                        .iter()
                        .map(|m| m.role.as_str())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("red", vec!["Ann", "Bob"], vec!["lead", "dev"]),
                ("blue", vec!["Ann"], vec!["dev"]),
                ("empty", vec![], vec![]),
            ],
            "{backend}"
        );
        let people: Vec<Person> = run!(
            r,
            query!(Person.prefetch_related(teams).order_by(id)),
            fetch_all
        )
        .unwrap();
        let got: Vec<Vec<&str>> = people
            .iter()
            .map(|p| {
                p.teams
                    .loaded()
                    .unwrap()
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect()
            })
            .collect();
        assert_eq!(got, [vec!["red", "blue"], vec!["red"], vec![]], "{backend}");
    };
    fresh_backends(
        |r| {
            create::<Person>(r);
            create::<Team>(r);
            create::<Membership>(r);
        },
        |backend, r| {
            setup(r);
            check(backend, r);
        },
    );
}

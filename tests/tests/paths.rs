//! `query!` finds a model's schema by whatever path reaches the struct:
//! from another crate, by a full path, through a `use` alias, and from other
//! modules of the same crate (DESIGN §2).

use dunder::prelude::*;

mod local {
    pub mod models {
        use dunder::{ForeignKey, Model};

        #[derive(Model, Debug, PartialEq)]
        #[dunder(table = "local_post")]
        pub struct Post {
            pub id: i64,
            #[dunder(column = "headline")]
            pub title: String,
            pub parent: Option<ForeignKey<Self>>,
            pub author: ForeignKey<::dunder_test_models::conformance::Author>,
        }

        #[derive(Model, Debug)]
        #[allow(dead_code)]
        pub(crate) struct Private {
            pub id: i64,
            pub r#type: String,
        }
    }

    pub mod queries {
        pub fn by_title(t: &str) -> dunder::Query<'_, super::models::Post> {
            dunder::query!(crate::local::models::Post, title = t)
        }
        pub fn private_sql() -> &'static str {
            dunder::query!(super::models::Private, r#type = "x").sql(dunder::Dialect::Sqlite)
        }
    }
}

#[test]
fn models_from_another_crate_by_every_path() {
    use dunder_test_models::conformance::Article as A;
    let by_alias = query!(A, rating = 1);
    let by_path = query!(dunder_test_models::conformance::Article, rating = 1);
    let by_root_path = query!(::dunder_test_models::conformance::Article.filter(rating = 1));
    assert_eq!(by_alias.sql(Dialect::Sqlite), by_path.sql(Dialect::Sqlite));
    assert_eq!(
        by_path.sql(Dialect::Postgres),
        by_root_path.sql(Dialect::Postgres)
    );
    assert!(by_alias
        .sql(Dialect::Sqlite)
        .starts_with("SELECT \"article\".\"id\""));
}

#[test]
fn models_from_other_modules_with_self_and_cross_crate_relations() {
    let conn = dunder_tests::sqlite();
    dunder::create_table::<dunder_test_models::conformance::Author, _>(&conn).expect("author");
    dunder::create_table::<local::models::Post, _>(&conn).expect("post");
    let ddl = dunder::create_table_sql::<local::models::Post>(Dialect::Sqlite);
    assert!(
        ddl.contains(r#""parent_id" bigint NULL REFERENCES "local_post" ("id")"#),
        "{ddl}"
    );
    assert!(
        ddl.contains(r#""author_id" bigint NOT NULL REFERENCES "author" ("id")"#),
        "{ddl}"
    );
    conn.execute_batch(
        "INSERT INTO author (id, name) VALUES (1, 'a');
         INSERT INTO local_post (id, headline, parent_id, author_id) VALUES (1, 'root', NULL, 1), (2, 'child', 1, 1);",
    )
    .expect("seed");
    let q = local::queries::by_title("child");
    let rows = q.fetch_all(&conn).expect("query");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].parent.as_ref().map(|p| p.id()), Some(1));
    assert!(q
        .sql(Dialect::Sqlite)
        .contains(r#""local_post"."headline" = ?1"#));
    assert_eq!(
        local::queries::private_sql(),
        r#"SELECT "private"."id", "private"."type" FROM "private" WHERE "private"."type" = ?1"#
    );
    let children = query!(local::models::Post, parent = 1)
        .fetch_all(&conn)
        .expect("children");
    assert_eq!(children.iter().map(|p| p.id).collect::<Vec<_>>(), vec![2]);
}

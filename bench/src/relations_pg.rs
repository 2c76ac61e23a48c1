//! The PostgreSQL side of the relations benchmark (`benches/relations_pg.rs`,
//! `examples/profile_relations.rs`): the database, its data, and the
//! hand-written code: statements prepared once, values by index, the same
//! structs as dunder's, the same SQL text (a test checks it).

use std::collections::HashMap;

use dunder::{ForeignKey, Reverse};

use crate::relations::Data;
use crate::{Comment, Post, User};

/// What `select_related` sends (checked against dunder at the start).
pub const MEDIUM_PG: &str = r#"SELECT "posts"."id", "posts"."user_id", "posts"."title", "posts"."body", "users"."id", "users"."name", "users"."hair_color" FROM "posts" INNER JOIN "users" ON ("posts"."user_id" = "users"."id") WHERE "users"."hair_color" = $1::text"#;

/// What `prefetch_related(posts, posts__comments)` sends (checked too).
pub const LOADING_PG: [&str; 3] = [
    r#"SELECT "users"."id", "users"."name", "users"."hair_color" FROM "users""#,
    r#"SELECT "posts"."id", "posts"."user_id", "posts"."title", "posts"."body" FROM "posts" WHERE "posts"."user_id" = ANY($1::int8[]) ORDER BY "posts"."id" ASC"#,
    r#"SELECT "comments"."id", "comments"."post_id", "comments"."text" FROM "comments" WHERE "comments"."post_id" = ANY($1::int8[]) ORDER BY "comments"."id" ASC"#,
];

pub fn url() -> String {
    std::env::var("DUNDER_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The server of `DUNDER_POSTGRES_URL` with a fresh database `db` of
/// its own (dropped first if an earlier run left it), holding the three
/// empty tables; `Err` says why not (no server, a bad URL).
pub fn server(db: &'static str) -> Result<Server, String> {
    let server = empty_database(db)?;
    let mut client = server.connect();
    dunder::create_table::<User, _>(&mut client).expect("users");
    dunder::create_table::<Post, _>(&mut client).expect("posts");
    dunder::create_table::<Comment, _>(&mut client).expect("comments");
    Ok(server)
}

/// The server of `DUNDER_POSTGRES_URL` with a fresh, empty database `db` of
/// its own (dropped first if an earlier run left it, and again when the
/// `Server` is dropped); `Err` says why not.
pub fn empty_database(db: &'static str) -> Result<Server, String> {
    let base: postgres::Config = url()
        .parse()
        .map_err(|e| format!("DUNDER_POSTGRES_URL={:?} is not valid ({e})", url()))?;
    let mut admin = base
        .connect(postgres::NoTls)
        .map_err(|e| format!("PostgreSQL unreachable at {} ({e})", url()))?;
    // Two calls: DROP/CREATE DATABASE refuse to run inside the implicit
    // transaction of a multi-statement simple query.
    for sql in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin.batch_execute(&sql).map_err(|e| e.to_string())?;
    }
    Ok(Server { admin, base, db })
}

/// A database of the benchmark's own on the server; dropped with it.
#[allow(missing_debug_implementations)]
pub struct Server {
    admin: postgres::Client,
    base: postgres::Config,
    db: &'static str,
}

impl Server {
    /// A new connection to the database.
    pub fn connect(&self) -> postgres::Client {
        let mut config = self.base.clone();
        config.dbname(self.db);
        config.connect(postgres::NoTls).expect("connect")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self
            .admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.db));
    }
}

/// Replaces the rows of the three tables with `data` (one UNNEST insert per
/// table), then ANALYZE, so the planner knows the new sizes.
pub fn fill(client: &mut postgres::Client, data: Data) {
    client
        .batch_execute("TRUNCATE comments, posts, users")
        .expect("truncate");
    let (mut ids, mut names, mut hairs) = (Vec::new(), Vec::new(), Vec::new());
    for (id, name, hair) in data.users() {
        ids.push(id);
        names.push(name);
        hairs.push(hair);
    }
    client
        .execute(
            "INSERT INTO users (id, name, hair_color) SELECT * FROM UNNEST($1::int8[], $2::text[], $3::text[])",
            &[&ids, &names, &hairs],
        )
        .expect("users");
    let (mut ids, mut users, mut titles, mut bodies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, user, title, body) in data.posts() {
        ids.push(id);
        users.push(user);
        titles.push(title);
        bodies.push(body);
    }
    client
        .execute(
            "INSERT INTO posts (id, user_id, title, body) SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[])",
            &[&ids, &users, &titles, &bodies],
        )
        .expect("posts");
    let (mut ids, mut posts, mut texts) = (Vec::new(), Vec::new(), Vec::new());
    for (id, post, text) in data.comments() {
        ids.push(id);
        posts.push(post);
        texts.push(text);
    }
    client
        .execute(
            "INSERT INTO comments (id, post_id, text) SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[])",
            &[&ids, &posts, &texts],
        )
        .expect("comments");
    client.batch_execute("ANALYZE").expect("analyze");
}

/// The hand-written side's statements, prepared once.
#[allow(missing_debug_implementations)]
pub struct Hand {
    medium: postgres::Statement,
    users: postgres::Statement,
    posts: postgres::Statement,
    comments: postgres::Statement,
}

impl Hand {
    pub fn prepare(client: &mut postgres::Client) -> Hand {
        let [users, posts, comments] = LOADING_PG.map(|sql| client.prepare(sql).expect("prepare"));
        Hand {
            medium: client.prepare(MEDIUM_PG).expect("prepare"),
            users,
            posts,
            comments,
        }
    }
}

/// The "medium complex query" by hand: [`MEDIUM_PG`], values by index, the
/// user set into the post's key as `select_related` does.
pub fn raw_medium(client: &mut postgres::Client, hand: &Hand, hair: &str) -> Vec<Post> {
    client
        .query(&hand.medium, &[&hair])
        .expect("query")
        .iter()
        .map(|r| {
            let mut post = Post {
                id: r.get(0),
                user: ForeignKey::new(r.get(1)),
                title: r.get(2),
                body: r.get(3),
                comments: Reverse::new(),
            };
            post.user.__set(User {
                id: r.get(4),
                name: r.get(5),
                hair_color: r.get(6),
                posts: Reverse::new(),
            });
            post
        })
        .collect()
}

/// "Loading associations" by hand: the three statements of [`LOADING_PG`],
/// each key list bound as one `int8[]`, the rows grouped by key in a
/// `HashMap` and set into their parents.
pub fn raw_loading(client: &mut postgres::Client, hand: &Hand) -> Vec<User> {
    let mut users: Vec<User> = client
        .query(&hand.users, &[])
        .expect("users")
        .iter()
        .map(|r| User {
            id: r.get(0),
            name: r.get(1),
            hair_color: r.get(2),
            posts: Reverse::new(),
        })
        .collect();
    if users.is_empty() {
        return users;
    }
    let keys: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut posts: Vec<Post> = client
        .query(&hand.posts, &[&keys])
        .expect("posts")
        .iter()
        .map(|r| Post {
            id: r.get(0),
            user: ForeignKey::new(r.get(1)),
            title: r.get(2),
            body: r.get(3),
            comments: Reverse::new(),
        })
        .collect();
    if !posts.is_empty() {
        let keys: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let mut by_post: HashMap<i64, Vec<Comment>> = HashMap::with_capacity(posts.len());
        for r in client.query(&hand.comments, &[&keys]).expect("comments") {
            let comment = Comment {
                id: r.get(0),
                post: ForeignKey::new(r.get(1)),
                text: r.get(2),
            };
            by_post.entry(comment.post.id()).or_default().push(comment);
        }
        for p in &mut posts {
            p.comments.__set(by_post.remove(&p.id).unwrap_or_default());
        }
    }
    let mut by_user: HashMap<i64, Vec<Post>> = HashMap::with_capacity(users.len());
    for p in posts {
        by_user.entry(p.user.id()).or_default().push(p);
    }
    for u in &mut users {
        u.posts.__set(by_user.remove(&u.id).unwrap_or_default());
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_side_runs_dunders_sql() {
        let hair = crate::relations::HAIR;
        let q = dunder::query!(Post.select_related(user).filter(user__hair_color = hair));
        assert_eq!(q.sql(dunder::Dialect::Postgres), MEDIUM_PG);
        let q = dunder::query!(User.prefetch_related(posts, posts__comments));
        let mut all = vec![q.sql(dunder::Dialect::Postgres)];
        all.extend(q.prefetch_sql(dunder::Dialect::Postgres));
        assert_eq!(all, LOADING_PG);
    }
}

//! diesel_bench's "medium complex query" and "loading associations" on
//! SQLite: dunder's `select_related` / `prefetch_related` against
//! hand-written rusqlite running the same SQL text (`prepare_cached`, values
//! by index, into the same structs). See `bench/README.md`.
//!
//! The hand-written side fills the relation fields with `ForeignKey::__set`
//! and `Reverse::__set` (hidden, but public): the only way to build the very
//! values dunder returns, so both sides do the same work and the tests can
//! compare them.

use std::collections::HashMap;
use std::rc::Rc;

use dunder::{ForeignKey, Reverse};
use rusqlite::types::Value as SqlValue;

use crate::{Comment, Post, User};

/// The colour `medium` filters on (half the users have it).
pub const HAIR: &str = "black";

/// The SQL of [`dunder_medium`] on SQLite, which [`raw_medium`] runs too
/// (a test checks that they are the same text).
pub const MEDIUM_SQLITE: &str = r#"SELECT "posts"."id", "posts"."user_id", "posts"."title", "posts"."body", "users"."id", "users"."name", "users"."hair_color" FROM "posts" INNER JOIN "users" ON ("posts"."user_id" = "users"."id") WHERE "users"."hair_color" = ?1"#;

/// The three statements of [`dunder_loading`] on SQLite (users, their posts,
/// the posts' comments), which [`raw_loading`] runs too.
pub const LOADING_SQLITE: [&str; 3] = [
    r#"SELECT "users"."id", "users"."name", "users"."hair_color" FROM "users""#,
    r#"SELECT "posts"."id", "posts"."user_id", "posts"."title", "posts"."body" FROM "posts" WHERE "posts"."user_id" IN rarray(?1) ORDER BY "posts"."id" ASC"#,
    r#"SELECT "comments"."id", "comments"."post_id", "comments"."text" FROM "comments" WHERE "comments"."post_id" IN rarray(?1) ORDER BY "comments"."id" ASC"#,
];

/// The data of both scenarios, the same on both backends: `users` users
/// (ids 1…, `User {i}`, hair `black` for even `i`, `brown` for odd), each
/// with `posts` posts (`Post {k} by user {id}`, a body on odd `k`, NULL on
/// even), each with `comments` comments (`Comment {j} on post {id}`).
#[derive(Debug, Clone, Copy)]
pub struct Data {
    pub users: usize,
    pub posts: usize,
    pub comments: usize,
}

impl Data {
    /// The "medium complex query" data: three posts per user, no comments.
    pub const fn medium(users: usize) -> Data {
        Data {
            users,
            posts: 3,
            comments: 0,
        }
    }

    /// diesel_bench's "loading associations" data: ten posts per user, ten
    /// comments per post.
    pub const fn loading(users: usize) -> Data {
        Data {
            users,
            posts: 10,
            comments: 10,
        }
    }

    /// The users' rows: `(id, name, hair_color)`.
    pub fn users(&self) -> impl Iterator<Item = (i64, String, &'static str)> {
        (0..self.users).map(|i| {
            let hair = if i % 2 == 0 { HAIR } else { "brown" };
            (i as i64 + 1, format!("User {i}"), hair)
        })
    }

    /// The posts' rows: `(id, user_id, title, body)`.
    pub fn posts(&self) -> impl Iterator<Item = (i64, i64, String, Option<String>)> + '_ {
        (0..self.users * self.posts).map(|p| {
            let (user, k) = (p / self.posts + 1, p % self.posts);
            let body = (k % 2 == 1).then(|| format!("The body of post {k} by user {user}"));
            (
                p as i64 + 1,
                user as i64,
                format!("Post {k} by user {user}"),
                body,
            )
        })
    }

    /// The comments' rows: `(id, post_id, text)`.
    pub fn comments(&self) -> impl Iterator<Item = (i64, i64, String)> + '_ {
        (0..self.users * self.posts * self.comments).map(|c| {
            let (post, j) = (c / self.comments + 1, c % self.comments);
            (
                c as i64 + 1,
                post as i64,
                format!("Comment {j} on post {post}"),
            )
        })
    }
}

/// An in-memory SQLite database with the three tables (the derive's
/// `CREATE TABLE`s, with the foreign keys' indexes) filled with `data`, and
/// dunder's functions and `rarray` registered up front (the hand-written
/// side needs `rarray`; dunder would register it on first use).
pub fn database(data: Data) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    dunder::sqlite::register_functions(&conn).expect("functions");
    dunder::create_table::<User, _>(&conn).expect("users");
    dunder::create_table::<Post, _>(&conn).expect("posts");
    dunder::create_table::<Comment, _>(&conn).expect("comments");
    let tx = conn.unchecked_transaction().expect("tx");
    {
        let mut users = tx
            .prepare("INSERT INTO users (id, name, hair_color) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        for (id, name, hair) in data.users() {
            users
                .execute(rusqlite::params![id, name, hair])
                .expect("user");
        }
        let mut posts = tx
            .prepare("INSERT INTO posts (id, user_id, title, body) VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        for (id, user, title, body) in data.posts() {
            posts
                .execute(rusqlite::params![id, user, title, body])
                .expect("post");
        }
        let mut comments = tx
            .prepare("INSERT INTO comments (id, post_id, text) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        for (id, post, text) in data.comments() {
            comments
                .execute(rusqlite::params![id, post, text])
                .expect("comment");
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("ANALYZE").expect("analyze");
    conn
}

/// The "medium complex query" through dunder: the posts of the users with
/// `hair`, each with its user read from the same row.
/// Any connection: `&rusqlite::Connection` here, PostgreSQL clients in
/// `benches/relations_pg.rs`.
pub fn dunder_medium<E: dunder::Executor>(conn: E, hair: &str) -> Vec<Post> {
    dunder::query!(Post.select_related(user).filter(user__hair_color = hair))
        .fetch_all(conn)
        .expect("fetch")
}

/// The same by hand: [`MEDIUM_SQLITE`], values by index, the user set into
/// the post's key as `select_related` does.
pub fn raw_medium(conn: &rusqlite::Connection, hair: &str) -> Vec<Post> {
    let mut stmt = conn.prepare_cached(MEDIUM_SQLITE).expect("prepare");
    let rows = stmt
        .query_map([hair], |r| {
            let mut post = Post {
                id: r.get(0)?,
                user: ForeignKey::new(r.get(1)?),
                title: r.get(2)?,
                body: r.get(3)?,
                comments: Reverse::new(),
            };
            post.user.__set(User {
                id: r.get(4)?,
                name: r.get(5)?,
                hair_color: r.get(6)?,
                posts: Reverse::new(),
            });
            Ok(post)
        })
        .expect("query");
    rows.collect::<Result<Vec<_>, _>>().expect("rows")
}

/// [`raw_medium`] as diesel_bench's hand-written code returns it: pairs of
/// plain structs (the post's key not loaded), so no `Arc` per row. Only for
/// the instruction counts (`examples/profile_relations.rs`), to show what
/// the shared row of a `ForeignKey` costs.
pub fn raw_medium_pairs(conn: &rusqlite::Connection, hair: &str) -> Vec<(Post, User)> {
    let mut stmt = conn.prepare_cached(MEDIUM_SQLITE).expect("prepare");
    let rows = stmt
        .query_map([hair], |r| {
            Ok((
                Post {
                    id: r.get(0)?,
                    user: ForeignKey::new(r.get(1)?),
                    title: r.get(2)?,
                    body: r.get(3)?,
                    comments: Reverse::new(),
                },
                User {
                    id: r.get(4)?,
                    name: r.get(5)?,
                    hair_color: r.get(6)?,
                    posts: Reverse::new(),
                },
            ))
        })
        .expect("query");
    rows.collect::<Result<Vec<_>, _>>().expect("rows")
}

/// "Loading associations" through dunder: every user with its posts, each
/// post with its comments (three queries).
/// Any connection, as [`dunder_medium`].
pub fn dunder_loading<E: dunder::Executor>(conn: E) -> Vec<User> {
    dunder::query!(User.prefetch_related(posts, posts__comments))
        .fetch_all(conn)
        .expect("fetch")
}

/// The same by hand: the three statements of [`LOADING_SQLITE`], each key
/// list bound as one `rarray` parameter, the rows grouped by their key in a
/// `HashMap` and set into their parents.
pub fn raw_loading(conn: &rusqlite::Connection) -> Vec<User> {
    let [users_sql, posts_sql, comments_sql] = LOADING_SQLITE;
    let mut users: Vec<User> = conn
        .prepare_cached(users_sql)
        .expect("prepare")
        .query_map([], |r| {
            Ok(User {
                id: r.get(0)?,
                name: r.get(1)?,
                hair_color: r.get(2)?,
                posts: Reverse::new(),
            })
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("users");
    if users.is_empty() {
        return users;
    }
    let keys: Vec<SqlValue> = users.iter().map(|u| SqlValue::Integer(u.id)).collect();
    let mut posts: Vec<Post> = conn
        .prepare_cached(posts_sql)
        .expect("prepare")
        .query_map([Rc::new(keys)], |r| {
            Ok(Post {
                id: r.get(0)?,
                user: ForeignKey::new(r.get(1)?),
                title: r.get(2)?,
                body: r.get(3)?,
                comments: Reverse::new(),
            })
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("posts");
    if !posts.is_empty() {
        let keys: Vec<SqlValue> = posts.iter().map(|p| SqlValue::Integer(p.id)).collect();
        let mut by_post: HashMap<i64, Vec<Comment>> = HashMap::with_capacity(posts.len());
        let mut stmt = conn.prepare_cached(comments_sql).expect("prepare");
        let mut rows = stmt.query([Rc::new(keys)]).expect("query");
        while let Some(r) = rows.next().expect("comment") {
            let comment = Comment {
                id: r.get(0).expect("id"),
                post: ForeignKey::new(r.get(1).expect("post_id")),
                text: r.get(2).expect("text"),
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

/// Everything a post holds, its user's and comments' rows included (the
/// models' `==` compares columns only: a loaded relation is a cache).
pub fn deep_post(p: &Post) -> String {
    format!(
        "{p:?} user={:?} comments={:?}",
        p.user.loaded(),
        p.comments.loaded()
    )
}

/// Everything a user holds, down to its posts' comments.
pub fn deep_user(u: &User) -> String {
    let posts: Option<Vec<String>> = u
        .posts
        .loaded()
        .map(|ps| ps.iter().map(deep_post).collect());
    format!("{u:?} posts={posts:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_side_runs_dunders_sql() {
        let q = dunder::query!(Post.select_related(user).filter(user__hair_color = HAIR));
        assert_eq!(q.sql(dunder::Dialect::Sqlite), MEDIUM_SQLITE);
        let q = dunder::query!(User.prefetch_related(posts, posts__comments));
        let mut all = vec![q.sql(dunder::Dialect::Sqlite)];
        all.extend(q.prefetch_sql(dunder::Dialect::Sqlite));
        assert_eq!(all, LOADING_SQLITE);
    }

    #[test]
    fn medium_both_sides_return_the_same_rows() {
        for users in [0, 1, 10, 100] {
            let conn = database(Data::medium(users));
            let (d, r) = (dunder_medium(&conn, HAIR), raw_medium(&conn, HAIR));
            assert_eq!(d.len(), 3 * users.div_ceil(2));
            let deep = |v: &[Post]| v.iter().map(deep_post).collect::<Vec<_>>();
            assert_eq!(deep(&d), deep(&r));
            assert!(d.iter().all(|p| p.user.loaded().is_some()));
            let pairs = raw_medium_pairs(&conn, HAIR);
            assert_eq!(pairs.len(), d.len());
        }
    }

    #[test]
    fn loading_both_sides_return_the_same_rows() {
        for users in [0, 1, 10] {
            let conn = database(Data::loading(users));
            let (d, r) = (dunder_loading(&conn), raw_loading(&conn));
            assert_eq!(d.len(), users);
            let deep = |v: &[User]| v.iter().map(deep_user).collect::<Vec<_>>();
            assert_eq!(deep(&d), deep(&r));
            let comments: usize = d
                .iter()
                .flat_map(|u| u.posts.loaded().unwrap_or_default())
                .map(|p| p.comments.loaded().map_or(0, <[_]>::len))
                .sum();
            assert_eq!(comments, users * 100);
        }
    }
}

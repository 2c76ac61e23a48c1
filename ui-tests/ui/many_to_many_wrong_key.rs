use dunder_test_models::conformance::{Article, Author};

fn write(conn: &rusqlite::Connection, article: &Article, author: &Author) -> dunder::Result<u64> {
    // A tag is named by a Tag, its i64 key or a ForeignKey<Tag>: not by an author.
    article.tags().add(conn, [author])
}

fn main() {}

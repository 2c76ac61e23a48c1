// A model whose derive fails still has its schema macro and impls (the
// fields that could be read): the derive's errors are the only errors, and
// queries on its valid fields, on it from other models and its methods
// compile. A query on the field in error is told the field does not exist.
use dunder::prelude::*;

#[derive(Model)]
pub struct Author {
    pub id: i64,
    pub name: String,
    #[dunder(related = author)]
    pub articles: Reverse<crate::Article>,
}

#[derive(Model)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

#[derive(Model)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub views: u32,
    #[dunder(colunm = "body_text")]
    pub body: String,
    pub author: ForeignKey<crate::Author>,
    pub tags: ManyToMany<crate::Tag>,
}

fn main() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let _ = query!(Article.filter(title__icontains = "x", body = "y")).fetch_all(&conn);
    let _ = query!(Article.filter(author__name = "x").count()).fetch_one(&conn);
    let _ = query!(Article.filter(id = 1).update(title = F(body))).run(&conn);
    let _ = query!(Article.get_or_create(title = "x", defaults(body = "y", author = 1)));
    let _ = query!(Article.select_related(author).prefetch_related(tags)).fetch_all(&conn);
    let _ = query!(Author.filter(articles__title = "x"));
    let _ = query!(Author.prefetch_related(articles__tags));
    let _ = query!(Article.create(title = "x", body = "y", author = 1));
    if let Ok(mut a) = query!(Article.get(id = 1)).fetch_one(&conn) {
        let _ = a.save(&conn);
        let _ = a.tags().add(&conn, [1i64]);
    }
    let _ = dunder::create_table::<Article, _>(&conn);
    // The one natural error: the field in error is not in the schema.
    let _ = query!(Article.filter(views = 3));
}

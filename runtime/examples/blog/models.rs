//! The blog's models, shared by the demo (`cargo run --example blog`) and
//! its `manage` command line (`cargo run --example manage -- …`).

use chrono::NaiveDate;
use dunder::prelude::*;

/// A blog author.
#[derive(Model, Debug)]
pub struct Author {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    /// The other side of `Article.author` (not a column).
    #[dunder(related = author)]
    pub articles: Reverse<crate::models::Article>,
}

/// A tag on articles.
#[derive(Model, Debug)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    /// The other side of `Article.tags`.
    #[dunder(related = tags)]
    pub articles: Reverse<crate::models::Article>,
}

/// A blog post.
#[derive(Model, Debug)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub published_date: NaiveDate,
    pub rating: Option<i32>,
    pub author: ForeignKey<crate::models::Author>,
    /// Through the table `article_tags`.
    pub tags: ManyToMany<crate::models::Tag>,
}

// The app's models, for migrations (`makemigrations` diffs them against
// the files in `examples/blog/migrations`).
dunder::app!(pub BLOG = [Author, Tag, Article]);

use dunder::prelude::*;

#[derive(Model)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

// Schema attributes the migrations read, misused.
#[derive(Model)]
#[dunder(unique_together = "title", index_together = "title, autor")]
pub struct Article {
    pub id: i64,
    #[dunder(max_length = 0)]
    pub title: String,
    #[dunder(max_length = 20)]
    pub rating: i32,
    #[dunder(index)]
    pub tags: ManyToMany<crate::Tag>,
    pub author: String,
}

#[derive(Model)]
#[dunder(index_together = "title, autor")]
pub struct Post {
    pub id: i64,
    pub title: String,
    pub author: String,
}

fn main() {}

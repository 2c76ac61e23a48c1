use dunder::{ForeignKey, Model};

#[derive(Model)]
pub struct Author {
    pub id: i64,
}

#[derive(Model)]
pub struct Article {
    pub id: i64,
    pub author: ForeignKey<Author>,
    pub editor: Option<ForeignKey<super::Author>>,
}

fn main() {}

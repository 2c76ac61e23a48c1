use dunder::Model;

#[derive(Model)]
#[dunder(table = "articles", table = "posts")]
pub struct Article {
    pub id: i64,
}

#[derive(Model)]
#[dunder(table = "authors")]
#[dunder(table = "writers")]
pub struct Author {
    pub id: i64,
}

fn main() {}

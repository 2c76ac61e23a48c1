use dunder::Model;

#[derive(Model)]
pub struct Article {
    pub id: i64,
    pub title: String,
    #[dunder(column = "title")]
    pub headline: String,
}

fn main() {}

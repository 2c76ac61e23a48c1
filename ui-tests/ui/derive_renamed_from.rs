use dunder::Model;

// `renamed_from` takes the old name as a string, once.
#[derive(Model)]
#[dunder(renamed_from = "Post", renamed_from = "Entry")]
pub struct Article {
    pub id: i64,
    #[dunder(renamed_from = "")]
    pub title: String,
    #[dunder(renamed_from = body)]
    pub content: String,
}

fn main() {}

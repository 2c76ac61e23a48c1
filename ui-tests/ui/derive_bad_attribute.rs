use dunder::Model;

#[derive(Model)]
#[dunder(tabel = "articles")]
pub struct Article {
    pub id: i64,
    #[dunder(colunm = "t")]
    pub title: String,
}

fn main() {}

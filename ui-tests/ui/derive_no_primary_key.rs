use dunder::Model;

#[derive(Model)]
pub struct Article {
    pub title: String,
}

fn main() {}

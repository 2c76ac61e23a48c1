use dunder::Model;

#[derive(Model)]
pub struct Article {
    pub id: i64,
    pub views: u32,
    pub tags: Vec<String>,
}

fn main() {}

use dunder::prelude::*;

#[derive(Model)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

pub struct Note {
    pub id: i64,
}

// Every name in `app!` must be a model.
dunder::app!(pub BLOG = [Tag, Note]);

fn main() {}

use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Author};

#[derive(dunder::Model)]
pub struct Code {
    #[dunder(primary_key)]
    pub code: String,
    #[dunder(related = owner)]
    pub pets: Reverse<crate::Pet>,
}

#[derive(dunder::Model)]
pub struct Pet {
    pub id: i64,
    pub owner: ForeignKey<crate::Code>,
}

fn main() {
    // select_related follows keys, one row each.
    let _q = query!(Article.select_related(title));
    let _q = query!(Article.select_related(tags));
    let _q = query!(Author.select_related(articles));
    // prefetch_related follows relations.
    let _q = query!(Article.prefetch_related(rating));
    // A misspelt relation.
    let _q = query!(Article.prefetch_related(tagz));
    // Relation names only, at least one.
    let _q = query!(Article.select_related("author"));
    let _q = query!(Article.prefetch_related());
    // Related rows are found by an integer key.
    let _q = query!(Code.prefetch_related(pets));
}

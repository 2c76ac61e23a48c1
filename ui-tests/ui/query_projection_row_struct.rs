use dunder::prelude::*;
use dunder_test_models::conformance::Article;

/// The user's row struct: every field is checked against the projection.
#[allow(dead_code)]
struct TitleRating {
    title: String,
    rating: i64,
}

#[allow(dead_code)]
struct Missing {
    title: String,
}

fn main() {
    // `rating` is an `i32` column: the field's type is wrong, on `rating`.
    let _q = query!(Article.values(title, rating) as TitleRating);
    // A field the struct does not have.
    let _q = query!(Article.values(title, score) as Missing);
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    // An `Option` field is compared with the value itself.
    let _q = query!(Article.filter(score = Some(4.5)));
    // Running the query happens outside the macro.
    let _q = query!(Article.filter(rating = 3).fetch_all());
    let _q = query!(Article.run());
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    // `.latest()`/`.earliest()` need fields; nothing reorders a slice.
    let _q = query!(Article.latest());
    let _q = query!(Article.order_by(rating)[..5].reverse());
    let _q = query!(Article.order_by(rating)[..5].last());
    let _q = query!(Article.all()[2..].earliest(published_date));
    let _q = query!(Article.none(1));
}

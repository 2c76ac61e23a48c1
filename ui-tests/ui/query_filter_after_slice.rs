use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let _q = query!(Article.order_by(id)[..10].filter(rating = 1));
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let _q = query!(Article.count().filter(rating = 1));
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let _q = query!(Article.fliter(rating = 1));
    let _q = query!(Article.filter(rating = 1).only(title));
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let _q = query!(Article.filter(title__year = 2020));
    let _q = query!(Article.filter(published_date__hour = 3));
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let _q = query!(Article.filter(id__icontains = 1));
    let _q = query!(Article.filter(author__startswith = 1));
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let _q = query!(Article.filter(id__gt = 0)[0..10:2]);
    let _r = query!(Article.order_by(id)[..10:-1]);
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    // Every mistake of one query is reported in one compile.
    let _q = query!(Article.filter(titel = "x", rating__gtt = 1).order_by(-publish_date));
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn lookup_not_last() {
    let _q = query!(Article.filter(title__contains__exact = "x"));
}
fn isnull_not_literal(flag: bool) {
    let _q = query!(Article.filter(score__isnull = flag));
}
fn order_by_transform() {
    let _q = query!(Article.order_by(published_date__yeer));
}

fn main() {}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn text_bound() {
    let _q = query!(Article.order_by(id)["a"..]);
}
fn single_index() {
    let _q = query!(Article.order_by(id)[3]);
}
fn closed_range() {
    let _q = query!(Article.order_by(id)[..=3]);
}
fn order_after_slice() {
    let _q = query!(Article[..3].order_by(id));
}
fn get_after_slice() {
    let _q = query!(Article.order_by(id)[..3].get(id = 1));
}
fn runtime_slice_sliced_again(a: usize, b: usize) {
    let _q = query!(Article.order_by(id)[a..b][..1]);
}
fn bound_not_usize() {
    let n: i64 = 3;
    let _q = query!(Article.order_by(id)[..n]);
}

fn main() {}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn nothing_to_set() {
    let _q = query!(Article.update());
}
fn unknown_field() {
    let _q = query!(Article.update(titel = "x"));
}
fn set_twice() {
    let _q = query!(Article.update(rating = 1, rating = 2));
}
fn null_into_not_null() {
    let _q = query!(Article.update(rating = None));
}
fn lookup_as_field() {
    let _q = query!(Article.update(rating__gt = 1));
}
fn arithmetic_on_text() {
    let _q = query!(Article.update(title = F(title) + 1));
}
fn f_of_another_type() {
    let _q = query!(Article.update(rating = F(title)));
}
fn unsupported_operator() {
    let _q = query!(Article.update(rating = F(rating) % 2));
}
fn f_with_two_fields() {
    let _q = query!(Article.update(rating = F(rating, id)));
}
fn not_an_assignment() {
    let _q = query!(Article.update(rating));
}
fn after_slice() {
    let _q = query!(Article.order_by(id)[..3].update(rating = 1));
}
fn after_distinct() {
    let _q = query!(Article.distinct().delete());
}
fn option_field_needs_an_option() {
    let _q = query!(Article.update(score = 1.5));
}
fn wrong_value_type() {
    let _q = query!(Article.update(rating = "five"));
}

fn main() {}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn missing_dot() {
    let _q = query!(Article filter(rating = 1));
}
fn no_model() {
    let _q = query!(.filter(rating = 1));
}
fn method_without_parentheses() {
    let _q = query!(Article.distinct);
}
fn not_a_chain() {
    let _q = query!(Article.filter(rating = 1) + 1);
}
fn turbofish() {
    let _q = query!(Article.filter::<i32>(rating = 1));
}
fn arguments_to_count() {
    let _q = query!(Article.count(rating));
}
fn empty_part() {
    let _q = query!(Article.filter(title____contains = "x"));
}
fn expression_on_the_left() {
    let _q = query!(Article.filter(title.len() = 3));
}
fn double_equals() {
    let _q = query!(Article.filter(rating == 1));
}
fn not_equals() {
    let _q = query!(Article.filter(rating != 1));
}
fn less_than() {
    let _q = query!(Article.filter(rating < 1));
}
fn xor() {
    let _q = query!(Article.filter((rating = 1) ^ (rating = 2)));
}
fn bare_field() {
    let _q = query!(Article.filter(is_featured));
}

fn main() {}

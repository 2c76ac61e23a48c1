use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn missing_fields() {
    let _q = query!(Article.create(title = "x"));
}
fn setting_the_auto_key() {
    let _q = query!(Article.create(id = 5, title = "x"));
}
fn f_in_create() {
    let _q = query!(Article.create(rating = F(rating)));
}
fn given_twice() {
    let _q = query!(Article.create(title = "x", title = "y"));
}
fn after_a_filter() {
    let _q = query!(Article.filter(rating = 1).create(title = "x"));
}
fn unknown_field() {
    let _q = query!(Article.create(titel = "x"));
}
fn wrong_type() {
    let d = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let _q = query!(Article.create(
        title = 5, content = "", published_date = d, rating = 1, is_featured = false, author = 1
    ));
}

fn main() {}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let x = 1;
    // Text functions take text; one expression, or two and more.
    let _q = query!(Article.annotate(n = Lower(F(rating))));
    let _q = query!(Article.annotate(n = Length(F(title), F(title))));
    let _q = query!(Article.annotate(n = Concat(F(title))));
    let _q = query!(Article.annotate(n = Concat(F(title), F(rating))));
    let _q = query!(Article.annotate(n = Coalesce(x, x)));
    // Cast: to a type both backends cast alike.
    let _q = query!(Article.annotate(n = Cast(F(rating), u8)));
    let _q = query!(Article.annotate(n = Cast(F(score), i32)));
    let _q = query!(Article.annotate(n = Cast(F(score), String)));
    let _q = query!(Article.annotate(n = Cast(F(title), i64)));
    let _q = query!(Article.annotate(n = Cast(F(is_featured), String)));
    let _q = query!(Article.annotate(n = Cast(F(is_featured), i64)));
    let _q = query!(Article.annotate(n = Cast(F(published_at), String)));
    let _q = query!(Article.annotate(n = Cast(F(published_date), i32)));
    // Coalesce / Case of a decimal and a float.
    let _q = query!(Article.annotate(n = Coalesce(F(price), F(score))));
    // Value: a literal.
    let _q = query!(Article.annotate(n = Value(x)));
    let _q = query!(Article.annotate(n = Value(1, 2)));
    // Case / When.
    let _q = query!(Article.annotate(n = When(rating = 1, then = 2)));
    let _q = query!(Article.annotate(n = Case(When(rating = 1))));
    let _q = query!(Article.annotate(n = Case(When(then = 1))));
    let _q = query!(Article.annotate(n = Case(default = 1)));
    let _q = query!(Article.annotate(n = Case(5)));
    let _q = query!(Article.annotate(n = Case(When(rating = 1, then = x))));
    let _q = query!(Article.annotate(n = Case(When(rating = 1, then = 1), default = "a")));
    // values() names its expressions.
    let _q = query!(Article.values(Lower(F(title))));
}

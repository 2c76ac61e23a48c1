use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let title = "x";
    let (a, b, c, d, e, f, g) = (Some(1), Some(2), Some(3), Some(4), Some(5), Some(6), Some(7));
    // `?` takes an `Option`.
    let _q = query!(Article.filter(title__icontains = title?));
    // A column is never absent.
    let _q = query!(Article.filter(rating = F(id)?));
    // get_or_create finds or creates one row: its lookups are all needed.
    let _q = query!(Article.get_or_create(title = Some(title)?));
    // A value set is always set.
    let _q = query!(Article.filter(id = 1).update(rating = a?));
    let _q = query!(Article.filter(score__isnull = true?));
    // A statement per combination: at most 6 optional conditions.
    let _q = query!(Article.filter(
        rating = a?, rating = b?, rating = c?, rating = d?, rating = e?, rating = f?, rating = g?
    ));
}

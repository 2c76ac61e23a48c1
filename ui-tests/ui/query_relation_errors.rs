use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Author, Tag};

fn main() {
    // A misspelt field of the related model, named with the nearest one.
    let _q = query!(Article.filter(author__nmae = "Alice"));
    // A transform that cannot apply, on a field reached through a relation.
    let _q = query!(Article.filter(tags__name__year = 2020));
    // A pattern lookup on a relation compared by its key.
    let _q = query!(Author.filter(articles__contains = 1));
    // A name that is neither a field nor a declared reverse relation.
    let _q = query!(Tag.filter(posts__rating = 1));
    // A relation is not a column: it cannot be set.
    let _q = query!(Article.update(tags = 1));
    // A transform that does not apply to the field, across a relation.
    let _q = query!(Article.order_by(author__name__year));
    // `isnull` on a column that can never be NULL.
    let _q = query!(Article.filter(author__name__isnull = true));
    // A write uses the row's own columns (Django: joined field references
    // are not permitted).
    let _q = query!(Article.update(title = F(author__name)));
    // The value has the related field's type.
    let _q = query!(Article.filter(author__born__year = "1990"));
}

use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Author};

fn main() {
    // The column compared with must have the field's type.
    let _q = query!(Article.filter(title = F(rating)));
    // Arithmetic needs numbers.
    let _q = query!(Article.filter(title = F(author__name) + 1));
    // `in` and `range` take Rust values.
    let _q = query!(Article.filter(rating__in = F(id)));
    // A misspelt field, or a transform that cannot apply, in the path.
    let _q = query!(Article.filter(rating = F(author__nmae)));
    let _q = query!(Article.filter(rating = F(author__name__year)));
    let _q = query!(Article.filter(rating = F(author__born__yeer)));
    // Not built yet: F() in a negated condition across a many-valued relation.
    let _q = query!(Author.exclude(articles__rating = F(articles__id)));
}

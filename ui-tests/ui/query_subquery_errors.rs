use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Author};

fn main() {
    // A subquery names its model first.
    let _q = query!(Article.filter(author__in = query!(.filter(name = "x"))));
    let _q = query!(Author.filter(Exists(5)));
    // A subquery reads rows.
    let _q = query!(Article.filter(author__in = query!(Author.filter(id = 1).delete())));
    let _q = query!(Article.filter(author__in = query!(Author.values(id) as Row)));
    let _q = query!(Article.filter(author__in = query!(Author.values(id, name))));
    let _q = query!(Article.filter(author__in = query!(Author.count())));
    let _q = query!(Author.filter(Exists(query!(Article.count()))));
    // Compared with a column: `in`, and of the column's type.
    let _q = query!(Article.filter(author = query!(Author.values(id))));
    let _q = query!(Article.filter(author__in = query!(Author.values(name))));
    // OuterRef: one path, inside a subquery, of the right type.
    let _q = query!(Author.filter(Exists(query!(Article.filter(author = OuterRef(1))))));
    let _q = query!(Article.filter(author = OuterRef(author)));
    let _q = query!(Author.filter(Exists(query!(Article.filter(title = OuterRef(pk))))));
    let _q = query!(Author.annotate(t = Subquery(5)));
}

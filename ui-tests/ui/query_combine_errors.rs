use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Author, Tag};

fn main() {
    // Rows of the same shape: one model, or the same values.
    let _q = query!(Author.union(query!(Tag.filter(name = "x"))));
    let _q = query!(Author.values(name).union(query!(Author.values(name, email))));
    let _q = query!(Author.values(name).union(query!(Author.values(born))));
    let _q = query!(Author.values(name).union(query!(Author)));
    // Each part reads rows of its own.
    let _q = query!(Author.union(query!(Author.count())));
    let _q = query!(Article.select_related(author).union(query!(Article)));
    let _q = query!(Author.annotate(n = Count(articles)).union(query!(Author)));
    let _q = query!(Author.union(query!(Author.order_by(name).distinct(name))));
    // Only ordering, slicing and terminals follow, by the rows' names.
    let _q = query!(Author.union(query!(Author)).filter(name = "x"));
    let _q = query!(Author.union(query!(Author)).order_by(articles__title));
    let _q = query!(Author.union(query!(Author))[..2].union(query!(Author)));
    let _q = query!(Author.values(name).union(query!(Author.values(name))).first());
    let _q = query!(Author.union(query!(Author)).in_bulk([1, 2]));
    // The arguments.
    let _q = query!(Author.union());
    let _q = query!(Author.union(query!(Author), all = 1));
    let _q = query!(Author.intersection(query!(Author), all = true));
    let _q = query!(Article.filter(author__in = query!(Author.union(query!(Author)).values(pk))));
}

use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Author};

fn main() {
    // Annotation names: not a field, not twice, not the model's own slot.
    let _q = query!(Article.annotate(rating = Count(tags)));
    let _q = query!(Article.annotate(n = Count(tags), n = Count(tags)));
    let _q = query!(Article.annotate(article = Count(tags)));
    // An annotation is computed by the database.
    let _q = query!(Article.annotate(n = 5));
    let _q = query!(Article.annotate(n));
    let _q = query!(Article.annotate());
    let _q = query!(Article.annotate(n = Greatest(score)));
    // Aggregates: of what, how.
    let _q = query!(Article.annotate(n = Sum(title)));
    let _q = query!(Article.annotate(n = Max(is_featured)));
    let _q = query!(Article.annotate(n = Sum()));
    let _q = query!(Article.annotate(n = Count(id, title)));
    let _q = query!(Article.annotate(n = Count(tags, distinct = 1)));
    let _q = query!(Article.annotate(n = Max(rating, distinct = true)));
    // StdDev / Variance: numbers, `sample = bool`, no `distinct`.
    let _q = query!(Article.aggregate(n = StdDev(title)));
    let _q = query!(Article.aggregate(n = StdDev(rating, distinct = true)));
    let _q = query!(Article.aggregate(n = Variance(rating, sample = 1)));
    let _q = query!(Article.aggregate(n = Variance(rating, population = true)));
    let _q = query!(Article.annotate(n = Count(tags, default = 0)));
    let _q = query!(Article.annotate(n = Count(tags, nope = 0)));
    let _q = query!(Article.annotate(n = Sum(rating, filter = is_featured)));
    let _q = query!(Article.annotate(n = Sum(rating, filter = Q())));
    let _q = query!(Article.annotate(n = Sum(Count(tags))));
    let _q = query!(Article.annotate(n = Count(tags)).annotate(m = Sum(n)));
    let _q = query!(Article.annotate(n = Sum(rating, default = F(title))));
    let _q = query!(Article.annotate(n = Count(filter = Q(is_featured = true))));
    // After values(), an annotation may take a field's name, not a value's.
    let _q = query!(Article.values(title).annotate(title = Count(tags)));
    // Expressions.
    let _q = query!(Article.annotate(n = F(title) + 1));
    let _q = query!(Article.annotate(n = F(rating) % 2));
    let _q = query!(Article.annotate(n = -F(title)));
    let _q = query!(Article.annotate(n = F(rating, title)));
    // A name used before it is annotated.
    let _q = query!(Author.filter(n = 1).annotate(n = Count(articles)));
    // values / values_list.
    let _q = query!(Article.values(title, title));
    let _q = query!(Article.values(1));
    let _q = query!(Article.values(titel));
    let _q = query!(Article.values_list(title, rating, flat = true));
    let _q = query!(Article.values_list(title, flat = yes));
    let _q = query!(Article.values_list());
    // aggregate.
    let _q = query!(Article.aggregate());
    let _q = query!(Article.aggregate(n = F(rating)));
    let _q = query!(Article.aggregate(n = Count(id), n = Count(id)));
    let _q = query!(Article.aggregate(n = Count(id)).count());
    // What cannot follow a projection.
    let _q = query!(Article.values(title).update(rating = 1));
    let _q = query!(Article.values(title).prefetch_related(tags));
    let _q = query!(Article.values(author__name).annotate(n = Count(id)).first());
    // `as` names a struct, for rows.
    let _q = query!(Article.values(title) as (String,));
    let _q = query!(Article.count() as Row);
}

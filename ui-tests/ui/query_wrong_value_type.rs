use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    let rating: i64 = 4;
    let _q = query!(Article.filter(rating = rating));
    let _q = query!(Article.filter(title = 5));
    let _q = query!(Article.filter(published_date__year = "2020"));
    let _q = query!(Article.filter(id__in = 7i64));
    let _q = query!(Article.filter(rating__range = [1, 5]));
}

use dunder::prelude::*;
use dunder_test_models::conformance::Article;

fn main() {
    // A Decimal compares with a Decimal or an integer (exactly), not a float.
    let _q = query!(Article.filter(price = 9.99));
    let _q = query!(Article.filter(price__in = [1.5f64]));
    // Pattern lookups apply to text: a decimal's text differs per backend.
    let _q = query!(Article.filter(price__endswith = ".00"));
    // Arithmetic mixing a Decimal and a float has no exact type (Django
    // refuses it too).
    let _q = query!(Article.annotate(p = F(price) * 2.0));
    let _q = query!(Article.annotate(p = F(price) + F(score)));
    // Values beside a decimal column are decimals.
    let _q = query!(Article.update(price = F(price) * 1.1));
}

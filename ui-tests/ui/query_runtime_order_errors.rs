use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Tag, TagField};

fn main() {
    let a = TagField::Name.desc();
    let b = a;
    // A key of another model, and text from outside, are type errors.
    let _q = query!(Article.order_by({ a }));
    let _q = query!(Article.order_by({ "-title" }));
    // One run-time key per query; one expression in the braces.
    let _q = query!(Tag.order_by({ a }, { b }));
    let _q = query!(Tag.order_by({ let c = a; c }));
    let _q = query!(Tag.order_by(1));
    let _q = query!(Article.filter(tags__in = query!(Tag.order_by({ a }).values(pk))));
    let (w, x, y, z, v, u) = (Some(1), Some(2), Some(3), Some(4), Some(5), Some(6));
    let _q = query!(Article.filter(rating = w?, rating__gt = x?, rating__lt = y?, rating__gte = z?, rating__lte = v?, rating__in = u?).order_by({ b }));
}

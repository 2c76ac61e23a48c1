use dunder::prelude::*;
use dunder_test_models::conformance::{Article, Tag};

#[derive(Model, Debug)]
pub struct Reading {
    pub id: i64,
    #[dunder(unique)]
    pub value: f64,
}

fn main() {
    let _q = query!(Reading.in_bulk([1.5], field_name = value));
    let ids = [1, 2];
    // in_bulk maps keys to rows: by the pk or a unique column.
    let _q = query!(Article.in_bulk(ids, field_name = title));
    let _q = query!(Article.in_bulk(ids, field_name = author));
    let _q = query!(Article.in_bulk(ids, field_name = score));
    let _q = query!(Article.in_bulk(ids, by = title));
    let _q = query!(Article.in_bulk(ids, title));
    let _q = query!(Article.in_bulk(ids, field_name = "title"));
    let _q = query!(Article[..3].in_bulk());
    let _q = query!(Article.values(title).in_bulk());
    // DISTINCT ON needs the order to start with its fields.
    let _q = query!(Article.order_by(published_date).distinct(author));
    let _q = query!(Article.distinct(1));
    // Row locks.
    let _q = query!(Article.select_for_update(nowait = true, skip_locked = true));
    let _q = query!(Article.select_for_update().count());
    let _q = query!(Article.select_for_update().get_or_create(title = "t"));
    let _q = query!(Article.distinct().select_for_update());
    let _q = query!(Article.values(author).annotate(n = Count(pk)).select_for_update());
    let _q = query!(Article.select_for_update(of = (author)));
    let _q = query!(Article.select_related(editor).select_for_update());
    let _q = query!(Article.select_related(editor).select_for_update(of = (self, editor)));
    let _q = query!(Article.select_for_update(of = (1)));
    let _q = query!(Article.select_for_update(wait = true));
    let _q = query!(Article.select_for_update(nowait = 1));
    let _q = query!(Article.select_for_update(true));
    let _q = query!(Article.filter(author__in = query!(Tag.select_for_update().values(pk))));
    let _q = query!(Article.filter(author__in = query!(Tag.order_by(name).distinct(name).values(pk))));
}

use dunder::prelude::*;
use dunder_test_models::conformance::Author;

// Only plain `field = value` lookups give the created row values:
// `name__iexact` narrows the get but cannot be stored.
fn missing_field() {
    let _q = query!(Author.get_or_create(name__iexact = "x", defaults(email = Some("e"))));
}
fn missing_in_create_defaults() {
    let _q = query!(Author.update_or_create(
        name__iexact = "x",
        defaults(name = "X"),
        create_defaults(email = None)
    ));
}
fn create_defaults_on_get_or_create() {
    let _q = query!(Author.get_or_create(name = "x", create_defaults(email = None)));
}
fn defaults_twice() {
    let _q = query!(Author.get_or_create(name = "x", defaults(email = None), defaults(born = None)));
}
fn field_twice_in_defaults() {
    let _q = query!(Author.get_or_create(name = "x", defaults(email = None, email = Some("a"))));
}
fn f_where_a_row_may_be_created() {
    let _q = query!(Author.update_or_create(name = "x", defaults(email = F(name))));
}
fn lookup_in_defaults() {
    let _q = query!(Author.get_or_create(name = "x", defaults(born__year = 1990)));
}
fn unknown_field_in_defaults() {
    let _q = query!(Author.get_or_create(name = "x", defaults(emial = None)));
}
fn auto_key_in_defaults() {
    let _q = query!(Author.get_or_create(name = "x", defaults(id = 1)));
}
fn after_a_slice() {
    let _q = query!(Author.order_by(id)[..5].get_or_create(name = "x"));
}
fn wrong_default_type() {
    let _q = query!(Author.get_or_create(email__isnull = true, defaults(name = 5)));
}
fn null_for_a_required_field() {
    let _q = query!(Author.get_or_create(email__isnull = true, defaults(name = None)));
}

fn main() {}

// What a model derived by another version of dunder-macros looks like to
// `query!`: the schema protocol differs.
fn main() {
    let _q = dunder::__private::__query_with_schema!([dunder_schema_v0 Old "old" {}] @dunder_query (Old) ());
}

use dunder::{ForeignKey, Model};

#[derive(Model)]
pub struct Generic<T> {
    pub id: i64,
    pub value: T,
}

#[derive(Model)]
pub enum Kind {
    A,
}

#[derive(Model)]
pub union Bits {
    pub id: i64,
}

#[derive(Model)]
#[dunder(table = "")]
pub struct EmptyTable {
    pub id: i64,
}

#[derive(Model)]
pub struct EmptyColumn {
    pub id: i64,
    #[dunder(column = "")]
    pub title: String,
}

#[derive(Model)]
pub struct TwoKeys {
    #[dunder(primary_key)]
    pub a: i64,
    #[dunder(primary_key)]
    pub b: i64,
}

#[derive(Model)]
pub struct OptionalKey {
    pub id: Option<i64>,
}

#[derive(Model)]
pub struct Author {
    pub id: i64,
}

#[derive(Model)]
pub struct KeyIsRelation {
    #[dunder(primary_key)]
    pub author: ForeignKey<crate::Author>,
}

#[derive(Model)]
pub struct UnknownFieldAttribute {
    pub id: i64,
    #[dunder(unique)]
    pub title: String,
}

fn main() {}

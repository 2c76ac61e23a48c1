use dunder::{ForeignKey, ManyToMany, Model, OneToOne, Reverse, ReverseOne};

#[derive(Model)]
pub struct Author {
    pub id: i64,
    pub name: String,
}

#[derive(Model)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

#[derive(Model)]
pub struct Article {
    pub id: i64,
    // A relation that is not a column is never NULL.
    pub tags: Option<ManyToMany<crate::Tag>>,
    #[dunder(on_delete = cascad)]
    pub author: ForeignKey<crate::Author>,
    #[dunder(on_delete = cascade)]
    pub title: String,
    #[dunder(on_delete = set_null)]
    pub editor: ForeignKey<crate::Author>,
    #[dunder(on_delete = set_default)]
    pub reviewer: Option<ForeignKey<crate::Author>>,
    #[dunder(related = author)]
    pub rating: i32,
    #[dunder(through = crate::Tag)]
    pub owner: OneToOne<crate::Author>,
    #[dunder(column = "x")]
    pub topics: ManyToMany<crate::Tag>,
    pub fans: Reverse<crate::Author>,
    #[dunder(column = "a", column = "b")]
    pub body: String,
}

#[derive(Model)]
pub struct Profile {
    pub id: i64,
    pub user: OneToOne<crate::Author>,
}

#[derive(Model)]
pub struct Writer {
    pub id: i64,
    // No field `nope` on Profile points here.
    #[dunder(related = nope)]
    pub profiles: Reverse<crate::Profile>,
    // `Profile.user` points at Author, not at Writer, and is a OneToOne.
    #[dunder(related = user)]
    pub users: ReverseOne<crate::Profile>,
}

fn main() {}

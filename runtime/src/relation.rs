//! Compile-time checks of relation declarations, used by `#[derive(Model)]`.

/// The model has a `ForeignKey`, `OneToOne` or `ManyToMany` field whose name
/// hashes to `NAME`, pointing at `Target`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no ForeignKey, OneToOne or ManyToMany field of the name given in `#[dunder(related = …)]`",
    label = "no such relation field on `{Self}`",
    note = "`related = f` names the field of the other model that points at this one, e.g. `#[dunder(related = author)] articles: Reverse<crate::Article>` for `Article.author: ForeignKey<crate::Author>`"
)]
pub trait Relation<const NAME: u64> {
    /// The model the field points at.
    type Target;
    /// [`ToOne`] for a `OneToOne`, [`ToMany`] for a `ForeignKey` or `ManyToMany`
    /// (seen from the target: one related row, or many).
    type Kind;
    /// What the target's reverse side writes through: a
    /// [`RelatedManager`](crate::RelatedManager) of this model for a
    /// many-to-many with an automatic through table, [`NoManager`] otherwise.
    type Manager;
    /// The manager of the target row whose key is `key`.
    fn manager(key: i64) -> Self::Manager;
}

/// The reverse side of a key, or of a many-to-many through a model of its
/// own, is written from the other side: set the key (`update`), or create
/// the through model's rows. This has no methods.
#[derive(Debug, Clone, Copy)]
pub struct NoManager;

/// The reverse side of a `OneToOne`: at most one related row.
#[derive(Debug)]
pub enum ToOne {}

/// The reverse side of a `ForeignKey` or `ManyToMany`: any number of rows.
#[derive(Debug)]
pub enum ToMany {}

/// `Source.NAME` is a relation to `Target` of kind `Kind`.
#[inline]
pub fn assert_related<Source, Target, Kind, const NAME: u64>()
where
    Source: Relation<NAME, Target = Target, Kind = Kind>,
{
}

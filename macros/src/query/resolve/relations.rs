//! Lookup paths through relations: which tables a path joins, how joins are
//! shared (Django's rules), and the subquery a negated condition across a
//! multi-valued relation becomes.
//!
//! * A single-valued join (forward `ForeignKey`/`OneToOne`, reverse
//!   `OneToOne`) is shared by the whole query.
//! * A multi-valued join (reverse `ForeignKey`, `ManyToMany` both ways) is
//!   shared only within one `filter()` call: each call gets its own, so
//!   `filter(tags__name = a).filter(tags__name = b)` finds rows with both.
//!   `order_by` reuses the latest one.
//! * Under a negation (`exclude`, `!`), a condition that crosses a
//!   multi-valued relation becomes `pk IN (SELECT … )` (Django's
//!   `split_exclude`), so `exclude(tags__name = a)` drops every row that has
//!   such a tag.
//! * Join kinds are chosen after the WHERE is known ([`Plan::choose_joins`]).

use proc_macro2::TokenStream;

use super::Resolver;
use crate::plan::*;
use crate::query::ast::Part;
use crate::schema::{FieldKind, FieldSchema, LinkKind, LinkSchema, ModelSchema, Through};
use crate::util::did_you_mean;

/// The schemas a query may use: its model's, and those fetched through the
/// relations it follows, each under the key of the relation that leads to it.
#[derive(Debug, Clone)]
pub struct Schemas {
    pub root: ModelSchema,
    pub related: Vec<(String, ModelSchema)>,
}

impl Schemas {
    pub fn single(root: ModelSchema) -> Schemas {
        Schemas {
            root,
            related: Vec::new(),
        }
    }

    /// The key of the schema `field` of `from` leads to.
    pub fn key(from: &ModelSchema, field: &str) -> String {
        format!("{}.{field}", from.id)
    }

    fn get(&self, key: &str) -> Option<&ModelSchema> {
        self.related.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }
}

/// A schema the query needs and does not have yet: expand again through
/// the macro at `path`, remembering it under `key`.
#[derive(Debug, Clone)]
pub struct Need {
    pub key: String,
    pub path: TokenStream,
}

/// What identifies a join, for sharing it.
#[derive(Debug, Clone)]
struct JoinMeta {
    key: String,
    /// The `filter()` call of a multi-valued join (None: single-valued).
    group: Option<usize>,
}

/// The FROM list being built for a query or a subquery.
#[derive(Debug, Clone)]
pub struct Joins {
    pub from: From,
    meta: Vec<JoinMeta>,
    /// Subqueries alias every table `U0`, `U1`, … (as Django does).
    sub: bool,
}

impl Joins {
    pub fn new(table: &str) -> Joins {
        Joins {
            from: From::single(table),
            meta: vec![JoinMeta {
                key: String::new(),
                group: None,
            }],
            sub: false,
        }
    }

    pub(super) fn subquery(table: &str) -> Joins {
        let mut j = Joins::new(table);
        j.from.tables[0].alias = "U0".to_owned();
        j.sub = true;
        j
    }

    pub fn base_alias(&self) -> String {
        self.from.base().alias.clone()
    }

    /// Joins `table` on `left = table.column`, or reuses such a join.
    /// `group`: the filter call of a multi-valued join; `reuse_any`: any
    /// earlier one will do (ordering).
    fn join(&mut self, left: Col, step: &Step, group: Option<usize>, reuse_any: bool) -> String {
        let key = format!(
            "{}.{}>{}.{}",
            left.alias, left.column, step.table, step.column
        );
        let found = self
            .meta
            .iter()
            .zip(&self.from.tables)
            .rfind(|(m, _)| m.key == key && (reuse_any || group.is_none() || m.group == group))
            .map(|(_, t)| t.alias.clone());
        if let Some(alias) = found {
            return alias;
        }
        let n = self.from.tables.len();
        let alias = if self.sub {
            format!("U{n}")
        } else if self.from.tables.iter().any(|t| t.alias == step.table) {
            format!("T{}", n + 1)
        } else {
            step.table.clone()
        };
        self.from.tables.push(TableRef {
            table: step.table.clone(),
            alias: alias.clone(),
            join: Some(Join {
                kind: JoinKind::Inner,
                left,
                column: step.column.clone(),
                nullable: step.nullable,
            }),
        });
        self.meta.push(JoinMeta { key, group });
        alias
    }
}

/// One table a relation passes through: joined on
/// `<previous table>.left = table.column`.
#[derive(Debug, Clone)]
struct Step {
    left: String,
    table: String,
    column: String,
    /// The previous row may have no row here.
    nullable: bool,
    /// `column` can be NULL.
    column_nullable: bool,
}

/// A relation followed from one model to another.
struct Hop<'s> {
    target: &'s ModelSchema,
    steps: Vec<Step>,
    /// Many rows on the other side.
    multi: bool,
    /// When the path ends here (`tags__in`, `author = 1`): the column that
    /// holds the target's key without joining the target (step, column);
    /// step `None` is the current table.
    trim: (Option<usize>, String),
}

/// A many-to-many hop from `model` to `target` through `table`: its row
/// joined on `near` (the column holding `model`'s key), then `target` on
/// `far`; ending there compares `far` without joining `target`.
fn via_through<'s>(
    model: &ModelSchema,
    target: &'s ModelSchema,
    table: String,
    near: String,
    far: String,
) -> Hop<'s> {
    let pk = |m: &ModelSchema| {
        m.primary_key()
            .map(|f| f.column.clone())
            .unwrap_or_default()
    };
    Hop {
        target,
        steps: vec![
            Step {
                left: pk(model),
                table,
                column: near,
                nullable: true,
                column_nullable: false,
            },
            Step {
                left: far.clone(),
                table: target.table.clone(),
                column: pk(target),
                nullable: false,
                column_nullable: false,
            },
        ],
        multi: true,
        trim: (Some(0), far),
    }
}

/// Where a path through relations ended.
pub struct Walked {
    pub operand: Operand,
    /// The path so far (for messages).
    pub path: String,
    /// How many parts the walk consumed.
    pub used: usize,
    /// A negated condition across a multi-valued relation: the walk went on
    /// inside this subquery, whose filter is the condition.
    pub split: Option<Split>,
}

/// What a path part names on a model.
enum Named<'s> {
    Column(&'s FieldSchema),
    Link(&'s LinkSchema),
}

impl<'s> Resolver<'s> {
    /// The schema a relation of `from` leads to, or `None` after recording
    /// that it must be fetched.
    pub(super) fn target(
        &mut self,
        from: &'s ModelSchema,
        field: &str,
        path: &TokenStream,
    ) -> Option<&'s ModelSchema> {
        if path.to_string() == "Self" {
            return Some(from);
        }
        let key = Schemas::key(from, field);
        let schemas: &'s Schemas = self.schemas;
        match schemas.get(&key) {
            Some(s) => Some(s),
            None => {
                if self.need.is_none() {
                    self.need = Some(Need {
                        key,
                        path: path.clone(),
                    });
                }
                None
            }
        }
    }

    fn named(&self, model: &'s ModelSchema, part: &Part) -> syn::Result<Named<'s>> {
        if part.name == "pk" {
            if let Some(pk) = model.primary_key() {
                return Ok(Named::Column(pk));
            }
        }
        if let Some(f) = model.field(&part.name) {
            return Ok(Named::Column(f));
        }
        if let Some(l) = model.link(&part.name) {
            return Ok(Named::Link(l));
        }
        if let Some(f) = model
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::ForeignKey && f.column == part.name)
        {
            return Ok(Named::Column(f));
        }
        Err(no_field(model, part))
    }

    /// "Missing schema": the error is dropped when the query is expanded again.
    fn missing(&self, part: &Part) -> syn::Error {
        syn::Error::new(part.span, "dunder: a related model's schema is needed")
    }

    /// The relation named by `rel` of `model`, as steps from `model`'s table.
    fn hop(
        &mut self,
        model: &'s ModelSchema,
        named: &Named<'s>,
        part: &Part,
    ) -> syn::Result<Hop<'s>> {
        let pk_col = |m: &ModelSchema| {
            m.primary_key()
                .map(|f| f.column.clone())
                .unwrap_or_default()
        };
        match named {
            Named::Column(f) => {
                let path = f.target.clone().unwrap_or_default();
                let target = self
                    .target(model, &f.name, &path)
                    .ok_or_else(|| self.missing(part))?;
                Ok(Hop {
                    target,
                    steps: vec![Step {
                        left: f.column.clone(),
                        table: target.table.clone(),
                        column: pk_col(target),
                        nullable: f.nullable,
                        column_nullable: false,
                    }],
                    multi: false,
                    trim: (None, f.column.clone()),
                })
            }
            Named::Link(l) => {
                let target = self
                    .target(model, &l.name, &l.target)
                    .ok_or_else(|| self.missing(part))?;
                match l.kind {
                    LinkKind::ManyToMany => {
                        let (table, source, dest) = self.through(model, l, target, part)?;
                        Ok(via_through(model, target, table, source, dest))
                    }
                    LinkKind::Reverse | LinkKind::ReverseOne => {
                        let related = l.related.clone().unwrap_or_default();
                        let mirror = match (target.field(&related), target.link(&related)) {
                            (Some(f), _) if f.target.is_some() => Named::Column(f),
                            (_, Some(m)) if m.kind == LinkKind::ManyToMany => Named::Link(m),
                            _ => {
                                return Err(syn::Error::new(
                                    part.span,
                                    format!(
                                        "`{}.{}` mirrors `{}.{related}`, which is not a ForeignKey, OneToOne or ManyToMany field",
                                        model.name, l.name, target.name
                                    ),
                                ))
                            }
                        };
                        // Checked from both sides: the mirrored field leads back here.
                        let (mirror_name, mirror_path, one) = match &mirror {
                            Named::Column(f) => (
                                f.name.clone(),
                                f.target.clone().unwrap_or_default(),
                                f.unique,
                            ),
                            Named::Link(m) => (m.name.clone(), m.target.clone(), false),
                        };
                        let back = self
                            .target(target, &mirror_name, &mirror_path)
                            .ok_or_else(|| self.missing(part))?;
                        if back.id != model.id {
                            return Err(syn::Error::new(
                                part.span,
                                format!(
                                    "`{}.{}` mirrors `{}.{mirror_name}`, which points at `{}`, not at `{}`",
                                    model.name, l.name, target.name, back.name, model.name
                                ),
                            ));
                        }
                        if one != (l.kind == LinkKind::ReverseOne) {
                            let (want, is) = if one {
                                ("ReverseOne", "a OneToOne")
                            } else {
                                ("Reverse", "a ForeignKey or ManyToMany")
                            };
                            return Err(syn::Error::new(
                                part.span,
                                format!(
                                    "`{}.{}` mirrors {is} field (`{}.{mirror_name}`): declare it as `{want}<…>`",
                                    model.name, l.name, target.name
                                ),
                            ));
                        }
                        match mirror {
                            Named::Column(f) => Ok(Hop {
                                target,
                                steps: vec![Step {
                                    left: pk_col(model),
                                    table: target.table.clone(),
                                    column: f.column.clone(),
                                    nullable: true,
                                    column_nullable: f.nullable,
                                }],
                                multi: !one,
                                trim: (Some(0), pk_col(target)),
                            }),
                            Named::Link(m) => {
                                let (table, source, dest) = self.through(target, m, model, part)?;
                                Ok(via_through(model, target, table, dest, source))
                            }
                        }
                    }
                }
            }
        }
    }

    /// The through table of the many-to-many `link` of `owner` to `target`:
    /// (table, column of the owner's key, column of the target's key).
    fn through(
        &mut self,
        owner: &'s ModelSchema,
        link: &'s LinkSchema,
        target: &'s ModelSchema,
        part: &Part,
    ) -> syn::Result<(String, String, String)> {
        match &link.through {
            Some(Through::Auto {
                table,
                source,
                target,
            }) => Ok((table.clone(), source.clone(), target.clone())),
            Some(Through::Model(path)) => {
                let key_name = format!("{}#through", link.name);
                let through = self
                    .target(owner, &key_name, path)
                    .ok_or_else(|| self.missing(part))?;
                // The through model's keys to each side.
                let mut source = None;
                let mut dest = None;
                for f in through.fields.iter().filter(|f| f.target.is_some()) {
                    let t = f.target.clone().unwrap_or_default();
                    let Some(to) = self.target(through, &f.name, &t) else {
                        return Err(self.missing(part));
                    };
                    if to.id == owner.id && source.is_none() {
                        source = Some(f.column.clone());
                    } else if to.id == target.id && dest.is_none() {
                        dest = Some(f.column.clone());
                    }
                }
                match (source, dest) {
                    (Some(s), Some(d)) => Ok((through.table.clone(), s, d)),
                    _ => Err(syn::Error::new(
                        part.span,
                        format!(
                            "the through model `{}` of `{}.{}` needs a ForeignKey to `{}` and one to `{}`",
                            through.name, owner.name, link.name, owner.name, target.name
                        ),
                    )),
                }
            }
            None => Err(syn::Error::new(
                part.span,
                "many-to-many without a through table",
            )),
        }
    }

    /// Walks `parts` from the query's model through its relations to the
    /// column they name. `group`: the filter call (multi-valued joins are
    /// shared within it); `None` for ordering (reuse the latest join).
    /// Under a negation a multi-valued relation starts a subquery.
    pub(super) fn walk(
        &mut self,
        joins: &mut Joins,
        parts: &[Part],
        group: Option<usize>,
        negated: bool,
    ) -> syn::Result<Walked> {
        // An annotation's name (`.annotate(n = …)`, then `n__gte`, `-n`,
        // `F(n)`): the annotation's value, which the renderer inlines.
        if let Some(a) = parts
            .first()
            .and_then(|p| self.annotations.iter().find(|a| a.name == p.name))
        {
            return Ok(Walked {
                operand: Operand {
                    col: Col::new(ANNOTATION, &a.name),
                    column_kind: a.kind,
                    nullable: a.nullable,
                    transforms: Vec::new(),
                },
                path: a.name.clone(),
                used: 1,
                split: None,
            });
        }
        // Joins of annotations and values are shared with any earlier one
        // and never split (Django resolves them with `reuse=None`).
        let negated = negated && !self.annotating;
        let group = if self.annotating { None } else { group };
        let mut model: &'s ModelSchema = self.schema;
        let mut alias = joins.base_alias();
        let mut nullable = false;
        let mut path = String::new();
        let mut i = 0;
        let mut split: Option<Split> = None;
        loop {
            let Some(part) = parts.get(i) else {
                return Err(syn::Error::new(
                    proc_macro2::Span::call_site(),
                    "expected a field name",
                ));
            };
            let named = self.named(model, part)?;
            if !path.is_empty() {
                path.push_str("__");
            }
            path.push_str(&part.name);
            if let Named::Column(f) = &named {
                if f.target.is_none() {
                    return Ok(Walked {
                        operand: Operand {
                            col: Col::new(&alias, &f.column),
                            column_kind: f.kind,
                            nullable: nullable || f.nullable,
                            transforms: Vec::new(),
                        },
                        path,
                        used: i + 1,
                        split,
                    });
                }
            }
            let hop = self.hop(model, &named, part)?;
            // Django resolves field names before lookups: the path goes on
            // when the next part names a field of the target.
            let next = parts.get(i + 1);
            let target_pk = hop.target.primary_key();
            let next_is_pk = next
                .is_some_and(|n| n.name == "pk" || target_pk.is_some_and(|pk| pk.name == n.name));
            let goes_on = next.is_some_and(|n| {
                !next_is_pk
                    && (hop.target.field(&n.name).is_some() || hop.target.link(&n.name).is_some())
            });
            if let Some(n) = next {
                if !goes_on && !next_is_pk && !crate::lookups::is_lookup_or_transform(&n.name) {
                    return Err(no_field(hop.target, n));
                }
            }
            // A negated condition across a multi-valued relation: the rest
            // of the path is a subquery of rows of this model (Django's
            // `split_exclude`), from which `Plan`'s join choice may trim
            // this model's table.
            if hop.multi && negated && split.is_none() {
                let sub = Joins::subquery(&model.table);
                let base = sub.base_alias();
                let pk = model
                    .primary_key()
                    .map(|f| f.column.clone())
                    .unwrap_or_default();
                split = Some(Split {
                    lhs: Col::new(&alias, &pk),
                    lhs_nullable: nullable,
                    select: Col::new(&base, &pk),
                    first_column_nullable: hop.steps[0].column_nullable,
                    joins: sub,
                });
                alias = base;
            }
            let steps = &hop.steps[..];
            let multi_group = if hop.multi { group } else { None };
            let mut follow = |alias: &mut String, steps: &[Step], split: &mut Option<Split>| {
                for step in steps {
                    let j = match split {
                        Some(s) => &mut s.joins,
                        None => &mut *joins,
                    };
                    *alias = j.join(
                        Col::new(alias, &step.left),
                        step,
                        multi_group,
                        group.is_none(),
                    );
                }
            };
            if !goes_on {
                // Ends here: compare the related key, joining no further
                // than the column that holds it.
                let (upto, column) = &hop.trim;
                if let Some(upto) = upto {
                    follow(&mut alias, &steps[..=*upto], &mut split);
                }
                let column_nullable = match &named {
                    Named::Column(f) => f.nullable,
                    Named::Link(_) => true,
                };
                return Ok(Walked {
                    operand: Operand {
                        col: Col::new(&alias, column),
                        column_kind: FieldKind::ForeignKey,
                        nullable: nullable || column_nullable,
                        transforms: Vec::new(),
                    },
                    path,
                    used: i + 1 + usize::from(next_is_pk),
                    split,
                });
            }
            follow(&mut alias, steps, &mut split);
            nullable = nullable || hop.steps.iter().any(|s| s.nullable);
            model = hop.target;
            i += 1;
        }
    }
}

/// A negated condition across a multi-valued relation, as
/// `lhs IN (SELECT select FROM joins WHERE …)`.
pub struct Split {
    pub lhs: Col,
    /// `lhs` is reached through a relation that can be absent.
    pub lhs_nullable: bool,
    pub select: Col,
    /// The column the relation's first table joins on can be NULL.
    pub first_column_nullable: bool,
    pub joins: Joins,
}

/// "model `M` has no field `x`", with the nearest name and every field.
pub fn no_field(model: &ModelSchema, part: &Part) -> syn::Error {
    let names = model
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .chain(model.links.iter().map(|l| l.name.as_str()))
        .chain(["pk"]);
    let hint = did_you_mean(&part.name, names)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    let all: Vec<&str> = model
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .chain(model.links.iter().map(|l| l.name.as_str()))
        .collect();
    let reverse = if hint.is_empty() {
        format!(
            "; a relation declared on another model is reached from `{}` only once declared here too, e.g. `#[dunder(related = {})] {}: Reverse<crate::Other>`",
            model.name,
            crate_snake(&model.name),
            part.name
        )
    } else {
        String::new()
    };
    syn::Error::new(
        part.span,
        format!(
            "model `{}` has no field `{}`{hint} (fields: {}){reverse}",
            model.name,
            part.name,
            all.join(", ")
        ),
    )
}

fn crate_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

impl<'s> Resolver<'s> {
    /// `select_related(a__b)`: joins each `ForeignKey`/`OneToOne` of the path
    /// (sharing joins as ordering does) and adds its row to `nodes`.
    pub(super) fn select_related(
        &mut self,
        joins: &mut Joins,
        nodes: &mut Vec<Selected>,
        path: &[Part],
    ) -> syn::Result<()> {
        let mut model: &'s ModelSchema = self.schema;
        let mut alias = joins.base_alias();
        let mut nodes = nodes;
        // The Rust path of `model` (empty: the query's own model).
        let mut model_path = TokenStream::new();
        for part in path {
            let named = self.named(model, part)?;
            // A key of this row, or the one row whose one-to-one key points
            // here (its absence reads as NULL columns: `None`).
            let (name, reverse, target_path) = match &named {
                Named::Column(f) if f.target.is_some() => {
                    (f.name.clone(), false, f.target.clone().unwrap_or_default())
                }
                Named::Column(f) => {
                    return Err(syn::Error::new(
                        part.span,
                        format!(
                            "select_related follows ForeignKey and OneToOne fields: `{}.{}` is not a relation",
                            model.name, f.name
                        ),
                    ))
                }
                Named::Link(l) if l.kind == LinkKind::ReverseOne => {
                    (l.name.clone(), true, l.target.clone())
                }
                Named::Link(l) => {
                    return Err(syn::Error::new(
                        part.span,
                        format!(
                            "`{}.{}` is a {} relation: load it with `prefetch_related({})` (select_related follows ForeignKey and OneToOne fields, one row each)",
                            model.name,
                            l.name,
                            if l.kind == LinkKind::ManyToMany {
                                "many-to-many"
                            } else {
                                "reverse (many-valued)"
                            },
                            l.name
                        ),
                    ))
                }
            };
            let hop = self.hop(model, &named, part)?;
            let step = &hop.steps[0];
            alias = joins.join(Col::new(&alias, &step.left), step, None, true);
            let i = match nodes.iter().position(|n| n.field == name) {
                Some(i) => i,
                None => {
                    let target = if target_path.to_string() == "Self" {
                        model_path.clone()
                    } else {
                        target_path
                    };
                    let pk_at = hop.target.fields.iter().position(|c| c.primary_key);
                    nodes.push(Selected {
                        field: name,
                        target,
                        alias: alias.clone(),
                        columns: hop.target.fields.iter().map(|c| c.column.clone()).collect(),
                        reverse: reverse.then_some(pk_at.unwrap_or(0)),
                        children: Vec::new(),
                    });
                    nodes.len() - 1
                }
            };
            model_path = nodes[i].target.clone();
            nodes = &mut nodes[i].children;
            model = hop.target;
        }
        Ok(())
    }
}

impl<'s> Resolver<'s> {
    /// `prefetch_related(a__b)`: for each relation of the path, the query
    /// of its rows by the keys of the rows before it, added to `nodes`.
    pub(super) fn prefetch_related(
        &mut self,
        nodes: &mut Vec<Prefetched>,
        path: &[Part],
    ) -> syn::Result<()> {
        let mut model: &'s ModelSchema = self.schema;
        let mut nodes = nodes;
        let mut model_path = TokenStream::new();
        for part in path {
            let named = self.named(model, part)?;
            let (name, kind, target_path) = match &named {
                Named::Column(f) if f.target.is_some() => (
                    f.name.clone(),
                    PrefetchKind::Key,
                    f.target.clone().unwrap_or_default(),
                ),
                Named::Column(f) => {
                    return Err(syn::Error::new(
                        part.span,
                        format!(
                            "prefetch_related follows relations: `{}.{}` is not a relation",
                            model.name, f.name
                        ),
                    ))
                }
                Named::Link(l) => (
                    l.name.clone(),
                    if l.kind == LinkKind::ReverseOne {
                        PrefetchKind::One
                    } else {
                        PrefetchKind::Many
                    },
                    l.target.clone(),
                ),
            };
            if kind != PrefetchKind::Key && !model.primary_key().is_some_and(is_auto_key) {
                return Err(syn::Error::new(
                    part.span,
                    format!(
                        "prefetch_related({}) needs an integer primary key on `{}`",
                        name, model.name
                    ),
                ));
            }
            let hop = self.hop(model, &named, part)?;
            let target_path = if target_path.to_string() == "Self" {
                model_path.clone()
            } else {
                target_path
            };
            let i = match nodes.iter().position(|n| n.field == name) {
                Some(i) => i,
                None => {
                    nodes.push(Prefetched {
                        field: name.clone(),
                        kind,
                        target: target_path.clone(),
                        query: Box::new(prefetch_plan(&hop)),
                        link: prefetch_link(&hop),
                        children: Vec::new(),
                    });
                    nodes.len() - 1
                }
            };
            model_path = target_path;
            nodes = &mut nodes[i].children;
            model = hop.target;
        }
        Ok(())
    }
}

/// Where a prefetched row's link key is read (see [`PrefetchLink`]).
fn prefetch_link(hop: &Hop<'_>) -> PrefetchLink {
    if hop.steps.len() > 1 {
        return PrefetchLink::Extra;
    }
    let column = &hop.steps[0].column;
    match hop.target.fields.iter().position(|f| f.column == *column) {
        Some(i) if hop.target.fields[i].primary_key && is_auto_key(&hop.target.fields[i]) => {
            PrefetchLink::Pk
        }
        Some(i) if hop.target.fields[i].target.is_some() => {
            PrefetchLink::Key(hop.target.fields[i].name.clone(), i)
        }
        _ => PrefetchLink::Extra,
    }
}

/// An integer key, as every relation's column holds.
fn is_auto_key(f: &FieldSchema) -> bool {
    matches!(
        f.kind,
        FieldKind::I16 | FieldKind::I32 | FieldKind::I64 | FieldKind::ForeignKey
    )
}

/// `SELECT <target columns>, <link> FROM target [INNER JOIN through] WHERE
/// <link> IN <the keys, parameter 1> ORDER BY <target pk>`: the rows a
/// relation leads to, with the key of the row each belongs to.
fn prefetch_plan(hop: &Hop<'_>) -> Plan {
    let target = hop.target;
    let pk = target
        .primary_key()
        .map(|f| f.column.clone())
        .unwrap_or_default();
    let mut from = From::single(&target.table);
    let base = from.base().alias.clone();
    let last = &hop.steps[hop.steps.len() - 1];
    let link = match hop.steps.as_slice() {
        // Through a table (many-to-many): join it back from the target.
        [through, _] => {
            let alias = if through.table == target.table {
                "T2".to_owned()
            } else {
                through.table.clone()
            };
            from.tables.push(TableRef {
                table: through.table.clone(),
                alias: alias.clone(),
                join: Some(Join {
                    kind: JoinKind::Inner,
                    left: Col::new(&base, &last.column),
                    column: last.left.clone(),
                    nullable: false,
                }),
            });
            Col::new(&alias, &through.column)
        }
        // One table: the column the relation joins it on.
        _ => Col::new(&base, &last.column),
    };
    let columns: Vec<String> = target.fields.iter().map(|f| f.column.clone()).collect();
    // The link of a target's own column is read from the decoded row; a
    // through table's is selected after the row's columns.
    let extra_select = match prefetch_link(hop) {
        PrefetchLink::Extra => vec![Operand {
            col: link.clone(),
            column_kind: FieldKind::ForeignKey,
            nullable: false,
            transforms: Vec::new(),
        }],
        _ => Vec::new(),
    };
    Plan {
        columns,
        pk_column: pk.clone(),
        extra_select,
        related: Vec::new(),
        prefetch: Vec::new(),
        select: Select::Model,
        write: None,
        mode: Mode::All,
        filter: Some(Where::Leaf(Leaf {
            lhs: Operand {
                col: link,
                column_kind: FieldKind::ForeignKey,
                nullable: false,
                transforms: Vec::new(),
            },
            lookup: Lookup::In,
            params: vec![(1, FieldKind::I64)],
            rhs: None,
            year_between: false,
        })),
        order: vec![OrderBy::column(Col::new(&base, &pk), FieldKind::I64)],
        distinct: false,
        distinct_on: Vec::new(),
        for_update: None,
        in_bulk: None,
        runtime_order: None,
        compound: None,
        slice: Slice::default(),
        bindings: Vec::new(),
        get_or_create: None,
        from,
        annotations: Vec::new(),
        outputs: Vec::new(),
        grouped: false,
        group_by: Vec::new(),
        having: None,
        row: None,
        subquery: None,
        optional: 0,
    }
}

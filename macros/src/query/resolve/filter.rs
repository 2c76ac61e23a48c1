//! Conditions: Q algebra, and each `field__…__lookup = value` checked
//! against the lookup and transform table (`crate::lookups`).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Lit};

use super::relations::{no_field, Joins, Split};
use super::write::Scope;
use super::{is_none, Resolver};
use crate::lookups::{find_lookup, find_transform, Class, LOOKUPS, TRANSFORMS};
use crate::plan::*;
use crate::query::ast::*;
use crate::schema::{FieldKind, FieldSchema, ModelSchema};
use crate::util::did_you_mean;

impl<'s> Resolver<'s> {
    /// The conditions of one call, ANDed; `negated`: under a NOT (any
    /// number of them).
    pub(super) fn conds(&mut self, conds: &[Cond], negated: bool) -> Option<Where> {
        let mut items: Vec<Where> = conds.iter().filter_map(|c| self.cond(c, negated)).collect();
        match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Where::And(items)),
        }
    }

    pub(super) fn cond(&mut self, c: &Cond, negated: bool) -> Option<Where> {
        match c {
            Cond::Leaf(l) => {
                if let Expr::Try(t) = &l.value {
                    return self.optional(l, &t.expr, negated);
                }
                // `&name?` reads `&(name?)`: the `Option` is `&name`.
                if let Expr::Reference(r) = &l.value {
                    if let Expr::Try(t) = &*r.expr {
                        let mut reference = r.clone();
                        reference.expr = t.expr.clone();
                        return self.optional(l, &Expr::Reference(reference), negated);
                    }
                }
                match self.leaf(l, negated) {
                    Ok(w) => Some(w),
                    Err(e) => {
                        self.errors.push(e);
                        None
                    }
                }
            }
            Cond::Exists(sub) => match self.exists(sub) {
                Ok(query) => Some(Where::Query(Box::new(SubqueryCond { lhs: None, query }))),
                Err(e) => {
                    self.errors.push(e);
                    None
                }
            },
            // A Q node whose conditions were all left out (optional ones)
            // is left out too, as Django drops an empty `Q()`.
            Cond::And(items) => {
                let items: Vec<Where> =
                    items.iter().filter_map(|c| self.cond(c, negated)).collect();
                (!items.is_empty()).then_some(Where::And(items))
            }
            Cond::Or(items) => {
                let items: Vec<Where> =
                    items.iter().filter_map(|c| self.cond(c, negated)).collect();
                (!items.is_empty()).then_some(Where::Or(items))
            }
            // `!!c` is `c` (Django's `~~Q(c)` is `Q(c)`); under any other
            // NOT, a path across a multi-valued relation is a subquery,
            // however many NOTs enclose it (Django's `branch_negated`).
            Cond::Not(inner) => match &**inner {
                Cond::Not(c) => self.cond(c, negated),
                _ => Some(Where::Not(Box::new(self.cond(inner, true)?))),
            },
        }
    }

    /// `field__lookup = value?`: the condition applies only when the
    /// `Option` is `Some`. Its value is bound in every variant of the query
    /// (so every variant evaluates the same values in the same order); the
    /// variants without it make neither its condition nor its joins.
    fn optional(&mut self, l: &LeafAst, value: &Expr, negated: bool) -> Option<Where> {
        let slot = self.optional_slots;
        self.optional_slots += 1;
        if slot == super::MAX_OPTIONAL {
            self.errors.push(syn::Error::new(
                l.value.span(),
                format!(
                    "at most {} optional conditions (`value?`) in one query: each combination is a statement of its own",
                    super::MAX_OPTIONAL
                ),
            ));
        }
        if super::write::uses_f(value) {
            self.errors.push(syn::Error::new(
                l.value.span(),
                "`?` makes a condition on a Rust `Option` optional: a column (`F(…)`) is never absent",
            ));
            return None;
        }
        let inner = LeafAst {
            parts: l.parts.clone(),
            value: value.clone(),
        };
        let joins = self.joins.clone();
        let before = self.bindings.len();
        let w = match self.leaf(&inner, negated) {
            Ok(w) => Some(w),
            Err(e) => {
                self.errors.push(e);
                None
            }
        };
        if let Some(Where::Leaf(leaf)) = &w {
            if let Lookup::IsNull(_) = leaf.lookup {
                self.errors.push(syn::Error::new(
                    l.value.span(),
                    "`isnull` takes `true` or `false`, not an optional value",
                ));
            }
        }
        let bound: Vec<Binding> = self.bindings.drain(before..).collect();
        self.bindings
            .extend(bound.into_iter().map(|b| Binding::Optional {
                slot,
                inner: Box::new(b),
            }));
        if slot < 64 && self.absent & (1 << slot) != 0 {
            self.joins = joins;
            return None;
        }
        w
    }

    pub(super) fn field(&self, part: &Part) -> syn::Result<&'s FieldSchema> {
        let schema: &'s ModelSchema = self.schema;
        if part.name == "pk" {
            if let Some(pk) = schema.primary_key() {
                return Ok(pk);
            }
        }
        if let Some(f) = schema.field(&part.name) {
            return Ok(f);
        }
        if let Some(f) = schema
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::ForeignKey && f.column == part.name)
        {
            return Ok(f);
        }
        if let Some(l) = schema.link(&part.name) {
            return Err(syn::Error::new(
                part.span,
                format!(
                    "`{}.{}` is a relation, not a column: it cannot be set here",
                    schema.name, l.name
                ),
            ));
        }
        Err(no_field(schema, part))
    }

    /// One condition; `negated`: under a NOT (a path across a multi-valued
    /// relation then becomes a subquery).
    fn leaf(&mut self, leaf: &LeafAst, negated: bool) -> syn::Result<Where> {
        let mut joins = std::mem::replace(&mut self.joins, Joins::new(""));
        let walked = self.walk(&mut joins, &leaf.parts, Some(self.group), negated);
        self.joins = joins;
        let walked = walked?;
        let first = &leaf.parts[0];
        let model = &self.schema.name;
        let mut operand = walked.operand;
        let mut path = walked.path;
        let mut lookup: Option<(Lookup, Span)> = None;
        let rest: Vec<&Part> = leaf.parts[walked.used..].iter().collect();
        let mut i = 0;
        while i < rest.len() {
            let part = rest[i];
            let last = i + 1 == rest.len();
            let kind = operand.kind();
            if let Some(def) = find_lookup(&part.name) {
                if !last {
                    let next = rest[i + 1];
                    return Err(syn::Error::new(
                        next.span,
                        format!(
                            "`{}` is a lookup and must come last: nothing can follow it (found `{}`)",
                            part.name, next.name
                        ),
                    ));
                }
                lookup = Some((def.lookup, part.span));
                break;
            }
            if let Some(def) = find_transform(&part.name) {
                if !def.transform.applies(kind.class()) {
                    return Err(syn::Error::new(
                        part.span,
                        format!(
                            "transform `{}` cannot apply to `{model}.{path}` ({}): it applies to {}",
                            part.name,
                            kind_name(kind),
                            def.applies_to
                        ),
                    ));
                }
                operand.transforms.push((def.transform, kind));
                path.push_str("__");
                path.push_str(&part.name);
                i += 1;
                continue;
            }
            let candidates = TRANSFORMS
                .iter()
                .filter(|t| t.transform.applies(kind.class()))
                .map(|t| t.name)
                .chain(
                    LOOKUPS
                        .iter()
                        .filter(|l| l.lookup.applies(kind.class()))
                        .map(|l| l.name),
                );
            let hint = did_you_mean(&part.name, candidates)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(syn::Error::new(
                part.span,
                format!(
                    "unknown lookup or transform `{}` on `{model}.{path}` ({}){hint}",
                    part.name,
                    kind_name(kind)
                ),
            ));
        }
        let (lookup, lookup_span) = lookup.unwrap_or((Lookup::Exact, first.span));
        let kind = operand.kind();
        if !lookup.applies(kind.class()) {
            let name = lookup.def().name;
            let msg = if kind == Kind::ForeignKey {
                let takes: Vec<&str> = LOOKUPS
                    .iter()
                    .filter(|l| l.lookup.applies(Class::Key))
                    .map(|l| l.name)
                    .collect();
                format!(
                    "lookup `{name}` cannot apply to the foreign key `{model}.{path}`: a foreign key takes {}",
                    list_words(&takes)
                )
            } else {
                format!(
                    "lookup `{name}` applies to text fields; `{model}.{path}` is `{}`",
                    kind.rust_name()
                )
            };
            return Err(syn::Error::new(lookup_span, msg));
        }
        let value = &leaf.value;
        if is_none(value) {
            let msg = if matches!(lookup, Lookup::Exact | Lookup::IExact) {
                format!("`None` is not a value to compare with: write `{path}__isnull = true`")
            } else {
                format!("cannot compare with `None`; to find NULLs write `{path}__isnull = true`")
            };
            return Err(syn::Error::new(value.span(), msg));
        }
        if let Lookup::IsNull(_) = lookup {
            let Expr::Lit(syn::ExprLit {
                lit: Lit::Bool(b), ..
            }) = value
            else {
                return Err(syn::Error::new(
                    value.span(),
                    "`isnull` takes `true` or `false`",
                ));
            };
            if !operand.nullable {
                return Err(syn::Error::new(
                    lookup_span,
                    format!(
                        "`{model}.{path}` is not an `Option`, so it is never NULL: `{path}__isnull = {}` would {}; remove the condition",
                        b.value,
                        if b.value { "match no row" } else { "match every row" }
                    ),
                ));
            }
            return Ok(split(
                walked.split,
                Where::Leaf(Leaf {
                    lhs: operand,
                    lookup: Lookup::IsNull(b.value),
                    params: Vec::new(),
                    rhs: None,
                    year_between: false,
                }),
            ));
        }

        let value_kind = kind.value_kind();
        if let Expr::Call(c) = value {
            if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Some")) && c.args.len() == 1 {
                let inner = c
                    .args
                    .first()
                    .map(|a| quote::quote!(#a).to_string())
                    .unwrap_or_default();
                return Err(syn::Error::new(
                    value.span(),
                    format!(
                        "compare with the value itself: write `{path} = {inner}`; NULLs are found with `{path}__isnull = true` (`Some(…)` is what `.update()` and `.create()` take for an `Option` field)"
                    ),
                ));
            }
        }
        if let Some(sub) = crate::query::parse::subquery(value) {
            // `field__in = query!(…)`: the subquery's one column.
            if lookup != Lookup::In {
                return Err(syn::Error::new(
                    value.span(),
                    format!(
                        "a subquery gives rows: compare with `{path}__in = query!(…)` (`{}` takes one value)",
                        lookup.def().name
                    ),
                ));
            }
            let (query, sub_kind, _) = self.one_column(&sub?)?;
            let fits = sub_kind.value_kind() == value_kind;
            if !fits {
                return Err(syn::Error::new(
                    value.span(),
                    format!(
                        "the subquery reads `{}` but `{model}.{path}` is `{}`",
                        sub_kind.rust_name(),
                        value_kind.rust_name()
                    ),
                ));
            }
            return Ok(split(
                walked.split,
                Where::Query(Box::new(SubqueryCond {
                    lhs: Some(operand),
                    query,
                })),
            ));
        }
        if super::write::uses_f(value) {
            // Compared with a column (`F(…)`), computed by the database.
            if matches!(lookup, Lookup::In | Lookup::Range) {
                return Err(syn::Error::new(
                    value.span(),
                    format!(
                        "`{}` takes Rust values: `F(…)` compares with one column, use exact, gt, gte, lt, lte or a text lookup",
                        lookup.def().name
                    ),
                ));
            }
            if walked.split.is_some() {
                return Err(syn::Error::new(
                    value.span(),
                    "`F(…)` in a negated condition across a many-valued relation is not supported yet",
                ));
            }
            let target = format!("{model}.{path}");
            let rhs = self.expression(
                &target,
                value_kind,
                value,
                Scope::Filter {
                    group: Some(self.group),
                    negated,
                },
            )?;
            return Ok(Where::Leaf(Leaf {
                lhs: operand,
                lookup,
                params: Vec::new(),
                rhs: Some(rhs),
                year_between: false,
            }));
        }
        let expr = value.clone();
        let last_transform = operand.transforms.last().copied();
        let year = match last_transform {
            Some((Transform::Year, input)) => Some((false, input)),
            Some((Transform::IsoYear, input)) => Some((true, input)),
            _ => None,
        };
        let (params, year_between) = match (lookup, year) {
            (
                Lookup::Exact | Lookup::Gt | Lookup::Gte | Lookup::Lt | Lookup::Lte,
                Some((iso, input)),
            ) => {
                let ends = match lookup {
                    Lookup::Exact => YearEnds::Both,
                    Lookup::Gte | Lookup::Lt => YearEnds::First,
                    _ => YearEnds::Last,
                };
                let ps = self.bind(Binding::Year {
                    expr,
                    column: input,
                    iso,
                    ends,
                });
                (ps.into_iter().map(|p| (p, input)).collect(), true)
            }
            (Lookup::In, _) => {
                let ps = self.bind(Binding::List {
                    expr,
                    kind: value_kind,
                });
                (ps.into_iter().map(|p| (p, value_kind)).collect(), false)
            }
            (Lookup::Range, _) => {
                let ps = self.bind(Binding::Range {
                    expr,
                    kind: value_kind,
                });
                (ps.into_iter().map(|p| (p, value_kind)).collect(), false)
            }
            _ => {
                let ps = self.bind(Binding::Value {
                    expr,
                    kind: value_kind,
                });
                (ps.into_iter().map(|p| (p, value_kind)).collect(), false)
            }
        };
        Ok(split(
            walked.split,
            Where::Leaf(Leaf {
                lhs: operand,
                lookup,
                params,
                rhs: None,
                year_between,
            }),
        ))
    }
}

fn kind_name(k: Kind) -> &'static str {
    if k == Kind::ForeignKey {
        "a foreign key"
    } else {
        k.rust_name()
    }
}

/// `a, b and c`.
fn list_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A condition, inside the subquery of a negated path across a
/// multi-valued relation when there is one.
fn split(split: Option<Split>, w: Where) -> Where {
    let Some(s) = split else {
        return w;
    };
    let mut from = s.joins.from;
    choose_joins(&mut from, Some(&w));
    let mut select = s.select;
    let mut not_null = false;
    // `pk IN (SELECT U0.pk FROM t U0 INNER JOIN r U1 ON U0.pk = U1.fk …)`
    // is `pk IN (SELECT U1.fk FROM r U1 …)`: trim the model's own table
    // when the condition needs a related row (Django's `trim_start`). A
    // LEFT join stays (`exclude(tags__isnull = true)`).
    let trim = from
        .tables
        .get(1)
        .and_then(|t| t.join.as_ref())
        .is_some_and(|j| j.kind == JoinKind::Inner && j.left == select && from.tables.len() > 1);
    if trim {
        from.tables.remove(0);
        if let Some(j) = from.tables[0].join.take() {
            select = Col::new(&from.tables[0].alias, &j.column);
            not_null = s.first_column_nullable;
        }
    }
    Where::In(Box::new(InSubquery {
        lhs: s.lhs,
        lhs_nullable: s.lhs_nullable,
        select,
        from,
        filter: Some(w),
        not_null,
        null_matches: !trim,
    }))
}

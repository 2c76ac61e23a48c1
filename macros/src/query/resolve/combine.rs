//! `.union(…)`, `.intersection(…)`, `.difference(…)`: the query so far and
//! the others (each `query!(…)`, resolved like a subquery against its own
//! model) as one compound statement, then what Django allows after it:
//! `order_by` by the rows' names, slicing, `reverse`, `count`, `exists`,
//! `first` and `last`.

use proc_macro2::Span;

use super::Resolver;
use crate::plan::*;
use crate::query::ast::*;

impl Resolver<'_> {
    /// The plan of `ast`, whose op `at` is the first `Combine`.
    pub(super) fn compound(&mut self, ast: &QueryAst, at: usize) -> Plan {
        if !self.outer.is_empty() {
            self.errors.push(syn::Error::new(
                super::op_span(&ast.ops[at]),
                "a subquery (or a part of a union) cannot itself combine queries: combine them in the outer query",
            ));
        }
        // `.values(…)` after the combination selects those values in every
        // query that selects none of its own (Django's rule).
        let values = ast.ops[at..]
            .iter()
            .find(|op| matches!(op, Op::Values { .. }))
            .cloned();
        let with_values = |mut ops: Vec<Op>| {
            if let Some(v) = &values {
                if !ops.iter().any(|op| matches!(op, Op::Values { .. })) {
                    ops.push(v.clone());
                }
            }
            ops
        };
        let left = QueryAst {
            ops: with_values(ast.ops[..at].to_vec()),
            row: None,
        };
        let mut first = self.plan(&left);
        self.bindings = std::mem::take(&mut first.bindings);
        self.check_part(&mut first, super::op_span(&ast.ops[at]));
        let mut rest: Vec<(SetOp, bool, Plan)> = Vec::new();
        let mut outputs = first.outputs.clone();
        let mut order_keys: Option<(&Vec<OrderKey>, Span)> = None;
        let mut reversed = false;
        let mut slice_start: Option<Bound> = None;
        let mut slice_stop: Option<Bound> = None;
        let mut sliced: Option<Span> = None;
        let mut terminal: Option<&TerminalAst> = None;
        for op in &ast.ops[at..] {
            if let Some(t) = terminal {
                self.errors.push(syn::Error::new(
                    super::op_span(op),
                    format!(
                        "`.{}()` ends the query: nothing can follow it",
                        super::terminal_name(t)
                    ),
                ));
                continue;
            }
            match op {
                Op::Combine {
                    op: set_op,
                    parts,
                    all,
                    span,
                } => {
                    if order_keys.is_some() || sliced.is_some() || reversed {
                        self.errors.push(syn::Error::new(
                            *span,
                            "order and slice the combined rows after the last `.union()`/`.intersection()`/`.difference()`",
                        ));
                    }
                    for sub in parts {
                        let sub = SubqueryAst {
                            ast: QueryAst {
                                ops: with_values(sub.ast.ops.clone()),
                                row: sub.ast.row.clone(),
                            },
                            ..sub.clone()
                        };
                        let sub = &sub;
                        let mut part = match self.subquery_plan(sub) {
                            Ok(p) => p,
                            Err(e) => {
                                self.errors.push(e);
                                continue;
                            }
                        };
                        self.check_part(&mut part, sub.span);
                        self.compatible(&first, &part, &mut outputs, sub.span);
                        rest.push((*set_op, *all, part));
                    }
                }
                Op::OrderBy(keys, span) => {
                    if sliced.is_some() {
                        self.errors.push(syn::Error::new(
                            *span,
                            "cannot reorder a query once a slice has been taken: order before slicing",
                        ));
                        continue;
                    }
                    order_keys = Some((keys, *span));
                }
                Op::Reverse(_) => reversed = !reversed,
                // Moved into every query above.
                Op::All(_) | Op::Values { .. } => {}
                Op::Slice(s) => {
                    if let Err(e) =
                        super::add_slice(&mut slice_start, &mut slice_stop, &mut sliced, s)
                    {
                        self.errors.push(e);
                    }
                }
                Op::Terminal(
                    t @ (TerminalAst::Count(_)
                    | TerminalAst::Exists(_)
                    | TerminalAst::First(_)
                    | TerminalAst::Last(_)
                    | TerminalAst::Earliest { .. }
                    | TerminalAst::InBulk { .. }),
                ) => terminal = Some(t),
                other => self.errors.push(syn::Error::new(
                    super::op_span(other),
                    "after `.union()`, `.intersection()` or `.difference()` come only `.values(…)`/`.values_list(…)` (selected in each query), `.order_by(…)` (by the rows' names), a slice, `.reverse()`, `.count()`, `.exists()`, `.first()`, `.last()`, `.latest(…)`, `.earliest(…)` and `.in_bulk()` (Django allows no more); filter each query before combining them",
                )),
            }
        }
        // The rows' names: a model's fields (and `pk`), or `.values(…)`'s.
        let names: Vec<(String, usize, bool)> = match first.select {
            Select::Values(_) => {
                let pk = self.schema.primary_key().map(|f| f.name.clone());
                let mut names: Vec<(String, usize, bool)> = outputs
                    .iter()
                    .enumerate()
                    .map(|(i, o)| (o.name.clone(), i + 1, o.nullable))
                    .collect();
                // `pk` names the primary key's value when it is selected.
                if let Some((_, pos, nullable)) = names
                    .iter()
                    .find(|(n, _, _)| Some(n) == pk.as_ref())
                    .cloned()
                {
                    names.push(("pk".to_owned(), pos, nullable));
                }
                names
            }
            _ => self
                .schema
                .fields
                .iter()
                .enumerate()
                .flat_map(|(i, f)| {
                    let nullable = f.nullable;
                    let mut v = vec![(f.name.clone(), i + 1, nullable)];
                    if f.primary_key {
                        v.push(("pk".to_owned(), i + 1, nullable));
                    }
                    v
                })
                .collect(),
        };
        let find = |name: &str| names.iter().find(|(n, _, _)| n == name).cloned();
        // `latest`/`earliest` order by their own keys instead.
        if let Some(TerminalAst::Earliest { keys, span, .. }) = terminal {
            order_keys = Some((keys, *span));
        }
        let mut order: Vec<(usize, bool, bool)> = Vec::new();
        if let Some((keys, span)) = order_keys {
            for k in keys {
                let name = k.parts.first().map(|p| p.name.as_str()).unwrap_or("");
                let at = k.parts.first().map_or(span, |p| p.span);
                match (k.parts.len(), k.runtime.is_some(), find(name)) {
                    (1, false, Some((_, pos, nullable))) => order.push((pos, k.desc, nullable)),
                    _ => {
                        let known: Vec<&str> = names.iter().map(|(n, _, _)| n.as_str()).collect();
                        self.errors.push(syn::Error::new(
                            at,
                            format!(
                                "the combined rows are ordered by their own names, without relations or transforms (Django's rule too): one of {}",
                                known.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        let mut in_bulk = None;
        let (select, mode) = match terminal {
            None => (first.select, Mode::All),
            Some(TerminalAst::Count(_)) => (Select::Count, Mode::One),
            Some(TerminalAst::Exists(_)) => (Select::Exists, Mode::One),
            Some(t @ (TerminalAst::First(span) | TerminalAst::Last(span))) => {
                if order.is_empty() {
                    match find("pk").or_else(|| find("id")) {
                        Some((_, pos, nullable)) => order.push((pos, false, nullable)),
                        None => self.errors.push(syn::Error::new(
                            *span,
                            format!(
                                "`.{}()` of combined rows without the primary key: order them first, `.order_by(…)`",
                                super::terminal_name(t)
                            ),
                        )),
                    }
                }
                if matches!(t, TerminalAst::Last(_)) {
                    if sliced.is_some() {
                        self.errors.push(syn::Error::new(
                            *span,
                            "`.last()` cannot follow a slice: it reverses the order (Django refuses it too)",
                        ));
                    }
                    reversed = !reversed;
                }
                (first.select, Mode::Optional)
            }
            Some(TerminalAst::Earliest { latest, span, .. }) => {
                if sliced.is_some() {
                    self.errors.push(syn::Error::new(
                        *span,
                        format!(
                            "cannot order a query by `.{}()` once a slice has been taken (Django refuses it too)",
                            if *latest { "latest" } else { "earliest" }
                        ),
                    ));
                }
                if *latest {
                    reversed = !reversed;
                }
                (first.select, Mode::One)
            }
            Some(TerminalAst::InBulk { ids, field, span }) => {
                if let Some(ids) = ids {
                    self.errors.push(syn::Error::new(
                        syn::spanned::Spanned::span(&**ids),
                        "`.in_bulk(keys)` filters by the keys, and combined rows cannot be filtered (Django raises too): give no keys, `.in_bulk()`, or filter each query",
                    ));
                }
                if sliced.is_some() {
                    self.errors.push(syn::Error::new(
                        *span,
                        "`.in_bulk()` cannot follow a slice (Django refuses it too): filter instead",
                    ));
                }
                if first.select == Select::Model {
                    in_bulk = self.in_bulk_key(field.as_ref(), *span);
                } else {
                    self.errors.push(syn::Error::new(
                        *span,
                        "`.in_bulk()` maps keys to model rows: it cannot follow `.values(…)`",
                    ));
                }
                (first.select, Mode::All)
            }
            Some(_) => (first.select, Mode::All),
        };
        if reversed {
            for o in &mut order {
                o.1 = !o.1;
            }
        }
        let mut slice = self.slice(slice_start, slice_stop);
        if matches!(
            terminal,
            Some(TerminalAst::First(_) | TerminalAst::Last(_) | TerminalAst::Earliest { .. })
        ) {
            slice.limit = match slice.limit {
                None => Some(SliceValue::Lit(1)),
                Some(SliceValue::Lit(l)) => Some(SliceValue::Lit(l.min(1))),
                other => other,
            };
        }
        let shell = first.clone();
        Plan {
            select,
            mode,
            outputs,
            slice,
            filter: None,
            having: None,
            order: Vec::new(),
            distinct: false,
            grouped: false,
            group_by: Vec::new(),
            bindings: std::mem::take(&mut self.bindings),
            row: ast.row.as_ref().map(|p| quote::quote!(#p)),
            optional: self.optional_slots,
            in_bulk,
            compound: Some(Box::new(Compound { first, rest, order })),
            ..shell
        }
    }

    /// What a query combined with others may be: rows, without locks,
    /// DISTINCT ON, related rows or ordering that means nothing there.
    fn check_part(&mut self, part: &mut Plan, span: Span) {
        let refuse = |this: &mut Self, what: &str| {
            this.errors.push(syn::Error::new(
                span,
                format!(
                    "a query combined with `.union()`/`.intersection()`/`.difference()` {what}"
                ),
            ));
        };
        if !matches!(part.select, Select::Model | Select::Values(_)) || part.mode != Mode::All {
            refuse(self, "reads rows: it cannot end in `.count()`, `.first()`, `.get()`, … (apply them to the combined rows)");
        }
        if !part.related.is_empty() || !part.prefetch.is_empty() {
            refuse(
                self,
                "cannot load related rows (`select_related`/`prefetch_related`)",
            );
        }
        if part.select == Select::Model && !part.outputs.is_empty() {
            refuse(
                self,
                "of model rows cannot annotate them: select `.values(…)` on each query instead",
            );
        }
        if part.for_update.is_some() || !part.distinct_on.is_empty() {
            refuse(self, "cannot lock rows or use DISTINCT ON");
        }
        // An order matters only to a slice of the part (the combined rows
        // have their own order); without one it is dropped, with what it
        // selected for DISTINCT.
        if part.slice.is_empty() {
            part.order.clear();
            part.extra_select.clear();
        }
    }

    /// `part`'s rows must read as `first`'s: the same model, or as many
    /// values of the same types (nullable where either is).
    fn compatible(&mut self, first: &Plan, part: &Plan, outputs: &mut [Output], span: Span) {
        let err = |this: &mut Self, msg: String| this.errors.push(syn::Error::new(span, msg));
        match (first.select, part.select) {
            (Select::Model, Select::Model) => {
                if first.from.base().table != part.from.base().table || first.columns != part.columns {
                    err(self, format!(
                        "combined model rows must be rows of the same model (`{}`): to combine other models, select the same `.values(…)` from each",
                        self.schema.name
                    ));
                }
            }
            (Select::Values(_), Select::Values(_)) => {
                if outputs.len() != part.outputs.len() {
                    err(self, format!(
                        "combined queries must select as many values: the first selects {}, this one {}",
                        outputs.len(),
                        part.outputs.len()
                    ));
                    return;
                }
                for (i, (o, p)) in outputs.iter_mut().zip(&part.outputs).enumerate() {
                    // A foreign key's value is its target's `i64` key.
                    if o.kind.value_kind() != p.kind.value_kind() {
                        err(self, format!(
                            "value {} of this query (`{}`) is {} where the first query's `{}` is {}: combined values must have the same types",
                            i + 1,
                            p.name,
                            p.kind.rust_name(),
                            o.name,
                            o.kind.rust_name()
                        ));
                    }
                    o.nullable |= p.nullable;
                }
            }
            _ => err(
                self,
                "combined queries read rows of the same shape: all model rows, or all `.values(…)`/`.values_list(…)`".to_owned(),
            ),
        }
    }
}

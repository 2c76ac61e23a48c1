//! [`QueryAst`] + [`ModelSchema`] → [`Plan`]: every name checked, every
//! mistake reported on the user's token with the nearest valid name.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::Expr;

mod combine;
mod filter;
mod get_or_create;
mod project;
mod relations;
mod subquery;
mod write;

pub use relations::{Need, Schemas};

use super::ast::*;
use super::parse::Errors;
use crate::plan::*;
use crate::schema::{FieldKind, ModelSchema};
use relations::Joins;

struct Resolver<'s> {
    schemas: &'s Schemas,
    /// The query's model.
    schema: &'s ModelSchema,
    errors: Errors,
    bindings: Vec<Binding>,
    next_param: usize,
    /// The query's FROM list, grown by the relations its paths follow.
    joins: Joins,
    /// The `filter()` call being resolved (multi-valued joins are shared
    /// within one call only).
    group: usize,
    /// A related model's schema the query needs first.
    need: Option<Need>,
    /// The annotations so far (`.annotate(…)`, named `.values(…)` items).
    annotations: Vec<Annotation>,
    /// Resolving an annotation: joins are shared with any earlier one and
    /// never split into a subquery.
    annotating: bool,
    /// Resolving `.aggregate(…)` over the query as a subquery: an aggregate
    /// may read an aggregate annotation.
    over_subquery: bool,
    /// The optional conditions (`field = value?`) so far.
    optional_slots: usize,
    /// The names `.values(…)` reads, once called (annotation names must
    /// differ from these rather than from the model's fields).
    values_names: Option<Vec<String>>,
    /// The queries around the subquery being resolved, innermost last
    /// (`OuterRef` resolves in the last).
    outer: Vec<subquery::Outer<'s>>,
    /// The optional conditions left out of this variant of the query (bit
    /// `k`: condition `k`): their values are bound, their conditions and
    /// joins are not made.
    absent: u64,
    /// Which field and direction a run-time order key (`{key}`) stands for
    /// in this variant: field `order_variant / 2`, descending when odd.
    order_variant: usize,
    /// The run-time order key met, if any.
    runtime_order: Option<Box<Expr>>,
}

/// Resolves a query against its model and the related models it reaches.
/// `Err(Need)`: the schema of a related model is needed first.
pub fn resolve(schemas: &Schemas, ast: &QueryAst) -> Result<syn::Result<Plan>, Need> {
    resolve_variant(schemas, ast, 0, 0)
}

/// At most this many optional conditions in one query (a statement per
/// combination: 64).
pub const MAX_OPTIONAL: usize = 6;

/// At most this many statements for one query (its optional conditions'
/// combinations times the fields and directions of a run-time order key).
pub const MAX_VARIANTS: usize = 512;

/// [`resolve`] without the optional conditions whose bits `absent` has, a
/// run-time order key standing for field and direction `order_variant`.
pub fn resolve_variant(
    schemas: &Schemas,
    ast: &QueryAst,
    absent: u64,
    order_variant: usize,
) -> Result<syn::Result<Plan>, Need> {
    let mut r = Resolver {
        schemas,
        schema: &schemas.root,
        errors: Errors::default(),
        bindings: Vec::new(),
        next_param: 1,
        joins: Joins::new(&schemas.root.table),
        group: 0,
        need: None,
        annotations: Vec::new(),
        annotating: false,
        over_subquery: false,
        optional_slots: 0,
        values_names: None,
        outer: Vec::new(),
        absent,
        order_variant,
        runtime_order: None,
    };
    let plan = r.plan(ast);
    match r.need {
        Some(need) => Err(need),
        None => Ok(r.errors.finish(plan)),
    }
}

impl<'s> Resolver<'s> {
    fn bind(&mut self, b: Binding) -> Vec<usize> {
        let n = b.param_count();
        let first = self.next_param;
        self.next_param += n;
        self.bindings.push(b);
        (first..first + n).collect()
    }

    fn plan(&mut self, ast: &QueryAst) -> Plan {
        if let Some(at) = ast
            .ops
            .iter()
            .position(|op| matches!(op, Op::Combine { .. }))
        {
            return self.compound(ast, at);
        }
        let mut filters: Vec<Where> = Vec::new();
        let mut order_keys: Option<&Vec<OrderKey>> = None;
        let mut distinct = false;
        // `.distinct(fields…)`: PostgreSQL's DISTINCT ON.
        let mut distinct_on: Option<(&Vec<Vec<Part>>, Span)> = None;
        let mut for_update: Option<&ForUpdateAst> = None;
        // `.reverse()` (and `last`, `latest`): every order key flipped.
        let mut reversed = false;
        let mut slice_start: Option<Bound> = None;
        let mut slice_stop: Option<Bound> = None;
        let mut sliced: Option<Span> = None;
        let mut terminal: Option<&TerminalAst> = None;
        let mut select_paths: Vec<&Vec<Part>> = Vec::new();
        let mut prefetch_paths: Vec<&Vec<Part>> = Vec::new();
        // `.values(…)`: the row's shape, and where it was asked for.
        let mut values: Option<(Shape, Span)> = None;
        // The row's values besides (model rows) or instead of the model's.
        let mut outputs: Vec<Output> = Vec::new();
        let mut grouped = false;
        let mut group_by: Vec<Expression> = Vec::new();

        for op in &ast.ops {
            if let Some(t) = terminal {
                let name = terminal_name(t);
                self.errors.push(syn::Error::new(
                    op_span(op),
                    format!("`.{name}()` ends the query: nothing can follow it"),
                ));
                continue;
            }
            match op {
                Op::Filter {
                    negate,
                    conds,
                    span,
                } => {
                    if sliced.is_some() {
                        self.errors.push(syn::Error::new(
                            *span,
                            "cannot filter a query once a slice has been taken: filter before slicing",
                        ));
                        continue;
                    }
                    self.group += 1;
                    if let Some(w) = self.conds(conds, *negate) {
                        filters.push(if *negate { Where::Not(Box::new(w)) } else { w });
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
                    // Resolved once the terminal is known: counting and
                    // writing ignore the order (and so its joins).
                    order_keys = Some(keys);
                }
                Op::Distinct { fields, span } => {
                    distinct = true;
                    // A later call replaces an earlier one, as in Django.
                    distinct_on = (!fields.is_empty()).then_some((fields, *span));
                }
                Op::ForUpdate(f) => for_update = Some(f),
                // `plan` hands a query with one to `compound`.
                Op::Combine { .. } => {}
                Op::Reverse(span) => {
                    if sliced.is_some() {
                        self.errors.push(syn::Error::new(
                            *span,
                            "cannot reverse a query once a slice has been taken (Django refuses it too)",
                        ));
                        continue;
                    }
                    reversed = !reversed;
                }
                Op::All(_) => {}
                // No row: an empty OR is false.
                Op::None(_) => filters.push(Where::Or(Vec::new())),
                Op::Values { shape, items, span } => {
                    let named_aggregate = self.values(items, &mut outputs);
                    if named_aggregate && !grouped {
                        // `values(n = Count(…))` annotates before it selects.
                        grouped = true;
                        group_by = self.model_columns();
                    }
                    values = Some((*shape, *span));
                }
                Op::Annotate(items, _) => {
                    for n in items {
                        let t = match self.annotation(n) {
                            Ok(t) => t,
                            Err(e) => {
                                self.errors.push(e);
                                continue;
                            }
                        };
                        if t.aggregate && !grouped {
                            // Django's `annotate`: after `.values(…)` the
                            // groups are its values, else the model's rows.
                            grouped = true;
                            group_by = if values.is_some() {
                                outputs
                                    .iter()
                                    .filter(|o| !o.expr.is_aggregate(&self.annotations))
                                    .map(|o| o.expr.clone())
                                    .collect()
                            } else {
                                self.model_columns()
                            };
                        }
                        outputs.push(self.annotation_output(n, t));
                    }
                }
                Op::Related {
                    prefetch, paths, ..
                } => {
                    if *prefetch {
                        prefetch_paths.extend(paths.iter());
                    } else {
                        select_paths.extend(paths.iter());
                    }
                }
                Op::Slice(s) => {
                    if let Err(e) = add_slice(&mut slice_start, &mut slice_stop, &mut sliced, s) {
                        self.errors.push(e);
                    }
                }
                Op::Terminal(t) => terminal = Some(t),
            }
        }

        let mut write = None;
        let mut get_or_create = None;
        // `.in_bulk(…)`: the field its map is keyed by.
        let mut in_bulk: Option<String> = None;
        // `.aggregate(…)` over a subquery: the rows it reads.
        let mut over_subquery: Option<(Select, Vec<Output>)> = None;
        // Rows of the model, or of `.values(…)`.
        let rows = values.map_or(Select::Model, |(shape, _)| Select::Values(shape));
        let projected = values.is_some() || !self.annotations.is_empty();
        let (select, mode) = match terminal {
            None => (rows, Mode::All),
            Some(TerminalAst::Aggregate(items, _)) => {
                // Over rows that are not the table's (grouped, sliced or
                // distinct), the aggregates are computed over the query as
                // a subquery (Django's `get_aggregation`).
                let sliced_query = slice_start.is_some() || slice_stop.is_some();
                if grouped || sliced_query || distinct {
                    let rows_outputs = std::mem::take(&mut outputs);
                    over_subquery = Some((rows, rows_outputs));
                }
                self.over_subquery = over_subquery.is_some();
                outputs = self.aggregate_outputs(items);
                self.over_subquery = false;
                (Select::Values(Shape::Struct), Mode::One)
            }
            Some(TerminalAst::Create(assigns, span)) => {
                if ast.ops.len() > 1 {
                    self.errors.push(syn::Error::new(
                        *span,
                        format!(
                            "`.create(…)` starts from the model alone: write `query!({}.create(…))`",
                            self.schema.name
                        ),
                    ));
                }
                let assignments = self.insert(assigns, *span);
                let fill = Fill::of_assignments(&self.schema.fields, &assignments);
                write = Some(Write::Create(assignments, fill));
                (Select::Model, Mode::One)
            }
            Some(t @ (TerminalAst::Update(_, span) | TerminalAst::Delete(span))) => {
                let name = terminal_name(t);
                if sliced.is_some() {
                    self.errors.push(syn::Error::new(
                        *span,
                        format!(
                            "cannot {name} a query once a slice has been taken: filter instead"
                        ),
                    ));
                }
                if distinct {
                    self.errors.push(syn::Error::new(
                        *span,
                        format!("cannot {name} after `.distinct()`"),
                    ));
                }
                write = Some(match t {
                    TerminalAst::Update(assigns, _) => Write::Update(self.assignments(assigns)),
                    _ => Write::Delete,
                });
                (Select::Model, Mode::Execute)
            }
            Some(TerminalAst::Count(_)) => (Select::Count, Mode::One),
            Some(TerminalAst::Exists(_)) => (Select::Exists, Mode::One),
            Some(TerminalAst::First(_) | TerminalAst::Last(_)) => (rows, Mode::Optional),
            Some(TerminalAst::Earliest {
                latest, keys, span, ..
            }) => {
                if sliced.is_some() {
                    self.errors.push(syn::Error::new(
                        *span,
                        format!(
                            "cannot order a query by `.{}()` once a slice has been taken (Django refuses it too)",
                            if *latest { "latest" } else { "earliest" }
                        ),
                    ));
                }
                // Its own order replaces the query's (Django's `_earliest`);
                // `latest` is `earliest` reversed.
                order_keys = Some(keys);
                if *latest {
                    reversed = !reversed;
                }
                (rows, Mode::One)
            }
            Some(TerminalAst::GetOrCreate(g)) => {
                if sliced.is_some() {
                    self.errors.push(syn::Error::new(
                        g.span,
                        format!(
                            "`.{}(…)` cannot follow a slice: filter first",
                            if g.update {
                                "update_or_create"
                            } else {
                                "get_or_create"
                            }
                        ),
                    ));
                }
                // The lookups filter the `get`; the plain `field = value`
                // ones also give the created row its values (Django's rule:
                // lookups without `__`).
                let mut plain = Vec::new();
                self.group += 1;
                for c in &g.lookups {
                    if let Cond::Leaf(LeafAst {
                        value: Expr::Try(t),
                        ..
                    }) = c
                    {
                        self.errors.push(syn::Error::new(
                            t.question_token.span(),
                            "the lookups of `get_or_create` / `update_or_create` find or create one row: they cannot be optional (`?`)",
                        ));
                        continue;
                    }
                    let w = self.cond(c, false);
                    if let (Cond::Leaf(l), Some(Where::Leaf(leaf))) = (c, &w) {
                        if let ([part], Lookup::Exact, true, [(n, k)]) = (
                            l.parts.as_slice(),
                            leaf.lookup,
                            leaf.lhs.transforms.is_empty(),
                            leaf.params.as_slice(),
                        ) {
                            if let Ok(f) = self.field(part) {
                                plain.push((f, Expression::Param(*n, *k)));
                            }
                        }
                    }
                    filters.extend(w);
                }
                get_or_create = self.get_or_create(g, plain);
                (Select::Model, Mode::One)
            }
            Some(TerminalAst::InBulk { ids, field, span }) => {
                if sliced.is_some() {
                    self.errors.push(syn::Error::new(
                        *span,
                        "`.in_bulk()` cannot follow a slice (Django refuses it too): filter instead",
                    ));
                }
                if let Some((_, vspan)) = values {
                    self.errors.push(syn::Error::new(
                        vspan,
                        "`.in_bulk()` maps keys to model rows: it cannot follow `.values(…)`",
                    ));
                }
                in_bulk = self.in_bulk_key(field.as_ref(), *span);
                if let (Some(ids), Some(key)) = (ids, &in_bulk) {
                    let span = ids.span();
                    let leaf = Cond::Leaf(LeafAst {
                        parts: vec![
                            Part {
                                name: key.clone(),
                                span,
                            },
                            Part {
                                name: "in".to_owned(),
                                span,
                            },
                        ],
                        value: (**ids).clone(),
                    });
                    self.group += 1;
                    filters.extend(self.cond(&leaf, false));
                }
                (rows, Mode::All)
            }
            Some(TerminalAst::Get(conds, span)) => {
                if sliced.is_some() {
                    self.errors.push(syn::Error::new(
                        *span,
                        "`.get(…)` cannot follow a slice: filter and get first",
                    ));
                }
                self.group += 1;
                if let Some(w) = self.conds(conds, false) {
                    filters.push(w);
                }
                (rows, Mode::One)
            }
        };
        if projected && (write.is_some() || get_or_create.is_some()) {
            if let Some(t) = terminal {
                self.errors.push(syn::Error::new(
                    op_span(&Op::Terminal(t.clone())),
                    format!(
                        "`.{}()` writes rows of the model: it cannot follow `.values(…)` or `.annotate(…)`",
                        terminal_name(t)
                    ),
                ));
            }
        }
        if let (Some(row), Some(t)) = (&ast.row, terminal) {
            if !matches!(
                t,
                TerminalAst::First(_)
                    | TerminalAst::Last(_)
                    | TerminalAst::Earliest { .. }
                    | TerminalAst::Get(..)
                    | TerminalAst::Aggregate(..)
            ) {
                self.errors.push(syn::Error::new(
                    row.span(),
                    format!(
                        "`as {}` names the struct of projected rows; `.{}()` returns no such rows",
                        quote::quote!(#row),
                        terminal_name(t)
                    ),
                ));
            }
        }

        let pk = self.schema.primary_key();
        // Counting ignores the order unless a slice depends on it, as
        // Django's count() clears it (with its joins: ordering by a
        // multi-valued relation adds rows, and count() does not count them);
        // writes ignore it too.
        let sliced_query = slice_start.is_some() || slice_stop.is_some();
        let counting = matches!(select, Select::Count | Select::Exists)
            || matches!(terminal, Some(TerminalAst::Aggregate(..)));
        // DISTINCT ON keeps its order too: which row of each group is kept
        // depends on it (Django's `clear_ordering(force=False)`).
        let keep_order = write.is_none() && (sliced_query || distinct_on.is_some() || !counting);
        let mut order: Vec<OrderBy> = match (keep_order, order_keys) {
            (true, Some(keys)) => keys.iter().filter_map(|k| self.order_key(k)).collect(),
            _ => Vec::new(),
        };
        if let (Some(t @ (TerminalAst::First(span) | TerminalAst::Last(span))), true, true, true) =
            (terminal, order.is_empty(), grouped, values.is_some())
        {
            // Ordering by the primary key would group by it too.
            self.errors.push(syn::Error::new(
                *span,
                format!(
                    "`.{}()` of an unordered query that aggregates into groups: add `.order_by(…)` (Django refuses it too)",
                    terminal_name(t)
                ),
            ));
        } else if matches!(terminal, Some(TerminalAst::First(_) | TerminalAst::Last(_)))
            && order.is_empty()
        {
            if let Some(pk) = pk {
                order.push(OrderBy::column(
                    Col::new(&self.joins.base_alias(), &pk.column),
                    pk.kind,
                ));
            }
        }
        // `.reverse()`, `.last()` and `.latest()` flip every key (and
        // `last` of an unordered query is by `-pk`).
        if let Some(TerminalAst::Last(span)) = terminal {
            if sliced.is_some() {
                self.errors.push(syn::Error::new(
                    *span,
                    "`.last()` cannot follow a slice: it reverses the order (Django refuses it too)",
                ));
            }
            reversed = !reversed;
        }
        if reversed {
            for o in &mut order {
                o.desc = !o.desc;
            }
        }
        let distinct_on = match distinct_on {
            Some((fields, span)) => self.distinct_on(fields, &order, span),
            None => Vec::new(),
        };
        let mut slice = self.slice(slice_start, slice_stop);
        match terminal {
            Some(TerminalAst::First(_) | TerminalAst::Last(_) | TerminalAst::Earliest { .. }) => {
                slice.limit = match slice.limit {
                    None => Some(SliceValue::Lit(1)),
                    Some(SliceValue::Lit(l)) => Some(SliceValue::Lit(l.min(1))),
                    other => other,
                };
            }
            Some(TerminalAst::Get(..) | TerminalAst::GetOrCreate(_)) => {
                slice.limit = Some(SliceValue::Lit(21))
            }
            _ => {}
        }
        // Conditions on aggregates are the HAVING (an AND's parts apart;
        // an OR or NOT with one inside goes there whole, as in Django).
        let mut conds = Vec::new();
        for f in filters {
            match f {
                Where::And(items) => conds.extend(items),
                other => conds.push(other),
            }
        }
        let (having, wheres): (Vec<Where>, Vec<Where>) = conds
            .into_iter()
            .partition(|w| w.is_aggregate(&self.annotations));
        let and = |mut items: Vec<Where>| match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Where::And(items)),
        };
        let filter = and(wheres);
        let having = and(having);
        if projected && !prefetch_paths.is_empty() {
            self.errors.push(syn::Error::new(
                prefetch_paths[0][0].span,
                "`prefetch_related` loads related rows into model instances: it cannot be combined with `.values(…)` or `.annotate(…)` yet",
            ));
            prefetch_paths.clear();
        }
        // Related rows are read for rows of the model only (count, exists
        // and writes ignore them, as Django's do).
        let mut related = Vec::new();
        if select == Select::Model && write.is_none() && get_or_create.is_none() {
            let mut joins = std::mem::replace(&mut self.joins, Joins::new(""));
            for path in select_paths {
                if let Err(e) = self.select_related(&mut joins, &mut related, path) {
                    self.errors.push(e);
                }
            }
            self.joins = joins;
        }
        let mut prefetch = Vec::new();
        if select == Select::Model && write.is_none() && get_or_create.is_none() {
            for path in prefetch_paths {
                if let Err(e) = self.prefetch_related(&mut prefetch, path) {
                    self.errors.push(e);
                }
            }
        }
        let mut from = std::mem::replace(&mut self.joins, Joins::new("")).from;
        choose_joins(&mut from, filter.as_ref());
        let for_update = match for_update {
            Some(f) => self.for_update(
                f,
                &ForUpdateContext {
                    terminal,
                    grouped,
                    distinct,
                    from: &from,
                    related: &related,
                },
            ),
            None => None,
        };
        // DISTINCT selects the keys it is ordered by (PostgreSQL requires
        // it; Django does it on every backend).
        let base = from.base().alias.clone();
        let extra_select = if distinct && distinct_on.is_empty() {
            let selected = |c: &Operand| {
                match select {
                Select::Values(_) => outputs.iter().any(|o| {
                    matches!(&o.expr, Expression::Column(op) if op.col == c.col && op.transforms == c.transforms)
                }),
                _ => c.col.alias == base && c.transforms.is_empty(),
            }
            };
            order
                .iter()
                .filter(|o| !selected(&o.operand))
                .map(|o| o.operand.clone())
                .collect()
        } else {
            Vec::new()
        };
        // Counting rows of `.values(…)` counts them (their DISTINCT, their
        // groups); counting annotated model rows counts the model's.
        if matches!(select, Select::Count | Select::Exists) && values.is_none() {
            outputs.clear();
        }
        Plan {
            from,
            related,
            prefetch,
            extra_select,
            pk_column: pk.map(|f| f.column.clone()).unwrap_or_default(),
            columns: self
                .schema
                .fields
                .iter()
                .map(|f| f.column.clone())
                .collect(),
            select,
            write,
            mode,
            filter,
            order,
            distinct,
            distinct_on,
            for_update,
            in_bulk,
            runtime_order: self.runtime_order.take(),
            compound: None,
            slice,
            bindings: std::mem::take(&mut self.bindings),
            get_or_create,
            annotations: std::mem::take(&mut self.annotations),
            outputs,
            grouped,
            group_by,
            having,
            row: ast.row.as_ref().map(|p| quote::quote!(#p)),
            subquery: None,
            optional: self.optional_slots,
        }
        .over_subquery(over_subquery)
    }

    /// Every column of the model, as expressions (what annotating model
    /// rows groups by).
    fn model_columns(&self) -> Vec<Expression> {
        let base = self.joins.base_alias();
        self.schema
            .fields
            .iter()
            .map(|f| {
                Expression::Column(Operand {
                    col: Col::new(&base, &f.column),
                    column_kind: f.kind,
                    nullable: f.nullable,
                    transforms: Vec::new(),
                })
            })
            .collect()
    }

    fn slice(&mut self, start: Option<Bound>, stop: Option<Bound>) -> Slice {
        match (start, stop) {
            (None, None) => Slice::default(),
            (Some(Bound::Lit(a)), None) => Slice {
                limit: None,
                offset: (a > 0).then_some(SliceValue::Lit(a)),
            },
            (None, Some(Bound::Lit(b))) => Slice {
                limit: Some(SliceValue::Lit(b)),
                offset: None,
            },
            (Some(Bound::Lit(a)), Some(Bound::Lit(b))) => Slice {
                limit: Some(SliceValue::Lit(b.saturating_sub(a))),
                offset: (a > 0).then_some(SliceValue::Lit(a)),
            },
            (start, stop) => {
                let start = start.map(bound_expr);
                let stop = stop.map(bound_expr);
                let limit = stop.is_some();
                let offset = start.is_some();
                let params = self.bind(Binding::Slice {
                    start,
                    stop,
                    limit,
                    offset,
                });
                let mut it = params.into_iter();
                Slice {
                    limit: if limit {
                        it.next().map(SliceValue::Param)
                    } else {
                        None
                    },
                    offset: if offset {
                        it.next().map(SliceValue::Param)
                    } else {
                        None
                    },
                }
            }
        }
    }

    fn order_key(&mut self, key: &OrderKey) -> Option<OrderBy> {
        if let Some(expr) = &key.runtime {
            return self.runtime_order_key(expr);
        }
        let mut joins = std::mem::replace(&mut self.joins, Joins::new(""));
        let walked = self.walk(&mut joins, &key.parts, None, false);
        self.joins = joins;
        let walked = match walked {
            Ok(w) => w,
            Err(e) => {
                self.errors.push(e);
                return None;
            }
        };
        let mut operand = walked.operand;
        let mut path = walked.path;
        for part in &key.parts[walked.used..] {
            let kind = operand.kind();
            let def = match crate::lookups::find_transform(&part.name) {
                Some(def) if def.transform.applies(kind.class()) => def,
                Some(def) => {
                    self.errors.push(syn::Error::new(
                        part.span,
                        format!(
                            "transform `{}` cannot apply to `{}.{path}` ({}): it applies to {}",
                            part.name,
                            self.schema.name,
                            kind.rust_name(),
                            def.applies_to
                        ),
                    ));
                    return None;
                }
                None => {
                    self.errors.push(syn::Error::new(
                        part.span,
                        format!(
                            "order_by takes a field path of `{}`, with transforms: `{}` is neither a field nor a transform of `{path}`",
                            self.schema.name, part.name
                        ),
                    ));
                    return None;
                }
            };
            operand.transforms.push((def.transform, kind));
            path.push_str("__");
            path.push_str(&part.name);
        }
        Some(OrderBy {
            operand,
            desc: key.desc,
        })
    }
}

/// What `select_for_update` is checked against.
struct ForUpdateContext<'p> {
    terminal: Option<&'p TerminalAst>,
    grouped: bool,
    distinct: bool,
    from: &'p From,
    related: &'p [Selected],
}

impl Resolver<'_> {
    /// `{key}` of `order_by`: the field and direction of this variant.
    fn runtime_order_key(&mut self, expr: &Expr) -> Option<OrderBy> {
        if self.runtime_order.is_some() {
            self.errors.push(syn::Error::new(
                expr.span(),
                "one key chosen at run time per query: each is a statement per field and direction, written at compile time (add fixed keys around it, e.g. `.order_by({sort}, pk)`)",
            ));
            return None;
        }
        if !self.outer.is_empty() {
            self.errors.push(syn::Error::new(
                expr.span(),
                "a key chosen at run time orders the query itself, not a subquery",
            ));
            return None;
        }
        self.runtime_order = Some(Box::new(expr.clone()));
        let fields = &self.schema.fields;
        let field = fields.get(self.order_variant / 2).or(fields.first())?;
        let key = OrderKey {
            desc: self.order_variant % 2 == 1,
            parts: vec![Part {
                name: field.name.clone(),
                span: expr.span(),
            }],
            runtime: None,
        };
        self.order_key(&key)
    }

    /// The key of `.in_bulk()`'s map: the primary key, or a unique field.
    fn in_bulk_key(&mut self, field: Option<&Part>, span: Span) -> Option<String> {
        let f = match field {
            None => match self.schema.primary_key() {
                Some(pk) => pk,
                None => {
                    self.errors.push(syn::Error::new(
                        span,
                        format!("`{}` has no primary key to map rows by", self.schema.name),
                    ));
                    return None;
                }
            },
            Some(part) if part.name == "pk" => self.schema.primary_key()?,
            Some(part) => match self.field(part) {
                Ok(f) => f,
                Err(e) => {
                    self.errors.push(e);
                    return None;
                }
            },
        };
        let at = field.map_or(span, |p| p.span);
        if f.target.is_some() {
            self.errors.push(syn::Error::new(
                at,
                format!(
                    "`.in_bulk()` maps rows by a plain column: `{}.{}` is a relation",
                    self.schema.name, f.name
                ),
            ));
            return None;
        }
        if !(f.primary_key || f.unique) {
            self.errors.push(syn::Error::new(
                at,
                format!(
                    "`.in_bulk()` maps each key to one row: `{}.{}` is not unique (mark it `#[dunder(unique)]`, or map by the primary key; Django refuses it too)",
                    self.schema.name, f.name
                ),
            ));
            return None;
        }
        if matches!(f.kind, FieldKind::F32 | FieldKind::F64) {
            self.errors.push(syn::Error::new(
                at,
                format!(
                    "`.in_bulk()` keys its map by `{}.{}`, a float, which cannot be a `HashMap` key",
                    self.schema.name, f.name
                ),
            ));
            return None;
        }
        Some(f.name.clone())
    }

    /// `.distinct(fields…)`: the DISTINCT ON keys, checked against the
    /// order (PostgreSQL needs it to start with them).
    fn distinct_on(&mut self, fields: &[Vec<Part>], order: &[OrderBy], span: Span) -> Vec<Operand> {
        if !self.outer.is_empty() {
            self.errors.push(syn::Error::new(
                span,
                "`.distinct(field, …)` (DISTINCT ON) is not supported in a subquery",
            ));
            return Vec::new();
        }
        let keys: Vec<Operand> = fields
            .iter()
            .filter_map(|p| {
                self.order_key(&OrderKey {
                    desc: false,
                    parts: p.clone(),
                    runtime: None,
                })
                .map(|o| o.operand)
            })
            .collect();
        if keys.len() < fields.len() || order.is_empty() {
            return keys;
        }
        let same = |a: &Operand, b: &Operand| a.col == b.col && a.transforms == b.transforms;
        let lead = order.get(..keys.len()).is_some_and(|lead| {
            lead.iter()
                .all(|o| keys.iter().any(|k| same(k, &o.operand)))
                && keys
                    .iter()
                    .all(|k| lead.iter().any(|o| same(k, &o.operand)))
        });
        if !lead {
            let names: Vec<String> = fields
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|x| x.name.as_str())
                        .collect::<Vec<_>>()
                        .join("__")
                })
                .collect();
            self.errors.push(syn::Error::new(
                span,
                format!(
                    "`.distinct({0})` is DISTINCT ON, which keeps the first row of each group in the query's order: PostgreSQL needs that order to start with the same fields, e.g. `.order_by({0}, …)` (a `.first()`/`.last()` of an unordered query orders by pk)",
                    names.join(", ")
                ),
            ));
        }
        keys
    }

    /// `.select_for_update(…)`: PostgreSQL's row locks, checked where
    /// PostgreSQL (or Django) would refuse them.
    fn for_update(&mut self, f: &ForUpdateAst, cx: &ForUpdateContext<'_>) -> Option<ForUpdate> {
        let refuse = |this: &mut Self, msg: String| {
            this.errors.push(syn::Error::new(f.span, msg));
            None
        };
        if !self.outer.is_empty() {
            return refuse(
                self,
                "`.select_for_update()` locks the rows of the query itself, not of a subquery"
                    .to_owned(),
            );
        }
        if f.nowait && f.skip_locked {
            return refuse(self, "`nowait` and `skip_locked` cannot both be set (Django refuses it too): wait for no lock, or skip the locked rows".to_owned());
        }
        match cx.terminal {
            Some(TerminalAst::Update(..) | TerminalAst::Delete(_)) => {
                // The write locks the rows it changes; nothing to add.
                return None;
            }
            Some(
                t @ (TerminalAst::Count(_)
                | TerminalAst::Aggregate(..)
                | TerminalAst::GetOrCreate(_)
                | TerminalAst::Create(..)),
            ) => {
                let name = terminal_name(t);
                let why = if matches!(t, TerminalAst::GetOrCreate(_)) {
                    "it is race-safe without locks (`INSERT … ON CONFLICT`, then a read)"
                } else {
                    "PostgreSQL cannot lock the rows of an aggregate"
                };
                return refuse(
                    self,
                    format!("`.select_for_update()` cannot come before `.{name}()`: {why}"),
                );
            }
            _ => {}
        }
        if cx.grouped {
            return refuse(self, "`.select_for_update()` cannot lock rows aggregated into groups (PostgreSQL refuses FOR UPDATE with GROUP BY)".to_owned());
        }
        if cx.distinct {
            return refuse(self, "`.select_for_update()` cannot lock rows of `.distinct()` (PostgreSQL refuses FOR UPDATE with DISTINCT)".to_owned());
        }
        let mut of = Vec::new();
        match &f.of {
            None => {
                if cx
                    .from
                    .tables
                    .iter()
                    .any(|t| t.join.as_ref().is_some_and(|j| j.kind == JoinKind::Left))
                {
                    return refuse(self, "`.select_for_update()` of a query with an outer join (a nullable relation it selects or filters through): PostgreSQL cannot lock the nullable side; name the tables to lock, e.g. `of = (self)`".to_owned());
                }
            }
            Some(paths) => {
                for path in paths {
                    let alias = if path.is_empty() {
                        Some(cx.from.base().alias.clone())
                    } else {
                        let mut nodes = cx.related;
                        let mut alias = None;
                        for part in path {
                            match nodes.iter().find(|n| n.field == part.name) {
                                Some(n) => {
                                    alias = Some(n.alias.clone());
                                    nodes = &n.children;
                                }
                                None => {
                                    alias = None;
                                    break;
                                }
                            }
                        }
                        alias
                    };
                    let Some(alias) = alias else {
                        let name = path
                            .iter()
                            .map(|x| x.name.as_str())
                            .collect::<Vec<_>>()
                            .join("__");
                        self.errors.push(syn::Error::new(
                            path[0].span,
                            format!("`of` names `self` and relations the query selects with `.select_related(…)`: `{name}` is not one (Django refuses it too)"),
                        ));
                        continue;
                    };
                    let outer = cx.from.tables.iter().any(|t| {
                        t.alias == alias
                            && t.join.as_ref().is_some_and(|j| j.kind == JoinKind::Left)
                    });
                    if outer {
                        self.errors.push(syn::Error::new(
                            path[0].span,
                            "PostgreSQL cannot lock the nullable side of an outer join: this relation can be absent",
                        ));
                        continue;
                    }
                    if !of.contains(&alias) {
                        of.push(alias);
                    }
                }
            }
        }
        Some(ForUpdate {
            no_key: f.no_key,
            nowait: f.nowait,
            skip_locked: f.skip_locked,
            of,
        })
    }
}

pub(super) fn terminal_name(t: &TerminalAst) -> &'static str {
    match t {
        TerminalAst::Count(_) => "count",
        TerminalAst::Aggregate(..) => "aggregate",
        TerminalAst::Exists(_) => "exists",
        TerminalAst::First(_) => "first",
        TerminalAst::Last(_) => "last",
        TerminalAst::Earliest { latest: true, .. } => "latest",
        TerminalAst::Earliest { .. } => "earliest",
        TerminalAst::Get(..) => "get",
        TerminalAst::InBulk { .. } => "in_bulk",
        TerminalAst::Update(..) => "update",
        TerminalAst::Delete(_) => "delete",
        TerminalAst::Create(..) => "create",
        TerminalAst::GetOrCreate(g) if g.update => "update_or_create",
        TerminalAst::GetOrCreate(_) => "get_or_create",
    }
}

fn bound_expr(b: Bound) -> Expr {
    match b {
        Bound::Expr(e) => *e,
        Bound::Lit(n) => syn::parse_quote!(#n),
    }
}

/// A slice taken (again): the bounds so far composed with `s`'s.
pub(super) fn add_slice(
    start: &mut Option<Bound>,
    stop: &mut Option<Bound>,
    sliced: &mut Option<Span>,
    s: &SliceAst,
) -> syn::Result<()> {
    let was_sliced = sliced.replace(s.span).is_some();
    if was_sliced {
        let (a, b) = compose_slices(start.take(), stop.take(), s)?;
        *start = a;
        *stop = b;
    } else {
        *start = s.start.clone();
        *stop = s.stop.clone();
    }
    Ok(())
}

fn compose_slices(
    start: Option<Bound>,
    stop: Option<Bound>,
    s: &SliceAst,
) -> syn::Result<(Option<Bound>, Option<Bound>)> {
    let lit = |b: &Option<Bound>| match b {
        None => Some(None),
        Some(Bound::Lit(n)) => Some(Some(*n)),
        Some(Bound::Expr(_)) => None,
    };
    let (Some(a), Some(b), Some(c), Some(d)) =
        (lit(&start), lit(&stop), lit(&s.start), lit(&s.stop))
    else {
        return Err(syn::Error::new(
            s.span,
            "slices with run-time bounds cannot be sliced again: write one slice",
        ));
    };
    // [a..b][c..d] == [a+c .. min(b, a+d)]
    let a = a.unwrap_or(0);
    let c = c.unwrap_or(0);
    let new_start = a.saturating_add(c);
    let new_stop = match (b, d) {
        (Some(b), Some(d)) => Some(b.min(a.saturating_add(d)).max(new_start)),
        (Some(b), None) => Some(b.max(new_start)),
        (None, Some(d)) => Some(a.saturating_add(d)),
        (None, None) => None,
    };
    Ok((
        (new_start > 0).then_some(Bound::Lit(new_start)),
        new_stop.map(Bound::Lit),
    ))
}

pub(super) fn op_span(op: &Op) -> Span {
    match op {
        Op::Filter { span, .. }
        | Op::Values { span, .. }
        | Op::Annotate(_, span)
        | Op::OrderBy(_, span)
        | Op::Distinct { span, .. }
        | Op::Reverse(span)
        | Op::All(span)
        | Op::None(span)
        | Op::Related { span, .. } => *span,
        Op::Slice(s) => s.span,
        Op::ForUpdate(f) => f.span,
        Op::Combine { span, .. } => *span,
        Op::Terminal(
            TerminalAst::Count(s)
            | TerminalAst::Aggregate(_, s)
            | TerminalAst::Exists(s)
            | TerminalAst::First(s)
            | TerminalAst::Last(s)
            | TerminalAst::Earliest { span: s, .. }
            | TerminalAst::Get(_, s)
            | TerminalAst::InBulk { span: s, .. }
            | TerminalAst::Update(_, s)
            | TerminalAst::Delete(s)
            | TerminalAst::Create(_, s),
        ) => *s,
        Op::Terminal(TerminalAst::GetOrCreate(g)) => g.span,
    }
}

pub(super) fn is_none(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("None"))
}

//! [`QueryAst`] + [`ModelSchema`] → [`Plan`]: every name checked, every
//! mistake reported on the user's token with the nearest valid name.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Lit};

mod relations;

pub use relations::{Need, Schemas};

use super::ast::*;
use super::parse::Errors;
use crate::plan::*;
use crate::schema::{is_auto, FieldKind, FieldSchema, ModelSchema};
use crate::util::did_you_mean;
use relations::{no_field, Joins};

const LOOKUPS: &[(&str, Lookup)] = &[
    ("exact", Lookup::Exact),
    ("iexact", Lookup::IExact),
    ("contains", Lookup::Contains),
    ("icontains", Lookup::IContains),
    ("in", Lookup::In),
    ("gt", Lookup::Gt),
    ("gte", Lookup::Gte),
    ("lt", Lookup::Lt),
    ("lte", Lookup::Lte),
    ("startswith", Lookup::StartsWith),
    ("istartswith", Lookup::IStartsWith),
    ("endswith", Lookup::EndsWith),
    ("iendswith", Lookup::IEndsWith),
    ("range", Lookup::Range),
    ("isnull", Lookup::IsNull(true)),
    ("regex", Lookup::Regex),
    ("iregex", Lookup::IRegex),
];

const TRANSFORMS: &[(&str, Transform)] = &[
    ("date", Transform::Date),
    ("time", Transform::Time),
    ("year", Transform::Year),
    ("iso_year", Transform::IsoYear),
    ("month", Transform::Month),
    ("day", Transform::Day),
    ("week", Transform::Week),
    ("week_day", Transform::WeekDay),
    ("iso_week_day", Transform::IsoWeekDay),
    ("quarter", Transform::Quarter),
    ("hour", Transform::Hour),
    ("minute", Transform::Minute),
    ("second", Transform::Second),
];

fn is_temporal_date(k: Kind) -> bool {
    matches!(k, Kind::Date | Kind::DateTime | Kind::DateTimeUtc)
}

fn transform_applies(t: Transform, k: Kind) -> bool {
    match t {
        Transform::Date | Transform::Time => matches!(k, Kind::DateTime | Kind::DateTimeUtc),
        Transform::Hour | Transform::Minute | Transform::Second => {
            matches!(k, Kind::DateTime | Kind::DateTimeUtc | Kind::Time)
        }
        _ => is_temporal_date(k),
    }
}

fn transform_applies_to(t: Transform) -> &'static str {
    match t {
        Transform::Date | Transform::Time => "datetime fields (NaiveDateTime, DateTime<Utc>)",
        Transform::Hour | Transform::Minute | Transform::Second => "datetime and time fields",
        _ => "date and datetime fields",
    }
}

fn lookup_applies(l: Lookup, k: Kind) -> bool {
    match l {
        Lookup::IExact
        | Lookup::Contains
        | Lookup::IContains
        | Lookup::StartsWith
        | Lookup::IStartsWith
        | Lookup::EndsWith
        | Lookup::IEndsWith
        | Lookup::Regex
        | Lookup::IRegex => k == Kind::Text,
        Lookup::Range => k != Kind::ForeignKey,
        _ => true,
    }
}

fn lookup_name(l: Lookup) -> &'static str {
    LOOKUPS
        .iter()
        .find(|(_, x)| std::mem::discriminant(x) == std::mem::discriminant(&l))
        .map(|(n, _)| *n)
        .unwrap_or("exact")
}

fn kind_name(k: Kind) -> &'static str {
    if k == Kind::ForeignKey {
        "a foreign key"
    } else {
        k.rust_name()
    }
}

/// A value of an INSERT: an expression to bind, or one bound already.
enum Given<'a> {
    Expr(&'a Expr),
    Bound(SetExpr),
}

/// Whether `name` is a lookup or a transform.
fn is_lookup_or_transform(name: &str) -> bool {
    LOOKUPS.iter().any(|(n, _)| *n == name) || TRANSFORMS.iter().any(|(n, _)| *n == name)
}

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
}

/// Resolves a query against its model and the related models it reaches.
/// `Err(Need)`: the schema of a related model is needed first.
pub fn resolve(schemas: &Schemas, ast: &QueryAst) -> Result<syn::Result<Plan>, Need> {
    let mut r = Resolver {
        schemas,
        schema: &schemas.root,
        errors: Errors::default(),
        bindings: Vec::new(),
        next_param: 1,
        joins: Joins::new(&schemas.root.table),
        group: 0,
        need: None,
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
        let mut filters: Vec<Where> = Vec::new();
        let mut order: Option<Vec<OrderBy>> = None;
        let mut distinct = false;
        let mut slice_start: Option<Bound> = None;
        let mut slice_stop: Option<Bound> = None;
        let mut sliced: Option<Span> = None;
        let mut terminal: Option<&TerminalAst> = None;
        let mut select_paths: Vec<&Vec<Part>> = Vec::new();
        let mut prefetch_paths: Vec<&Vec<Part>> = Vec::new();

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
                    let keys = keys.iter().filter_map(|k| self.order_key(k)).collect();
                    order = Some(keys);
                }
                Op::Distinct(_) => distinct = true,
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
                    if sliced.is_some() {
                        match compose_slices(slice_start.take(), slice_stop.take(), s) {
                            Ok((a, b)) => {
                                slice_start = a;
                                slice_stop = b;
                            }
                            Err(e) => self.errors.push(e),
                        }
                    } else {
                        slice_start = s.start.clone();
                        slice_stop = s.stop.clone();
                    }
                    sliced = Some(s.span);
                }
                Op::Terminal(t) => terminal = Some(t),
            }
        }

        let mut write = None;
        let mut get_or_create = None;
        let (select, mode) = match terminal {
            None => (Select::Model, Mode::All),
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
                write = Some(Write::Insert(self.insert(assigns, *span)));
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
            Some(TerminalAst::First(_)) => (Select::Model, Mode::Optional),
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
                    let w = self.cond(c, false);
                    if let (Cond::Leaf(l), Some(Where::Leaf(leaf))) = (c, &w) {
                        if let ([part], Lookup::Exact, true, [(n, k)]) = (
                            l.parts.as_slice(),
                            leaf.lookup,
                            leaf.lhs.transforms.is_empty(),
                            leaf.params.as_slice(),
                        ) {
                            if let Ok(f) = self.field(part) {
                                plain.push((f, SetExpr::Param(*n, *k)));
                            }
                        }
                    }
                    filters.extend(w);
                }
                get_or_create = self.get_or_create(g, plain);
                (Select::Model, Mode::One)
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
                (Select::Model, Mode::One)
            }
        };

        let pk = self.schema.primary_key();
        let mut order = order.unwrap_or_default();
        if matches!(terminal, Some(TerminalAst::First(_))) && order.is_empty() {
            if let Some(pk) = pk {
                order.push(OrderBy {
                    col: Col::new(&self.joins.base_alias(), &pk.column),
                    nullable: false,
                    desc: false,
                });
            }
        }
        // Counting ignores the order unless a slice or DISTINCT depends on
        // it (under DISTINCT, ordering by a multi-valued field selects it
        // and so counts more rows, as Django's count does).
        if matches!(select, Select::Count | Select::Exists)
            && !distinct
            && slice_start.is_none()
            && slice_stop.is_none()
        {
            order.clear();
        }

        let mut slice = self.slice(slice_start, slice_stop);
        match terminal {
            Some(TerminalAst::First(_)) => {
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
        if (matches!(select, Select::Count | Select::Exists) && slice.is_empty() && !distinct)
            || write.is_some()
        {
            order.clear();
        }

        let filter = match filters.len() {
            0 => None,
            1 => filters.pop(),
            _ => Some(Where::And(filters)),
        };
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
        // DISTINCT selects the keys it is ordered by (PostgreSQL requires
        // it; Django does it on every backend).
        let base = from.base().alias.clone();
        let extra_select = if distinct {
            order
                .iter()
                .filter(|o| o.col.alias != base)
                .map(|o| o.col.clone())
                .collect()
        } else {
            Vec::new()
        };
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
            slice,
            bindings: std::mem::take(&mut self.bindings),
            get_or_create,
        }
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

    /// The conditions of one call, ANDed; `negated`: under a NOT.
    fn conds(&mut self, conds: &[Cond], negated: bool) -> Option<Where> {
        let mut items: Vec<Where> = conds.iter().filter_map(|c| self.cond(c, negated)).collect();
        match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Where::And(items)),
        }
    }

    fn cond(&mut self, c: &Cond, negated: bool) -> Option<Where> {
        match c {
            Cond::Leaf(l) => match self.leaf(l, negated) {
                Ok(w) => Some(w),
                Err(e) => {
                    self.errors.push(e);
                    None
                }
            },
            Cond::And(items) => {
                let items: Vec<Where> =
                    items.iter().filter_map(|c| self.cond(c, negated)).collect();
                Some(Where::And(items))
            }
            Cond::Or(items) => {
                let items: Vec<Where> =
                    items.iter().filter_map(|c| self.cond(c, negated)).collect();
                Some(Where::Or(items))
            }
            Cond::Not(inner) => match self.cond(inner, !negated)? {
                // ~~Q(x) is x, as in Django.
                Where::Not(x) => Some(*x),
                w => Some(Where::Not(Box::new(w))),
            },
        }
    }

    fn field(&self, part: &Part) -> syn::Result<&'s FieldSchema> {
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
            if let Some((_, l)) = LOOKUPS.iter().find(|(n, _)| *n == part.name) {
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
                lookup = Some((*l, part.span));
                break;
            }
            if let Some((_, t)) = TRANSFORMS.iter().find(|(n, _)| *n == part.name) {
                if !transform_applies(*t, kind) {
                    return Err(syn::Error::new(
                        part.span,
                        format!(
                            "transform `{}` cannot apply to `{model}.{path}` ({}): it applies to {}",
                            part.name,
                            kind_name(kind),
                            transform_applies_to(*t)
                        ),
                    ));
                }
                operand.transforms.push((*t, kind));
                path.push_str("__");
                path.push_str(&part.name);
                i += 1;
                continue;
            }
            let candidates = TRANSFORMS
                .iter()
                .filter(|(_, t)| transform_applies(*t, kind))
                .map(|(n, _)| *n)
                .chain(
                    LOOKUPS
                        .iter()
                        .filter(|(_, l)| lookup_applies(*l, kind))
                        .map(|(n, _)| *n),
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
        if kind == Kind::ForeignKey
            && !matches!(
                lookup,
                Lookup::Exact
                    | Lookup::In
                    | Lookup::Gt
                    | Lookup::Gte
                    | Lookup::Lt
                    | Lookup::Lte
                    | Lookup::IsNull(_)
            )
        {
            return Err(syn::Error::new(
                lookup_span,
                format!(
                    "lookup `{}` cannot apply to the foreign key `{model}.{path}`: a foreign key takes exact, in, gt, gte, lt, lte and isnull",
                    lookup_name(lookup)
                ),
            ));
        }
        if !lookup_applies(lookup, kind) {
            return Err(syn::Error::new(
                lookup_span,
                format!(
                    "lookup `{}` applies to text fields; `{model}.{path}` is {}",
                    lookup_name(lookup),
                    if kind == Kind::ForeignKey {
                        "a foreign key".to_owned()
                    } else {
                        format!("`{}`", kind.rust_name())
                    }
                ),
            ));
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
                        "`{model}.{path}` is not an `Option`, so it is never NULL: `isnull` on it is always {}",
                        b.value
                    ),
                ));
            }
            return Ok(split(
                walked.split,
                Where::Leaf(Leaf {
                    lhs: operand,
                    lookup: Lookup::IsNull(b.value),
                    params: Vec::new(),
                    year_between: false,
                }),
            ));
        }

        let value_kind = kind.value_kind();
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
                year_between,
            }),
        ))
    }

    fn assignments(&mut self, assigns: &[Assign]) -> Vec<Assignment> {
        let mut out: Vec<Assignment> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for a in assigns {
            let field = match self.field(&a.field) {
                Ok(f) => f,
                Err(e) => {
                    self.errors.push(e);
                    continue;
                }
            };
            if seen.contains(&field.name.as_str()) {
                self.errors.push(syn::Error::new(
                    a.field.span,
                    format!("`{}` is set twice in this `.update()`", field.name),
                ));
                continue;
            }
            seen.push(&field.name);
            match self.set_value(field, &a.value) {
                Ok(value) => out.push(Assignment {
                    column: field.column.clone(),
                    value,
                }),
                Err(e) => self.errors.push(e),
            }
        }
        out
    }

    /// The fields `assigns` set, each checked: known, given once, not an
    /// auto primary key, and (unless `f_ok`) no `F(…)`. `within` names
    /// where they are given, for errors (“this `.create()`”).
    fn given<'a>(
        &mut self,
        assigns: &'a [Assign],
        within: &str,
        f_ok: bool,
    ) -> Vec<(&'s FieldSchema, &'a Assign)> {
        let model = &self.schema.name;
        let mut given: Vec<(&'s FieldSchema, &'a Assign)> = Vec::new();
        for a in assigns {
            match self.field(&a.field) {
                Ok(f) if given.iter().any(|(g, _)| g.name == f.name) => self.errors.push(syn::Error::new(
                    a.field.span,
                    format!("`{}` is given twice in {within}", f.name),
                )),
                Ok(f) if f.primary_key && is_auto(f) => self.errors.push(syn::Error::new(
                    a.field.span,
                    format!(
                        "`{model}.{}` is an auto-increment primary key: the database sets it, leave it out",
                        f.name
                    ),
                )),
                Ok(_) if !f_ok && uses_f(&a.value) => self.errors.push(syn::Error::new(
                    a.value.span(),
                    "`F(…)` refers to the row's own columns: a new row has none yet",
                )),
                Ok(f) => given.push((f, a)),
                Err(e) => self.errors.push(e),
            }
        }
        given
    }

    /// The columns of an INSERT: the given values, defaults, `now` for
    /// auto_now fields; every required field missing is named in one error.
    fn insert(&mut self, assigns: &[Assign], span: Span) -> Vec<Assignment> {
        let given = self
            .given(assigns, "this `.create()`", false)
            .into_iter()
            .map(|(f, a)| (f, Given::Expr(&a.value)))
            .collect();
        let model = self.schema.name.clone();
        self.insert_row(given, span, |missing, them| {
            format!("`{model}.create(…)` is missing required {missing}: give {them} a value, or a default with #[dunder(default = …)]")
        })
    }

    /// The columns of an INSERT from checked values (bound here, in field
    /// order, or already bound), then defaults and `now` for the rest.
    /// `missing` words the error naming the required fields left out.
    fn insert_row(
        &mut self,
        given: Vec<(&'s FieldSchema, Given<'_>)>,
        span: Span,
        missing_error: impl FnOnce(&str, &str) -> String,
    ) -> Vec<Assignment> {
        let mut out = Vec::new();
        let mut missing = Vec::new();
        for f in &self.schema.fields {
            let kind = f.kind.value_kind();
            if let Some((_, value)) = given.iter().find(|(g, _)| g.name == f.name) {
                let value = match value {
                    Given::Expr(e) => self.set_value(f, e),
                    Given::Bound(x) => Ok(x.clone()),
                };
                match value {
                    Ok(value) => out.push(Assignment {
                        column: f.column.clone(),
                        value,
                    }),
                    Err(e) => self.errors.push(e),
                }
            } else if f.default {
                let p = self.bind(Binding::Default {
                    field: f.name.clone(),
                    kind,
                    nullable: f.nullable,
                });
                out.push(Assignment {
                    column: f.column.clone(),
                    value: SetExpr::Param(p[0], kind),
                });
            } else if f.auto_now {
                let p = self.bind(Binding::Now { kind });
                out.push(Assignment {
                    column: f.column.clone(),
                    value: SetExpr::Param(p[0], kind),
                });
            } else if !(f.nullable || (f.primary_key && is_auto(f))) {
                missing.push(f.name.as_str());
            }
        }
        if !missing.is_empty() {
            let fields = format!(
                "field{} {}",
                if missing.len() > 1 { "s" } else { "" },
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let them = if missing.len() > 1 { "them" } else { "it" };
            self.errors
                .push(syn::Error::new(span, missing_error(&fields, them)));
        }
        out
    }

    /// The statements after the `get` of `get_or_create` /
    /// `update_or_create`. `lookups` are the plain `field = value` lookups,
    /// already bound.
    fn get_or_create(
        &mut self,
        g: &GetOrCreateAst,
        lookups: Vec<(&'s FieldSchema, SetExpr)>,
    ) -> Option<GetOrCreate> {
        let model = self.schema.name.clone();
        let method = if g.update {
            "update_or_create"
        } else {
            "get_or_create"
        };
        // `defaults` may use F(…) only where they never create a row.
        let f_ok = g.update && g.create_defaults.is_some();
        let defaults = self.given(&g.defaults, "`defaults(…)`", f_ok);
        let mut sets: Vec<(&'s FieldSchema, SetExpr)> = Vec::new();
        // A value in error still counts as given (no follow-up "missing").
        let bind = |r: &mut Self, f: &'s FieldSchema, a: &Assign| match r.set_value(f, &a.value) {
            Ok(x) => (f, x),
            Err(e) => {
                r.errors.push(e);
                (f, SetExpr::Null)
            }
        };
        for (f, a) in defaults {
            sets.push(bind(self, f, a));
        }
        let create_defaults = g.create_defaults.as_ref().map(|cd| {
            let given = self.given(cd, "`create_defaults(…)`", false);
            given
                .into_iter()
                .map(|(f, a)| bind(self, f, a))
                .collect::<Vec<_>>()
        });
        let where_defaults = if create_defaults.is_some() {
            "`create_defaults(…)`"
        } else {
            "`defaults(…)`"
        };
        let create = create_defaults.unwrap_or_else(|| sets.clone());
        // The created row: the lookups' values, overridden by the defaults.
        let mut given: Vec<(&'s FieldSchema, Given<'_>)> = Vec::new();
        for (f, x) in lookups {
            if !given.iter().any(|(g, _)| g.name == f.name)
                && !create.iter().any(|(c, _)| c.name == f.name)
            {
                given.push((f, Given::Bound(x)));
            }
        }
        given.extend(create.into_iter().map(|(f, x)| (f, Given::Bound(x))));
        let insert = self.insert_row(given, g.span, |missing, them| {
            format!(
                "`{model}.{method}(…)` cannot create a row without required {missing}: give {them} as a lookup (`field = value`), in {where_defaults}, or a default with #[dunder(default = …)]"
            )
        });
        // update_or_create updates a row it finds with its defaults, and
        // the auto_now fields, as Django's `save()` does.
        let mut update: Vec<Assignment> = Vec::new();
        if g.update {
            for f in &self.schema.fields {
                if let Some((_, x)) = sets.iter().find(|(s, _)| s.name == f.name) {
                    update.push(Assignment {
                        column: f.column.clone(),
                        value: x.clone(),
                    });
                } else if f.auto_now {
                    let kind = f.kind.value_kind();
                    let p = self.bind(Binding::Now { kind });
                    update.push(Assignment {
                        column: f.column.clone(),
                        value: SetExpr::Param(p[0], kind),
                    });
                }
            }
        }
        let Some(pk) = self.schema.primary_key() else {
            self.errors.push(syn::Error::new(
                g.span,
                format!("`{model}.{method}(…)` needs a primary key on `{model}`"),
            ));
            return None;
        };
        let pk_kind = pk.kind.value_kind();
        Some(GetOrCreate {
            insert,
            update,
            pk: (pk.column.clone(), pk_kind),
            pk_field: pk.name.clone(),
        })
    }

    /// The value an UPDATE gives `field`.
    fn set_value(&mut self, field: &'s FieldSchema, value: &Expr) -> syn::Result<SetExpr> {
        let model = &self.schema.name;
        let kind = field.kind.value_kind();
        if is_none(value) {
            if !field.nullable {
                return Err(syn::Error::new(
                    value.span(),
                    format!(
                        "`{model}.{}` is not an `Option`: it cannot be set to NULL",
                        field.name
                    ),
                ));
            }
            return Ok(SetExpr::Null);
        }
        if !uses_f(value) {
            let p = self.bind(Binding::Set {
                expr: value.clone(),
                kind,
                nullable: field.nullable,
            });
            return Ok(SetExpr::Param(p[0], kind));
        }
        self.f_expr(field, kind, value)
    }

    /// An expression with `F(field)`: columns, `+ - * /`, and bound values.
    fn f_expr(&mut self, target: &'s FieldSchema, kind: Kind, e: &Expr) -> syn::Result<SetExpr> {
        let model = &self.schema.name;
        match e {
            Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("F")) => {
                let arg = match (c.args.len(), c.args.first()) {
                    (1, Some(Expr::Path(p))) => p.path.get_ident().cloned(),
                    _ => None,
                };
                let Some(ident) = arg else {
                    return Err(syn::Error::new(
                        c.span(),
                        "`F(…)` takes one field name of this model, e.g. `F(rating)`",
                    ));
                };
                let part = Part {
                    name: crate::schema::unraw(&ident),
                    span: ident.span(),
                };
                let other = self.field(&part)?;
                let other_kind = other.kind.value_kind();
                if other_kind != kind && !(is_numeric(other_kind) && is_numeric(kind)) {
                    return Err(syn::Error::new(
                        ident.span(),
                        format!(
                            "`F({})` is `{}` but `{model}.{}` is `{}`",
                            other.name,
                            other_kind.rust_name(),
                            target.name,
                            kind.rust_name()
                        ),
                    ));
                }
                Ok(SetExpr::Column(Col::new(&self.schema.table, &other.column)))
            }
            Expr::Binary(b) => {
                let op = match b.op {
                    syn::BinOp::Add(_) => '+',
                    syn::BinOp::Sub(_) => '-',
                    syn::BinOp::Mul(_) => '*',
                    syn::BinOp::Div(_) => '/',
                    _ => {
                        return Err(syn::Error::new(
                            b.op.span(),
                            "with `F(…)`, use `+`, `-`, `*` and `/` (computed by the database)",
                        ))
                    }
                };
                if !is_numeric(kind) {
                    return Err(syn::Error::new(
                        b.op.span(),
                        format!(
                            "arithmetic needs a number: `{model}.{}` is `{}`",
                            target.name,
                            kind.rust_name()
                        ),
                    ));
                }
                let l = self.f_expr(target, kind, &b.left)?;
                let r = self.f_expr(target, kind, &b.right)?;
                Ok(SetExpr::Binary(Box::new(l), op, Box::new(r)))
            }
            Expr::Paren(p) => self.f_expr(target, kind, &p.expr),
            Expr::Group(g) => self.f_expr(target, kind, &g.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) && uses_f(&u.expr) => {
                Ok(SetExpr::Neg(Box::new(self.f_expr(target, kind, &u.expr)?)))
            }
            other => {
                let p = self.bind(Binding::Value {
                    expr: other.clone(),
                    kind,
                });
                Ok(SetExpr::Param(p[0], kind))
            }
        }
    }

    fn order_key(&mut self, key: &OrderKey) -> Option<OrderBy> {
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
        if let Some(extra) = key.parts.get(walked.used) {
            self.errors.push(syn::Error::new(
                extra.span,
                format!(
                    "order_by takes a field path of `{}`: ordering by a transform (`{}__{}`) is not supported yet",
                    self.schema.name, walked.path, extra.name
                ),
            ));
            return None;
        }
        Some(OrderBy {
            col: walked.operand.col,
            nullable: walked.operand.nullable,
            desc: key.desc,
        })
    }
}

/// A condition, inside the subquery of a negated path across a
/// multi-valued relation when there is one.
fn split(split: Option<relations::Split>, w: Where) -> Where {
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
    }))
}

fn terminal_name(t: &TerminalAst) -> &'static str {
    match t {
        TerminalAst::Count(_) => "count",
        TerminalAst::Exists(_) => "exists",
        TerminalAst::First(_) => "first",
        TerminalAst::Get(..) => "get",
        TerminalAst::Update(..) => "update",
        TerminalAst::Delete(_) => "delete",
        TerminalAst::Create(..) => "create",
        TerminalAst::GetOrCreate(g) if g.update => "update_or_create",
        TerminalAst::GetOrCreate(_) => "get_or_create",
    }
}

fn is_numeric(k: Kind) -> bool {
    matches!(k, Kind::I16 | Kind::I32 | Kind::I64 | Kind::F32 | Kind::F64)
}

/// Whether an expression uses `F(…)`.
fn uses_f(e: &Expr) -> bool {
    match e {
        Expr::Call(c) => matches!(&*c.func, Expr::Path(p) if p.path.is_ident("F")),
        Expr::Binary(b) => uses_f(&b.left) || uses_f(&b.right),
        Expr::Paren(p) => uses_f(&p.expr),
        Expr::Group(g) => uses_f(&g.expr),
        Expr::Unary(u) => uses_f(&u.expr),
        _ => false,
    }
}

fn bound_expr(b: Bound) -> Expr {
    match b {
        Bound::Expr(e) => *e,
        Bound::Lit(n) => syn::parse_quote!(#n),
    }
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

fn is_none(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("None"))
}

fn op_span(op: &Op) -> Span {
    match op {
        Op::Filter { span, .. }
        | Op::OrderBy(_, span)
        | Op::Distinct(span)
        | Op::Related { span, .. } => *span,
        Op::Slice(s) => s.span,
        Op::Terminal(
            TerminalAst::Count(s)
            | TerminalAst::Exists(s)
            | TerminalAst::First(s)
            | TerminalAst::Get(_, s)
            | TerminalAst::Update(_, s)
            | TerminalAst::Delete(s)
            | TerminalAst::Create(_, s),
        ) => *s,
        Op::Terminal(TerminalAst::GetOrCreate(g)) => g.span,
    }
}

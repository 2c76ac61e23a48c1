//! The validated plan: what the SQL renderer and the code generator read.
//! Nothing here refers to user syntax except the value expressions to bind.

use crate::lookups::Output as TransformOutput;
pub use crate::lookups::{Lookup, Transform};
use crate::schema::FieldKind;

/// The type of a value in SQL: a column's kind, or what a transform yields.
pub type Kind = FieldKind;

/// A column of one of the tables of a FROM list, by the table's alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Col {
    pub alias: String,
    pub column: String,
}

impl Col {
    pub fn new(alias: &str, column: &str) -> Col {
        Col {
            alias: alias.to_owned(),
            column: column.to_owned(),
        }
    }
}

/// How a table is joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
}

/// `<kind> JOIN table AS alias ON left = alias.column`.
#[derive(Debug, Clone)]
pub struct Join {
    pub kind: JoinKind,
    pub left: Col,
    pub column: String,
    /// A row of the table before may have no row here (a nullable key, a
    /// reverse or many-to-many relation).
    pub nullable: bool,
}

/// One table of a FROM list: the first is the query's own, every other
/// one is joined to a table before it.
#[derive(Debug, Clone)]
pub struct TableRef {
    pub table: String,
    pub alias: String,
    pub join: Option<Join>,
}

/// A FROM list.
#[derive(Debug, Clone)]
pub struct From {
    pub tables: Vec<TableRef>,
}

impl From {
    /// One table, aliased by its own name.
    pub fn single(table: &str) -> From {
        From {
            tables: vec![TableRef {
                table: table.to_owned(),
                alias: table.to_owned(),
                join: None,
            }],
        }
    }

    /// The query's own table.
    pub fn base(&self) -> &TableRef {
        &self.tables[0]
    }

    pub fn has_joins(&self) -> bool {
        self.tables.len() > 1
    }
}

/// `lhs IN (SELECT select FROM from WHERE filter [AND select IS NOT NULL])`:
/// a condition on rows related through a multi-valued relation under a
/// negation (Django's `split_exclude`).
#[derive(Debug, Clone)]
pub struct InSubquery {
    pub lhs: Col,
    /// `lhs` is reached through a relation that can be absent (guarded
    /// under a NOT like a nullable column).
    pub lhs_nullable: bool,
    pub select: Col,
    pub from: From,
    pub filter: Option<Where>,
    /// `select` can be NULL: keep NULLs out, or `NOT IN` would find nothing.
    pub not_null: bool,
    /// The condition holds for a row with no related row (the subquery kept
    /// its LEFT join: `isnull = true`, …): a NULL `lhs` (no row to relate
    /// from) matches too (Django's `contains_louter`).
    pub null_matches: bool,
}

/// Chooses each join's kind as Django's join promotion does: a join is
/// INNER when every row has a match (a non-null key after INNER joins) or
/// when the WHERE rejects the rows without one anyway (a condition on it
/// that holds in every branch: a plain AND, every side of an OR); else LEFT
/// OUTER, so rows without a related row are kept (`isnull = true`, one side
/// of an OR, NOT, ordering by a nullable relation).
pub fn choose_joins(from: &mut From, filter: Option<&Where>) {
    let required = filter.map(|w| votes(from, w, false)).unwrap_or_default();
    for i in 1..from.tables.len() {
        let alias = from.tables[i].alias.clone();
        let parent_left = from.tables[i]
            .join
            .as_ref()
            .and_then(|j| from.tables.iter().find(|t| t.alias == j.left.alias))
            .and_then(|t| t.join.as_ref())
            .is_some_and(|j| j.kind == JoinKind::Left);
        if let Some(j) = &mut from.tables[i].join {
            j.kind = if required.contains(&alias) || !(j.nullable || parent_left) {
                JoinKind::Inner
            } else {
                JoinKind::Left
            };
        }
    }
}

/// The aliases a condition needs a row of (Django's `JoinPromoter` votes):
/// a condition that is false (or NULL) when the joined row is missing.
fn votes(from: &From, w: &Where, negated: bool) -> Vec<String> {
    match w {
        Where::Leaf(l) => {
            if negated || l.lookup == Lookup::IsNull(true) {
                Vec::new()
            } else {
                // A comparison with a column needs that column's row too.
                let mut cols = vec![&l.lhs.col];
                if let Some(rhs) = &l.rhs {
                    rhs.columns(&mut cols);
                }
                let mut out: Vec<String> = Vec::new();
                for c in cols {
                    for a in from.path_to(&c.alias) {
                        if !out.contains(&a) {
                            out.push(a);
                        }
                    }
                }
                out
            }
        }
        Where::In(sub) => {
            if negated || sub.null_matches {
                Vec::new()
            } else {
                from.path_to(&sub.lhs.alias)
            }
        }
        Where::Query(q) => match &q.lhs {
            Some(lhs) if !negated => from.path_to(&lhs.col.alias),
            _ => Vec::new(),
        },
        Where::Not(inner) => votes(from, inner, !negated),
        Where::And(items) | Where::Or(items) => {
            // AND needs what any side needs; OR what every side needs
            // (the other way round under a NOT).
            let all = matches!(w, Where::Or(_)) != negated;
            let mut sets = items.iter().map(|i| votes(from, i, negated));
            if all {
                let Some(first) = sets.next() else {
                    return Vec::new();
                };
                sets.fold(first, |acc, s| {
                    acc.into_iter().filter(|a| s.contains(a)).collect()
                })
            } else {
                let mut out = Vec::new();
                for s in sets {
                    for a in s {
                        if !out.contains(&a) {
                            out.push(a);
                        }
                    }
                }
                out
            }
        }
    }
}

impl From {
    /// The alias and every alias it is joined through.
    pub fn path_to(&self, alias: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = alias.to_owned();
        while let Some(t) = self.tables.iter().find(|t| t.alias == cur) {
            out.push(cur.clone());
            match &t.join {
                Some(j) => cur = j.left.alias.clone(),
                None => break,
            }
        }
        out
    }
}

/// A column with the transforms applied to it, left to right.
#[derive(Debug, Clone)]
pub struct Operand {
    pub col: Col,
    /// The column's own kind.
    pub column_kind: Kind,
    /// The column can be NULL: its field is an `Option`, or it is reached
    /// through a relation that can be absent.
    pub nullable: bool,
    /// Transforms and the kind each one takes as input.
    pub transforms: Vec<(Transform, Kind)>,
}

impl Operand {
    /// The kind of the whole operand (after the transforms).
    pub fn kind(&self) -> Kind {
        match self.transforms.last() {
            Some((t, _)) => t.output(),
            None => self.column_kind,
        }
    }
}

impl Transform {
    /// The kind of what it yields.
    pub fn output(self) -> Kind {
        match self.def().output {
            TransformOutput::Date => Kind::Date,
            TransformOutput::Time => Kind::Time,
            TransformOutput::Int => Kind::I32,
        }
    }
}

/// Which end(s) of a year a `YearLookup` compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearEnds {
    Both,
    First,
    Last,
}

/// One condition of the WHERE clause.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub lhs: Operand,
    pub lookup: Lookup,
    /// The placeholders it compares with (1-based), and their SQL kind.
    pub params: Vec<(usize, Kind)>,
    /// Compares with an expression (`F(…)`) instead of the parameters.
    pub rhs: Option<Expression>,
    /// `year`/`iso_year` compared with a plain value: compare the transform's
    /// input with the first/last day of that year instead (Django's YearLookup).
    pub year_between: bool,
}

/// A WHERE tree.
#[derive(Debug, Clone)]
pub enum Where {
    Leaf(Leaf),
    And(Vec<Where>),
    Or(Vec<Where>),
    Not(Box<Where>),
    In(Box<InSubquery>),
    /// `lhs IN (subquery)` or `EXISTS(subquery)` of a user's `query!(…)`.
    Query(Box<SubqueryCond>),
}

/// A condition on a user's subquery (`author__in = query!(…)`,
/// `Exists(query!(…))`), whose placeholders continue the query's.
#[derive(Debug, Clone)]
pub struct SubqueryCond {
    /// `lhs IN (query)`; `None`: `EXISTS(query)`.
    pub lhs: Option<Operand>,
    pub query: Plan,
}

impl Where {
    /// Whether it compares an aggregate (a condition of the HAVING).
    pub fn is_aggregate(&self, annotations: &[Annotation]) -> bool {
        match self {
            Where::Leaf(l) => {
                Expression::Column(l.lhs.clone()).is_aggregate(annotations)
                    || l.rhs.as_ref().is_some_and(|r| r.is_aggregate(annotations))
            }
            Where::And(items) | Where::Or(items) => {
                items.iter().any(|i| i.is_aggregate(annotations))
            }
            Where::Not(inner) => inner.is_aggregate(annotations),
            Where::In(_) => false,
            Where::Query(q) => q
                .lhs
                .as_ref()
                .is_some_and(|l| Expression::Column(l.clone()).is_aggregate(annotations)),
        }
    }

    /// The operands its conditions compare (not inside subqueries).
    pub fn operands<'a>(&'a self, out: &mut Vec<&'a Operand>) {
        match self {
            Where::Leaf(l) => {
                out.push(&l.lhs);
                if let Some(r) = &l.rhs {
                    r.operands(out);
                }
            }
            Where::And(items) | Where::Or(items) => items.iter().for_each(|i| i.operands(out)),
            Where::Not(inner) => inner.operands(out),
            Where::In(_) => {}
            Where::Query(q) => out.extend(q.lhs.as_ref()),
        }
    }

    /// `column = $param`: a row by its primary key (`kind` as bound).
    pub fn pk(col: Col, kind: Kind, param: usize) -> Where {
        Where::Leaf(Leaf {
            lhs: Operand {
                col,
                column_kind: kind,
                nullable: false,
                transforms: Vec::new(),
            },
            lookup: Lookup::Exact,
            params: vec![(param, kind)],
            rhs: None,
            year_between: false,
        })
    }
}

/// An ORDER BY key: a column (or annotation) with its transforms.
#[derive(Debug, Clone)]
pub struct OrderBy {
    pub operand: Operand,
    pub desc: bool,
}

impl OrderBy {
    /// A plain column that is never NULL, ascending.
    pub fn column(col: Col, kind: Kind) -> OrderBy {
        OrderBy {
            operand: Operand {
                col,
                column_kind: kind,
                nullable: false,
                transforms: Vec::new(),
            },
            desc: false,
        }
    }
}

/// LIMIT/OFFSET: inline numbers or placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SliceValue {
    Lit(u64),
    Param(usize),
}

#[derive(Debug, Clone, Default)]
pub struct Slice {
    pub limit: Option<SliceValue>,
    pub offset: Option<SliceValue>,
}

impl Slice {
    pub fn is_empty(&self) -> bool {
        self.limit.is_none() && self.offset.is_none()
    }
}

/// A value computed by the database: what an UPDATE sets a column to, and
/// the right-hand side of a condition with `F()`.
#[derive(Debug, Clone)]
pub enum Expression {
    /// A bound value: placeholder and SQL kind.
    Param(usize, Kind),
    /// `NULL`.
    Null,
    /// `F(field__path__transform)`: a column of this row or of a related
    /// one, with its transforms.
    Column(Operand),
    /// `lhs op rhs`, op one of `+ - * /`.
    Binary(Box<Expression>, char, Box<Expression>),
    /// `-x`.
    Neg(Box<Expression>),
    /// `COUNT(…)`, `SUM(…)`, … over the rows of a group.
    Aggregate(Box<Aggregate>),
    /// `(SELECT …)`, the one value of a subquery (`Subquery(query!(…))`),
    /// or `EXISTS(SELECT …)` when the flag says so.
    Query(Box<Plan>, bool),
    /// A database function: `Lower`, `Coalesce`, `Case`, …
    Func(Box<Func>),
}

/// A database function of expressions (Django's `django.db.models.functions`).
#[derive(Debug, Clone)]
pub enum Func {
    Lower(Expression),
    Upper(Expression),
    /// Characters of a text (`i32`).
    Length(Expression),
    /// The texts one after the other, a NULL as empty (Django's `Concat`).
    Concat(Vec<Expression>),
    /// The first that is not NULL.
    Coalesce(Vec<Expression>),
    /// `CAST(x AS kind)`.
    Cast(Expression, Kind),
    /// `CASE WHEN c THEN v … [ELSE d] END`.
    Case {
        whens: Vec<(Where, Expression)>,
        default: Option<Expression>,
    },
}

impl Func {
    /// Its expressions, in order, and its conditions.
    pub fn parts_mut(&mut self) -> (Vec<&mut Expression>, Vec<&mut Where>) {
        match self {
            Func::Lower(x) | Func::Upper(x) | Func::Length(x) | Func::Cast(x, _) => {
                (vec![x], Vec::new())
            }
            Func::Concat(xs) | Func::Coalesce(xs) => (xs.iter_mut().collect(), Vec::new()),
            Func::Case { whens, default } => {
                let mut es = Vec::new();
                let mut ws = Vec::new();
                for (w, e) in whens.iter_mut() {
                    ws.push(w);
                    es.push(e);
                }
                es.extend(default.as_mut());
                (es, ws)
            }
        }
    }

    /// Its expressions, in order.
    pub fn expressions(&self) -> Vec<&Expression> {
        match self {
            Func::Lower(x) | Func::Upper(x) | Func::Length(x) | Func::Cast(x, _) => vec![x],
            Func::Concat(xs) | Func::Coalesce(xs) => xs.iter().collect(),
            Func::Case { whens, default } => whens
                .iter()
                .map(|(_, e)| e)
                .chain(default.as_ref())
                .collect(),
        }
    }
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFn {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    /// `StdDev(x)` (population); `StdDev(x, sample = true)` is `StdDevSamp`.
    StdDevPop,
    StdDevSamp,
    /// `Variance(x)` (population); `Variance(x, sample = true)` is `VarSamp`.
    VarPop,
    VarSamp,
}

impl AggregateFn {
    pub const ALL: &'static [(&'static str, AggregateFn)] = &[
        ("Count", AggregateFn::Count),
        ("Sum", AggregateFn::Sum),
        ("Avg", AggregateFn::Avg),
        ("Min", AggregateFn::Min),
        ("Max", AggregateFn::Max),
        ("StdDev", AggregateFn::StdDevPop),
        ("Variance", AggregateFn::VarPop),
    ];

    pub fn find(name: &str) -> Option<AggregateFn> {
        AggregateFn::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }

    pub fn sql(self) -> &'static str {
        match self {
            AggregateFn::Count => "COUNT",
            AggregateFn::Sum => "SUM",
            AggregateFn::Avg => "AVG",
            AggregateFn::Min => "MIN",
            AggregateFn::Max => "MAX",
            AggregateFn::StdDevPop => "STDDEV_POP",
            AggregateFn::StdDevSamp => "STDDEV_SAMP",
            AggregateFn::VarPop => "VAR_POP",
            AggregateFn::VarSamp => "VAR_SAMP",
        }
    }

    /// The user's name of the function (`StdDev` for both of its forms).
    pub fn name(self) -> &'static str {
        match self {
            AggregateFn::StdDevSamp => "StdDev",
            AggregateFn::VarSamp => "Variance",
            f => AggregateFn::ALL
                .iter()
                .find(|(_, g)| *g == f)
                .map(|(n, _)| *n)
                .unwrap_or_default(),
        }
    }

    /// `StdDev` or `Variance`, of either form.
    pub fn is_statistic(self) -> bool {
        matches!(
            self,
            AggregateFn::StdDevPop
                | AggregateFn::StdDevSamp
                | AggregateFn::VarPop
                | AggregateFn::VarSamp
        )
    }
}

/// `FUNC([DISTINCT] arg) [FILTER (WHERE filter)]`, in `COALESCE(…, default)`
/// when it has a default.
#[derive(Debug, Clone)]
pub struct Aggregate {
    pub func: AggregateFn,
    /// `None`: `COUNT(*)`.
    pub arg: Option<Expression>,
    pub distinct: bool,
    pub filter: Option<Where>,
    pub default: Option<Expression>,
    /// The kind of the result (what PostgreSQL's result is cast to when its
    /// own type differs: `SUM` of integers is `numeric` for a `bigint`).
    pub kind: Kind,
}

/// A named value computed for each row (`.annotate(…)`), referred to by
/// name from conditions, ordering and later expressions: an operand whose
/// column has the alias [`ANNOTATION`] and the annotation's name.
#[derive(Debug, Clone)]
pub struct Annotation {
    pub name: String,
    pub expr: Expression,
    pub kind: Kind,
    pub nullable: bool,
}

/// The alias of an operand that names an annotation.
pub const ANNOTATION: &str = "";

/// One value of a projected row (`.values(…)`, `.aggregate(…)`, an
/// annotation read with the model's row).
#[derive(Debug, Clone)]
pub struct Output {
    /// The struct field (and SQL alias) it is read as.
    pub name: String,
    pub expr: Expression,
    pub kind: Kind,
    pub nullable: bool,
    /// Selected `AS "name"` (annotations and named expressions).
    pub alias: bool,
    /// The user's token, for errors about the row's types.
    pub span: proc_macro2::Span,
    /// A decimal field's column read as it is: its `(max_digits,
    /// decimal_places)`, to read it at the field's scale (Django's
    /// converter quantizes a column, not an expression).
    pub decimal: Option<(u16, u16)>,
}

impl Expression {
    /// The nullable columns it reads, in order.
    pub fn nullable_columns<'a>(&'a self, out: &mut Vec<&'a Col>) {
        match self {
            Expression::Column(op) if op.nullable => out.push(&op.col),
            Expression::Binary(l, _, r) => {
                l.nullable_columns(out);
                r.nullable_columns(out);
            }
            Expression::Neg(x) => x.nullable_columns(out),
            Expression::Func(f) => f
                .expressions()
                .into_iter()
                .for_each(|e| e.nullable_columns(out)),
            // An aggregate's NULL is its own, not a column's.
            _ => {}
        }
    }

    /// The columns it reads, with their transforms (not inside aggregates).
    pub fn operands<'a>(&'a self, out: &mut Vec<&'a Operand>) {
        match self {
            Expression::Column(op) => out.push(op),
            Expression::Binary(l, _, r) => {
                l.operands(out);
                r.operands(out);
            }
            Expression::Neg(x) => x.operands(out),
            Expression::Func(f) => f.expressions().into_iter().for_each(|e| e.operands(out)),
            _ => {}
        }
    }

    /// Whether it computes an aggregate, or reads an annotation that does.
    pub fn is_aggregate(&self, annotations: &[Annotation]) -> bool {
        match self {
            Expression::Aggregate(_) => true,
            Expression::Column(op) if op.col.alias == ANNOTATION => annotations
                .iter()
                .find(|a| a.name == op.col.column)
                .is_some_and(|a| a.expr.is_aggregate(annotations)),
            Expression::Binary(l, _, r) => {
                l.is_aggregate(annotations) || r.is_aggregate(annotations)
            }
            Expression::Neg(x) => x.is_aggregate(annotations),
            Expression::Func(f) => f
                .expressions()
                .into_iter()
                .any(|e| e.is_aggregate(annotations)),
            _ => false,
        }
    }

    /// Every column it reads.
    pub fn columns<'a>(&'a self, out: &mut Vec<&'a Col>) {
        match self {
            Expression::Column(op) => out.push(&op.col),
            Expression::Binary(l, _, r) => {
                l.columns(out);
                r.columns(out);
            }
            Expression::Neg(x) => x.columns(out),
            Expression::Func(f) => f.expressions().into_iter().for_each(|e| e.columns(out)),
            _ => {}
        }
    }
}

/// `column = value` of an UPDATE.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub column: String,
    pub value: Expression,
    /// The column holds a `Decimal` of this `(max_digits, decimal_places)`:
    /// SQLite stores the value through `dunder_decimal`, which rounds and
    /// checks it as PostgreSQL's `numeric(p, s)` column does.
    pub decimal: Option<(u16, u16)>,
}

impl Assignment {
    /// `field = value`.
    pub fn of(field: &crate::schema::FieldSchema, value: Expression) -> Assignment {
        Assignment {
            column: field.column.clone(),
            value,
            decimal: field.decimal,
        }
    }
}

pub use crate::query::ast::Shape;

/// What a SELECT selects, and so what a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// Every column of the model, in field order: the row is the model
    /// (with its annotations, `Plan.outputs`, after its columns).
    Model,
    /// `Plan.outputs` only: a row of `.values(…)`, `.values_list(…)` or
    /// `.aggregate(…)`.
    Values(Shape),
    /// `SELECT COUNT(*)`: the row is an `i64`.
    Count,
    /// `SELECT EXISTS(…)`: the row is a `bool`.
    Exists,
}

/// How the rows are returned (`dunder::All`, `One`, `Optional`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    All,
    One,
    Optional,
    /// UPDATE/DELETE: the number of rows affected.
    Execute,
}

/// A value expression of the user's and the parameters made from it.
#[derive(Debug, Clone)]
pub enum Binding {
    /// One value compared with a `kind`.
    Value { expr: syn::Expr, kind: Kind },
    /// A value an UPDATE sets a `kind` column to (`Option`s too when `nullable`).
    Set {
        expr: syn::Expr,
        kind: Kind,
        nullable: bool,
    },
    /// The model's `#[dunder(default = …)]` of `field`.
    Default {
        field: String,
        kind: Kind,
        nullable: bool,
    },
    /// The current date or time (`auto_now_add` / `auto_now`).
    Now { kind: Kind },
    /// An `__in` list of `kind`.
    List { expr: syn::Expr, kind: Kind },
    /// A `__range` tuple: two parameters.
    Range { expr: syn::Expr, kind: Kind },
    /// A year turned into the bounds of that year as `column` values.
    Year {
        expr: syn::Expr,
        column: Kind,
        iso: bool,
        ends: YearEnds,
    },
    /// The value of an optional condition (`field = value?`, slot
    /// `slot`): `inner` when the `Option` is `Some` (setting the slot's bit
    /// of the query's variant), else NULL placeholders no statement takes.
    Optional { slot: usize, inner: Box<Binding> },
    /// Slice bounds given as expressions: LIMIT then OFFSET parameters,
    /// each present when the flag says so.
    Slice {
        start: Option<syn::Expr>,
        stop: Option<syn::Expr>,
        limit: bool,
        offset: bool,
    },
}

impl Binding {
    /// How many parameters this binding pushes.
    pub fn param_count(&self) -> usize {
        match self {
            Binding::Value { .. }
            | Binding::Set { .. }
            | Binding::Default { .. }
            | Binding::Now { .. }
            | Binding::List { .. } => 1,
            Binding::Range { .. } => 2,
            Binding::Year { ends, .. } => {
                if *ends == YearEnds::Both {
                    2
                } else {
                    1
                }
            }
            Binding::Slice { limit, offset, .. } => usize::from(*limit) + usize::from(*offset),
            Binding::Optional { inner, .. } => inner.param_count(),
        }
    }

    /// The user's expression it binds, to replace (an optional condition
    /// binds the value inside the `Option`).
    pub fn expr_mut(&mut self) -> Option<&mut syn::Expr> {
        match self {
            Binding::Value { expr, .. }
            | Binding::Set { expr, .. }
            | Binding::List { expr, .. }
            | Binding::Range { expr, .. }
            | Binding::Year { expr, .. } => Some(expr),
            Binding::Optional { inner, .. } => inner.expr_mut(),
            _ => None,
        }
    }
}

/// An UPDATE, a DELETE or an INSERT.
#[derive(Debug, Clone)]
pub enum Write {
    Update(Vec<Assignment>),
    /// `UPDATE … RETURNING` every column.
    UpdateReturning(Vec<Assignment>),
    Delete,
    /// `INSERT … ON CONFLICT DO NOTHING RETURNING` what the database
    /// computes (`get_or_create`): no row when it conflicts.
    InsertIfAbsent(Vec<Assignment>, Fill),
    /// `create` / `New<Model>::insert`: `INSERT … RETURNING` only what the
    /// database computes (nothing when it computes nothing); the row is
    /// filled from the values sent.
    Create(Vec<Assignment>, Fill),
}

/// Where a created row's column comes from (`dunder::__private::Source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The value bound at this index (0-based).
    Sent(usize),
    /// NULL, written into the SQL.
    Null,
    /// The column at this index of the `RETURNING` row.
    Returned(usize),
}

/// What an INSERT that creates a model reads back: the columns the database
/// computes (`RETURNING`), and where each column of the model comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fill {
    pub returning: Vec<String>,
    pub sources: Vec<Source>,
}

impl Fill {
    /// Over the model's columns (`fields`, in order): `sent(field)` says
    /// where a value the statement sends is; the rest are returned. A
    /// decimal is always returned: the database rounds it to the column's
    /// scale, so what is stored is not what was sent.
    pub fn of(
        fields: &[crate::schema::FieldSchema],
        sent: impl Fn(&crate::schema::FieldSchema) -> Option<Source>,
    ) -> Fill {
        let mut fill = Fill::default();
        for f in fields {
            let source = if f.decimal.is_some() { None } else { sent(f) };
            fill.sources.push(source.unwrap_or_else(|| {
                fill.returning.push(f.column.clone());
                Source::Returned(fill.returning.len() - 1)
            }));
        }
        fill
    }

    /// For a `create` of these assignments.
    pub fn of_assignments(
        fields: &[crate::schema::FieldSchema],
        assignments: &[Assignment],
    ) -> Fill {
        Fill::of(fields, |f| {
            assignments
                .iter()
                .find(|a| a.column == f.column)
                .and_then(|a| match a.value {
                    Expression::Param(n, _) => Some(Source::Sent(n - 1)),
                    Expression::Null => Some(Source::Null),
                    _ => None,
                })
        })
    }
}

/// The rest of a `get_or_create` / `update_or_create`, whose plan is the
/// `get`: the statements that create (and update) the row.
#[derive(Debug, Clone)]
pub struct GetOrCreate {
    /// The columns of a created row, in field order.
    pub insert: Vec<Assignment>,
    /// `update_or_create`: what a found row is updated with (its `defaults`
    /// and `auto_now` fields); empty when there is nothing to update.
    pub update: Vec<Assignment>,
    /// The primary key column and kind, to update the row found by.
    pub pk: (String, Kind),
}

/// A related row read with the model's (`select_related`): the columns of
/// the joined table `alias`, set into the key `field` of the row it hangs
/// off; its own related rows follow it.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The `ForeignKey`/`OneToOne` field of the model before it.
    pub field: String,
    /// The related model's type (`$crate::…` or `::krate::…`; empty: the
    /// query's own model, for a `ForeignKey<Self>`).
    pub target: proc_macro2::TokenStream,
    pub alias: String,
    pub columns: Vec<String>,
    /// A reverse one-to-one (`ReverseOne`): the row may be absent; its
    /// primary key's position among `columns` tells (NULL: none).
    pub reverse: Option<usize>,
    pub children: Vec<Selected>,
}

impl Selected {
    /// Every column, depth first (the order of the SELECT list).
    pub fn all_columns(nodes: &[Selected], out: &mut Vec<Col>) {
        for n in nodes {
            out.extend(n.columns.iter().map(|c| Col::new(&n.alias, c)));
            Selected::all_columns(&n.children, out);
        }
    }
}

/// How prefetched rows are set into the rows they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefetchKind {
    /// A `ForeignKey`/`OneToOne` of the row: its loaded target.
    Key,
    /// A `Reverse`/`ManyToMany` of the row: every related row.
    Many,
    /// A `ReverseOne` of the row: the related row, if any.
    One,
}

/// Where a prefetched row's link key (the key of the row it belongs to)
/// is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefetchLink {
    /// The related row's own primary key (a forward key's target).
    Pk,
    /// The related row's key field of that name, at that column (the
    /// reverse of a key).
    Key(String, usize),
    /// The column selected after the row's (a through table's).
    Extra,
}

/// One relation of `prefetch_related`: a query of the related rows whose
/// link column is one of the keys, bound as parameter 1.
#[derive(Debug, Clone)]
pub struct Prefetched {
    /// The relation field of the rows it fills.
    pub field: String,
    pub kind: PrefetchKind,
    /// The related model's type (empty: the query's own model).
    pub target: proc_macro2::TokenStream,
    pub query: Box<Plan>,
    pub link: PrefetchLink,
    pub children: Vec<Prefetched>,
}

/// A validated query.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The model's table first, then the tables its relations join.
    pub from: From,
    /// Every column of the model, in field order.
    pub columns: Vec<String>,
    /// The model's primary key column (writes that join select by it).
    pub pk_column: String,
    /// Related rows selected after the model's columns (`select_related`).
    pub related: Vec<Selected>,
    /// Related rows loaded by one more query each (`prefetch_related`).
    pub prefetch: Vec<Prefetched>,
    /// Columns selected after the model's: the ORDER BY keys of other
    /// tables under DISTINCT (which must be selected, as Django does).
    pub extra_select: Vec<Operand>,
    pub select: Select,
    /// UPDATE/DELETE instead of the SELECT.
    pub write: Option<Write>,
    pub mode: Mode,
    pub filter: Option<Where>,
    pub order: Vec<OrderBy>,
    pub distinct: bool,
    /// `.distinct(fields…)`: PostgreSQL's `DISTINCT ON (…)` (with
    /// `distinct`).
    pub distinct_on: Vec<Operand>,
    /// `.select_for_update(…)`: `FOR UPDATE` on PostgreSQL, nothing on
    /// SQLite.
    pub for_update: Option<ForUpdate>,
    /// `.in_bulk(…)`: the field its map is keyed by.
    pub in_bulk: Option<String>,
    /// `order_by({key})`: the key's expression. The plan is rendered once
    /// per field and direction it can stand for.
    pub runtime_order: Option<Box<syn::Expr>>,
    /// `.union(…)` / `.intersection(…)` / `.difference(…)`: the combined
    /// queries. The plan's `select`, `outputs`, `slice` and `mode` are the
    /// combined rows'; its FROM and filter are unused.
    pub compound: Option<Box<Compound>>,
    pub slice: Slice,
    /// In placeholder order.
    pub bindings: Vec<Binding>,
    /// `get_or_create` / `update_or_create`: this plan is their `get`.
    pub get_or_create: Option<GetOrCreate>,
    /// The annotations, by name (their values are in `outputs` when read).
    pub annotations: Vec<Annotation>,
    /// What a row holds besides (`Select::Model`) or instead of
    /// (`Select::Values`) the model's columns.
    pub outputs: Vec<Output>,
    /// The query aggregates rows into groups (an aggregate annotation):
    /// `GROUP BY` `group_by`, then every selected, ordering and HAVING
    /// expression that is not an aggregate (Django's `get_group_by`).
    pub grouped: bool,
    pub group_by: Vec<Expression>,
    /// Conditions on aggregates (filters after `.annotate(…)`).
    pub having: Option<Where>,
    /// `query!(… as Path)`: the user's struct the row is built as.
    pub row: Option<proc_macro2::TokenStream>,
    /// `.aggregate(…)` over rows that are not the table's: the query whose
    /// rows `outputs` aggregate, as `FROM (…) "subquery"`.
    pub subquery: Option<Box<Plan>>,
    /// How many optional conditions (`field = value?`) the query has: it
    /// is rendered once per combination of them (the variant whose bit `k`
    /// is set has condition `k`).
    pub optional: usize,
}

/// Queries combined by `UNION` / `INTERSECT` / `EXCEPT`, left to right.
#[derive(Debug, Clone)]
pub struct Compound {
    pub first: Plan,
    /// Each next query, the operation that combines it, and `ALL`.
    pub rest: Vec<(crate::query::ast::SetOp, bool, Plan)>,
    /// ORDER BY of the combined rows: the 1-based position of the column,
    /// descending, and whether it can be NULL.
    pub order: Vec<(usize, bool, bool)>,
}

/// `FOR [NO KEY] UPDATE [OF …] [NOWAIT | SKIP LOCKED]`.
#[derive(Debug, Clone)]
pub struct ForUpdate {
    pub no_key: bool,
    pub nowait: bool,
    pub skip_locked: bool,
    /// The aliases of the tables locked (empty: every table).
    pub of: Vec<String>,
}

/// What the connection running a query must be (`dunder::needs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Anywhere,
    PostgresOnly,
    InTransaction,
}

/// The statements of a `get_or_create` / `update_or_create` after its `get`.
#[derive(Debug, Clone)]
pub struct GetOrCreatePlans {
    /// `INSERT … ON CONFLICT DO NOTHING RETURNING …`.
    pub insert: Plan,
    /// The same INSERT without `ON CONFLICT`.
    pub insert_strict: Plan,
    /// `UPDATE … WHERE <pk> = $n AND <lookups> RETURNING …`, the primary key
    /// bound after every other parameter.
    pub update: Option<Plan>,
}

/// The alias of the subquery an aggregate over a query reads.
pub const SUBQUERY: &str = "subquery";

impl Plan {
    /// Splits an `.aggregate(…)` plan (its `outputs`, resolved against the
    /// query) into the query's rows as a subquery, selecting every column
    /// and annotation the aggregates read, and the aggregates over them.
    /// `rows`: what the query selected (and its values) before.
    pub fn over_subquery(mut self, rows: Option<(Select, Vec<Output>)>) -> Plan {
        let Some((select, row_outputs)) = rows else {
            return self;
        };
        let mut inner = row_outputs;
        let mut outer = std::mem::take(&mut self.outputs);
        for o in &mut outer {
            lift(&mut o.expr, &mut inner);
        }
        let bindings = std::mem::take(&mut self.bindings);
        let row = self.row.take();
        let runtime_order = self.runtime_order.take();
        let mode = self.mode;
        self.select = match select {
            Select::Values(_) => Select::Values(Shape::Struct),
            _ => Select::Model,
        };
        self.outputs = inner;
        self.mode = Mode::All;
        Plan {
            from: From::single(SUBQUERY),
            columns: Vec::new(),
            pk_column: String::new(),
            related: Vec::new(),
            prefetch: Vec::new(),
            extra_select: Vec::new(),
            select: Select::Values(Shape::Struct),
            write: None,
            mode,
            filter: None,
            order: Vec::new(),
            distinct: false,
            distinct_on: Vec::new(),
            for_update: None,
            in_bulk: None,
            runtime_order,
            compound: None,
            slice: Slice::default(),
            bindings,
            get_or_create: None,
            annotations: Vec::new(),
            outputs: outer,
            grouped: false,
            group_by: Vec::new(),
            having: None,
            row,
            optional: self.optional,
            subquery: Some(Box::new(self)),
        }
    }

    /// What the connection that runs this plan must be.
    pub fn needs(&self) -> Needs {
        if !self.distinct_on.is_empty() {
            Needs::PostgresOnly
        } else if self.for_update.is_some() {
            Needs::InTransaction
        } else {
            Needs::Anywhere
        }
    }

    /// `.aggregate(…)`: one row of aggregates over every row.
    pub fn grouped_aggregate(&self) -> bool {
        !self.grouped
            && !self.outputs.is_empty()
            && self
                .outputs
                .iter()
                .all(|o| o.expr.is_aggregate(&self.annotations))
    }

    /// The statements that follow this plan's `get` when it is a
    /// `get_or_create` / `update_or_create`.
    pub fn get_or_create_plans(&self) -> Option<GetOrCreatePlans> {
        let g = self.get_or_create.as_ref()?;
        let write = |w: Write, filter: Option<Where>| Plan {
            write: Some(w),
            filter,
            order: Vec::new(),
            distinct: false,
            distinct_on: Vec::new(),
            for_update: None,
            in_bulk: None,
            runtime_order: None,
            compound: None,
            slice: Slice::default(),
            get_or_create: None,
            ..self.clone()
        };
        let pk_param = self
            .bindings
            .iter()
            .map(Binding::param_count)
            .sum::<usize>()
            + 1;
        let update = (!g.update.is_empty()).then(|| {
            let pk = Where::pk(Col::new(&self.from.base().alias, &g.pk.0), g.pk.1, pk_param);
            let filter = match self.filter.clone() {
                Some(Where::And(mut items)) => {
                    items.insert(0, pk);
                    Where::And(items)
                }
                Some(w) => Where::And(vec![pk, w]),
                None => pk,
            };
            write(Write::UpdateReturning(g.update.clone()), Some(filter))
        });
        Some(GetOrCreatePlans {
            insert: write(
                Write::InsertIfAbsent(g.insert.clone(), Fill::default()),
                None,
            ),
            insert_strict: write(Write::Create(g.insert.clone(), Fill::default()), None),
            update,
        })
    }

    /// Says where each column of a created row comes from (its
    /// [`Fill`]), from the INSERT's assignments as they are numbered now
    /// (after [`renumber`](Plan::renumber)).
    pub fn fill_created(&mut self, fields: &[crate::schema::FieldSchema]) {
        if let Some(Write::Create(a, fill) | Write::InsertIfAbsent(a, fill)) = &mut self.write {
            *fill = Fill::of_assignments(fields, a);
        }
    }

    /// Numbers the placeholders the statement uses 1, 2, 3 … in their
    /// order, so that every statement stands alone (a placeholder it skips
    /// would have a type the server must guess). Returns the old numbers,
    /// in the new order: the new `$i` is the old `returned[i - 1]`.
    pub fn renumber(&mut self) -> Vec<usize> {
        fn set<'a>(e: &'a mut Expression, out: &mut Out<'a, '_>) {
            match e {
                Expression::Param(n, _) => out.params.push(n),
                Expression::Column(op) if op.col.alias == ANNOTATION => {
                    out.annotations.push(op.col.column.clone());
                }
                Expression::Null | Expression::Column(_) => {}
                Expression::Binary(l, _, r) => {
                    set(l, out);
                    set(r, out);
                }
                Expression::Neg(x) => set(x, out),
                Expression::Aggregate(a) => {
                    if let Some(x) = &mut a.arg {
                        set(x, out);
                    }
                    if let Some(w) = &mut a.filter {
                        cond(w, out);
                    }
                    if let Some(x) = &mut a.default {
                        set(x, out);
                    }
                }
                Expression::Query(p, _) => plan(p, out.params),
                Expression::Func(f) => {
                    let (es, ws) = f.parts_mut();
                    for w in ws {
                        cond(w, out);
                    }
                    for e in es {
                        set(e, out);
                    }
                }
            }
        }
        fn cond<'a>(w: &'a mut Where, out: &mut Out<'a, '_>) {
            match w {
                Where::Leaf(l) => {
                    if l.lhs.col.alias == ANNOTATION {
                        out.annotations.push(l.lhs.col.column.clone());
                    }
                    out.params.extend(l.params.iter_mut().map(|p| &mut p.0));
                    if let Some(e) = &mut l.rhs {
                        set(e, out);
                    }
                }
                Where::And(items) | Where::Or(items) => items.iter_mut().for_each(|i| cond(i, out)),
                Where::Not(inner) => cond(inner, out),
                Where::In(sub) => {
                    if let Some(w) = &mut sub.filter {
                        cond(w, out)
                    }
                }
                Where::Query(q) => {
                    if let Some(lhs) = q.lhs.as_ref().filter(|l| l.col.alias == ANNOTATION) {
                        out.annotations.push(lhs.col.column.clone());
                    }
                    plan(&mut q.query, out.params)
                }
            }
        }
        /// The placeholders found, and the annotations read (by name) in
        /// the plan being walked.
        struct Out<'a, 'b> {
            params: &'b mut Vec<&'a mut usize>,
            annotations: Vec<String>,
        }
        fn plan<'a>(p: &'a mut Plan, params: &mut Vec<&'a mut usize>) {
            let refs = &mut Out {
                params,
                annotations: Vec::new(),
            };
            for v in [&mut p.slice.limit, &mut p.slice.offset]
                .into_iter()
                .flatten()
            {
                if let SliceValue::Param(n) = v {
                    refs.params.push(n);
                }
            }
            if let Some(
                Write::Update(a)
                | Write::UpdateReturning(a)
                | Write::InsertIfAbsent(a, _)
                | Write::Create(a, _),
            ) = &mut p.write
            {
                a.iter_mut().for_each(|a| set(&mut a.value, refs));
            }
            for w in [&mut p.filter, &mut p.having].into_iter().flatten() {
                cond(w, refs);
            }
            for o in &mut p.outputs {
                set(&mut o.expr, refs);
            }
            for e in &mut p.group_by {
                set(e, refs);
            }
            for o in &mut p.order {
                if o.operand.col.alias == ANNOTATION {
                    refs.annotations.push(o.operand.col.column.clone());
                }
            }
            // An annotation's placeholders are the statement's only where
            // it is read (it is inlined there): `annotate(a = F(x) + 1)
            // .values(pk)` binds nothing. One reads only those before it,
            // so walking them backwards finds every one read.
            for a in p.annotations.iter_mut().rev() {
                if refs.annotations.contains(&a.name) {
                    set(&mut a.expr, refs);
                }
            }
            if let Some(sub) = &mut p.subquery {
                plan(sub, refs.params);
            }
            if let Some(c) = &mut p.compound {
                plan(&mut c.first, refs.params);
                for (_, _, part) in &mut c.rest {
                    plan(part, refs.params);
                }
            }
        }
        let mut refs: Vec<&mut usize> = Vec::new();
        plan(self, &mut refs);
        let mut used: Vec<usize> = refs.iter().map(|n| **n).collect();
        used.sort_unstable();
        used.dedup();
        for n in refs {
            *n = used.binary_search(n).map(|i| i + 1).unwrap_or(*n);
        }
        used
    }
}

/// Moves the columns an expression reads into the subquery's SELECT list
/// (`inner`), reading them there instead: an annotation by its name,
/// another column (with its transforms) as `__col<n>`.
fn lift(e: &mut Expression, inner: &mut Vec<Output>) {
    match e {
        Expression::Column(op) => {
            let name = if op.col.alias == ANNOTATION {
                op.col.column.clone()
            } else {
                match inner.iter().find(|o| {
                    matches!(&o.expr, Expression::Column(x) if x.col == op.col && x.transforms == op.transforms)
                }) {
                    Some(o) => o.name.clone(),
                    None => format!("__col{}", inner.len() + 1),
                }
            };
            if !inner.iter().any(|o| o.name == name) {
                inner.push(Output {
                    name: name.clone(),
                    expr: Expression::Column(op.clone()),
                    kind: op.kind(),
                    nullable: op.nullable,
                    alias: true,
                    span: proc_macro2::Span::call_site(),
                    decimal: None,
                });
            }
            *op = Operand {
                col: Col::new(SUBQUERY, &name),
                column_kind: op.kind(),
                nullable: op.nullable,
                transforms: Vec::new(),
            };
        }
        Expression::Binary(l, _, r) => {
            lift(l, inner);
            lift(r, inner);
        }
        Expression::Neg(x) => lift(x, inner),
        Expression::Aggregate(a) => {
            if let Some(x) = &mut a.arg {
                lift(x, inner);
            }
            if let Some(w) = &mut a.filter {
                lift_where(w, inner);
            }
            if let Some(x) = &mut a.default {
                lift(x, inner);
            }
        }
        Expression::Func(f) => {
            let (es, ws) = f.parts_mut();
            for w in ws {
                lift_where(w, inner);
            }
            for e in es {
                lift(e, inner);
            }
        }
        Expression::Param(..) | Expression::Null | Expression::Query(..) => {}
    }
}

fn lift_where(w: &mut Where, inner: &mut Vec<Output>) {
    match w {
        Where::Leaf(l) => {
            let mut lhs = Expression::Column(l.lhs.clone());
            lift(&mut lhs, inner);
            if let Expression::Column(op) = lhs {
                // The transforms were applied inside; the lookup's own stay.
                l.lhs = op;
            }
            if let Some(r) = &mut l.rhs {
                lift(r, inner);
            }
        }
        Where::And(items) | Where::Or(items) => items.iter_mut().for_each(|i| lift_where(i, inner)),
        Where::Not(x) => lift_where(x, inner),
        Where::In(_) | Where::Query(_) => {}
    }
}

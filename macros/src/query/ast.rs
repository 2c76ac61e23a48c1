//! What the user wrote, before it is checked against the schema.

use proc_macro2::Span;

/// A `__`-separated name part (`published_date`, `year`, `gte`) with its span.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub span: Span,
}

/// One `field__…__lookup = value`.
#[derive(Debug, Clone)]
pub struct LeafAst {
    pub parts: Vec<Part>,
    pub value: syn::Expr,
}

/// `query!(Model …)` inside a query: a subquery, resolved against its own
/// model (whose schema is fetched like a related model's).
#[derive(Debug, Clone)]
pub struct SubqueryAst {
    pub model: syn::Path,
    pub ast: QueryAst,
    pub span: Span,
}

/// A condition: a leaf or Q algebra.
#[derive(Debug, Clone)]
pub enum Cond {
    Leaf(LeafAst),
    /// `Exists(query!(…))`: the subquery has a row.
    Exists(Box<SubqueryAst>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

/// A key of `order_by`.
#[derive(Debug, Clone)]
pub struct OrderKey {
    pub desc: bool,
    pub parts: Vec<Part>,
    /// `{expr}`: a key chosen at run time (an `Order<ModelField>`); `parts`
    /// is empty until a variant of the query substitutes a field.
    pub runtime: Option<Box<syn::Expr>>,
}

/// `.select_for_update(nowait = …, skip_locked = …, no_key = …, of = (…))`.
#[derive(Debug, Clone)]
pub struct ForUpdateAst {
    pub nowait: bool,
    pub skip_locked: bool,
    pub no_key: bool,
    /// `of = (self, author)`: the tables locked (`None`: every table).
    pub of: Option<Vec<Vec<Part>>>,
    pub span: Span,
}

/// A slice bound: a literal (rendered inline) or a Rust expression (bound).
#[derive(Debug, Clone)]
pub enum Bound {
    Lit(u64),
    Expr(Box<syn::Expr>),
}

#[derive(Debug, Clone)]
pub struct SliceAst {
    pub start: Option<Bound>,
    pub stop: Option<Bound>,
    pub span: Span,
}

/// `field = value` of `.update(…)`.
#[derive(Debug, Clone)]
pub struct Assign {
    pub field: Part,
    pub value: syn::Expr,
}

/// `name = expression` of `.annotate(…)`, `.aggregate(…)` or `.values(…)`.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: Part,
    pub value: syn::Expr,
}

/// One item of `.values(…)` / `.values_list(…)`: a field path (`title`,
/// `author__name`, `published_date__year`, an annotation's name) or a
/// named expression (`author_name = F(author__name)`).
#[derive(Debug, Clone)]
pub enum ValuesItem {
    Path(Vec<Part>),
    Named(Named),
}

/// What a row of `.values(…)` / `.values_list(…)` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `.values(…)`: a struct with a field per item.
    Struct,
    /// `.values_list(…)`: a tuple.
    Tuple,
    /// `.values_list(x, flat = true)`: the value itself.
    Flat,
}

#[derive(Debug, Clone)]
pub enum TerminalAst {
    Count(Span),
    /// `.aggregate(name = Count(…), …)`: one row.
    Aggregate(Vec<Named>, Span),
    Exists(Span),
    First(Span),
    /// `.last()`: the first row of the reversed order.
    Last(Span),
    /// `.earliest(keys…)` / `.latest(keys…)`: ordered by the keys (latest:
    /// reversed), the first row, `NotFound` when there is none.
    Earliest {
        latest: bool,
        keys: Vec<OrderKey>,
        span: Span,
    },
    Get(Vec<Cond>, Span),
    /// `.in_bulk(ids, field_name = f)` / `.in_bulk()`: rows by key.
    InBulk {
        ids: Option<Box<syn::Expr>>,
        field: Option<Part>,
        span: Span,
    },
    Update(Vec<Assign>, Span),
    Delete(Span),
    Create(Vec<Assign>, Span),
    GetOrCreate(Box<GetOrCreateAst>),
}

/// `get_or_create(lookups…, defaults(…))` or
/// `update_or_create(lookups…, defaults(…), create_defaults(…))`.
#[derive(Debug, Clone)]
pub struct GetOrCreateAst {
    /// `update_or_create` rather than `get_or_create`.
    pub update: bool,
    pub lookups: Vec<Cond>,
    pub defaults: Vec<Assign>,
    /// `create_defaults(…)` (`update_or_create` only): what a created row
    /// gets instead of `defaults`.
    pub create_defaults: Option<Vec<Assign>>,
    pub span: Span,
}

/// The set operations of `.union`, `.intersection`, `.difference`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    Union,
    Intersection,
    Difference,
}

#[derive(Debug, Clone)]
pub enum Op {
    /// `.filter(…)` (`negate: false`) or `.exclude(…)` (`negate: true`).
    Filter {
        negate: bool,
        conds: Vec<Cond>,
        span: Span,
    },
    OrderBy(Vec<OrderKey>, Span),
    /// `.select_related(a, b__c)` (`prefetch: false`) or
    /// `.prefetch_related(…)` (`prefetch: true`): relation paths.
    Related {
        prefetch: bool,
        paths: Vec<Vec<Part>>,
        span: Span,
    },
    /// `.distinct()`, or `.distinct(field, …)` (PostgreSQL's DISTINCT ON).
    Distinct {
        fields: Vec<Vec<Part>>,
        span: Span,
    },
    /// `.select_for_update(…)`.
    ForUpdate(ForUpdateAst),
    /// `.union(query!(…), …, all = true)`, `.intersection(…)`,
    /// `.difference(…)`: the rows of the query so far combined with the
    /// others'.
    Combine {
        op: SetOp,
        parts: Vec<SubqueryAst>,
        all: bool,
        span: Span,
    },
    /// `.reverse()`: the order (and `first`/`last`) reversed.
    Reverse(Span),
    /// `.all()`: the query as it is.
    All(Span),
    /// `.none()`: no row (`WHERE 1 = 0`).
    None(Span),
    /// `.values(…)` / `.values_list(…)`.
    Values {
        shape: Shape,
        items: Vec<ValuesItem>,
        span: Span,
    },
    /// `.annotate(name = expression, …)`.
    Annotate(Vec<Named>, Span),
    Slice(SliceAst),
    Terminal(TerminalAst),
}

/// A whole `query!`.
#[derive(Debug, Clone)]
pub struct QueryAst {
    pub ops: Vec<Op>,
    /// `query!(… as Path)`: the struct the rows are built as.
    pub row: Option<syn::Path>,
}

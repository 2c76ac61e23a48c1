//! The validated plan: what the SQL renderer and the code generator read.
//! Nothing here refers to user syntax except the value expressions to bind.

use crate::schema::FieldKind;

/// The type of a value in SQL: a column's kind, or what a transform yields.
pub type Kind = FieldKind;

/// A transform (`__year`, `__date`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Date,
    Time,
    Year,
    IsoYear,
    Month,
    Day,
    Week,
    WeekDay,
    IsoWeekDay,
    Quarter,
    Hour,
    Minute,
    Second,
}

/// A column with the transforms applied to it, left to right.
#[derive(Debug, Clone)]
pub struct Operand {
    pub column: String,
    /// The column's own kind.
    pub column_kind: Kind,
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
    pub fn output(self) -> Kind {
        match self {
            Transform::Date => Kind::Date,
            Transform::Time => Kind::Time,
            _ => Kind::I32,
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

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Exact,
    IExact,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    In,
    Gt,
    Gte,
    Lt,
    Lte,
    Range,
    IsNull(bool),
    Regex,
    IRegex,
}

/// One condition of the WHERE clause.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub lhs: Operand,
    pub lookup: Lookup,
    /// The placeholders it compares with (1-based), and their SQL kind.
    pub params: Vec<(usize, Kind)>,
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
}

/// An ORDER BY key.
#[derive(Debug, Clone)]
pub struct OrderBy {
    pub column: String,
    pub nullable: bool,
    pub desc: bool,
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

/// The value an UPDATE sets a column to.
#[derive(Debug, Clone)]
pub enum SetExpr {
    /// A bound value: placeholder and SQL kind.
    Param(usize, Kind),
    /// `NULL`.
    Null,
    /// `F(field)`: another column of the row.
    Column(String),
    /// `lhs op rhs`, op one of `+ - * /`.
    Binary(Box<SetExpr>, char, Box<SetExpr>),
    /// `-x`.
    Neg(Box<SetExpr>),
}

/// `column = value` of an UPDATE.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub column: String,
    pub value: SetExpr,
}

/// What a SELECT selects, and so what a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// Every column of the model, in field order: the row is the model.
    Model,
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
        }
    }
}

/// An UPDATE or a DELETE.
#[derive(Debug, Clone)]
pub enum Write {
    Update(Vec<Assignment>),
    Delete,
    /// `INSERT … RETURNING` every column: the assignments in field order.
    Insert(Vec<Assignment>),
}

/// A validated query.
#[derive(Debug, Clone)]
pub struct Plan {
    pub table: String,
    /// Every column of the model, in field order.
    pub columns: Vec<String>,
    pub select: Select,
    /// UPDATE/DELETE instead of the SELECT.
    pub write: Option<Write>,
    pub mode: Mode,
    pub filter: Option<Where>,
    pub order: Vec<OrderBy>,
    pub distinct: bool,
    pub slice: Slice,
    /// In placeholder order.
    pub bindings: Vec<Binding>,
}

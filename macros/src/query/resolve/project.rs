//! What a row holds besides the model's columns: `.annotate(…)`,
//! `.values(…)` / `.values_list(…)` and `.aggregate(…)`, with their
//! expressions (`F(…)`, arithmetic, `Count`, `Sum`, `Avg`, `Min`, `Max`)
//! typed at compile time.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Lit};

use super::write::{is_numeric, Scope};
use super::Resolver;
use crate::plan::*;
use crate::query::ast::*;
use crate::schema::unraw;

/// An expression with what it yields.
pub(super) struct Typed {
    pub expr: Expression,
    pub kind: Kind,
    pub nullable: bool,
    pub aggregate: bool,
}

/// A side of arithmetic before its kind is known: a Rust value takes the
/// kind of the column or aggregate beside it.
enum Side<'e> {
    Typed(Typed),
    Value(&'e Expr),
}

const FUNCTIONS: &str = "`F(field)`, `Value`, `Count`, `Sum`, `Avg`, `Min`, `Max`, `StdDev`, `Variance`, `Lower`, `Upper`, `Length`, `Concat`, `Coalesce`, `Cast`, `Case(When(…))`, `Exists(query!(…))`, `Subquery(query!(…))`";

/// The database functions (Django's `django.db.models.functions` that both
/// backends compute alike).
const FUNCS: &[&str] = &[
    "Value", "Lower", "Upper", "Length", "Concat", "Coalesce", "Cast", "Case", "When",
];

/// The kind of a Rust literal, for a value with no column beside it.
fn literal_kind(e: &Expr) -> Option<Kind> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(_) => Some(Kind::Text),
            Lit::Int(i) => Some(match i.suffix() {
                "i16" => Kind::I16,
                "i32" => Kind::I32,
                _ => Kind::I64,
            }),
            Lit::Float(f) => Some(if f.suffix() == "f32" {
                Kind::F32
            } else {
                Kind::F64
            }),
            Lit::Bool(_) => Some(Kind::Bool),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => literal_kind(&u.expr),
        Expr::Paren(p) => literal_kind(&p.expr),
        Expr::Reference(r) => literal_kind(&r.expr),
        _ => None,
    }
}

/// Why `Cast` from `from` to `to` is refused: the casts SQLite and
/// PostgreSQL answer alike are allowed, the others say why not.
fn cast_refused(from: Kind, to: Kind) -> Option<&'static str> {
    let int = |k: Kind| matches!(k, Kind::I16 | Kind::I32 | Kind::I64 | Kind::ForeignKey);
    if from == to || (int(from) && (is_number(to) || to == Kind::Text)) {
        return None;
    }
    Some(match from {
        Kind::F32 | Kind::F64 if is_float(to) => return None,
        Kind::F32 | Kind::F64 | Kind::Decimal if int(to) => {
            "gives different answers on SQLite and PostgreSQL (truncation against rounding)"
        }
        Kind::Decimal if is_float(to) => return None,
        Kind::F32 | Kind::F64 | Kind::Decimal if to == Kind::Text => {
            "gives different answers on SQLite and PostgreSQL (each writes numbers its own way: `10000000000` against `10000000000.0`, `1.50` against `1.5`)"
        }
        Kind::Text => {
            "gives different answers on SQLite and PostgreSQL (lenient against strict parsing)"
        }
        Kind::Bool if to == Kind::I32 => return None,
        Kind::Bool if to == Kind::Text => {
            "gives different answers on SQLite and PostgreSQL (`1` against `true`)"
        }
        Kind::Bool if int(to) => {
            "is refused by PostgreSQL (it casts a boolean to `int4` only: use `i32`)"
        }
        Kind::Date | Kind::Time | Kind::DateTime | Kind::DateTimeUtc if to == Kind::Text => {
            "gives different answers on SQLite and PostgreSQL (each writes fractions of seconds, years before 1000 and time zones its own way)"
        }
        _ => "is not a cast both SQLite and PostgreSQL make",
    })
}

/// The Rust type `Cast(x, ty)` names.
fn cast_kind(ty: &Expr) -> Option<Kind> {
    let Expr::Path(p) = ty else {
        return None;
    };
    let name = p.path.segments.last()?.ident.to_string();
    Some(match name.as_str() {
        "i16" => Kind::I16,
        "i32" => Kind::I32,
        "i64" => Kind::I64,
        "f32" => Kind::F32,
        "f64" => Kind::F64,
        "String" => Kind::Text,
        _ => return None,
    })
}

impl<'s> Resolver<'s> {
    /// Resolves with the joins of annotations: shared with every earlier
    /// join, never split into a subquery.
    pub(super) fn annotating<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let was = std::mem::replace(&mut self.annotating, true);
        let out = f(self);
        self.annotating = was;
        out
    }

    /// `name = expression` of `.annotate(…)` / `.values(…)`: checked against
    /// the model's fields and the other annotations.
    pub(super) fn annotation(&mut self, n: &Named) -> syn::Result<Typed> {
        let name = &n.name.name;
        let model = &self.schema.name;
        // After `.values(…)` only its names are taken (Django's rule).
        let taken = match &self.values_names {
            Some(names) => names.contains(name),
            None => {
                self.schema.field(name).is_some()
                    || self.schema.link(name).is_some()
                    || name == "pk"
            }
        };
        if taken && self.values_names.is_some() {
            return Err(syn::Error::new(
                n.name.span,
                format!("the annotation `{name}` conflicts with `{name}` of the `.values(…)` before it: choose another name"),
            ));
        }
        if taken {
            return Err(syn::Error::new(
                n.name.span,
                format!("the annotation `{name}` conflicts with the field `{model}.{name}`: choose another name"),
            ));
        }
        if self.annotations.iter().any(|a| &a.name == name) {
            return Err(syn::Error::new(
                n.name.span,
                format!("the annotation `{name}` is already defined in this query"),
            ));
        }
        if *name == self.schema.row_field() {
            return Err(syn::Error::new(
                n.name.span,
                format!("`{name}` names the `{model}` in an annotated row: choose another name for the annotation"),
            ));
        }
        self.annotating(|r| r.value_expr(&n.value, false))
    }

    /// Records an annotation and returns the value a row reads of it.
    pub(super) fn annotation_output(&mut self, n: &Named, t: Typed) -> Output {
        self.annotations.push(Annotation {
            name: n.name.name.clone(),
            expr: t.expr,
            kind: t.kind,
            nullable: t.nullable,
        });
        Output {
            name: n.name.name.clone(),
            expr: Expression::Column(Operand {
                col: Col::new(ANNOTATION, &n.name.name),
                column_kind: t.kind,
                nullable: t.nullable,
                transforms: Vec::new(),
            }),
            kind: t.kind,
            nullable: t.nullable,
            alias: true,
            span: n.name.span,
            decimal: None,
        }
    }

    /// The items of `.values(…)` / `.values_list(…)` (every field of the
    /// model when there are none), replacing `outputs`. Returns whether a
    /// named item aggregates.
    pub(super) fn values(&mut self, items: &[ValuesItem], outputs: &mut Vec<Output>) -> bool {
        let mut out: Vec<Output> = Vec::new();
        let mut aggregate = false;
        if items.is_empty() {
            // Django's `values()`: every field, a key by its column's name.
            let base = self.joins.base_alias();
            for f in &self.schema.fields {
                let name = if f.target.is_some() {
                    f.column.clone()
                } else {
                    f.name.clone()
                };
                out.push(Output {
                    name,
                    expr: Expression::Column(Operand {
                        col: Col::new(&base, &f.column),
                        column_kind: f.kind,
                        nullable: f.nullable,
                        transforms: Vec::new(),
                    }),
                    kind: f.kind,
                    nullable: f.nullable,
                    alias: false,
                    span: Span::call_site(),
                    decimal: f.decimal,
                });
            }
        }
        for item in items {
            let o = match item {
                ValuesItem::Path(parts) => self.values_path(parts),
                ValuesItem::Named(n) => self.annotation(n).map(|t| {
                    aggregate |= t.aggregate;
                    self.annotation_output(n, t)
                }),
            };
            match o {
                Ok(o) if out.iter().any(|x| x.name == o.name) => self.errors.push(syn::Error::new(
                    o.span,
                    format!("`{}` is read twice in this `.values(…)`", o.name),
                )),
                Ok(o) => out.push(o),
                Err(e) => self.errors.push(e),
            }
        }
        self.values_names = Some(out.iter().map(|o| o.name.clone()).collect());
        *outputs = out;
        aggregate
    }

    /// The items of `.aggregate(…)`: aggregates only.
    pub(super) fn aggregate_outputs(&mut self, items: &[Named]) -> Vec<Output> {
        let mut out: Vec<Output> = Vec::new();
        for n in items {
            let name = &n.name.name;
            if out.iter().any(|o| &o.name == name) {
                self.errors.push(syn::Error::new(
                    n.name.span,
                    format!("`{name}` is given twice in this `.aggregate(…)`"),
                ));
                continue;
            }
            match self.annotating(|r| r.value_expr(&n.value, false)) {
                Ok(t) if !t.aggregate => self.errors.push(syn::Error::new(
                    n.value.span(),
                    format!("`{name}` is not an aggregate: `.aggregate(…)` computes one value over every row, with `Count`, `Sum`, `Avg`, `Min` or `Max`"),
                )),
                Ok(t) => out.push(Output {
                    name: name.clone(),
                    expr: t.expr,
                    kind: t.kind,
                    nullable: t.nullable,
                    alias: true,
                    span: n.name.span,
                    decimal: None,
                }),
                Err(e) => self.errors.push(e),
            }
        }
        out
    }

    /// A `.values(…)` path: a field (through relations, with transforms) or
    /// an annotation's name.
    pub(super) fn values_path(&mut self, parts: &[Part]) -> syn::Result<Output> {
        let name = parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("__");
        let span = parts
            .first()
            .map(|p| p.span)
            .unwrap_or_else(Span::call_site);
        let ident = syn::Ident::new_raw(&name, span);
        let operand = self.annotating(|r| {
            r.f_operand(
                &ident,
                Scope::Filter {
                    group: None,
                    negated: false,
                },
            )
        })?;
        let alias = operand.col.alias == ANNOTATION;
        Ok(Output {
            name,
            kind: operand.kind(),
            nullable: operand.nullable,
            decimal: self.column_decimal(&operand),
            expr: Expression::Column(operand),
            alias,
            span,
        })
    }

    /// The `(max_digits, decimal_places)` of the decimal field whose column
    /// `op` reads as it is (no transform), from the schema of its table.
    fn column_decimal(&self, op: &Operand) -> Option<(u16, u16)> {
        if op.kind() != Kind::Decimal || !op.transforms.is_empty() || op.col.alias == ANNOTATION {
            return None;
        }
        let table = &self
            .joins
            .from
            .tables
            .iter()
            .find(|t| t.alias == op.col.alias)?
            .table;
        std::iter::once(&self.schemas.root)
            .chain(self.schemas.related.iter().map(|(_, s)| s))
            .filter(|s| &s.table == table)
            .find_map(|s| s.fields.iter().find(|f| f.column == op.col.column))?
            .decimal
    }

    /// An expression of an annotation or an aggregate.
    fn value_expr(&mut self, e: &Expr, in_aggregate: bool) -> syn::Result<Typed> {
        match self.side(e, in_aggregate)? {
            Side::Typed(t) => Ok(t),
            Side::Value(v) => Err(syn::Error::new(
                v.span(),
                format!("an annotation is computed by the database: use {FUNCTIONS}, e.g. `F(rating) * 2` or `Count(tags)`; a Rust value alone has no column to go with"),
            )),
        }
    }

    fn side<'e>(&mut self, e: &'e Expr, in_aggregate: bool) -> syn::Result<Side<'e>> {
        match e {
            Expr::Paren(p) => self.side(&p.expr, in_aggregate),
            Expr::Group(g) => self.side(&g.expr, in_aggregate),
            Expr::Call(c) => {
                let Some(func) = call_name(c) else {
                    return Ok(Side::Value(e));
                };
                if func == "F" {
                    return self.f(c).map(Side::Typed);
                }
                if func == "OuterRef" {
                    let operand = self.outer_ref(c)?;
                    return Ok(Side::Typed(Typed {
                        kind: operand.kind(),
                        nullable: operand.nullable,
                        aggregate: false,
                        expr: Expression::Column(operand),
                    }));
                }
                if func == "Exists" || func == "Subquery" {
                    let sub = match (
                        c.args.len(),
                        c.args.first().and_then(crate::query::parse::subquery),
                    ) {
                        (1, Some(sub)) => sub?,
                        _ => {
                            return Err(syn::Error::new(
                                c.span(),
                                format!(
                                "`{func}(…)` takes a subquery: `{func}(query!(Model.filter(…)…))`"
                            ),
                            ))
                        }
                    };
                    if func == "Exists" {
                        let query = self.exists(&sub)?;
                        return Ok(Side::Typed(Typed {
                            expr: Expression::Query(Box::new(query), true),
                            kind: Kind::Bool,
                            nullable: false,
                            aggregate: false,
                        }));
                    }
                    let (plan, kind, _) = self.one_column(&sub)?;
                    // No row is NULL, whatever the column.
                    return Ok(Side::Typed(Typed {
                        expr: Expression::Query(Box::new(plan), false),
                        kind,
                        nullable: true,
                        aggregate: false,
                    }));
                }
                if let Some(f) = AggregateFn::find(&func) {
                    return self.aggregate(f, c, in_aggregate).map(Side::Typed);
                }
                if FUNCS.contains(&func.as_str()) {
                    return self.func(&func, c, in_aggregate).map(Side::Typed);
                }
                if func.chars().next().is_some_and(|ch| ch.is_uppercase()) {
                    return Err(syn::Error::new(
                        c.func.span(),
                        format!("`{func}(…)` is not an expression dunder knows: use {FUNCTIONS}"),
                    ));
                }
                Ok(Side::Value(e))
            }
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
                match self.side(&u.expr, in_aggregate)? {
                    Side::Typed(t) => {
                        if !is_numeric(t.kind) {
                            return Err(syn::Error::new(
                                u.op.span(),
                                format!("`-` needs a number; this is `{}`", t.kind.rust_name()),
                            ));
                        }
                        Ok(Side::Typed(Typed {
                            expr: Expression::Neg(Box::new(t.expr)),
                            ..t
                        }))
                    }
                    Side::Value(_) => Ok(Side::Value(e)),
                }
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
                            "an annotation computes with `+`, `-`, `*` and `/`",
                        ))
                    }
                };
                let l = self.side(&b.left, in_aggregate)?;
                let r = self.side(&b.right, in_aggregate)?;
                let (l, r) = match (l, r) {
                    (Side::Value(_), Side::Value(_)) => return Ok(Side::Value(e)),
                    (Side::Typed(l), Side::Value(v)) => {
                        let r = self.bound(v, l.kind);
                        (l, r)
                    }
                    (Side::Value(v), Side::Typed(r)) => {
                        let l = self.bound(v, r.kind);
                        (l, r)
                    }
                    (Side::Typed(l), Side::Typed(r)) => (l, r),
                };
                for t in [&l, &r] {
                    if !is_number(t.kind) {
                        return Err(syn::Error::new(
                            b.op.span(),
                            format!(
                                "arithmetic needs numbers: one side is `{}`",
                                t.kind.rust_name()
                            ),
                        ));
                    }
                }
                let float = |k: Kind| matches!(k, Kind::F32 | Kind::F64);
                if (l.kind == Kind::Decimal && float(r.kind))
                    || (float(l.kind) && r.kind == Kind::Decimal)
                {
                    return Err(syn::Error::new(
                        b.op.span(),
                        format!(
                            "`{op}` of a `Decimal` and a float: the result would be neither exact nor a float (Django refuses it too: \"Cannot infer type of '{op}' expression involving these types\"); use a `Decimal` value, or an integer"
                        ),
                    ));
                }
                Ok(Side::Typed(Typed {
                    kind: combine(l.kind, r.kind),
                    nullable: l.nullable || r.nullable,
                    aggregate: l.aggregate || r.aggregate,
                    expr: Expression::Binary(Box::new(l.expr), op, Box::new(r.expr)),
                }))
            }
            _ => Ok(Side::Value(e)),
        }
    }

    /// `Lower(x)`, `Coalesce(a, b)`, `Case(When(cond, then = v), default = d)`, …
    fn func(&mut self, name: &str, c: &syn::ExprCall, in_aggregate: bool) -> syn::Result<Typed> {
        let args: Vec<&Expr> = c.args.iter().collect();
        let one = |r: &mut Self| -> syn::Result<Typed> {
            match args.as_slice() {
                [x] => r.value_expr(x, in_aggregate),
                _ => Err(syn::Error::new(
                    c.span(),
                    format!("`{name}(…)` takes one expression"),
                )),
            }
        };
        let text = |t: &Typed, span: proc_macro2::Span| -> syn::Result<()> {
            if t.kind == Kind::Text {
                Ok(())
            } else {
                Err(syn::Error::new(
                    span,
                    format!("`{name}(…)` takes text; this is `{}`", t.kind.rust_name()),
                ))
            }
        };
        let func = |f: Func, kind: Kind, nullable: bool, aggregate: bool| Typed {
            expr: Expression::Func(Box::new(f)),
            kind,
            nullable,
            aggregate,
        };
        match name {
            "Value" => {
                let [v] = args.as_slice() else {
                    return Err(syn::Error::new(c.span(), "`Value(…)` takes one Rust value"));
                };
                let Some(kind) = literal_kind(v) else {
                    return Err(syn::Error::new(
                        v.span(),
                        "`Value(…)` takes a literal (`\"text\"`, `1`, `2.5`, `true`): a value beside a column takes the column's type without `Value`",
                    ));
                };
                Ok(self.bound(v, kind))
            }
            "Lower" | "Upper" | "Length" => {
                let x = one(self)?;
                text(&x, c.span())?;
                let (nullable, aggregate) = (x.nullable, x.aggregate);
                Ok(match name {
                    "Lower" => func(Func::Lower(x.expr), Kind::Text, nullable, aggregate),
                    "Upper" => func(Func::Upper(x.expr), Kind::Text, nullable, aggregate),
                    _ => func(Func::Length(x.expr), Kind::I32, nullable, aggregate),
                })
            }
            "Concat" | "Coalesce" => {
                if args.len() < 2 {
                    return Err(syn::Error::new(
                        c.span(),
                        format!("`{name}(…)` takes two expressions or more"),
                    ));
                }
                let sides: Vec<Side<'_>> = args
                    .iter()
                    .map(|a| self.side(a, in_aggregate))
                    .collect::<syn::Result<_>>()?;
                let kind = match name {
                    "Concat" => Kind::Text,
                    _ => sides
                        .iter()
                        .find_map(|s| match s {
                            Side::Typed(t) => Some(t.kind),
                            Side::Value(v) => literal_kind(v),
                        })
                        .ok_or_else(|| {
                            syn::Error::new(c.span(), "`Coalesce(…)` needs a column to know its type")
                        })?,
                };
                let mut items = Vec::new();
                for s in sides {
                    let t = match s {
                        Side::Typed(t) => t,
                        Side::Value(v) => self.bound(v, kind.value_kind()),
                    };
                    let fits = t.kind.value_kind() == kind.value_kind()
                        || (name == "Coalesce" && is_number(t.kind) && is_number(kind));
                    if !fits {
                        return Err(syn::Error::new(
                            c.span(),
                            format!(
                                "`{name}(…)` of `{}` and `{}`: its expressions must have one type",
                                kind.rust_name(),
                                t.kind.rust_name()
                            ),
                        ));
                    }
                    items.push(t);
                }
                let kind = one_kind(name, kind, items.iter().map(|t| t.kind), c.span())?;
                let aggregate = items.iter().any(|t| t.aggregate);
                let nullable = name == "Coalesce" && items.iter().all(|t| t.nullable);
                let exprs = items.into_iter().map(|t| t.expr).collect();
                Ok(if name == "Concat" {
                    func(Func::Concat(exprs), Kind::Text, false, aggregate)
                } else {
                    func(Func::Coalesce(exprs), kind, nullable, aggregate)
                })
            }
            "Cast" => {
                let (x, kind) = match args.as_slice() {
                    [x, ty] => (x, cast_kind(ty)),
                    _ => (&args[0], None),
                };
                let Some(kind) = kind.filter(|_| args.len() == 2) else {
                    return Err(syn::Error::new(
                        c.span(),
                        "`Cast(x, type)` takes an expression and one of `i16`, `i32`, `i64`, `f32`, `f64`, `String`",
                    ));
                };
                let x = self.value_expr(x, in_aggregate)?;
                if let Some(why) = cast_refused(x.kind, kind) {
                    return Err(syn::Error::new(
                        c.span(),
                        format!(
                            "`Cast` from `{}` to `{}` {why}: not supported",
                            x.kind.rust_name(),
                            kind.rust_name()
                        ),
                    ));
                }
                Ok(func(Func::Cast(x.expr, kind), kind, x.nullable, x.aggregate))
            }
            "Case" => self.case(c, in_aggregate),
            _ => Err(syn::Error::new(
                c.func.span(),
                "`When(…)` goes inside `Case(…)`: `Case(When(rating__gte = 4, then = \"good\"), default = \"bad\")`",
            )),
        }
    }

    /// `Case(When(conditions…, then = v), …, default = d)`.
    fn case(&mut self, c: &syn::ExprCall, in_aggregate: bool) -> syn::Result<Typed> {
        let mut whens: Vec<(Where, Side<'_>)> = Vec::new();
        let mut default: Option<Side<'_>> = None;
        for a in &c.args {
            match a {
                Expr::Assign(x) if matches!(&*x.left, Expr::Path(p) if p.path.is_ident("default")) =>
                {
                    default = Some(self.side(&x.right, in_aggregate)?);
                }
                Expr::Call(w) if matches!(&*w.func, Expr::Path(p) if p.path.is_ident("When")) => {
                    let mut conds = Vec::new();
                    let mut then = None;
                    for wa in &w.args {
                        match wa {
                            Expr::Assign(x) if matches!(&*x.left, Expr::Path(p) if p.path.is_ident("then")) =>
                            {
                                then = Some(&*x.right);
                            }
                            other => conds.push(crate::query::parse::cond(other)?),
                        }
                    }
                    let Some(then) = then else {
                        return Err(syn::Error::new(
                            w.span(),
                            "`When(…)` needs `then = value` after its conditions",
                        ));
                    };
                    if conds.is_empty() {
                        return Err(syn::Error::new(w.span(), "`When(…)` needs a condition"));
                    }
                    let cond = self
                        .conds(&conds, false)
                        .unwrap_or_else(|| Where::And(Vec::new()));
                    whens.push((cond, self.side(then, in_aggregate)?));
                }
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "`Case(…)` takes `When(conditions…, then = value)`, then `default = value`",
                    ))
                }
            }
        }
        if whens.is_empty() {
            return Err(syn::Error::new(
                c.span(),
                "`Case(…)` needs at least one `When(…)`",
            ));
        }
        let kind = whens
            .iter()
            .map(|(_, s)| s)
            .chain(default.iter())
            .find_map(|s| match s {
                Side::Typed(t) => Some(t.kind),
                Side::Value(v) => literal_kind(v),
            })
            .ok_or_else(|| {
                syn::Error::new(
                    c.span(),
                    "`Case(…)` needs a column or a literal among its values to know its type",
                )
            })?;
        let typed = |r: &mut Self, s: Side<'_>| -> syn::Result<Typed> {
            let t = match s {
                Side::Typed(t) => t,
                // A literal of another kind says so here, not as rustc's
                // "cannot be compared".
                Side::Value(v) => match literal_kind(v) {
                    Some(k) if !(k == kind || is_number(k) && is_number(kind)) => Typed {
                        expr: Expression::Null,
                        kind: k,
                        nullable: true,
                        aggregate: false,
                    },
                    _ => r.bound(v, kind.value_kind()),
                },
            };
            if t.kind.value_kind() != kind.value_kind() && !(is_number(t.kind) && is_number(kind)) {
                return Err(syn::Error::new(
                    c.span(),
                    format!(
                        "`Case(…)` values of `{}` and `{}`: they must have one type",
                        kind.rust_name(),
                        t.kind.rust_name()
                    ),
                ));
            }
            Ok(t)
        };
        let mut out = Vec::new();
        let mut kinds = Vec::new();
        let mut nullable = default.is_none();
        let mut aggregate = false;
        for (w, s) in whens {
            let t = typed(self, s)?;
            nullable |= t.nullable;
            aggregate |= t.aggregate;
            kinds.push(t.kind);
            out.push((w, t.expr));
        }
        let default = match default {
            Some(s) => {
                let t = typed(self, s)?;
                nullable |= t.nullable;
                aggregate |= t.aggregate;
                kinds.push(t.kind);
                Some(t.expr)
            }
            None => None,
        };
        let kind = one_kind("Case", kind, kinds.into_iter(), c.span())?;
        Ok(Typed {
            expr: Expression::Func(Box::new(Func::Case {
                whens: out,
                default,
            })),
            kind,
            nullable,
            aggregate,
        })
    }

    /// A Rust value beside a `kind`: a parameter of that kind (a float
    /// literal is an `f64` whatever it is beside, as in Python).
    fn bound(&mut self, v: &Expr, kind: Kind) -> Typed {
        let kind = match literal_kind(v) {
            // `2.5`, `-2.5`, `(2.5)`, `2.5f32`: a float literal has its own type.
            Some(k @ (Kind::F32 | Kind::F64)) => k,
            _ if kind == Kind::ForeignKey => Kind::I64,
            _ => kind,
        };
        let p = self.bind(Binding::Value {
            expr: v.clone(),
            kind,
        });
        Typed {
            expr: Expression::Param(p[0], kind),
            kind,
            nullable: false,
            aggregate: false,
        }
    }

    /// `F(path)`: a column through relations with transforms, or an
    /// annotation.
    fn f(&mut self, c: &syn::ExprCall) -> syn::Result<Typed> {
        let ident = match (c.args.len(), c.args.first()) {
            (1, Some(Expr::Path(p))) => p.path.get_ident().cloned(),
            _ => None,
        };
        let Some(ident) = ident else {
            return Err(syn::Error::new(
                c.span(),
                "`F(…)` takes one field path, e.g. `F(rating)` or `F(author__name)`",
            ));
        };
        self.operand_typed(&ident)
    }

    fn operand_typed(&mut self, ident: &syn::Ident) -> syn::Result<Typed> {
        let operand = self.f_operand(
            ident,
            Scope::Filter {
                group: None,
                negated: false,
            },
        )?;
        let expr = Expression::Column(operand.clone());
        Ok(Typed {
            kind: operand.kind(),
            nullable: operand.nullable,
            aggregate: expr.is_aggregate(&self.annotations),
            expr,
        })
    }

    /// `Count(path | expression, distinct = true, filter = Q(…))`,
    /// `Sum(…, default = v)`, …
    fn aggregate(
        &mut self,
        func: AggregateFn,
        c: &syn::ExprCall,
        in_aggregate: bool,
    ) -> syn::Result<Typed> {
        let name = func.name();
        let mut func = func;
        if in_aggregate {
            return Err(syn::Error::new(
                c.func.span(),
                format!("`{name}(…)` inside another aggregate: aggregates cannot be nested"),
            ));
        }
        let mut arg: Option<&Expr> = None;
        let mut distinct = false;
        let mut filter: Option<&Expr> = None;
        let mut default: Option<&Expr> = None;
        for a in &c.args {
            if let Expr::Assign(x) = a {
                let key = match &*x.left {
                    Expr::Path(p) => p.path.get_ident().map(unraw),
                    _ => None,
                };
                match key.as_deref() {
                    Some("distinct") => match &*x.right {
                        Expr::Lit(syn::ExprLit {
                            lit: Lit::Bool(b), ..
                        }) => distinct = b.value,
                        other => {
                            return Err(syn::Error::new(
                                other.span(),
                                "`distinct` takes `true` or `false`",
                            ))
                        }
                    },
                    Some("filter") => filter = Some(&x.right),
                    Some("default") => default = Some(&x.right),
                    Some("sample") if func.is_statistic() => match &*x.right {
                        Expr::Lit(syn::ExprLit {
                            lit: Lit::Bool(b), ..
                        }) => {
                            func = match (func, b.value) {
                                (AggregateFn::StdDevPop, true) => AggregateFn::StdDevSamp,
                                (AggregateFn::VarPop, true) => AggregateFn::VarSamp,
                                (f, _) => f,
                            }
                        }
                        other => {
                            return Err(syn::Error::new(
                                other.span(),
                                "`sample` takes `true` or `false`",
                            ))
                        }
                    },
                    _ if func.is_statistic() => {
                        return Err(syn::Error::new(
                            x.left.span(),
                            format!("`{name}(…)` takes a field or expression, then `sample = true`, `filter = Q(…)` or `default = value`"),
                        ))
                    }
                    _ => {
                        return Err(syn::Error::new(
                            x.left.span(),
                            format!("`{name}(…)` takes a field or expression, then `distinct = true`, `filter = Q(…)` or `default = value`"),
                        ))
                    }
                }
            } else if arg.is_some() {
                return Err(syn::Error::new(
                    a.span(),
                    format!("`{name}(…)` takes one field or expression"),
                ));
            } else {
                arg = Some(a);
            }
        }
        let arg = match arg {
            None if func == AggregateFn::Count && filter.is_some() => {
                return Err(syn::Error::new(
                    c.span(),
                    "`Count(filter = …)` counts rows of what? Name a field, e.g. `Count(pk, filter = Q(…))` (Django refuses `Count(\"*\", filter=…)` too)",
                ))
            }
            None if func == AggregateFn::Count => None,
            None => {
                return Err(syn::Error::new(
                    c.span(),
                    format!("`{name}(…)` needs the field to aggregate, e.g. `{name}(rating)`"),
                ))
            }
            // A bare path is a field, as Django's `Sum("rating")`.
            Some(Expr::Path(p)) if p.path.get_ident().is_some() => {
                let ident = p.path.get_ident().cloned();
                Some(self.operand_typed(&ident.unwrap_or_else(|| syn::Ident::new("pk", p.span())))?)
            }
            Some(e) => Some(self.value_expr(e, true)?),
        };
        let arg_span = c.args.first().map(|a| a.span()).unwrap_or_else(|| c.span());
        if let Some(a) = &arg {
            // Over a subquery, an aggregate annotation is one of its columns.
            if a.aggregate && !self.over_subquery {
                return Err(syn::Error::new(
                    arg_span,
                    format!("`{name}(…)` of an aggregate: aggregates cannot be nested (`.aggregate(…)` can aggregate an annotation)"),
                ));
            }
        }
        if distinct && func.is_statistic() {
            return Err(syn::Error::new(
                c.func.span(),
                format!("`{name}(…)` does not take `distinct` (Django refuses it too)"),
            ));
        }
        if distinct && matches!(func, AggregateFn::Min | AggregateFn::Max) {
            return Err(syn::Error::new(
                c.func.span(),
                format!("`{name}(…)` does not take `distinct` (it would not change the answer; Django refuses it too)"),
            ));
        }
        let arg_kind = arg.as_ref().map(|a| a.kind);
        let kind = match (func, arg_kind) {
            (AggregateFn::Count, _) => Kind::I64,
            (
                AggregateFn::Sum
                | AggregateFn::Avg
                | AggregateFn::StdDevPop
                | AggregateFn::StdDevSamp
                | AggregateFn::VarPop
                | AggregateFn::VarSamp,
                Some(k),
            ) if !is_number(k) => {
                return Err(syn::Error::new(
                    arg_span,
                    format!("`{name}(…)` needs a number; this is `{}`", k.rust_name()),
                ))
            }
            // Django: a `FloatField`, whatever it is of.
            (
                AggregateFn::StdDevPop
                | AggregateFn::StdDevSamp
                | AggregateFn::VarPop
                | AggregateFn::VarSamp,
                _,
            ) => Kind::F64,
            (AggregateFn::Sum, Some(Kind::F32 | Kind::F64)) => Kind::F64,
            // Django: the sum and the average of decimals are decimals.
            (AggregateFn::Sum | AggregateFn::Avg, Some(Kind::Decimal)) => Kind::Decimal,
            (AggregateFn::Sum, _) => Kind::I64,
            (AggregateFn::Avg, _) => Kind::F64,
            (AggregateFn::Min | AggregateFn::Max, Some(k @ (Kind::Bool | Kind::Bytes))) => {
                return Err(syn::Error::new(
                    arg_span,
                    format!(
                        "`{name}(…)` of a `{}` is not supported (PostgreSQL has no {} for it)",
                        k.rust_name(),
                        func.sql()
                    ),
                ))
            }
            (AggregateFn::Min | AggregateFn::Max, Some(k)) => k,
            (_, None) => Kind::I64,
        };
        let filter = match filter {
            None => None,
            Some(f) => self.aggregate_filter(f)?,
        };
        let default = match default {
            None => None,
            Some(_) if func == AggregateFn::Count => {
                return Err(syn::Error::new(
                    c.func.span(),
                    "`Count(…)` takes no `default`: it is 0 when there are no rows",
                ))
            }
            Some(d) => Some(match self.side(d, true)? {
                Side::Value(v) => self.bound(v, kind),
                Side::Typed(t) => {
                    if t.kind != kind && !(is_number(t.kind) && is_number(kind)) {
                        return Err(syn::Error::new(
                            d.span(),
                            format!(
                                "the default of `{name}(…)` is `{}` but the aggregate is `{}`",
                                t.kind.rust_name(),
                                kind.rust_name()
                            ),
                        ));
                    }
                    t
                }
            }),
        };
        let nullable = match (&default, func) {
            (Some(d), _) => d.nullable,
            (None, AggregateFn::Count) => false,
            (None, _) => true,
        };
        Ok(Typed {
            expr: Expression::Aggregate(Box::new(Aggregate {
                func,
                arg: arg.map(|a| match (func, a.kind) {
                    // PostgreSQL sums `float4` in `float4`; SQLite, and
                    // the `f64` the sum is, in doubles.
                    (AggregateFn::Sum, Kind::F32) => {
                        Expression::Func(Box::new(Func::Cast(a.expr, Kind::F64)))
                    }
                    _ => a.expr,
                }),
                distinct,
                filter,
                default: default.map(|d| d.expr),
                kind,
            })),
            kind,
            nullable,
            aggregate: true,
        })
    }

    /// `filter = Q(conditions…)` of an aggregate (`None`: its conditions
    /// were all optional and left out).
    fn aggregate_filter(&mut self, f: &Expr) -> syn::Result<Option<Where>> {
        let Expr::Call(q) = f else {
            return Err(syn::Error::new(
                f.span(),
                "an aggregate's `filter` takes `Q(conditions…)`, e.g. `filter = Q(rating__gte = 4)`",
            ));
        };
        if call_name(q).as_deref() != Some("Q") {
            return Err(syn::Error::new(
                f.span(),
                "an aggregate's `filter` takes `Q(conditions…)`, e.g. `filter = Q(rating__gte = 4)`",
            ));
        }
        let mut conds = Vec::new();
        for a in &q.args {
            conds.push(crate::query::parse::cond(a)?);
        }
        if conds.is_empty() {
            return Err(syn::Error::new(
                f.span(),
                "`Q()` needs at least one condition",
            ));
        }
        // Errors in the conditions are collected with the query's.
        Ok(self.conds(&conds, false))
    }
}

/// The type of `Coalesce(…)` or `Case(…)` whose values are of `kinds`
/// (numbers of several types unify as PostgreSQL does; a decimal beside a
/// float is refused, as in arithmetic).
fn one_kind(
    name: &str,
    first: Kind,
    kinds: impl Iterator<Item = Kind>,
    span: proc_macro2::Span,
) -> syn::Result<Kind> {
    if !is_number(first) {
        return Ok(first);
    }
    let kinds: Vec<Kind> = kinds.collect();
    if kinds.contains(&Kind::Decimal) && kinds.iter().copied().any(is_float) {
        return Err(syn::Error::new(
            span,
            format!("`{name}(…)` of a `Decimal` and a float: the result would be neither exact nor a float; use `Decimal` values, or `Cast` the decimal to `f64`"),
        ));
    }
    Ok(kinds.into_iter().fold(first, unify))
}

fn call_name(c: &syn::ExprCall) -> Option<String> {
    match &*c.func {
        Expr::Path(p) => p.path.get_ident().map(unraw),
        _ => None,
    }
}

fn is_float(k: Kind) -> bool {
    matches!(k, Kind::F32 | Kind::F64)
}

/// A kind arithmetic takes: the numbers (a key is its `i64` id).
fn is_number(k: Kind) -> bool {
    is_numeric(k) || k == Kind::ForeignKey
}

/// What `l op r` yields: a float when either side is one (`f32` only with
/// two: PostgreSQL computes `int4 * float4` in `float8`), a decimal with a
/// decimal and an integer, else the wider integer (PostgreSQL's own rules; a
/// decimal and a float are refused before).
fn combine(l: Kind, r: Kind) -> Kind {
    match unify(l, r) {
        Kind::F32 if l != r => Kind::F64,
        k => k,
    }
}

/// The one type of `COALESCE(a, b)` or of a `CASE`'s values, as PostgreSQL
/// resolves it (its rules for UNION, CASE and related constructs): `float8`
/// when there is one, else the type every other converts to implicitly —
/// the wider integer, a decimal over integers, `float4` over both.
fn unify(l: Kind, r: Kind) -> Kind {
    fn rank(k: Kind) -> u8 {
        match k {
            Kind::I16 => 1,
            Kind::I32 => 2,
            Kind::I64 | Kind::ForeignKey => 3,
            Kind::Decimal => 4,
            Kind::F32 => 5,
            _ => 6,
        }
    }
    let k = if rank(l) >= rank(r) { l } else { r };
    if k == Kind::ForeignKey {
        Kind::I64
    } else {
        k
    }
}

//! What writes set: `.update(…)`, `.create(…)` and the rows of
//! `get_or_create`, with `F()` expressions.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::Expr;

use super::{is_none, Resolver};
use crate::plan::*;
use crate::query::ast::*;
use crate::schema::{is_auto, FieldSchema};

/// A value of an INSERT: an expression to bind, or one bound already.
pub(super) enum Given<'a> {
    Expr(&'a Expr),
    Bound(Expression),
}

impl<'s> Resolver<'s> {
    pub(super) fn assignments(&mut self, assigns: &[Assign]) -> Vec<Assignment> {
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
                Ok(value) => out.push(Assignment::of(field, value)),
                Err(e) => self.errors.push(e),
            }
        }
        out
    }

    /// The fields `assigns` set, each checked: known, given once, not an
    /// auto primary key, and (unless `f_ok`) no `F(…)`. `within` names
    /// where they are given, for errors (“this `.create()`”).
    pub(super) fn given<'a>(
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
    pub(super) fn insert(&mut self, assigns: &[Assign], span: Span) -> Vec<Assignment> {
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
    pub(super) fn insert_row(
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
                    Ok(value) => out.push(Assignment::of(f, value)),
                    Err(e) => self.errors.push(e),
                }
            } else if f.default {
                let p = self.bind(Binding::Default {
                    field: f.name.clone(),
                    kind,
                    nullable: f.nullable,
                });
                out.push(Assignment::of(f, Expression::Param(p[0], kind)));
            } else if f.auto_now {
                let p = self.bind(Binding::Now { kind });
                out.push(Assignment::of(f, Expression::Param(p[0], kind)));
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

    /// The value an UPDATE gives `field`.
    pub(super) fn set_value(
        &mut self,
        field: &'s FieldSchema,
        value: &Expr,
    ) -> syn::Result<Expression> {
        let model = &self.schema.name;
        let kind = field.kind.value_kind();
        if let Expr::Try(t) = value {
            return Err(syn::Error::new(
                t.question_token.span(),
                format!(
                    "`?` makes a condition optional; a value set here is always set: give an `Option` without `?` to set `{model}.{}` to NULL when it is `None`",
                    field.name
                ),
            ));
        }
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
            return Ok(Expression::Null);
        }
        if !uses_f(value) {
            let p = self.bind(Binding::Set {
                expr: value.clone(),
                kind,
                nullable: field.nullable,
            });
            return Ok(Expression::Param(p[0], kind));
        }
        let target = format!("{}.{}", self.schema.name, field.name);
        self.expression(&target, kind, value, Scope::Write)
    }

    /// An expression with `F(field)`: columns, `+ - * /`, and bound values,
    /// of `kind` (what the target column holds or the lhs compares with).
    /// `target` names it in messages (`Article.rating`); `scope` says
    /// where `F()` may reach.
    pub(super) fn expression(
        &mut self,
        target: &str,
        kind: Kind,
        e: &Expr,
        scope: Scope,
    ) -> syn::Result<Expression> {
        match e {
            Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("OuterRef")) => {
                let operand = self.outer_ref(c)?;
                let other = operand.kind().value_kind();
                if other != kind && !(is_numeric(other) && is_numeric(kind)) {
                    return Err(syn::Error::new(
                        c.span(),
                        format!(
                            "`OuterRef(…)` is `{}` but `{target}` is `{}`",
                            other.rust_name(),
                            kind.rust_name()
                        ),
                    ));
                }
                Ok(Expression::Column(operand))
            }
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
                let operand = self.f_operand(&ident, scope)?;
                let other = operand.kind().value_kind();
                if other != kind && !(is_numeric(other) && is_numeric(kind)) {
                    return Err(syn::Error::new(
                        ident.span(),
                        format!(
                            "`F({})` is `{}` but `{target}` is `{}`",
                            crate::schema::unraw(&ident),
                            other.rust_name(),
                            kind.rust_name()
                        ),
                    ));
                }
                Ok(Expression::Column(operand))
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
                            "arithmetic needs a number: `{target}` is `{}`",
                            kind.rust_name()
                        ),
                    ));
                }
                // A value takes the kind of the column it is combined with
                // (`F(score) * 2.0` is an f64), else the target's.
                let (left, right) = (f_kind(self, &b.left, scope), f_kind(self, &b.right, scope));
                let values = match (left, right) {
                    (Some(k), _) | (None, Some(k)) if is_numeric(k) => k,
                    _ => kind,
                };
                let l = self.expression(target, values, &b.left, scope)?;
                let r = self.expression(target, values, &b.right, scope)?;
                Ok(Expression::Binary(Box::new(l), op, Box::new(r)))
            }
            Expr::Paren(p) => self.expression(target, kind, &p.expr, scope),
            Expr::Group(g) => self.expression(target, kind, &g.expr, scope),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) && uses_f(&u.expr) => Ok(
                Expression::Neg(Box::new(self.expression(target, kind, &u.expr, scope)?)),
            ),
            other => {
                let p = self.bind(Binding::Value {
                    expr: other.clone(),
                    kind,
                });
                Ok(Expression::Param(p[0], kind))
            }
        }
    }

    /// `f_operand` without keeping its joins or errors (to learn its kind).
    fn f_operand_dry(&mut self, ident: &syn::Ident, scope: Scope) -> Option<Operand> {
        let joins = self.joins.clone();
        let operand = self.f_operand(ident, scope).ok();
        self.joins = joins;
        operand
    }

    /// The column `F(path)` names: a field of this row in a write, or a
    /// path through relations (with transforms) in a filter.
    pub(super) fn f_operand(&mut self, ident: &syn::Ident, scope: Scope) -> syn::Result<Operand> {
        let name = crate::schema::unraw(ident);
        let parts: Vec<Part> = name
            .split("__")
            .map(|n| Part {
                name: n.to_owned(),
                span: ident.span(),
            })
            .collect();
        match scope {
            Scope::Write => {
                if let Some((first, _)) = name.split_once("__") {
                    let relation = self.schema.field(first).is_some_and(|f| f.target.is_some())
                        || self.schema.link(first).is_some();
                    if relation {
                        return Err(syn::Error::new(
                            ident.span(),
                            format!(
                                "`F({name})` reaches across the relation `{first}`: a write can only use the row's own columns (Django refuses joined field references here too); filter on `{name}` instead, or read the value first"
                            ),
                        ));
                    }
                }
                let part = Part {
                    name,
                    span: ident.span(),
                };
                let f = self.field(&part)?;
                Ok(Operand {
                    col: Col::new(&self.schema.table, &f.column),
                    column_kind: f.kind,
                    nullable: f.nullable,
                    transforms: Vec::new(),
                })
            }
            Scope::Filter { group, negated } => {
                let mut joins = std::mem::replace(&mut self.joins, super::Joins::new(""));
                let walked = self.walk(&mut joins, &parts, group, negated);
                self.joins = joins;
                let walked = walked?;
                if walked.split.is_some() {
                    return Err(syn::Error::new(
                        ident.span(),
                        "`F(…)` in a negated condition across a many-valued relation is not supported yet",
                    ));
                }
                let mut operand = walked.operand;
                for part in &parts[walked.used..] {
                    let kind = operand.kind();
                    let Some(def) = crate::lookups::find_transform(&part.name) else {
                        return Err(syn::Error::new(
                            part.span,
                            format!(
                                "`F({name})`: `{}` is neither a field nor a transform of `{}`",
                                part.name, walked.path
                            ),
                        ));
                    };
                    if !def.transform.applies(kind.class()) {
                        return Err(syn::Error::new(
                            part.span,
                            format!(
                                "`F({name})`: transform `{}` cannot apply to `{}` ({}): it applies to {}",
                                part.name,
                                walked.path,
                                kind.rust_name(),
                                def.applies_to
                            ),
                        ));
                    }
                    operand.transforms.push((def.transform, kind));
                }
                Ok(operand)
            }
        }
    }
}

/// Where `F()` may reach.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope {
    /// An UPDATE or INSERT: the row's own columns.
    Write,
    /// A condition of this `filter()` call: through relations, joined in
    /// its group (`None`: sharing any earlier join, as annotations do).
    Filter { group: Option<usize>, negated: bool },
}

/// The kind of the column an `F(…)` expression starts with, if any (for the
/// kind of the values beside it); a plain field lookup, no joins made.
fn f_kind(r: &mut Resolver<'_>, e: &Expr, scope: Scope) -> Option<Kind> {
    match e {
        Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("F")) => {
            let Some(Expr::Path(p)) = c.args.first() else {
                return None;
            };
            let ident = p.path.get_ident()?;
            r.f_operand_dry(ident, scope).map(|o| o.kind().value_kind())
        }
        Expr::Binary(b) => f_kind(r, &b.left, scope).or_else(|| f_kind(r, &b.right, scope)),
        Expr::Paren(p) => f_kind(r, &p.expr, scope),
        Expr::Group(g) => f_kind(r, &g.expr, scope),
        Expr::Unary(u) => f_kind(r, &u.expr, scope),
        _ => None,
    }
}

pub(super) fn is_numeric(k: Kind) -> bool {
    matches!(
        k,
        Kind::I16 | Kind::I32 | Kind::I64 | Kind::F32 | Kind::F64 | Kind::Decimal
    )
}

/// Whether an expression uses `F(…)` (or `OuterRef(…)`).
pub(super) fn uses_f(e: &Expr) -> bool {
    match e {
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Path(p) if p.path.is_ident("F") || p.path.is_ident("OuterRef"))
        }
        Expr::Binary(b) => uses_f(&b.left) || uses_f(&b.right),
        Expr::Paren(p) => uses_f(&p.expr),
        Expr::Group(g) => uses_f(&g.expr),
        Expr::Unary(u) => uses_f(&u.expr),
        _ => false,
    }
}

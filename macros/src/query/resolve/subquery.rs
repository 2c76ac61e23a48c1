//! Subqueries the user writes: `author__in = query!(Author.filter(…).values(pk))`,
//! `Exists(query!(Article.filter(author = OuterRef(pk))))` and, in
//! annotations, `Subquery(query!(…))` / `Exists(…)`.
//!
//! A subquery is resolved by this same resolver against its own model
//! (fetched through its schema macro like a related model's, under the key
//! `query:<path>`), with the outer query's state set aside: its tables are
//! aliased `U0`, `U1`, … (as Django's), its values are bound into the one
//! parameter list, and `OuterRef(path)` resolves `path` in the query
//! around it (joining there if it must).

use quote::ToTokens;
use syn::spanned::Spanned;

use super::relations::{Joins, Need};
use super::write::Scope;
use super::Resolver;
use crate::plan::*;
use crate::query::ast::*;
use crate::schema::ModelSchema;

/// What a query being resolved keeps while a subquery inside it is.
pub(super) struct Outer<'s> {
    schema: &'s ModelSchema,
    joins: Joins,
    group: usize,
    annotations: Vec<Annotation>,
    annotating: bool,
    values_names: Option<Vec<String>>,
    over_subquery: bool,
}

impl<'s> Resolver<'s> {
    /// Swaps the query's own state with `other`.
    fn swap_state(&mut self, other: &mut Outer<'s>) {
        std::mem::swap(&mut self.schema, &mut other.schema);
        std::mem::swap(&mut self.joins, &mut other.joins);
        std::mem::swap(&mut self.group, &mut other.group);
        std::mem::swap(&mut self.annotations, &mut other.annotations);
        std::mem::swap(&mut self.annotating, &mut other.annotating);
        std::mem::swap(&mut self.values_names, &mut other.values_names);
        std::mem::swap(&mut self.over_subquery, &mut other.over_subquery);
    }

    /// The plan of a subquery, its placeholders continuing the query's.
    pub(super) fn subquery_plan(&mut self, sub: &SubqueryAst) -> syn::Result<Plan> {
        let path = sub.model.to_token_stream();
        let key = format!("query:{path}");
        let schemas = self.schemas;
        let Some(schema) = schemas
            .related
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| s)
        else {
            if self.need.is_none() {
                self.need = Some(Need { key, path });
            }
            // Dropped: the query is expanded again with the schema.
            return Err(syn::Error::new(
                sub.span,
                "dunder: a subquery's schema is needed",
            ));
        };
        let mut outer = Outer {
            schema,
            joins: Joins::subquery(&schema.table),
            group: self.group,
            annotations: Vec::new(),
            annotating: false,
            values_names: None,
            over_subquery: false,
        };
        self.swap_state(&mut outer);
        self.outer.push(outer);
        let mut plan = self.plan(&sub.ast);
        let mut outer = self.outer.pop().expect("pushed above");
        // The subquery's groups go on from the outer's.
        let group = self.group;
        self.swap_state(&mut outer);
        self.group = group;
        // Its plan took every value bound so far: they are the query's.
        self.bindings = std::mem::take(&mut plan.bindings);
        if plan.write.is_some() || plan.get_or_create.is_some() {
            return Err(syn::Error::new(
                sub.span,
                "a subquery reads rows: it cannot write",
            ));
        }
        if sub.ast.row.is_some() {
            return Err(syn::Error::new(
                sub.span,
                "a subquery's rows are not read by Rust: `as` has nothing to name",
            ));
        }
        Ok(plan)
    }

    /// A subquery as one column of values (`… IN (subquery)`, `Subquery(…)`):
    /// its `.values(x)` / `.values_list(x, flat = true)`, or its model's
    /// primary key (Django's `author__in=Author.objects.filter(…)`).
    pub(super) fn one_column(&mut self, sub: &SubqueryAst) -> syn::Result<(Plan, Kind, bool)> {
        let mut plan = self.subquery_plan(sub)?;
        match plan.select {
            Select::Values(_) if plan.outputs.len() == 1 => {}
            Select::Values(_) => {
                return Err(syn::Error::new(
                    sub.span,
                    format!(
                        "a subquery compared with one column must read one value: this one reads {}",
                        plan.outputs.len()
                    ),
                ))
            }
            Select::Model if plan.annotations.is_empty() => {
                let base = plan.from.base().alias.clone();
                let Some(pk) = self
                    .schemas
                    .related
                    .iter()
                    .find(|(k, _)| *k == format!("query:{}", sub.model.to_token_stream()))
                    .and_then(|(_, s)| s.primary_key())
                else {
                    return Err(syn::Error::new(sub.span, "the subquery's model has no primary key"));
                };
                plan.outputs = vec![Output {
                    name: pk.name.clone(),
                    expr: Expression::Column(Operand {
                        col: Col::new(&base, &pk.column),
                        column_kind: pk.kind,
                        nullable: false,
                        transforms: Vec::new(),
                    }),
                    kind: pk.kind,
                    nullable: false,
                    alias: false,
                    span: sub.span,
                    decimal: None,
                }];
                plan.select = Select::Values(Shape::Flat);
            }
            _ => {
                return Err(syn::Error::new(
                    sub.span,
                    "a subquery compared with one column reads rows: end it with `.values(field)`, not a terminal",
                ))
            }
        }
        let o = &plan.outputs[0];
        let (kind, nullable) = (o.kind, o.nullable);
        Ok((plan, kind, nullable))
    }

    /// `Exists(query!(…))`: its subquery, of rows.
    pub(super) fn exists(&mut self, sub: &SubqueryAst) -> syn::Result<Plan> {
        let plan = self.subquery_plan(sub)?;
        if !matches!(plan.select, Select::Model | Select::Values(_)) {
            return Err(syn::Error::new(
                sub.span,
                "`Exists(…)` takes a query of rows: leave out the terminal (`.count()`, `.first()`, …)",
            ));
        }
        Ok(plan)
    }

    /// `OuterRef(path)`: a column of the query around this subquery.
    pub(super) fn outer_ref(&mut self, c: &syn::ExprCall) -> syn::Result<Operand> {
        let ident = match (c.args.len(), c.args.first()) {
            (1, Some(syn::Expr::Path(p))) => p.path.get_ident().cloned(),
            _ => None,
        };
        let Some(ident) = ident else {
            return Err(syn::Error::new(
                c.span(),
                "`OuterRef(…)` takes one field path of the outer query's model, e.g. `OuterRef(pk)`",
            ));
        };
        let Some(mut outer) = self.outer.pop() else {
            return Err(syn::Error::new(
                c.func.span(),
                "`OuterRef(…)` refers to the query around a subquery: use it inside `query!(…)` nested in another query (here, write `F(…)`)",
            ));
        };
        self.swap_state(&mut outer);
        let operand = self.f_operand(
            &ident,
            Scope::Filter {
                group: None,
                negated: false,
            },
        );
        self.swap_state(&mut outer);
        self.outer.push(outer);
        operand
    }
}

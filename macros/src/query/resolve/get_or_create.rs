//! `get_or_create` / `update_or_create`: what the statements after the
//! `get` insert and update.

use super::write::Given;
use super::Resolver;
use crate::plan::*;
use crate::query::ast::*;
use crate::schema::FieldSchema;

impl<'s> Resolver<'s> {
    /// The statements after the `get` of `get_or_create` /
    /// `update_or_create`. `lookups` are the plain `field = value` lookups,
    /// already bound.
    pub(super) fn get_or_create(
        &mut self,
        g: &GetOrCreateAst,
        lookups: Vec<(&'s FieldSchema, Expression)>,
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
        let mut sets: Vec<(&'s FieldSchema, Expression)> = Vec::new();
        // A value in error still counts as given (no follow-up "missing").
        let bind = |r: &mut Self, f: &'s FieldSchema, a: &Assign| match r.set_value(f, &a.value) {
            Ok(x) => (f, x),
            Err(e) => {
                r.errors.push(e);
                (f, Expression::Null)
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
                    update.push(Assignment::of(f, x.clone()));
                } else if f.auto_now {
                    let kind = f.kind.value_kind();
                    let p = self.bind(Binding::Now { kind });
                    update.push(Assignment::of(f, Expression::Param(p[0], kind)));
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
        })
    }
}

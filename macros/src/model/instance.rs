//! The instance methods the derive adds: `save`, `delete`, `refresh`. Their
//! SQL comes from the same plan → render → codegen path as `query!`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen;
use crate::query::plan::*;
use crate::schema::{FieldKind, FieldSchema, ModelSchema};
use crate::sql;

fn kind(f: &FieldSchema) -> Kind {
    if f.kind == FieldKind::ForeignKey {
        Kind::I64
    } else {
        f.kind
    }
}

/// `self.<field>` as a value to bind.
fn field_value(f: &FieldSchema) -> syn::Expr {
    let ident = crate::schema::ident(&f.name);
    if f.nullable {
        syn::parse_quote!(self.#ident.as_ref())
    } else {
        syn::parse_quote!(&self.#ident)
    }
}

fn pk_filter(pk: &FieldSchema, param: usize) -> Where {
    Where::Leaf(Leaf {
        lhs: Operand {
            column: pk.column.clone(),
            column_kind: pk.kind,
            nullable: false,
            transforms: Vec::new(),
        },
        lookup: Lookup::Exact,
        params: vec![(param, kind(pk))],
        year_between: false,
    })
}

fn plan(
    schema: &ModelSchema,
    write: Option<Write>,
    mode: Mode,
    bindings: Vec<Binding>,
    filter: Where,
) -> Plan {
    Plan {
        table: schema.table.clone(),
        columns: schema.fields.iter().map(|f| f.column.clone()).collect(),
        select: Select::Model,
        write,
        mode,
        filter: Some(filter),
        order: Vec::new(),
        distinct: false,
        slice: Slice::default(),
        bindings,
    }
}

/// The expression that builds the statement of `plan` for the model `name`.
fn statement(plan: &Plan, name: &TokenStream) -> TokenStream {
    let sqlite = sql::render(plan, &sql::Sqlite);
    let postgres = sql::render(plan, &sql::Postgres);
    codegen::expand(plan, name, &sqlite, &postgres)
}

/// `save`, `delete` and `refresh` for a model with a primary key.
pub fn methods(schema: &ModelSchema, name: &syn::Ident) -> TokenStream {
    let Some(pk) = schema.primary_key() else {
        return TokenStream::new();
    };
    let model = quote!(#name);

    // UPDATE every other column WHERE pk = ?.
    let mut bindings = Vec::new();
    let mut assignments = Vec::new();
    for f in schema.fields.iter().filter(|f| !f.primary_key) {
        let k = kind(f);
        bindings.push(Binding::Set {
            expr: field_value(f),
            kind: k,
            nullable: f.nullable,
        });
        assignments.push(Assignment {
            column: f.column.clone(),
            value: SetExpr::Param(bindings.len(), k),
        });
    }
    bindings.push(Binding::Value {
        expr: field_value(pk),
        kind: kind(pk),
    });
    let filter = pk_filter(pk, bindings.len());
    let save = statement(
        &plan(
            schema,
            Some(Write::Update(assignments)),
            Mode::Execute,
            bindings,
            filter,
        ),
        &model,
    );

    let pk_binding = || {
        vec![Binding::Value {
            expr: field_value(pk),
            kind: kind(pk),
        }]
    };
    let delete = statement(
        &plan(
            schema,
            Some(Write::Delete),
            Mode::Execute,
            pk_binding(),
            pk_filter(pk, 1),
        ),
        &model,
    );
    let mut refresh_plan = plan(schema, None, Mode::One, pk_binding(), pk_filter(pk, 1));
    refresh_plan.slice.limit = Some(SliceValue::Lit(21));
    let refresh = statement(&refresh_plan, &model);
    // `auto_now` fields are set to now, in the instance too, before the write.
    let touch: Vec<TokenStream> = schema
        .fields
        .iter()
        .filter(|f| f.auto_now_update && !f.primary_key)
        .map(|f| {
            let ident = crate::schema::ident(&f.name);
            quote!(self.#ident = ::dunder::__private::Now::now();)
        })
        .collect();

    quote! {
        #[allow(dead_code, clippy::needless_update)]
        impl #name {
            /// Writes every field of this row back to its table (`UPDATE …
            /// WHERE pk = …`); `auto_now` fields are first set to now.
            /// `Error::NotFound` when no row has this primary key.
            pub fn save<E: ::dunder::Executor>(&mut self, executor: E) -> ::dunder::Result<()> {
                #(#touch)*
                let statement = #save;
                match statement.run(executor)? {
                    0 => ::core::result::Result::Err(::dunder::Error::NotFound {
                        sql: ::std::string::String::from(statement.sql(::dunder::Dialect::Sqlite)),
                    }),
                    _ => ::core::result::Result::Ok(()),
                }
            }

            /// Deletes this row from its table (`DELETE … WHERE pk = …`).
            /// `Error::NotFound` when no row has this primary key.
            pub fn delete<E: ::dunder::Executor>(&self, executor: E) -> ::dunder::Result<()> {
                let statement = #delete;
                match statement.run(executor)? {
                    0 => ::core::result::Result::Err(::dunder::Error::NotFound {
                        sql: ::std::string::String::from(statement.sql(::dunder::Dialect::Sqlite)),
                    }),
                    _ => ::core::result::Result::Ok(()),
                }
            }

            /// Reloads every field from the database.
            pub fn refresh<E: ::dunder::Executor>(&mut self, executor: E) -> ::dunder::Result<()> {
                let fresh = {
                    let query = #refresh;
                    query.run(executor)?
                };
                *self = fresh;
                ::core::result::Result::Ok(())
            }
        }
    }
}

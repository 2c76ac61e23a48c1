//! The instance methods the derive adds: `save`, `delete`, `refresh`. Their
//! SQL comes from the same plan → render → codegen path as `query!`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen;
use crate::plan::*;
use crate::schema::{FieldSchema, ModelSchema};
use crate::sql;

fn kind(f: &FieldSchema) -> Kind {
    f.kind.value_kind()
}

/// `self.<field>` as a value to bind.
fn field_value(f: &FieldSchema) -> syn::Expr {
    value_of(&quote!(self), f)
}

/// `<base>.<field>` as a value to bind.
fn value_of(base: &TokenStream, f: &FieldSchema) -> syn::Expr {
    let ident = crate::schema::ident(&f.name);
    if f.nullable {
        syn::parse_quote!(#base.#ident.as_ref())
    } else {
        syn::parse_quote!(&#base.#ident)
    }
}

/// The binding of an inserted column: the field of `self`, or now.
fn insert_binding(base: &TokenStream, f: &FieldSchema) -> Binding {
    if f.auto_now {
        Binding::Now { kind: kind(f) }
    } else {
        Binding::Set {
            expr: value_of(base, f),
            kind: kind(f),
            nullable: f.nullable,
        }
    }
}

/// `New<Model>::insert`: INSERT … RETURNING of one row.
pub fn insert(schema: &ModelSchema, model: &TokenStream, inserted: &[&FieldSchema]) -> TokenStream {
    let bindings: Vec<Binding> = inserted
        .iter()
        .map(|f| insert_binding(&quote!(self), f))
        .collect();
    let assignments: Vec<Assignment> = inserted
        .iter()
        .enumerate()
        .map(|(i, f)| Assignment::of(f, Expression::Param(i + 1, kind(f))))
        .collect();
    let fill = Fill::of_assignments(&schema.fields, &assignments);
    let mut p = plan(
        schema,
        Some(Write::Create(assignments, fill)),
        Mode::One,
        bindings,
        pk_filter_none(),
    );
    p.filter = None;
    statement(&p, model)
}

fn pk_filter_none() -> Where {
    Where::And(Vec::new())
}

/// The statements of `bulk_create` / `bulk_insert` of `inserted` columns.
#[derive(Debug)]
pub struct BulkStatements {
    /// Where each column of a stored row comes from; what comes back.
    pub fill: Fill,
    /// The INSERT of one row, returning `fill.returning`, and without
    /// (SQLite, PostgreSQL).
    pub one: String,
    pub one_plain: String,
    pub pg_one: String,
    pub pg_one_plain: String,
    /// SQLite: the INSERT of any number of rows in three parts.
    pub head: String,
    pub row: String,
    pub tail: String,
    /// PostgreSQL: the UNNEST statement, returning `fill.returning`, and without.
    pub unnest: String,
    pub unnest_plain: String,
}

impl BulkStatements {
    pub fn of(schema: &ModelSchema, inserted: &[&FieldSchema]) -> BulkStatements {
        let columns: Vec<sql::InsertColumn> = inserted
            .iter()
            .map(|f| (f.column.clone(), kind(f), f.decimal))
            .collect();
        // The row keeps what it sent; the database's part comes back.
        let fill = Fill::of(&schema.fields, |f| {
            inserted
                .iter()
                .position(|i| i.column == f.column)
                .map(Source::Sent)
        });
        let returning = &fill.returning;
        let (head, row, tail) = sql::insert_rows_parts(&schema.table, &columns, returning);
        BulkStatements {
            one: sql::insert_rows(&sql::Sqlite, &schema.table, &columns, 1, returning),
            one_plain: sql::insert_rows(&sql::Sqlite, &schema.table, &columns, 1, &[]),
            pg_one: sql::insert_rows(&sql::Postgres, &schema.table, &columns, 1, returning),
            pg_one_plain: sql::insert_rows(&sql::Postgres, &schema.table, &columns, 1, &[]),
            head,
            row,
            tail,
            unnest: sql::insert_unnest(&schema.table, &columns, returning),
            unnest_plain: sql::insert_unnest(&schema.table, &columns, &[]),
            fill,
        }
    }
}

/// The hidden impl of `Model::bulk_create` and `Model::bulk_insert`:
/// `dunder::__private::NewRow` for `New<Model>`, with the statements (one
/// static), `__put` (each inserted column's field, in column order, handed
/// to where it goes: bound straight to an SQLite statement, or made a
/// `Value` for PostgreSQL) and `__value` (one column's value, for the rows
/// `bulk_create` returns).
pub fn bulk(schema: &ModelSchema, new_name: &syn::Ident, inserted: &[&FieldSchema]) -> TokenStream {
    let BulkStatements {
        fill,
        one,
        one_plain,
        pg_one,
        pg_one_plain,
        head,
        row,
        tail,
        unnest,
        unnest_plain,
    } = BulkStatements::of(schema, inserted);
    let sources = codegen::sources(&fill.sources);
    let sql_type = |f: &FieldSchema| {
        let t = quote::format_ident!("{}", kind(f).sql_type());
        quote!(::dunder::SqlType::#t)
    };
    let types = inserted.iter().map(|f| sql_type(f));
    let uses_now = inserted.iter().any(|f| f.auto_now);
    let puts = inserted.iter().map(|f| {
        if f.auto_now {
            let t = sql_type(f);
            quote!(::dunder::__private::Put::put_value(__dunder_out, ::dunder::__private::now(#t, __dunder_now))?;)
        } else {
            let ident = crate::schema::ident(&f.name);
            quote!(::dunder::__private::Put::put(__dunder_out, &self.#ident)?;)
        }
    });
    let values = inserted.iter().enumerate().map(|(i, f)| {
        if f.auto_now {
            let t = sql_type(f);
            quote!(#i => ::core::option::Option::Some(::dunder::__private::now(#t, __dunder_now)),)
        } else {
            let ident = crate::schema::ident(&f.name);
            quote!(#i => ::core::option::Option::Some(::dunder::__private::Bind::__value(&self.#ident)),)
        }
    });
    quote! {
        #[automatically_derived]
        impl ::dunder::__private::NewRow for #new_name {
            const NOW: bool = #uses_now;

            fn __bulk() -> &'static ::dunder::__private::BulkInsert {
                static __DUNDER_BULK: ::dunder::__private::BulkInsert = ::dunder::__private::BulkInsert {
                    one: ::dunder::Sql { sqlite: #one, postgres: #pg_one },
                    one_plain: ::dunder::Sql { sqlite: #one_plain, postgres: #pg_one_plain },
                    many: ::dunder::Sql { sqlite: #one, postgres: #unnest },
                    many_plain: ::dunder::Sql { sqlite: #one_plain, postgres: #unnest_plain },
                    sqlite_head: #head,
                    sqlite_row: #row,
                    sqlite_tail: #tail,
                    types: &[#(#types),*],
                    sources: &[#(#sources),*],
                };
                &__DUNDER_BULK
            }

            #[inline]
            #[allow(unused_variables)]
            fn __put<'r, P: ::dunder::__private::Put<'r>>(
                &'r self,
                __dunder_out: &mut P,
                __dunder_now: ::dunder::__private::chrono::DateTime<::dunder::__private::chrono::Utc>,
            ) -> ::dunder::Result<()> {
                #(#puts)*
                ::core::result::Result::Ok(())
            }

            #[inline]
            #[allow(unused_variables)]
            fn __value(
                &self,
                __dunder_index: usize,
                __dunder_now: ::dunder::__private::chrono::DateTime<::dunder::__private::chrono::Utc>,
            ) -> ::core::option::Option<::dunder::Value<'_>> {
                match __dunder_index {
                    #(#values)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

fn pk_filter(schema: &ModelSchema, pk: &FieldSchema, param: usize) -> Where {
    Where::pk(Col::new(&schema.table, &pk.column), kind(pk), param)
}

fn plan(
    schema: &ModelSchema,
    write: Option<Write>,
    mode: Mode,
    bindings: Vec<Binding>,
    filter: Where,
) -> Plan {
    Plan {
        from: From::single(&schema.table),
        columns: schema.fields.iter().map(|f| f.column.clone()).collect(),
        pk_column: schema
            .primary_key()
            .map(|f| f.column.clone())
            .unwrap_or_default(),
        extra_select: Vec::new(),
        related: Vec::new(),
        prefetch: Vec::new(),
        select: Select::Model,
        write,
        mode,
        filter: Some(filter),
        order: Vec::new(),
        distinct: false,
        distinct_on: Vec::new(),
        for_update: None,
        in_bulk: None,
        runtime_order: None,
        compound: None,
        slice: Slice::default(),
        bindings,
        get_or_create: None,
        annotations: Vec::new(),
        outputs: Vec::new(),
        grouped: false,
        group_by: Vec::new(),
        having: None,
        row: None,
        subquery: None,
        optional: 0,
    }
}

/// The expression that builds the statement of `plan` for the model `name`.
fn statement(plan: &Plan, name: &TokenStream) -> TokenStream {
    let sqlite = sql::render(plan, &sql::Sqlite);
    let postgres = sql::render(plan, &sql::Postgres);
    codegen::expand(plan, name, &sqlite, &postgres, &[])
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
        assignments.push(Assignment::of(f, Expression::Param(bindings.len(), k)));
    }
    bindings.push(Binding::Value {
        expr: field_value(pk),
        kind: kind(pk),
    });
    let filter = pk_filter(schema, pk, bindings.len());
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
            pk_filter(schema, pk, 1),
        ),
        &model,
    );
    let mut refresh_plan = plan(
        schema,
        None,
        Mode::One,
        pk_binding(),
        pk_filter(schema, pk, 1),
    );
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

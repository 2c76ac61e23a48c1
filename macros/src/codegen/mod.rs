//! Plan → the Rust expression `query!` expands to.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::plan::*;
use crate::sql::{GetOrCreateSql, Statement};

/// The Rust type a value compared with a `kind` must have (the marker of
/// `dunder::__private::IntoParam`).
pub fn marker(kind: Kind) -> TokenStream {
    match kind {
        Kind::Bool => quote!(::core::primitive::bool),
        Kind::I16 => quote!(::core::primitive::i16),
        Kind::I32 => quote!(::core::primitive::i32),
        Kind::I64 | Kind::ForeignKey => quote!(::core::primitive::i64),
        Kind::F32 => quote!(::core::primitive::f32),
        Kind::F64 => quote!(::core::primitive::f64),
        Kind::Text => quote!(::std::string::String),
        Kind::Bytes => quote!(::std::vec::Vec<::core::primitive::u8>),
        Kind::Date => quote!(::dunder::__private::chrono::NaiveDate),
        Kind::DateTime => quote!(::dunder::__private::chrono::NaiveDateTime),
        Kind::DateTimeUtc => {
            quote!(::dunder::__private::chrono::DateTime<::dunder::__private::chrono::Utc>)
        }
        Kind::Time => quote!(::dunder::__private::chrono::NaiveTime),
        Kind::Decimal => quote!(::dunder::__private::Decimal),
    }
}

fn sql_type(kind: Kind) -> TokenStream {
    let ident = format_ident!("{}", kind.sql_type());
    quote!(::dunder::SqlType::#ident)
}

/// The statements that evaluate the user's values once each and push them
/// onto `__dunder_params`, in placeholder order: a `Vec`, or, when
/// `in_place`, an array of exactly as many (`[Value; N]`, which the
/// statement then holds: no heap allocation), built from one local per
/// value.
fn params(plan: &Plan, model: &TokenStream, in_place: bool) -> TokenStream {
    let count: usize = plan.bindings.iter().map(Binding::param_count).sum();
    let uses_now = plan
        .bindings
        .iter()
        .any(|b| matches!(b, Binding::Now { .. }));
    // One instant for every `auto_now` field of the statement.
    let now = uses_now.then(|| quote!(let __dunder_now = ::dunder::__private::utc_now();));
    let pushes: Vec<TokenStream> = if in_place {
        let mut first = 0;
        plan.bindings
            .iter()
            .map(|b| {
                let t = binding_in_place(b, model, first);
                first += b.param_count();
                t
            })
            .collect()
    } else {
        plan.bindings.iter().map(|b| binding(b, model)).collect()
    };
    // Which optional conditions apply: the index of the statement to run.
    let variant = (plan.optional > 0).then(|| quote!(let mut __dunder_variant: usize = 0;));
    // A run-time order key: which of the statements per field and
    // direction (after the optional conditions' combination).
    let key = plan.runtime_order.as_ref().map(|expr| {
        let span = expr.span();
        let into = quote_spanned!(span=> ::core::convert::Into::into(#expr));
        let key = quote! {
            let __dunder_key: ::dunder::Order<<#model as ::dunder::HasFields>::Field> = #into;
        };
        let before = if plan.optional > 0 {
            quote!(__dunder_variant)
        } else {
            quote!(0usize)
        };
        quote! {
            #key
            let __dunder_variant: usize = #before
                * (2 * <<#model as ::dunder::HasFields>::Field as ::dunder::Field>::NAMES.len())
                + __dunder_key.__index();
        }
    });
    if in_place {
        let names = (0..count).map(|i| format_ident!("__dunder_p{}", i));
        return quote! {
            #now
            #(#pushes)*
            let __dunder_params: [::dunder::Value<'_>; #count] = [#(#names),*];
        };
    }
    quote! {
        #[allow(unused_mut)]
        let mut __dunder_params = ::dunder::__private::Vec::with_capacity(#count);
        #variant
        #now
        #(#pushes)*
        #key
    }
}

/// The marker of what the connection running `plan` must be, after a
/// comma (nothing: the default, `Anywhere`).
fn needs(plan: &Plan) -> TokenStream {
    match plan.needs() {
        Needs::Anywhere => TokenStream::new(),
        Needs::PostgresOnly => quote!(, ::dunder::needs::PostgresOnly),
        Needs::InTransaction => quote!(, ::dunder::needs::InTransaction),
    }
}

/// Where each column of a created row comes from, as
/// `dunder::__private::Source` values.
pub fn sources(sources: &[Source]) -> Vec<TokenStream> {
    sources
        .iter()
        .map(|s| match s {
            Source::Sent(i) => quote!(::dunder::__private::Source::Sent(#i)),
            Source::Null => quote!(::dunder::__private::Source::Null),
            Source::Returned(i) => quote!(::dunder::__private::Source::Returned(#i)),
        })
        .collect()
}

/// The statements of a query with optional conditions: one per
/// combination (index: the bits of the conditions that apply), each with
/// the indices of the evaluated values it takes.
pub type Variants = [(Statement, Vec<usize>)];

/// The expression: a block that binds the parameters and builds the `Query`.
pub fn expand(
    plan: &Plan,
    model: &TokenStream,
    sqlite: &str,
    postgres: &str,
    variants: &Variants,
) -> TokenStream {
    // The statements that write keep their values in place, unless some are
    // picked at run time from every value evaluated (`take_params`).
    let in_place = variants.is_empty()
        && plan.optional == 0
        && plan.runtime_order.is_none()
        && (plan.mode == Mode::Execute || matches!(plan.write, Some(Write::Create(..))));
    let params = params(plan, model, in_place);
    // The SQL static, or the variant's (its values taken from every value).
    let (sql_static, pick) = if let ([(s, take)], 0, None) =
        (variants, plan.optional, &plan.runtime_order)
    {
        // One statement that leaves some values out.
        let s = sql(s);
        (
            quote!(static __DUNDER_SQL: ::dunder::Sql = #s;),
            quote! {
                let __dunder_sql: &'static ::dunder::Sql = &__DUNDER_SQL;
                let __dunder_params = ::dunder::__private::take_params(__dunder_params, &[#(#take),*]);
            },
        )
    } else if variants.is_empty() {
        (
            quote!(static __DUNDER_SQL: ::dunder::Sql = ::dunder::Sql { sqlite: #sqlite, postgres: #postgres };),
            quote!(let __dunder_sql: &'static ::dunder::Sql = &__DUNDER_SQL;),
        )
    } else {
        let items = variants.iter().map(|(s, take)| {
            let s = sql(s);
            quote!((#s, &[#(#take),*]))
        });
        let n = variants.len();
        (
            quote!(static __DUNDER_VARIANTS: [(::dunder::Sql, &[usize]); #n] = [#(#items),*];),
            quote! {
                let (__dunder_sql, __dunder_take) = &__DUNDER_VARIANTS[__dunder_variant];
                let __dunder_params = ::dunder::__private::take_params(__dunder_params, __dunder_take);
            },
        )
    };
    if let Some(Write::Create(_, fill)) = &plan.write {
        let sources = sources(&fill.sources);
        return quote! {{
            #sql_static
            #params
            #pick
            static __DUNDER_SOURCES: &[::dunder::__private::Source] = &[#(#sources),*];
            ::dunder::Create::<#model, _>::__new(__dunder_sql, __dunder_params, __DUNDER_SOURCES)
        }};
    }
    let row = match plan.select {
        Select::Model | Select::Values(_) => model.clone(),
        Select::Count => quote!(i64),
        Select::Exists => quote!(bool),
    };
    let decoder = decoder(plan, model);
    let row = if decoder.is_empty() {
        row
    } else {
        quote!(__DunderRow)
    };
    let mode = match plan.mode {
        Mode::All => quote!(::dunder::All),
        Mode::One => quote!(::dunder::One),
        Mode::Optional => quote!(::dunder::Optional),
        Mode::Execute => {
            return quote! {{
                #sql_static
                #params
                #pick
                ::dunder::Command::__new(__dunder_sql, __dunder_params)
            }};
        }
    };
    let needs = needs(plan);
    let query = quote!(::dunder::Query::<#row, #mode #needs>::__new(__dunder_sql, __dunder_params));
    let query = if plan.prefetch.is_empty() {
        query
    } else {
        let (prefetch, statics) = prefetcher(plan, model);
        quote! {{
            #prefetch
            static __DUNDER_PREFETCH: &[&::dunder::Sql] = &[#(&#statics),*];
            ::dunder::Prefetching::<#row, #mode, __DunderPrefetch #needs>::__new(#query, __DUNDER_PREFETCH)
        }}
    };
    // `.in_bulk(…)`: the rows by key.
    let query = match &plan.in_bulk {
        None => query,
        Some(field) => {
            let field = crate::schema::ident(field);
            quote! {
                ::dunder::InBulk::__new(#query, |__r: &#model| ::core::clone::Clone::clone(&__r.#field))
            }
        }
    };
    quote! {{
        #sql_static
        #decoder
        #params
        #pick
        #query
    }}
}

/// `prefetch_related`: the `Prefetch` impl that runs each relation's query
/// and sets its rows, depth first, and the names of the statics holding
/// their SQL.
fn prefetcher(plan: &Plan, model: &TokenStream) -> (TokenStream, Vec<proc_macro2::Ident>) {
    fn node(
        n: &Prefetched,
        rows: &TokenStream,
        parent: &TokenStream,
        model: &TokenStream,
        statics: &mut Vec<(proc_macro2::Ident, TokenStream)>,
    ) -> TokenStream {
        let i = statics.len();
        let sql_name = format_ident!("__DUNDER_PREFETCH_{}", i);
        let decoder = format_ident!("__DunderPrefetchRow{}", i);
        let Statement { sqlite, postgres } = Statement::of(&n.query);
        statics.push((
            sql_name.clone(),
            quote!(static #sql_name: ::dunder::Sql = ::dunder::Sql { sqlite: #sqlite, postgres: #postgres };),
        ));
        let target = if n.target.is_empty() {
            model.clone()
        } else {
            n.target.clone()
        };
        // The link key: read from the decoded row, or the column after it.
        let width = n.query.columns.len();
        let link_key = match &n.link {
            PrefetchLink::Pk => quote!(<#target>::__dunder_key(&__t)),
            PrefetchLink::Key(field, at) => {
                let fk = format_ident!("__dunder_fk_{}", field);
                quote! {
                    match <#target>::#fk(&mut __t) {
                        ::core::option::Option::Some(__k) => __k.id(),
                        // NULL: not in `IN (…)`; read it for a typed error.
                        ::core::option::Option::None => ::dunder::Row::get::<i64>(row, #at, #field)?,
                    }
                }
            }
            PrefetchLink::Extra => quote!(::dunder::Row::get::<i64>(row, #width, "prefetch key")?),
        };
        // Each level names its rows apart: a child's would shadow them.
        let loaded = format_ident!("__dunder_loaded_{}", i);
        let children: Vec<TokenStream> = n
            .children
            .iter()
            .map(|c| node(c, &quote!(#loaded), &target, model, statics))
            .collect();
        let fk = format_ident!("__dunder_fk_{}", n.field);
        let link = format_ident!("__dunder_link_{}", n.field);
        let keys = match n.kind {
            PrefetchKind::Key => quote! {{
                let mut __keys: ::std::vec::Vec<i64> = #rows
                    .iter_mut()
                    .filter_map(|__r| <#parent>::#fk(__r).map(|__k| __k.id()))
                    .collect();
                __keys.sort_unstable();
                __keys.dedup();
                __keys
            }},
            _ => {
                quote!(#rows.iter().map(<#parent>::__dunder_key).collect::<::std::vec::Vec<i64>>())
            }
        };
        let distribute = match n.kind {
            PrefetchKind::Key => quote! {
                let __map = ::dunder::__private::by_key(__links, #loaded);
                for __r in #rows.iter_mut() {
                    if let ::core::option::Option::Some(__k) = <#parent>::#fk(__r) {
                        if let ::core::option::Option::Some(__t) = __map.get(&__k.id()) {
                            __k.__set_shared(::std::sync::Arc::clone(__t));
                        }
                    }
                }
            },
            PrefetchKind::Many => quote! {
                let __map = ::dunder::__private::group(__links, #loaded);
                for __r in #rows.iter_mut() {
                    let __k = <#parent>::__dunder_key(__r);
                    <#parent>::#link(__r).__set_shared(::dunder::__private::group_of(&__map, __k));
                }
            },
            PrefetchKind::One => quote! {
                let __map = ::dunder::__private::by_key(__links, #loaded);
                for __r in #rows.iter_mut() {
                    let __k = <#parent>::__dunder_key(__r);
                    <#parent>::#link(__r).__set_shared(__map.get(&__k).cloned());
                }
            },
        };
        quote! {{
            struct #decoder;
            impl ::dunder::__private::Decoder for #decoder {
                type Row = (i64, #target);
                #[inline]
                fn decode<X: ::dunder::Row>(row: &X) -> ::dunder::Result<(i64, #target)> {
                    #[allow(unused_mut)]
                    let mut __t = <#target as ::dunder::FromRow>::from_row(row)?;
                    let __k: i64 = #link_key;
                    ::core::result::Result::Ok((__k, __t))
                }
            }
            let __keys = #keys;
            #[allow(unused_mut)]
            let (__links, mut #loaded) =
                ::dunder::__private::prefetch_rows::<_, #decoder, #target>(e.__again(), &#sql_name, __keys)?;
            #(#children)*
            #distribute
        }}
    }
    let mut statics = Vec::new();
    let nodes: Vec<TokenStream> = plan
        .prefetch
        .iter()
        .map(|n| node(n, &quote!(rows), model, model, &mut statics))
        .collect();
    let decls = statics.iter().map(|(_, d)| d);
    let prefetch = quote! {
        #(#decls)*
        struct __DunderPrefetch;
        impl ::dunder::__private::Prefetch<#model> for __DunderPrefetch {
            fn prefetch<E: ::dunder::Executor>(e: &mut E, rows: &mut [#model]) -> ::dunder::Result<()> {
                #(#nodes)*
                ::core::result::Result::Ok(())
            }
        }
    };
    (prefetch, statics.into_iter().map(|(n, _)| n).collect())
}

/// The Rust type of a value of a projected row.
fn output_type(o: &Output) -> TokenStream {
    let m = marker(o.kind);
    if o.nullable {
        quote!(::core::option::Option<#m>)
    } else {
        m
    }
}

/// The model's name (the last segment of its path), for the names of the
/// row structs generated for it.
fn model_name(model: &TokenStream) -> String {
    syn::parse2::<syn::Path>(model.clone())
        .ok()
        .and_then(|p| p.segments.last().map(|s| s.ident.to_string()))
        .unwrap_or_else(|| "Model".to_owned())
}

/// The decoder of a row that is not the model alone: the model with
/// related rows (`select_related`) and annotations, or a projected row
/// (`.values(…)`, `.values_list(…)`, `.aggregate(…)`) — a struct generated
/// here, or the user's (`as Path`), built field by field so that the
/// compiler checks each name and type. Empty when the model's own
/// `FromRow` reads the row.
fn decoder(plan: &Plan, model: &TokenStream) -> TokenStream {
    let values = |first: usize| -> Vec<TokenStream> {
        plan.outputs
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let at = first + i;
                let ty = output_type(o);
                let name = &o.name;
                // Resolved as the macro's own code (`row`), located on the
                // user's token: a struct field of another type is an error
                // there.
                let span = proc_macro2::Span::call_site().located_at(o.span);
                let get = quote_spanned!(span=> ::dunder::Row::get::<#ty>(row, #at, #name)?);
                match o.decimal {
                    // A decimal field's column, at the field's scale.
                    Some((digits, places)) => {
                        let (digits, places) = (u32::from(digits), u32::from(places));
                        quote_spanned!(span=> ::dunder::__private::Quantize::quantize(#get, #digits, #places, #name)?)
                    }
                    None => get,
                }
            })
            .collect()
    };
    let fields: Vec<proc_macro2::Ident> = plan
        .outputs
        .iter()
        .map(|o| {
            let mut i = crate::schema::ident(&o.name);
            i.set_span(o.span);
            i
        })
        .collect();
    let types: Vec<TokenStream> = plan.outputs.iter().map(output_type).collect();
    let name = model_name(model);
    let (row_type, items, body) = match plan.select {
        Select::Values(shape) => {
            let vals = values(0);
            match (shape, &plan.row) {
                (Shape::Flat, _) => {
                    let ty = types.first().cloned().unwrap_or_else(|| quote!(()));
                    let v = vals.first().cloned().unwrap_or_else(|| quote!(()));
                    (ty, TokenStream::new(), v)
                }
                (Shape::Tuple, _) => (
                    quote!((#(#types,)*)),
                    TokenStream::new(),
                    quote!((#(#vals,)*)),
                ),
                (Shape::Struct, Some(user)) => (
                    user.clone(),
                    TokenStream::new(),
                    quote!(#user { #(#fields: #vals),* }),
                ),
                (Shape::Struct, None) => {
                    let suffix = if plan.mode == Mode::One && plan.grouped_aggregate() {
                        "Aggregate"
                    } else {
                        "Values"
                    };
                    let st = format_ident!("{}{}", name, suffix);
                    let doc = format!("A row of `{name}` values, generated by `query!`.");
                    (
                        quote!(#st),
                        quote! {
                            #[doc = #doc]
                            #[derive(Debug, Clone, PartialEq)]
                            #[allow(non_snake_case, non_camel_case_types)]
                            pub struct #st { #(pub #fields: #types),* }
                        },
                        quote!(#st { #(#fields: #vals),* }),
                    )
                }
            }
        }
        Select::Model if plan.related.is_empty() && plan.outputs.is_empty() => {
            return TokenStream::new();
        }
        Select::Model => {
            let read = related_rows(plan, model);
            let mut width = plan.columns.len();
            let mut related = Vec::new();
            Selected::all_columns(&plan.related, &mut related);
            width += related.len();
            let vals = values(width);
            let holder = crate::schema::ident(&crate::schema::snake_case(&name));
            let model_row = quote! {{
                #[allow(unused_mut)]
                let mut __m = <#model as ::dunder::FromRow>::from_row(row)?;
                #read
                __m
            }};
            if plan.outputs.is_empty() {
                (model.clone(), TokenStream::new(), model_row)
            } else if let Some(user) = &plan.row {
                (
                    user.clone(),
                    TokenStream::new(),
                    quote!(#user { #holder: #model_row, #(#fields: #vals),* }),
                )
            } else {
                let st = format_ident!("{}Annotated", name);
                let doc = format!(
                    "A `{name}` with its annotations, generated by `query!`; it derefs to the `{name}`."
                );
                (
                    quote!(#st<#model>),
                    quote! {
                        #[doc = #doc]
                        #[derive(Debug, Clone, PartialEq)]
                        #[allow(non_snake_case, non_camel_case_types)]
                        pub struct #st<M> { pub #holder: M, #(pub #fields: #types),* }
                        impl<M> ::core::ops::Deref for #st<M> {
                            type Target = M;
                            fn deref(&self) -> &M {
                                &self.#holder
                            }
                        }
                        impl<M> ::core::ops::DerefMut for #st<M> {
                            fn deref_mut(&mut self) -> &mut M {
                                &mut self.#holder
                            }
                        }
                    },
                    quote!(#st { #holder: #model_row, #(#fields: #vals),* }),
                )
            }
        }
        Select::Count | Select::Exists => return TokenStream::new(),
    };
    quote! {
        #items
        struct __DunderRow;
        impl ::dunder::__private::Decoder for __DunderRow {
            type Row = #row_type;
            #[inline]
            #[allow(clippy::needless_question_mark)]
            fn decode<X: ::dunder::Row>(row: &X) -> ::dunder::Result<#row_type> {
                ::core::result::Result::Ok(#body)
            }
        }
    }
}

/// `select_related`: the statements that read each related row from the
/// columns after the model's (`__m`) and set it into its key (only when the
/// key is not NULL).
fn related_rows(plan: &Plan, model: &TokenStream) -> TokenStream {
    if plan.related.is_empty() {
        return TokenStream::new();
    }
    fn node(
        n: &Selected,
        var: &TokenStream,
        model: &TokenStream,
        offset: &mut usize,
    ) -> TokenStream {
        let accessor = format_ident!("__dunder_fk_{}", n.field);
        let target = if n.target.is_empty() {
            model.clone()
        } else {
            n.target.clone()
        };
        let at = *offset;
        *offset += n.columns.len();
        let children: Vec<TokenStream> = n
            .children
            .iter()
            .map(|c| node(c, &quote!(__r), model, offset))
            .collect();
        match n.reverse {
            None => quote! {
                if let ::core::option::Option::Some(__k) = #var.#accessor() {
                    #[allow(unused_mut)]
                    let mut __r = <#target as ::dunder::FromRow>::from_row_at(row, #at)?;
                    #(#children)*
                    __k.__set(__r);
                }
            },
            Some(pk) => {
                let link = format_ident!("__dunder_link_{}", n.field);
                let pk_at = at + pk;
                quote! {{
                    // Taken before `__r` names the related row.
                    let __slot = #var.#link();
                    let __present: ::core::option::Option<i64> =
                        ::dunder::Row::get(row, #pk_at, "select_related key")?;
                    if __present.is_some() {
                        #[allow(unused_mut)]
                        let mut __r = <#target as ::dunder::FromRow>::from_row_at(row, #at)?;
                        #(#children)*
                        __slot.__set(::core::option::Option::Some(__r));
                    } else {
                        __slot.__set(::core::option::Option::None);
                    }
                }}
            }
        }
    }
    let mut offset = plan.columns.len();
    let nodes: Vec<TokenStream> = plan
        .related
        .iter()
        .map(|n| node(n, &quote!(__m), model, &mut offset))
        .collect();
    quote!(#(#nodes)*)
}

fn sql(s: &Statement) -> TokenStream {
    let Statement { sqlite, postgres } = s;
    quote!(::dunder::Sql { sqlite: #sqlite, postgres: #postgres })
}

/// The expression of a `get_or_create` / `update_or_create`: its statements,
/// its parameters, and how to read a row's primary key.
pub fn get_or_create(
    plan: &Plan,
    model: &TokenStream,
    sqlite: &str,
    postgres: &str,
    g: &GetOrCreateSql,
) -> TokenStream {
    let params = params(plan, model, false);
    let get = sql(&Statement {
        sqlite: sqlite.to_owned(),
        postgres: postgres.to_owned(),
    });
    let update = match &g.update {
        Some((u, params)) => {
            let u = sql(u);
            quote!(::core::option::Option::Some((#u, &[#(#params),*])))
        }
        None => quote!(::core::option::Option::None),
    };
    let insert = sql(&g.insert);
    let insert_strict = sql(&g.insert_strict);
    let get_params = &g.get_params;
    let insert_params = &g.insert_params;
    let sources = sources(&g.sources);
    let pk_kind = match &plan.get_or_create {
        Some(p) => marker(p.pk.1),
        None => return quote!(::core::compile_error!("dunder: not a get_or_create")),
    };
    quote! {{
        static __DUNDER_SQL: ::dunder::__private::GetOrCreateSql = ::dunder::__private::GetOrCreateSql {
            get: #get,
            get_params: &[#(#get_params),*],
            update: #update,
            insert: #insert,
            insert_strict: #insert_strict,
            insert_params: &[#(#insert_params),*],
            sources: &[#(#sources),*],
        };
        fn __dunder_pk(row: &#model) -> ::dunder::Value<'_> {
            ::dunder::__private::value::<#pk_kind, _>(row.__dunder_pk_ref())
        }
        #params
        ::dunder::GetOrCreate::<#model>::__new(&__DUNDER_SQL, __dunder_params, __dunder_pk)
    }}
}

fn binding(b: &Binding, model: &TokenStream) -> TokenStream {
    if let Binding::Optional { slot, inner } = b {
        let mut inner = (**inner).clone();
        let Some(expr) = inner.expr_mut() else {
            return quote!(::core::compile_error!(
                "dunder: an optional value without an expression"
            ));
        };
        let user = expr.clone();
        // The value inside the `Option`, named by the macro, located on
        // the user's expression (a type error is reported there).
        let span = proc_macro2::Span::call_site().located_at(user.span());
        let v = proc_macro2::Ident::new("__dunder_v", span);
        *expr = syn::parse_quote!(#v);
        let push = binding(&inner, model);
        let nulls = (0..inner.param_count())
            .map(|_| quote!(__dunder_params.push(::dunder::Value::Null(::dunder::SqlType::Int));));
        let bit = 1usize << slot;
        let opt = quote_spanned!(user.span()=> ::dunder::__private::optional(#user));
        return quote! {
            match #opt {
                ::core::option::Option::Some(#v) => {
                    __dunder_variant |= #bit;
                    #push
                }
                ::core::option::Option::None => { #(#nulls)* }
            }
        };
    }
    let Parts {
        setup,
        values,
        after,
    } = parts(b, model);
    if setup.is_empty() && after.is_empty() {
        quote!(#(__dunder_params.push(#values);)*)
    } else {
        quote! {{
            #setup
            #(__dunder_params.push(#values);)*
            #after
        }}
    }
}

/// The binding `b` into locals `__dunder_p{first}`, `__dunder_p{first + 1}`,
/// … (its values in order), for a statement whose values are one array.
/// Not for an optional condition (whose values are picked at run time).
fn binding_in_place(b: &Binding, model: &TokenStream, first: usize) -> TokenStream {
    let Parts {
        setup,
        values,
        after,
    } = parts(b, model);
    let names: Vec<proc_macro2::Ident> = (first..first + values.len())
        .map(|i| format_ident!("__dunder_p{}", i))
        .collect();
    match (&names[..], &values[..]) {
        ([], _) => quote!({ #setup #after }),
        ([name], [value]) if setup.is_empty() && after.is_empty() => {
            quote!(let #name = #value;)
        }
        _ => quote! {
            let (#(#names,)*) = {
                #setup
                #after
                (#(#values,)*)
            };
        },
    }
}

/// What a binding evaluates: statements first (`setup`), then its values
/// in placeholder order, then `after` (which silences what is unused).
struct Parts {
    setup: TokenStream,
    values: Vec<TokenStream>,
    after: TokenStream,
}

impl Parts {
    fn one(value: TokenStream) -> Parts {
        Parts {
            setup: TokenStream::new(),
            values: vec![value],
            after: TokenStream::new(),
        }
    }
}

fn parts(b: &Binding, model: &TokenStream) -> Parts {
    match b {
        Binding::Optional { .. } => Parts {
            setup: quote!(::core::compile_error!(
                "dunder: an optional value in a statement of known values"
            );),
            values: Vec::new(),
            after: TokenStream::new(),
        },
        Binding::Default {
            field,
            kind,
            nullable,
        } => {
            let m = marker(*kind);
            let f = if *nullable {
                quote!(set_nullable)
            } else {
                quote!(value)
            };
            let default = format_ident!("__dunder_default_{}", field);
            Parts::one(quote!(::dunder::__private::#f::<#m, _>(<#model>::#default())))
        }
        Binding::Now { kind } => {
            let st = sql_type(*kind);
            Parts::one(quote!(::dunder::__private::now(#st, __dunder_now)))
        }
        Binding::Value { expr, kind } => {
            let m = marker(*kind);
            Parts::one(quote_spanned!(expr.span()=> ::dunder::__private::value::<#m, _>(#expr)))
        }
        Binding::Set {
            expr,
            kind,
            nullable,
        } => {
            let m = marker(*kind);
            let f = if *nullable {
                quote!(set_nullable)
            } else {
                quote!(value)
            };
            Parts::one(quote_spanned!(expr.span()=> ::dunder::__private::#f::<#m, _>(#expr)))
        }
        Binding::List { expr, kind } => {
            let m = marker(*kind);
            Parts::one(quote_spanned!(expr.span()=> ::dunder::__private::list::<#m, _>(#expr)))
        }
        Binding::Range { expr, kind } => {
            let m = marker(*kind);
            let call = quote_spanned!(expr.span()=> ::dunder::__private::range::<#m, _>(#expr));
            Parts {
                setup: quote!(let (__lo, __hi) = #call;),
                values: vec![quote!(__lo), quote!(__hi)],
                after: TokenStream::new(),
            }
        }
        Binding::Year {
            expr,
            column,
            iso,
            ends,
        } => {
            let m = marker(Kind::I32);
            let year = quote_spanned!(expr.span()=> ::dunder::__private::value::<#m, _>(#expr));
            let st = sql_type(*column);
            let (values, after) = match ends {
                YearEnds::Both => (vec![quote!(__first), quote!(__last)], TokenStream::new()),
                YearEnds::First => (vec![quote!(__first)], quote!(let _ = __last;)),
                YearEnds::Last => (vec![quote!(__last)], quote!(let _ = __first;)),
            };
            Parts {
                setup: quote! {
                    let __year = match #year { ::dunder::Value::Int(y) => y, _ => 0 };
                    let (__first, __last) = ::dunder::__private::year_bounds_of(#st, __year, #iso);
                },
                values,
                after,
            }
        }
        Binding::Slice {
            start,
            stop,
            limit,
            offset,
        } => {
            let start_v = match start {
                Some(e) => quote_spanned!(e.span()=> ::dunder::__private::slice_bound(#e)),
                None => quote!(0usize),
            };
            let stop_v = match stop {
                Some(e) => quote_spanned!(e.span()=> ::dunder::__private::slice_bound(#e)),
                None => quote!(usize::MAX),
            };
            let mut values = Vec::new();
            if *limit {
                values.push(quote!(::dunder::__private::limit(__start, __stop)));
            }
            if *offset {
                values.push(quote!(::dunder::__private::offset(__start)));
            }
            Parts {
                setup: quote! {
                    let __start: usize = #start_v;
                    let __stop: usize = #stop_v;
                },
                values,
                after: TokenStream::new(),
            }
        }
    }
}

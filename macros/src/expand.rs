//! The pipeline driver of `query!`, above every phase: the entry that finds
//! the model's schema, and the expansion that runs
//! parse → resolve → plan → { render, codegen }.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{bracketed, parenthesized, Token};

use crate::plan;
use crate::query::resolve::{Need, Schemas};
use crate::query::{parse, resolve};
use crate::schema::ModelSchema;
use crate::sql::{GetOrCreateSql, Statement};

/// The rendered SQL of a query in both dialects, and its plan.
#[derive(Debug)]
pub struct Compiled {
    pub plan: plan::Plan,
    pub sqlite: String,
    pub postgres: String,
    /// A query with optional conditions: its statement per combination of
    /// them (empty otherwise).
    pub variants: Vec<(Statement, Vec<usize>)>,
    /// `get_or_create` / `update_or_create`: the statements after the `get`.
    pub get_or_create: Option<GetOrCreateSql>,
}

/// What compiling a query gives: its SQL, or the schema of a related
/// model it needs first.
#[derive(Debug)]
pub enum Outcome {
    Done(Box<Compiled>),
    Need(Need),
}

/// The whole pipeline for a model and the tokens after it, without
/// generating code: what the unit tests and snapshots call.
pub fn compile(schemas: &Schemas, chain: TokenStream) -> syn::Result<Outcome> {
    let ast = parse::parse_chain(chain)?;
    let plan = match resolve::resolve(schemas, &ast) {
        Err(need) => return Ok(Outcome::Need(need)),
        Ok(plan) => plan?,
    };
    let zero_based = |v: Vec<usize>| v.into_iter().map(|n| n - 1).collect::<Vec<_>>();
    // Every statement numbers the placeholders it uses 1, 2, …: a value
    // the SQL does not read (an annotation left out of `values(…)`) is not
    // bound.
    let mut get = plan.clone();
    let taken = zero_based(get.renumber());
    let Statement { sqlite, postgres } = Statement::of(&get);
    let count: usize = plan.bindings.iter().map(plan::Binding::param_count).sum();
    let get_params = match plan.get_or_create {
        Some(_) => taken.clone(),
        None => Vec::new(),
    };
    let get_or_create = plan.get_or_create_plans().map(|mut p| {
        let insert_params = zero_based(p.insert.renumber());
        p.insert_strict.renumber();
        // The created row holds what was sent and reads back only what the
        // database computes, as `create` does.
        p.insert.fill_created(&schemas.root.fields);
        p.insert_strict.fill_created(&schemas.root.fields);
        let sources = match &p.insert.write {
            Some(plan::Write::InsertIfAbsent(_, fill)) => fill.sources.clone(),
            _ => Vec::new(),
        };
        GetOrCreateSql {
            sources,
            get_params: get_params.clone(),
            update: p.update.as_mut().map(|u| {
                let params = zero_based(u.renumber());
                (Statement::of(u), params)
            }),
            insert: Statement::of(&p.insert),
            insert_strict: Statement::of(&p.insert_strict),
            insert_params,
        }
    });
    // With optional conditions, a statement per combination: resolved
    // again without the absent ones (and their joins), each numbering its
    // own placeholders and saying which of the values it takes. A run-time
    // order key multiplies them by the fields and directions it can be.
    let mut variants = Vec::new();
    let keys = match plan.runtime_order {
        Some(_) => 2 * schemas.root.fields.len(),
        None => 1,
    };
    let combinations: u64 = if plan.optional > 0 && plan.optional <= resolve::MAX_OPTIONAL {
        1u64 << plan.optional
    } else {
        1
    };
    if plan.optional == 0 && keys == 1 && plan.get_or_create.is_none() && taken.len() < count {
        // One statement that takes some of the values.
        variants.push((
            Statement {
                sqlite: sqlite.clone(),
                postgres: postgres.clone(),
            },
            taken,
        ));
    }
    if combinations > 1 || keys > 1 {
        let total = combinations as usize * keys;
        if total > resolve::MAX_VARIANTS {
            let span = plan
                .runtime_order
                .as_ref()
                .map_or_else(Span::call_site, |e| syn::spanned::Spanned::span(&**e));
            return Err(syn::Error::new(
                span,
                format!(
                    "this query would be {total} statements ({combinations} combinations of its optional conditions × {keys} fields and directions of the run-time order key); at most {}: use fewer optional conditions",
                    resolve::MAX_VARIANTS
                ),
            ));
        }
        let all = combinations - 1;
        for present in 0..combinations {
            for key in 0..keys {
                let mut v = match resolve::resolve_variant(schemas, &ast, all & !present, key) {
                    Err(need) => return Ok(Outcome::Need(need)),
                    Ok(v) => v?,
                };
                let take = zero_based(v.renumber());
                variants.push((Statement::of(&v), take));
            }
        }
    }
    Ok(Outcome::Done(Box::new(Compiled {
        plan,
        sqlite,
        postgres,
        get_or_create,
        variants,
    })))
}

/// An error as an expression that causes no follow-up errors.
pub fn error_expr(e: syn::Error) -> TokenStream {
    let errors = e.to_compile_error();
    quote!({ #errors ::core::unreachable!() })
}

/// `query!(Model …)` → `Model! { @dunder_query (Model) … }`: the schema macro
/// that `#[derive(Model)]` put beside the struct (reached by the same path)
/// calls `__query_with_schema!` with the schema and these tokens.
pub fn entry(input: TokenStream) -> TokenStream {
    // The model path: `[::] ident (:: ident)*`.
    let tokens: Vec<TokenTree> = input.clone().into_iter().collect();
    let is_colon =
        |i: usize| matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':');
    let is_ident = |i: usize| matches!(tokens.get(i), Some(TokenTree::Ident(_)));
    let mut end = 0;
    if is_colon(0) && is_colon(1) {
        end = 2;
    }
    if is_ident(end) {
        end += 1;
        while is_colon(end) && is_colon(end + 1) && is_ident(end + 2) {
            end += 3;
        }
    } else {
        end = 0;
    }
    let path: Vec<TokenTree> = tokens[..end].to_vec();
    let rest: TokenStream = tokens[end..].iter().cloned().collect();
    if path.is_empty() {
        let span = input
            .into_iter()
            .next()
            .map(|t| t.span())
            .unwrap_or_else(Span::call_site);
        return error_expr(syn::Error::new(
            span,
            "expected a model first: `query!(Article.filter(…))` or `query!(Article, field = value)`",
        ));
    }
    let path: TokenStream = path.into_iter().collect();
    if let Err(e) = syn::parse2::<syn::Path>(path.clone()) {
        return error_expr(e);
    }
    let payload = Group::new(Delimiter::Parenthesis, path.clone());
    let rest = Group::new(Delimiter::Parenthesis, rest);
    quote! {{
        ::dunder::__private::assert_model::<#path>();
        #path! { @dunder_query #payload #rest }
    }}
}

/// `__query_with_schema!([schema] @dunder_query (path) (chain))` from the
/// query's model, or `__query_with_schema!([schema] @dunder_hop "key"
/// ([root] ("key" [schema])*) (path) (chain))` from a related model whose
/// schema the query asked for under `key`.
struct Input {
    schemas: Schemas,
    path: TokenStream,
    chain: TokenStream,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let schema_tokens;
        bracketed!(schema_tokens in input);
        let schema: ModelSchema = schema_tokens.parse()?;
        input.parse::<Token![@]>()?;
        let tag: syn::Ident = input.parse()?;
        let schemas = if tag == "dunder_query" {
            Schemas::single(schema)
        } else if tag == "dunder_hop" {
            let key: syn::LitStr = input.parse()?;
            let known;
            parenthesized!(known in input);
            let root;
            bracketed!(root in known);
            let mut schemas = Schemas::single(root.parse()?);
            while !known.is_empty() {
                let entry;
                parenthesized!(entry in known);
                let k: syn::LitStr = entry.parse()?;
                let s;
                bracketed!(s in entry);
                schemas.related.push((k.value(), s.parse()?));
            }
            schemas.related.push((key.value(), schema));
            schemas
        } else {
            return Err(syn::Error::new(tag.span(), "expected `@dunder_query`"));
        };
        let path;
        parenthesized!(path in input);
        let chain;
        parenthesized!(chain in input);
        Ok(Input {
            schemas,
            path: path.parse()?,
            chain: chain.parse()?,
        })
    }
}

/// The expansion of `__query_with_schema!`.
pub fn expand(input: TokenStream) -> TokenStream {
    let input: Input = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return error_expr(e),
    };
    match compile(&input.schemas, input.chain.clone()) {
        Ok(Outcome::Need(need)) => hop(&input, &need),
        Ok(Outcome::Done(c)) => match &c.get_or_create {
            Some(g) => {
                crate::codegen::get_or_create(&c.plan, &input.path, &c.sqlite, &c.postgres, g)
            }
            None => {
                crate::codegen::expand(&c.plan, &input.path, &c.sqlite, &c.postgres, &c.variants)
            }
        },
        Err(e) => error_expr(e),
    }
}

/// Expands again through the schema macro of a related model (DESIGN §2):
/// `Target! { @dunder_hop "key" ([root] ("key" [schema])*) (path) (chain) }`,
/// which calls `__query_with_schema!` with its schema in front.
fn hop(input: &Input, need: &Need) -> TokenStream {
    let key = syn::LitStr::new(&need.key, Span::call_site());
    let root = input.schemas.root.to_tokens();
    let known = input.schemas.related.iter().map(|(k, s)| {
        let k = syn::LitStr::new(k, Span::call_site());
        let s = s.to_tokens();
        quote!((#k [#s]))
    });
    let target = &need.path;
    let path = Group::new(Delimiter::Parenthesis, input.path.clone());
    let chain = Group::new(Delimiter::Parenthesis, input.chain.clone());
    quote! {
        #target! { @dunder_hop #key ([#root] #(#known)*) #path #chain }
    }
}

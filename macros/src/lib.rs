//! Procedural macros of [dunder](https://docs.rs/dunder): `#[derive(Model)]`
//! and `query!`. Use them through the `dunder` crate, which re-exports them.
//!
//! Inside: `parse (syn) → AST → resolve against the schema → plan →
//! { sql::render(dialect), codegen }`, each a plain module over
//! `proc_macro2`, so all of it is unit-tested without compiling user code.

mod codegen;
mod expand;
mod lookups;
mod migrations;
mod model;
mod plan;
mod query;
mod schema;
mod sql;
mod util;

#[cfg(test)]
mod expansion;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Derives `dunder::Model` for a struct with named fields. See the `dunder` crate.
#[proc_macro_derive(Model, attributes(dunder))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let location = location(&input);
    model::derive(input.into(), &location)
        .unwrap_or_else(model::Failed::into_tokens)
        .into()
}

/// Where the derive was invoked, to give the schema macro a unique and
/// deterministic name.
fn location(input: &TokenStream) -> String {
    let span = input
        .clone()
        .into_iter()
        .find(|t| matches!(t, proc_macro::TokenTree::Ident(i) if i.to_string() != "pub" && i.to_string() != "struct"))
        .map(|t| t.span())
        .unwrap_or_else(proc_macro::Span::call_site);
    format!(
        "{}:{}:{}:{}:{}",
        std::env::var("CARGO_CRATE_NAME").unwrap_or_default(),
        span.file(),
        span.line(),
        span.column(),
        input
    )
}

/// Builds a query. See the `dunder` crate.
#[proc_macro]
pub fn query(input: TokenStream) -> TokenStream {
    expand::entry(input.into()).into()
}

#[doc(hidden)]
#[proc_macro]
pub fn __query_with_schema(input: TokenStream) -> TokenStream {
    expand::expand(input.into()).into()
}

/// `embed_migrations!("migrations")`: the migration files of the directory
/// (relative to the crate's `Cargo.toml`; `"migrations"` when omitted),
/// built into the program, as `dunder::Result<dunder::migrate::Migrations>`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    migrations::embed(input.into())
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

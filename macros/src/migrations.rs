//! `embed_migrations!`: the migration files of a directory as string
//! constants of the program.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

pub fn embed(input: TokenStream) -> syn::Result<TokenStream> {
    let lit: Option<LitStr> = if input.is_empty() {
        None
    } else {
        Some(syn::parse2(input)?)
    };
    let (rel, span) = match &lit {
        Some(l) => (l.value(), l.span()),
        None => ("migrations".to_owned(), Span::call_site()),
    };
    let root = std::env::var("CARGO_MANIFEST_DIR").map_err(|_| {
        syn::Error::new(
            span,
            "embed_migrations!: CARGO_MANIFEST_DIR is not set (build with cargo)",
        )
    })?;
    let dir = std::path::Path::new(&root).join(&rel);
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        syn::Error::new(
            span,
            format!(
                "embed_migrations!: cannot read the directory `{rel}` beside Cargo.toml ({}); run `makemigrations` first, or give the directory relative to Cargo.toml",
                e.kind()
            ),
        )
    })?;
    let mut files: Vec<(String, String)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_owned(), p.to_str()?.to_owned())))
        .collect();
    files.sort();
    let items = files
        .iter()
        .map(|(name, path)| quote!((#name, ::core::include_str!(#path))));
    Ok(quote! {
        ::dunder::migrate::Migrations::from_texts([#(#items),*])
    })
}

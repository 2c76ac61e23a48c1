//! Snapshots of the Rust the macros generate, printed by prettyplease (as
//! diesel_derives' `expand_with` tests do), so a change to the generated
//! code shows in review as a diff of `snapshots/dunder_macros__expansion__*.snap`.
//!
//! Queries are expanded as the compiler expands them: `__query_with_schema!`
//! with the model's schema, and again through each related model's schema
//! macro when a hop asks for it (the registry of `tests.rs` stands in for
//! the schema macros), down to the final expression.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{format_ident, quote};

use crate::schema::ModelSchema;

/// Prints items as a Rust file.
fn pretty(items: TokenStream) -> String {
    let file: syn::File = syn::parse2(items.clone())
        .unwrap_or_else(|e| panic!("the expansion does not parse: {e}\n{items}"));
    prettyplease::unparse(&file)
}

/// Prints an expression as the body of `fn __expansion()`.
fn pretty_expr(expr: TokenStream) -> String {
    pretty(quote!(fn __expansion() { #expr }))
}

fn schema(name: &str) -> ModelSchema {
    crate::tests::registry()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no model {name} in the registry"))
}

/// `Target! { … }`, the call of a related model's schema macro a hop
/// expands to: the target's name and the tokens inside.
fn schema_macro_call(tokens: &TokenStream) -> Option<(String, TokenStream)> {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match tokens.as_slice() {
        [.., TokenTree::Ident(target), TokenTree::Punct(bang), TokenTree::Group(g)]
            if bang.as_char() == '!' && g.delimiter() == Delimiter::Brace =>
        {
            Some((target.to_string(), g.stream()))
        }
        _ => None,
    }
}

/// `$crate` as the schema macro's `macro_rules!` replaces it, for a model
/// of the crate being compiled: `crate`.
fn dollar_crate(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(t) = tokens.next() {
        match t {
            TokenTree::Punct(p)
                if p.as_char() == '$'
                    && matches!(tokens.peek(), Some(TokenTree::Ident(i)) if i == "crate") => {}
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), dollar_crate(g.stream()));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            t => out.push(t),
        }
    }
    out.into_iter().collect()
}

/// The expansion of `query!(<model> <chain>)` once every schema macro it
/// goes through has expanded.
fn expand_query(model: &str, chain: TokenStream) -> TokenStream {
    let path = format_ident!("{model}");
    let mut schema = schema(model);
    let mut call = quote!(@dunder_query (#path) (#chain));
    for _ in 0..32 {
        // What the schema macro does: its schema in front of the tokens.
        let tokens = dollar_crate(schema.to_tokens());
        let out = crate::expand::expand(quote!([#tokens] #call));
        match schema_macro_call(&out) {
            Some((target, inner)) => {
                schema = self::schema(&target);
                call = inner;
            }
            None => return out,
        }
    }
    panic!("too many hops")
}

fn assert_query(name: &str, model: &str, chain: TokenStream) {
    let out = expand_query(model, chain.clone());
    let text = out.to_string();
    assert!(
        !text.contains("compile_error"),
        "`{model}{chain}` is an error: {text}"
    );
    insta::assert_snapshot!(
        format!("query_{name}"),
        pretty_expr(out),
        &format!("query!({model}{chain})").replace(' ', "")
    );
}

#[test]
fn query_filter() {
    assert_query(
        "filter",
        "Article",
        quote!(.filter(title__icontains = q, rating__gte = 3).order_by(-rating)),
    );
}

#[test]
fn query_count() {
    assert_query(
        "count",
        "Article",
        quote!(.filter(author__name = name).count()),
    );
}

#[test]
fn query_update_f() {
    assert_query(
        "update_f",
        "Article",
        quote!(.filter(id = pk).update(rating = F(rating) + 1)),
    );
}

#[test]
fn query_values_annotate() {
    assert_query(
        "values_annotate",
        "Article",
        quote!(.values(author__name).annotate(n = Count(pk), avg = Avg(rating))),
    );
}

#[test]
fn query_annotated_rows() {
    assert_query(
        "annotated_rows",
        "Author",
        quote!(.annotate(n = Count(articles))),
    );
}

#[test]
fn query_optional() {
    assert_query(
        "optional",
        "Article",
        quote!(.filter(title__icontains = q?, rating__gte = r)),
    );
}

#[test]
fn query_get_or_create() {
    assert_query(
        "get_or_create",
        "Article",
        quote!(.get_or_create(title = t, defaults(rating = 0, author = a))),
    );
}

#[test]
fn query_select_related() {
    assert_query(
        "select_related",
        "Article",
        quote!(.select_related(author).filter(rating__gt = 3)),
    );
}

#[test]
fn query_prefetch_related() {
    assert_query(
        "prefetch_related",
        "Author",
        quote!(.prefetch_related(articles, articles__tags)),
    );
}

/// The derive of a model with a foreign key, a many-to-many and a reverse
/// relation: the impls, `New<Model>`, the instance methods, the related
/// manager and the schema macro.
#[test]
fn derive_model() {
    let input = quote! {
        pub struct Article {
            pub id: i64,
            pub title: String,
            pub author: ForeignKey<crate::Author>,
            pub tags: ManyToMany<crate::Tag>,
            #[dunder(related = article)]
            pub comments: Reverse<crate::Comment>,
        }
    };
    let out = crate::model::derive(input, "expansion")
        .unwrap_or_else(|e| panic!("the derive failed: {e}"));
    insta::assert_snapshot!("derive", pretty(out));
}

/// A derive in error: the errors, then the fallback built from the fields
/// that could be read (here every field but `views`).
#[test]
fn derive_fallback() {
    let input = quote! {
        pub struct Article {
            pub id: i64,
            pub title: String,
            pub views: u32,
            #[dunder(colunm = "body_text")]
            pub body: String,
            pub author: ForeignKey<crate::Author>,
            pub tags: ManyToMany<crate::Tag>,
        }
    };
    let failed = match crate::model::derive(input, "expansion") {
        Ok(_) => panic!("the derive should fail"),
        Err(failed) => failed,
    };
    let messages: Vec<String> = failed
        .errors
        .clone()
        .into_iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(failed.fallback.is_some());
    insta::assert_snapshot!("derive_fallback", pretty(failed.into_tokens()));
}

/// The derive of a model with decimal fields: `numeric(p, s)` in its
/// columns, `Quantize` in `FromRow` (read at the field's scale) and the
/// precision in the schema tokens.
#[test]
fn derive_decimal() {
    let input = quote! {
        pub struct Product {
            pub id: i64,
            #[dunder(max_digits = 8, decimal_places = 2)]
            pub price: Option<Decimal>,
            #[dunder(max_digits = 5, decimal_places = 0, default = Decimal::ZERO)]
            pub stock: Decimal,
        }
    };
    let out = crate::model::derive(input, "expansion")
        .unwrap_or_else(|e| panic!("the derive failed: {e}"));
    insta::assert_snapshot!("derive_decimal", pretty(out));
}

/// A decimal column in `values()` is read at its field's scale; an
/// expression is read as the database computes it.
#[test]
fn query_values_decimal() {
    assert_query(
        "values_decimal",
        "Product",
        quote!(.values(price, doubled = F(price) * 2)),
    );
}

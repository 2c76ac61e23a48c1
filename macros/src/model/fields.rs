//! The field enum of a model (`ArticleField`): what a run-time order key
//! (`order_by({key})`, a `dunder::Order<ArticleField>`) names.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::DeriveInput;

use crate::schema::ModelSchema;

/// `published_date` → `PublishedDate`.
pub fn upper_camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'F');
    }
    out
}

/// The enum `<Model>Field`, its `dunder::Field`, `FromStr` and `Display`
/// impls, and `HasFields` for the model. Variants follow the columns'
/// order (the order `query!` writes a run-time key's statements in).
pub fn field_enum(input: &DeriveInput, schema: &ModelSchema) -> syn::Result<TokenStream> {
    let name = &input.ident;
    let vis = &input.vis;
    let enum_name = format_ident!("{}Field", name);
    let mut variants: Vec<syn::Ident> = Vec::new();
    for f in &schema.fields {
        let v = format_ident!("{}", upper_camel(&f.name));
        if let Some(i) = variants.iter().position(|x| *x == v) {
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "`{name}`: fields `{}` and `{}` would both be `{enum_name}::{v}`; rename one",
                    schema.fields[i].name, f.name
                ),
            ));
        }
        variants.push(v);
    }
    let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    let arms = schema.fields.iter().zip(&variants).map(|(f, v)| {
        let mut spellings = vec![f.name.clone()];
        if f.primary_key {
            spellings.push("pk".to_owned());
        }
        if f.column != f.name && f.target.is_some() {
            // A foreign key's column (`author_id`), as Django's attname.
            spellings.push(f.column.clone());
        }
        quote!(#(#spellings)|* => ::core::option::Option::Some(#enum_name::#v))
    });
    let docs = schema.fields.iter().map(|f| format!("`{}`", f.name));
    let doc = format!(
        "The fields of [`{name}`], for ordering chosen at run time: `query!({name}.order_by({{key}}))` with `key: dunder::Order<{enum_name}>`, parsed from Django's `\"-field\"` form."
    );
    let indices = 0..variants.len();
    Ok(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #vis enum #enum_name {
            #(#[doc = #docs] #variants,)*
        }

        impl ::dunder::Field for #enum_name {
            const MODEL: &'static str = ::core::stringify!(#name);
            const NAMES: &'static [&'static str] = &[#(#names),*];
            #[inline]
            fn index(self) -> usize {
                match self {
                    #(#enum_name::#variants => #indices,)*
                }
            }
            fn from_name(name: &str) -> ::core::option::Option<Self> {
                match name {
                    #(#arms,)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl #enum_name {
            /// Ascending by this field.
            #[inline]
            pub fn asc(self) -> ::dunder::Order<Self> {
                ::dunder::Order::asc(self)
            }
            /// Descending by this field.
            #[inline]
            pub fn desc(self) -> ::dunder::Order<Self> {
                ::dunder::Order::desc(self)
            }
        }

        impl ::core::str::FromStr for #enum_name {
            type Err = ::dunder::UnknownField;
            fn from_str(s: &str) -> ::core::result::Result<Self, ::dunder::UnknownField> {
                <Self as ::dunder::Field>::from_name(s)
                    .ok_or_else(|| ::dunder::UnknownField::new::<Self>(s))
            }
        }

        impl ::core::fmt::Display for #enum_name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(<Self as ::dunder::Field>::name(*self))
            }
        }

        impl ::dunder::HasFields for #name {
            type Field = #enum_name;
        }
    })
}

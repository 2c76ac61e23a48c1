//! The schema of a model as the derive hands it to `query!`.
//!
//! `#[derive(Model)]` serialises a [`ModelSchema`] into the tokens of a hidden
//! `macro_rules!` (see `model::emit_schema_macro`); `query!` calls that macro,
//! which passes the tokens back to the `__query_with_schema` proc macro, where
//! [`ModelSchema::parse`] reads them. The first token is the protocol version:
//! a schema written by another version of `dunder-macros` is an error, not a
//! misreading.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::{braced, parenthesized, LitStr, Token};

/// The protocol version in every schema.
pub const PROTOCOL: &str = "dunder_schema_v1";

/// The kind of value a field holds, read from its Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Bool,
    I16,
    I32,
    I64,
    F32,
    F64,
    Text,
    Bytes,
    Date,
    DateTime,
    DateTimeUtc,
    Time,
    /// `ForeignKey<T>`: the target's primary key (i64).
    ForeignKey,
}

impl FieldKind {
    pub const ALL: [FieldKind; 13] = [
        FieldKind::Bool,
        FieldKind::I16,
        FieldKind::I32,
        FieldKind::I64,
        FieldKind::F32,
        FieldKind::F64,
        FieldKind::Text,
        FieldKind::Bytes,
        FieldKind::Date,
        FieldKind::DateTime,
        FieldKind::DateTimeUtc,
        FieldKind::Time,
        FieldKind::ForeignKey,
    ];

    /// The name used in schema tokens.
    pub fn token(self) -> &'static str {
        match self {
            FieldKind::Bool => "Bool",
            FieldKind::I16 => "I16",
            FieldKind::I32 => "I32",
            FieldKind::I64 => "I64",
            FieldKind::F32 => "F32",
            FieldKind::F64 => "F64",
            FieldKind::Text => "Text",
            FieldKind::Bytes => "Bytes",
            FieldKind::Date => "Date",
            FieldKind::DateTime => "DateTime",
            FieldKind::DateTimeUtc => "DateTimeUtc",
            FieldKind::Time => "Time",
            FieldKind::ForeignKey => "ForeignKey",
        }
    }

    fn from_token(s: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.token() == s)
    }

    /// The Rust type a user writes for it, in messages.
    pub fn rust_name(self) -> &'static str {
        match self {
            FieldKind::Bool => "bool",
            FieldKind::I16 => "i16",
            FieldKind::I32 => "i32",
            FieldKind::I64 => "i64",
            FieldKind::F32 => "f32",
            FieldKind::F64 => "f64",
            FieldKind::Text => "String",
            FieldKind::Bytes => "Vec<u8>",
            FieldKind::Date => "NaiveDate",
            FieldKind::DateTime => "NaiveDateTime",
            FieldKind::DateTimeUtc => "DateTime<Utc>",
            FieldKind::Time => "NaiveTime",
            FieldKind::ForeignKey => "ForeignKey",
        }
    }

    /// The kind of the values a field of this kind holds and compares with
    /// (a foreign key holds its target's `i64` key).
    pub fn value_kind(self) -> FieldKind {
        if self == FieldKind::ForeignKey {
            FieldKind::I64
        } else {
            self
        }
    }

    /// The variant of `dunder::SqlType`.
    pub fn sql_type(self) -> &'static str {
        match self {
            FieldKind::Bool => "Bool",
            FieldKind::I16 => "SmallInt",
            FieldKind::I32 => "Int",
            FieldKind::I64 | FieldKind::ForeignKey => "BigInt",
            FieldKind::F32 => "Real",
            FieldKind::F64 => "Double",
            FieldKind::Text => "Text",
            FieldKind::Bytes => "Blob",
            FieldKind::Date => "Date",
            FieldKind::DateTime => "Timestamp",
            FieldKind::DateTimeUtc => "TimestampTz",
            FieldKind::Time => "Time",
        }
    }
}

/// One field of a model.
#[derive(Debug, Clone)]
pub struct FieldSchema {
    /// The Rust field name.
    pub name: String,
    /// The column name.
    pub column: String,
    pub kind: FieldKind,
    pub nullable: bool,
    pub primary_key: bool,
    /// `#[dunder(default = …)]`: the model has `__dunder_default_<field>()`.
    pub default: bool,
    /// `#[dunder(auto_now_add)]` / `#[dunder(auto_now)]`: set to now on create.
    pub auto_now: bool,
    /// `#[dunder(auto_now)]`: also set to now by `save()`.
    pub auto_now_update: bool,
    /// The relation target's path (`$crate::…`, `::krate::…` or `Self`), for a foreign key.
    pub target: Option<TokenStream>,
}

/// An integer primary key that is not a foreign key: the database numbers it.
pub fn is_auto(f: &FieldSchema) -> bool {
    f.primary_key && matches!(f.kind, FieldKind::I16 | FieldKind::I32 | FieldKind::I64)
}

/// A model, as `query!` sees it.
#[derive(Debug, Clone)]
pub struct ModelSchema {
    /// The struct's name.
    pub name: String,
    pub table: String,
    pub fields: Vec<FieldSchema>,
}

impl ModelSchema {
    pub fn primary_key(&self) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.primary_key)
    }

    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Serialises the schema (read back by [`ModelSchema::parse`]).
    pub fn to_tokens(&self) -> TokenStream {
        let version = Ident::new(PROTOCOL, Span::call_site());
        let name = ident(&self.name);
        let table = LitStr::new(&self.table, Span::call_site());
        let fields = self.fields.iter().map(|f| {
            let name = ident(&f.name);
            let column = LitStr::new(&f.column, Span::call_site());
            let kind = Ident::new(f.kind.token(), Span::call_site());
            let null = f.nullable.then(|| quote!(null));
            let pk = f.primary_key.then(|| quote!(pk));
            let default = f.default.then(|| quote!(default));
            let now = f.auto_now.then(|| quote!(now));
            let now_update = f.auto_now_update.then(|| quote!(now_update));
            let target = f.target.as_ref().map(|t| quote!(rel(#t)));
            quote!(#name #column #kind #null #pk #default #now #now_update #target;)
        });
        quote!(#version #name #table { #(#fields)* })
    }
}

impl Parse for ModelSchema {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let version: Ident = input.parse()?;
        if version != PROTOCOL {
            return Err(syn::Error::new(
                version.span(),
                format!(
                    "this model was derived by another version of dunder-macros (schema protocol `{version}`, expected `{PROTOCOL}`): use one version of dunder in the whole build"
                ),
            ));
        }
        let name = syn::ext::IdentExt::parse_any(input)?;
        let table: LitStr = input.parse()?;
        let body;
        braced!(body in input);
        let mut fields = Vec::new();
        while !body.is_empty() {
            let name = syn::ext::IdentExt::parse_any(&body)?;
            let column: LitStr = body.parse()?;
            let kind_ident: Ident = body.parse()?;
            let kind = FieldKind::from_token(&kind_ident.to_string()).ok_or_else(|| {
                syn::Error::new(kind_ident.span(), "unknown field kind in schema")
            })?;
            let mut f = FieldSchema {
                name: unraw(&name),
                column: column.value(),
                kind,
                nullable: false,
                primary_key: false,
                default: false,
                auto_now: false,
                auto_now_update: false,
                target: None,
            };
            while !body.peek(Token![;]) {
                let flag: Ident = body.parse()?;
                match flag.to_string().as_str() {
                    "null" => f.nullable = true,
                    "pk" => f.primary_key = true,
                    "default" => f.default = true,
                    "now" => f.auto_now = true,
                    "now_update" => f.auto_now_update = true,
                    "rel" => {
                        let inner;
                        parenthesized!(inner in body);
                        f.target = Some(inner.parse()?);
                    }
                    _ => return Err(syn::Error::new(flag.span(), "unknown flag in schema")),
                }
            }
            body.parse::<Token![;]>()?;
            fields.push(f);
        }
        Ok(ModelSchema {
            name: unraw(&name),
            table: table.value(),
            fields,
        })
    }
}

impl ToTokens for FieldKind {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        Ident::new(self.token(), Span::call_site()).to_tokens(tokens)
    }
}

/// An identifier's name without `r#`.
pub fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// An identifier for a name, raw (`r#type`) where the name is a keyword.
pub fn ident(name: &str) -> Ident {
    syn::parse_str::<Ident>(name).unwrap_or_else(|_| Ident::new_raw(name, Span::call_site()))
}

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
pub const PROTOCOL: &str = "dunder_schema_v3";

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
    /// `rust_decimal::Decimal` (its precision is in [`FieldSchema::decimal`]).
    Decimal,
    /// `ForeignKey<T>`: the target's primary key (i64).
    ForeignKey,
}

impl FieldKind {
    pub const ALL: [FieldKind; 14] = [
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
        FieldKind::Decimal,
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
            FieldKind::Decimal => "Decimal",
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
            FieldKind::Decimal => "Decimal",
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

    /// What lookups and transforms see of it.
    pub fn class(self) -> crate::lookups::Class {
        use crate::lookups::Class;
        match self {
            FieldKind::Bool => Class::Bool,
            FieldKind::I16
            | FieldKind::I32
            | FieldKind::I64
            | FieldKind::F32
            | FieldKind::F64
            | FieldKind::Decimal => Class::Number,
            FieldKind::Text => Class::Text,
            FieldKind::Bytes => Class::Bytes,
            FieldKind::Date => Class::Date,
            FieldKind::DateTime | FieldKind::DateTimeUtc => Class::DateTime,
            FieldKind::Time => Class::Time,
            FieldKind::ForeignKey => Class::Key,
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
            FieldKind::Decimal => "Decimal",
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
    /// A `OneToOne` key: unique.
    pub unique: bool,
    /// A `Decimal` field's `(max_digits, decimal_places)`.
    pub decimal: Option<(u16, u16)>,
}

/// What a relation field that is not a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `ManyToMany<T>`: rows of a through table.
    ManyToMany,
    /// `Reverse<T>`: the other side of a `ForeignKey` or `ManyToMany` of `T`.
    Reverse,
    /// `ReverseOne<T>`: the other side of a `OneToOne` of `T`.
    ReverseOne,
}

impl LinkKind {
    pub fn token(self) -> &'static str {
        match self {
            LinkKind::ManyToMany => "ManyToMany",
            LinkKind::Reverse => "Reverse",
            LinkKind::ReverseOne => "ReverseOne",
        }
    }

    fn from_token(s: &str) -> Option<LinkKind> {
        [
            LinkKind::ManyToMany,
            LinkKind::Reverse,
            LinkKind::ReverseOne,
        ]
        .into_iter()
        .find(|k| k.token() == s)
    }
}

/// The through table of a many-to-many relation.
#[derive(Debug, Clone)]
pub enum Through {
    /// Django's automatic table `<table>_<field>` with `<model>_id` and
    /// `<target>_id`.
    Auto {
        table: String,
        source: String,
        target: String,
    },
    /// `#[dunder(through = crate::Membership)]`: a model with a foreign key
    /// to each side.
    Model(TokenStream),
}

/// A relation field that is not a column.
#[derive(Debug, Clone)]
pub struct LinkSchema {
    pub name: String,
    pub kind: LinkKind,
    /// The other model's path (`$crate::…`, `::krate::…` or `Self`).
    pub target: TokenStream,
    /// `Reverse`/`ReverseOne`: the field of the other model this mirrors.
    pub related: Option<String>,
    /// `ManyToMany`: its through table.
    pub through: Option<Through>,
}

/// An integer primary key that is not a foreign key: the database numbers it.
pub fn is_auto(f: &FieldSchema) -> bool {
    f.primary_key && matches!(f.kind, FieldKind::I16 | FieldKind::I32 | FieldKind::I64)
}

/// A model, as `query!` sees it.
#[derive(Debug, Clone)]
pub struct ModelSchema {
    /// Unique in the build: the hash in the schema macro's name.
    pub id: String,
    /// The struct's name.
    pub name: String,
    pub table: String,
    /// The columns, in field order.
    pub fields: Vec<FieldSchema>,
    /// The relation fields that are not columns.
    pub links: Vec<LinkSchema>,
}

impl ModelSchema {
    pub fn primary_key(&self) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.primary_key)
    }

    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field of an annotated row that holds the model (`article`).
    pub fn row_field(&self) -> String {
        snake_case(&self.name)
    }

    pub fn link(&self, name: &str) -> Option<&LinkSchema> {
        self.links.iter().find(|l| l.name == name)
    }

    /// Serialises the schema (read back by [`ModelSchema::parse`]).
    pub fn to_tokens(&self) -> TokenStream {
        let version = Ident::new(PROTOCOL, Span::call_site());
        let name = ident(&self.name);
        let id = LitStr::new(&self.id, Span::call_site());
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
            let unique = f.unique.then(|| quote!(unique));
            let decimal = f.decimal.map(|(digits, places)| {
                let (digits, places) = (
                    proc_macro2::Literal::u16_unsuffixed(digits),
                    proc_macro2::Literal::u16_unsuffixed(places),
                );
                quote!(decimal(#digits #places))
            });
            quote!(#name #column #kind #null #pk #default #now #now_update #unique #decimal #target;)
        });
        let links = self.links.iter().map(|l| {
            let name = ident(&l.name);
            let kind = Ident::new(l.kind.token(), Span::call_site());
            let target = &l.target;
            let related = l.related.as_ref().map(|r| {
                let r = ident(r);
                quote!(related(#r))
            });
            let through = match &l.through {
                Some(Through::Auto {
                    table,
                    source,
                    target,
                }) => Some(quote!(through_table(#table #source #target))),
                Some(Through::Model(path)) => Some(quote!(through(#path))),
                None => None,
            };
            quote!(#name #kind (#target) #related #through;)
        });
        quote!(#version #name #id #table { #(#fields)* } { #(#links)* })
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
        let id: LitStr = input.parse()?;
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
                unique: false,
                decimal: None,
            };
            while !body.peek(Token![;]) {
                let flag: Ident = body.parse()?;
                match flag.to_string().as_str() {
                    "null" => f.nullable = true,
                    "pk" => f.primary_key = true,
                    "default" => f.default = true,
                    "now" => f.auto_now = true,
                    "now_update" => f.auto_now_update = true,
                    "unique" => f.unique = true,
                    "rel" => {
                        let inner;
                        parenthesized!(inner in body);
                        f.target = Some(inner.parse()?);
                    }
                    "decimal" => {
                        let inner;
                        parenthesized!(inner in body);
                        let digits: syn::LitInt = inner.parse()?;
                        let places: syn::LitInt = inner.parse()?;
                        f.decimal = Some((digits.base10_parse()?, places.base10_parse()?));
                    }
                    _ => return Err(syn::Error::new(flag.span(), "unknown flag in schema")),
                }
            }
            body.parse::<Token![;]>()?;
            fields.push(f);
        }
        let body;
        braced!(body in input);
        let mut links = Vec::new();
        while !body.is_empty() {
            let name = syn::ext::IdentExt::parse_any(&body)?;
            let kind_ident: Ident = body.parse()?;
            let kind = LinkKind::from_token(&kind_ident.to_string()).ok_or_else(|| {
                syn::Error::new(kind_ident.span(), "unknown relation kind in schema")
            })?;
            let target;
            parenthesized!(target in body);
            let mut link = LinkSchema {
                name: unraw(&name),
                kind,
                target: target.parse()?,
                related: None,
                through: None,
            };
            while !body.peek(Token![;]) {
                let flag: Ident = body.parse()?;
                let inner;
                parenthesized!(inner in body);
                match flag.to_string().as_str() {
                    "related" => {
                        let r = syn::ext::IdentExt::parse_any(&inner)?;
                        link.related = Some(unraw(&r));
                    }
                    "through_table" => {
                        let table: LitStr = inner.parse()?;
                        let source: LitStr = inner.parse()?;
                        let target: LitStr = inner.parse()?;
                        link.through = Some(Through::Auto {
                            table: table.value(),
                            source: source.value(),
                            target: target.value(),
                        });
                    }
                    "through" => link.through = Some(Through::Model(inner.parse()?)),
                    _ => return Err(syn::Error::new(flag.span(), "unknown flag in schema")),
                }
            }
            body.parse::<Token![;]>()?;
            links.push(link);
        }
        Ok(ModelSchema {
            id: id.value(),
            name: unraw(&name),
            table: table.value(),
            fields,
            links,
        })
    }
}

impl ToTokens for FieldKind {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        Ident::new(self.token(), Span::call_site()).to_tokens(tokens)
    }
}

/// `BlogPost` → `blog_post` (a table's default name).
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
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

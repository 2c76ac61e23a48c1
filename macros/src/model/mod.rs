//! `#[derive(Model)]`: struct → model IR → `impl Model`, `impl FromRow`, and
//! the schema macro of DESIGN §2.

mod fields;
pub(crate) mod instance;
mod types;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr, Visibility};

use crate::schema::snake_case;
use crate::schema::{
    is_auto, unraw, FieldKind, FieldSchema, LinkKind, LinkSchema, ModelSchema, Through,
};
use crate::util::Errors;
use types::{classify, FieldType};

/// A field of the struct being derived, with what the derive needs beyond the schema.
struct FieldIr {
    schema: FieldSchema,
    ident: syn::Ident,
    span: Span,
    /// The relation target as written (for the compile-time model check).
    target_ty: Option<syn::Path>,
    /// The field's type and visibility as written, and its `#[dunder(default = …)]`.
    ty: syn::Type,
    vis: syn::Visibility,
    default: Option<syn::Expr>,
    /// `#[dunder(on_delete = …)]` of a foreign key (default: cascade).
    on_delete: Option<String>,
    /// `#[dunder(renamed_from = "old")]`: the field's name before (for
    /// migrations).
    renamed_from: Option<String>,
    /// `#[dunder(index)]`, `#[dunder(unique)]`, `#[dunder(max_length = n)]`.
    index: bool,
    unique: bool,
    max_length: Option<u32>,
    /// A literal `default` as text: what a migration fills the rows already
    /// there with when it adds the column.
    migration_default: Option<String>,
}

/// A relation field that is not a column (`ManyToMany`, `Reverse`, `ReverseOne`).
struct LinkIr {
    schema: LinkSchema,
    ident: syn::Ident,
    target_ty: syn::Path,
    /// `related = …` as written (spans the compile-time check).
    related: Option<syn::Ident>,
}

const ON_DELETE: &[(&str, &str)] = &[
    ("cascade", "Cascade"),
    ("protect", "Protect"),
    ("restrict", "Restrict"),
    ("set_null", "SetNull"),
    ("set_default", "SetDefault"),
    ("do_nothing", "DoNothing"),
];

/// Derives `Model` for `input`. `location` makes the schema macro's name unique.
/// On errors, `Failed` holds them and, when the struct could be read, the
/// fallback to emit next to them.
pub fn derive(input: TokenStream, location: &str) -> Result<TokenStream, Failed> {
    let unreadable = |errors| Failed {
        errors,
        fallback: None,
    };
    let input: DeriveInput = syn::parse2(input).map_err(unreadable)?;
    let id = format!("{:016x}", fnv1a(location.as_bytes()));
    match read_model(&input, &id).map_err(unreadable)? {
        (ir, None) => Ok(emit(&input, &ir)),
        (ir, Some(errors)) => Err(Failed {
            errors,
            fallback: Some(fallback(&input, &ir)),
        }),
    }
}

/// A derive in error: the errors, and what is emitted next to them.
#[derive(Debug)]
pub struct Failed {
    pub errors: syn::Error,
    /// `None` when nothing of the struct could be read.
    pub fallback: Option<TokenStream>,
}

impl Failed {
    /// The errors as `compile_error!`s, then the fallback.
    pub fn into_tokens(self) -> TokenStream {
        let mut out = self.errors.into_compile_error();
        out.extend(self.fallback);
        out
    }
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.errors, f)
    }
}

/// What a derive in error emits next to its errors (as thiserror's
/// fallback), from what could be read of the struct: the schema macro,
/// `FromRow` and `Model`, `New<Model>`, the instance methods and the hidden
/// items `query!` expansions call. So a query on this model shows no
/// knock-on error (a query on a field left out is told the field does not
/// exist). Nothing here runs: with the errors, the crate does not compile;
/// the bodies that would need the fields in error are stubs.
fn fallback(input: &DeriveInput, ir: &ModelIr) -> TokenStream {
    let ModelIr {
        schema,
        fields,
        links,
        renamed_from,
        unique_together,
        index_together,
    } = ir;
    let model_renamed_from = option_str(renamed_from.as_deref());
    let groups = |g: &[Vec<String>]| {
        let items = g.iter().map(|cols| quote!(&[#(#cols),*]));
        quote!(&[#(#items),*])
    };
    let unique_together = groups(unique_together);
    let index_together = groups(index_together);
    let name = &input.ident;
    let table = &schema.table;
    let pk = schema
        .primary_key()
        .map(|f| f.column.clone())
        .unwrap_or_default();
    // A key in error (an `Option`, a foreign key) would only add errors to
    // the methods that use it: they are left out.
    let valid_pk = schema
        .primary_key()
        .filter(|pk| !pk.nullable && pk.kind != FieldKind::ForeignKey);
    let columns = fields.iter().map(|f| {
        let FieldSchema {
            name: field,
            column,
            nullable,
            primary_key,
            unique,
            ..
        } = &f.schema;
        let sql_type = format_ident!("{}", f.schema.kind.sql_type());
        let decimal = decimal_tokens(f.schema.decimal);
        let renamed_from = option_str(f.renamed_from.as_deref());
        let unique = *unique || f.unique;
        let (index, max_length, migration_default) = ddl_tokens(f);
        quote! {
            ::dunder::Column {
                field: #field,
                name: #column,
                sql_type: ::dunder::SqlType::#sql_type,
                decimal: #decimal,
                nullable: #nullable,
                primary_key: #primary_key,
                references: ::core::option::Option::None,
                unique: #unique,
                on_delete: ::core::option::Option::None,
                renamed_from: #renamed_from,
                index: #index,
                max_length: #max_length,
                migration_default: #migration_default,
            }
        }
    });
    let (hidden, row_key_impl) = hidden_items(input, ir, valid_pk);
    let relations = relation_checks(name, fields, links);
    let instance_methods = valid_pk.map(|_| instance::methods(schema, name));
    let new_type = new_type(input, schema, fields);
    let schema_macro = emit_schema_macro(&input.vis, name, schema);
    let field_enum = fields::field_enum(input, schema).unwrap_or_else(|e| e.to_compile_error());
    quote! {
        #field_enum

        impl ::dunder::FromRow for #name {
            fn from_row<R: ::dunder::Row>(_: &R) -> ::dunder::Result<Self> {
                ::core::result::Result::Err(::dunder::Error::NotFound {
                    sql: ::std::string::String::new(),
                })
            }
        }

        impl ::dunder::Model for #name {
            const NAME: &'static str = ::core::stringify!(#name);
            const RENAMED_FROM: ::core::option::Option<&'static str> = #model_renamed_from;
            const UNIQUE_TOGETHER: &'static [&'static [&'static str]] = #unique_together;
            const INDEX_TOGETHER: &'static [&'static [&'static str]] = #index_together;
            const TABLE: &'static str = #table;
            const PRIMARY_KEY: &'static str = #pk;
            const COLUMNS: &'static [::dunder::Column] = &[#(#columns),*];
        }

        #hidden

        #row_key_impl

        #relations

        #instance_methods

        #new_type

        #schema_macro
    }
}

/// The schema of a struct, as the derive would emit it (for tests).
#[cfg(test)]
pub fn schema_of(input: &DeriveInput) -> syn::Result<ModelSchema> {
    let id = format!("{:016x}", fnv1a(input.ident.to_string().as_bytes()));
    model_ir(input, &id).map(|ir| ir.schema)
}

/// The derive's view of a struct.
struct ModelIr {
    schema: ModelSchema,
    fields: Vec<FieldIr>,
    links: Vec<LinkIr>,
    /// `#[dunder(renamed_from = "Old")]`: the model's name before.
    renamed_from: Option<String>,
    /// `#[dunder(unique_together = "a, b")]` and `#[dunder(index_together =
    /// "a, b")]`, as column names.
    unique_together: Vec<Vec<String>>,
    index_together: Vec<Vec<String>>,
}

/// The IR of a valid model, or its errors (for tests).
#[cfg(test)]
fn model_ir(input: &DeriveInput, id: &str) -> syn::Result<ModelIr> {
    match read_model(input, id)? {
        (ir, None) => Ok(ir),
        (_, Some(errors)) => Err(errors),
    }
}

/// The IR of a struct with named fields, and its errors: with errors, the IR
/// holds what could be read (a field whose type or relation target is in
/// error is left out). `Err` when nothing can be read (not a struct with
/// named fields, generics).
fn read_model(input: &DeriveInput, id: &str) -> syn::Result<(ModelIr, Option<syn::Error>)> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            format!("`{name}`: a model cannot have generic parameters"),
        ));
    }
    let data = match &input.data {
        Data::Struct(s) => s,
        Data::Enum(e) => {
            return Err(syn::Error::new(
                e.enum_token.span,
                format!("`{name}` is an enum: #[derive(Model)] needs a struct with named fields"),
            ))
        }
        Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                format!("`{name}` is a union: #[derive(Model)] needs a struct with named fields"),
            ))
        }
    };
    let named = match &data.fields {
        Fields::Named(n) => n,
        Fields::Unnamed(u) => {
            return Err(syn::Error::new(
                u.span(),
                format!("`{name}` is a tuple struct: #[derive(Model)] needs named fields (each field is a column)"),
            ))
        }
        Fields::Unit => {
            return Err(syn::Error::new(
                name.span(),
                format!("`{name}` is a unit struct: #[derive(Model)] needs named fields (each field is a column)"),
            ))
        }
    };

    let mut table = None;
    let mut model_renamed_from = None;
    // Field names as written, with the literal's span.
    let mut unique_together: Vec<(Vec<String>, Span)> = Vec::new();
    let mut index_together: Vec<(Vec<String>, Span)> = Vec::new();
    // Kept apart from the fields' errors, which decide whether "no primary
    // key" is said (the key may be a field in error).
    let mut model_errors = Errors::default();
    // Each attribute once: a repeated one is an error, not "the last wins".
    let mut table_seen = false;
    for attr in &input.attrs {
        if !attr.path().is_ident("dunder") {
            continue;
        }
        let res = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                if std::mem::replace(&mut table_seen, true) {
                    return Err(meta.error(format!("`{name}`: `table` is given twice; keep one")));
                }
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    return Err(syn::Error::new(
                        lit.span(),
                        "the table name cannot be empty",
                    ));
                }
                table = Some(lit.value());
                Ok(())
            } else if meta.path.is_ident("renamed_from") {
                if model_renamed_from.is_some() {
                    return Err(
                        meta.error(format!("`{name}`: `renamed_from` is given twice; keep one"))
                    );
                }
                model_renamed_from = Some(renamed_from_value(&meta)?);
                Ok(())
            } else if meta.path.is_ident("unique_together") || meta.path.is_ident("index_together") {
                let lit: LitStr = meta.value()?.parse()?;
                let names: Vec<String> = lit
                    .value()
                    .split(',')
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty())
                    .collect();
                if names.len() < 2 {
                    return Err(syn::Error::new(
                        lit.span(),
                        "name two fields or more, comma-separated: #[dunder(unique_together = \"author, title\")]",
                    ));
                }
                if meta.path.is_ident("unique_together") {
                    unique_together.push((names, lit.span()));
                } else {
                    index_together.push((names, lit.span()));
                }
                Ok(())
            } else {
                Err(meta.error(
                    "unknown model attribute: expected `table = \"…\"`, `renamed_from = \"…\"`, `unique_together = \"a, b\"` or `index_together = \"a, b\"`",
                ))
            }
        });
        if let Err(e) = res {
            model_errors.push(e);
        }
    }

    let mut errors = Errors::default();
    let mut fields: Vec<FieldIr> = Vec::new();
    let mut links: Vec<LinkIr> = Vec::new();
    let mut explicit_pk = 0usize;
    for field in &named.named {
        let Some(fident) = field.ident.clone() else {
            continue;
        };
        let fname = unraw(&fident);
        let mut column = None;
        let mut primary_key = false;
        let mut default: Option<syn::Expr> = None;
        let mut auto_now = None;
        let mut auto_now_update = false;
        let mut related: Option<syn::Ident> = None;
        let mut through: Option<syn::Path> = None;
        let mut on_delete: Option<(String, Span)> = None;
        let mut renamed_from: Option<String> = None;
        let mut index = false;
        let mut unique = false;
        let mut max_length: Option<(u32, Span)> = None;
        let mut max_digits: Option<(u32, Span)> = None;
        let mut decimal_places: Option<(u32, Span)> = None;
        // A max_digits or decimal_places that is not a number (reported).
        let mut bad_precision = false;
        // Each attribute once: a repeated one is an error, not "the last wins".
        let mut seen: Vec<String> = Vec::new();
        for attr in &field.attrs {
            if !attr.path().is_ident("dunder") {
                continue;
            }
            let res = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                let key = if key == "auto_now_add" { "auto_now".to_owned() } else { key };
                if seen.contains(&key) {
                    return Err(meta.error(format!(
                        "`{name}.{fname}`: `{}` is given twice; keep one",
                        meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default()
                    )));
                }
                seen.push(key);
                if meta.path.is_ident("column") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().is_empty() {
                        return Err(syn::Error::new(
                            lit.span(),
                            "the column name cannot be empty",
                        ));
                    }
                    column = Some(lit.value());
                    Ok(())
                } else if meta.path.is_ident("primary_key") {
                    primary_key = true;
                    Ok(())
                } else if meta.path.is_ident("renamed_from") {
                    renamed_from = Some(renamed_from_value(&meta)?);
                    Ok(())
                } else if meta.path.is_ident("index") {
                    index = true;
                    Ok(())
                } else if meta.path.is_ident("unique") {
                    unique = true;
                    Ok(())
                } else if meta.path.is_ident("max_length") {
                    let lit: syn::LitInt = meta.value()?.parse()?;
                    match lit.base10_parse::<u32>() {
                        Ok(n) if n > 0 => {
                            max_length = Some((n, lit.span()));
                            Ok(())
                        }
                        _ => Err(syn::Error::new(
                            lit.span(),
                            format!("`{name}.{fname}`: max_length takes a whole number above 0"),
                        )),
                    }
                } else if meta.path.is_ident("default") {
                    default = Some(meta.value()?.parse()?);
                    Ok(())
                } else if meta.path.is_ident("auto_now_add") || meta.path.is_ident("auto_now") {
                    auto_now = Some(meta.path.span());
                    auto_now_update = meta.path.is_ident("auto_now");
                    Ok(())
                } else if meta.path.is_ident("related") {
                    let ident: syn::Ident = meta.value()?.call(syn::ext::IdentExt::parse_any)?;
                    related = Some(ident);
                    Ok(())
                } else if meta.path.is_ident("through") {
                    through = Some(meta.value()?.parse()?);
                    Ok(())
                } else if meta.path.is_ident("max_digits") || meta.path.is_ident("decimal_places") {
                    let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
                    let lit = meta.value()?.parse::<syn::LitInt>();
                    let Some(n) = lit.as_ref().ok().and_then(|l| l.base10_parse::<u32>().ok()) else {
                        bad_precision = true;
                        let span = lit.map(|l| l.span()).unwrap_or_else(|e| e.span());
                        return Err(syn::Error::new(
                            span,
                            format!("`{name}.{fname}`: {key} takes a whole number, e.g. #[dunder(max_digits = 8, decimal_places = 2)]"),
                        ));
                    };
                    let v = (n, lit.map(|l| l.span()).unwrap_or_else(|e| e.span()));
                    if meta.path.is_ident("max_digits") {
                        max_digits = Some(v);
                    } else {
                        decimal_places = Some(v);
                    }
                    Ok(())
                } else if meta.path.is_ident("on_delete") {
                    let ident: syn::Ident = meta.value()?.parse()?;
                    let v = ident.to_string();
                    if !ON_DELETE.iter().any(|(n, _)| *n == v) {
                        let names: Vec<&str> = ON_DELETE.iter().map(|(n, _)| *n).collect();
                        let hint = crate::util::did_you_mean(&v, names.iter().copied())
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        return Err(syn::Error::new(
                            ident.span(),
                            format!("unknown on_delete `{v}`{hint} (one of: {})", names.join(", ")),
                        ));
                    }
                    on_delete = Some((v, ident.span()));
                    Ok(())
                } else {
                    Err(meta.error(
                        "unknown field attribute: expected `column = \"…\"`, `primary_key`, `default = …`, `auto_now_add`, `auto_now`, `max_digits = …` and `decimal_places = …` (decimals), `on_delete = …` (foreign keys), `through = …` (many-to-many), `related = …` (reverse relations), `index`, `unique`, `max_length = n` (text) or `renamed_from = \"…\"` (migrations)",
                    ))
                }
            });
            if let Err(e) = res {
                errors.push(e);
            }
        }
        let FieldType {
            kind,
            nullable,
            target,
            one_to_one,
            link,
        } = match classify(&field.ty) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if bad_precision {
            continue;
        }
        let decimal = match decimal_precision(
            &format!("{name}.{fname}"),
            kind,
            &field.ty,
            max_digits,
            decimal_places,
            // The unit tests read decimal fields whatever the features.
            cfg!(any(feature = "decimal", test)),
        ) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let is_key = target.is_some() && link.is_none();
        if let (Some((_, span)), false) = (&max_length, kind == FieldKind::Text) {
            errors.push(syn::Error::new(
                *span,
                format!("`{name}.{fname}`: max_length applies to a `String` field"),
            ));
        }
        if (index || unique) && link.is_some() {
            errors.push(syn::Error::new(
                fident.span(),
                format!(
                    "`{name}.{fname}`: index and unique apply to a column, not to a relation field"
                ),
            ));
        }
        if let (Some((_, span)), false) = (&on_delete, is_key) {
            errors.push(syn::Error::new(
                *span,
                format!("`{name}.{fname}`: on_delete applies to a ForeignKey or OneToOne field"),
            ));
        }
        if let Some((v, span)) = &on_delete {
            if v == "set_null" && !nullable {
                errors.push(syn::Error::new(
                    *span,
                    format!("`{name}.{fname}`: on_delete = set_null needs a nullable key: make the field an `Option<…>`"),
                ));
            }
            if v == "set_default" {
                errors.push(syn::Error::new(
                    *span,
                    format!("`{name}.{fname}`: on_delete = set_default is not supported yet: it needs an SQL default on the column, and #[dunder(default = …)] is a Rust expression the database never sees; use set_null, cascade, protect, restrict or do_nothing"),
                ));
            }
        }
        if let (Some(r), false) = (
            &related,
            matches!(link, Some(LinkKind::Reverse | LinkKind::ReverseOne)),
        ) {
            errors.push(syn::Error::new(
                r.span(),
                format!("`{name}.{fname}`: `related = …` belongs on a `Reverse<…>` or `ReverseOne<…>` field"),
            ));
        }
        if let (Some(t), false) = (&through, link == Some(LinkKind::ManyToMany)) {
            errors.push(syn::Error::new(
                t.span(),
                format!("`{name}.{fname}`: `through = …` belongs on a `ManyToMany<…>` field"),
            ));
        }
        if let (
            Some(kind @ (LinkKind::ManyToMany | LinkKind::Reverse | LinkKind::ReverseOne)),
            Some(path),
        ) = (link, &target)
        {
            if column.is_some() || primary_key || default.is_some() || auto_now.is_some() {
                errors.push(syn::Error::new(
                    fident.span(),
                    format!("`{name}.{fname}` is a relation, not a column: column, primary_key, default and auto_now do not apply"),
                ));
            }
            let target_tokens = match relation_target(path) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let through = match (kind, &through) {
                (LinkKind::ManyToMany, Some(t)) => match relation_target(t) {
                    Ok(t) => Some(Through::Model(t)),
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                },
                (LinkKind::ManyToMany, None) => {
                    let model = snake_case(&unraw(name));
                    let target_model = if path.is_ident("Self") {
                        model.clone()
                    } else {
                        path.segments
                            .last()
                            .map(|s| snake_case(&unraw(&s.ident)))
                            .unwrap_or_default()
                    };
                    let (source, target) = if model == target_model {
                        (format!("from_{model}_id"), format!("to_{model}_id"))
                    } else {
                        (format!("{model}_id"), format!("{target_model}_id"))
                    };
                    Some(Through::Auto {
                        table: String::new(), // the table name is known below
                        source,
                        target,
                    })
                }
                _ => None,
            };
            if matches!(kind, LinkKind::Reverse | LinkKind::ReverseOne) && related.is_none() {
                errors.push(syn::Error::new(
                    fident.span(),
                    format!(
                        "`{name}.{fname}` is the reverse side of a relation declared on the other model: name that field with #[dunder(related = field)], e.g. #[dunder(related = {})]",
                        snake_case(&unraw(name))
                    ),
                ));
            }
            links.push(LinkIr {
                schema: LinkSchema {
                    name: fname,
                    kind,
                    target: target_tokens,
                    related: related.as_ref().map(unraw),
                    through,
                },
                ident: fident.clone(),
                target_ty: path.clone(),
                related,
            });
            continue;
        }
        let target_tokens = match &target {
            Some(path) => match relation_target(path) {
                Ok(t) => Some(t),
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
            None => None,
        };
        if primary_key {
            explicit_pk += 1;
        }
        if let Some(span) = auto_now {
            if !matches!(
                kind,
                FieldKind::Date | FieldKind::DateTime | FieldKind::DateTimeUtc
            ) {
                errors.push(syn::Error::new(
                    span,
                    format!("`{name}.{fname}`: auto_now_add / auto_now apply to date and datetime fields"),
                ));
            }
            if default.is_some() {
                errors.push(syn::Error::new(
                    span,
                    format!(
                        "`{name}.{fname}` has both a default and auto_now_add / auto_now: keep one"
                    ),
                ));
            }
        }
        let column = column.unwrap_or_else(|| {
            if kind == FieldKind::ForeignKey {
                format!("{fname}_id")
            } else {
                fname.clone()
            }
        });
        let plain_unique = unique && target_tokens.is_none();
        fields.push(FieldIr {
            schema: FieldSchema {
                name: fname,
                column,
                kind,
                nullable,
                primary_key,
                default: default.is_some(),
                auto_now: auto_now.is_some(),
                auto_now_update,
                target: target_tokens,
                // `#[dunder(unique)]` on a plain column too (`in_bulk`
                // keys by it); on a relation, unique means one-to-one.
                unique: one_to_one || plain_unique,
                decimal,
            },
            ident: fident.clone(),
            span: fident.span(),
            target_ty: target,
            ty: field.ty.clone(),
            vis: field.vis.clone(),
            migration_default: default.as_ref().and_then(literal_text),
            default,
            on_delete: on_delete.map(|(v, _)| v),
            renamed_from,
            index,
            unique,
            max_length: max_length.map(|(n, _)| n),
        });
    }

    // Duplicate columns.
    for (i, f) in fields.iter().enumerate() {
        if let Some(prev) = fields[..i]
            .iter()
            .find(|p| p.schema.column == f.schema.column)
        {
            errors.push(syn::Error::new(
                f.span,
                format!(
                    "`{name}`: column `{}` of field `{}` is already the column of field `{}`; give one of them #[dunder(column = \"…\")]",
                    f.schema.column, f.schema.name, prev.schema.name
                ),
            ));
        }
    }

    // The primary key: #[dunder(primary_key)], else the field named `id`.
    if explicit_pk > 1 {
        errors.push(syn::Error::new(
            name.span(),
            format!("`{name}` marks {explicit_pk} fields #[dunder(primary_key)]; composite primary keys are not supported: mark one"),
        ));
    } else if explicit_pk == 0 {
        match fields.iter_mut().find(|f| f.schema.name == "id") {
            Some(f) => f.schema.primary_key = true,
            None if errors.is_empty() => errors.push(syn::Error::new(
                name.span(),
                format!(
                    "`{name}` has no primary key: add a field `id: i64` (auto-increment) or mark a field #[dunder(primary_key)]"
                ),
            )),
            None => {}
        }
    }
    for f in &fields {
        if f.schema.primary_key && f.schema.nullable {
            errors.push(syn::Error::new(
                f.span,
                format!(
                    "`{name}.{}`: a primary key cannot be an `Option`",
                    f.schema.name
                ),
            ));
        }
        if f.schema.primary_key && f.schema.kind == FieldKind::ForeignKey {
            errors.push(syn::Error::new(
                f.span,
                format!(
                    "`{name}.{}`: a foreign key as primary key is not supported yet",
                    f.schema.name
                ),
            ));
        }
    }
    // The fields of `unique_together` / `index_together`, as columns.
    let mut together_columns = |groups: &[(Vec<String>, Span)]| -> Vec<(Vec<String>, Span)> {
        groups
            .iter()
            .map(|(names, span)| {
                let cols = names
                    .iter()
                    .filter_map(|n| match fields.iter().find(|f| f.schema.name == *n) {
                        Some(f) => Some(f.schema.column.clone()),
                        None => {
                            let hint = crate::util::did_you_mean(
                                n,
                                fields.iter().map(|f| f.schema.name.as_str()),
                            )
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                            errors.push(syn::Error::new(
                                *span,
                                format!("`{name}` has no field `{n}`{hint}"),
                            ));
                            None
                        }
                    })
                    .collect();
                (cols, *span)
            })
            .collect()
    };
    let unique_together = together_columns(&unique_together);
    let index_together = together_columns(&index_together);
    if let Err(e) = errors.finish(()) {
        model_errors.push(e);
    }

    let table = table.unwrap_or_else(|| snake_case(&unraw(name)));
    for l in &mut links {
        if let Some(Through::Auto { table: t, .. }) = &mut l.schema.through {
            *t = format!("{table}_{}", l.schema.name);
        }
    }
    let schema = ModelSchema {
        id: id.to_owned(),
        name: unraw(name),
        table,
        fields: fields.iter().map(|f| f.schema.clone()).collect(),
        links: links.iter().map(|l| l.schema.clone()).collect(),
    };
    let ir = ModelIr {
        schema,
        fields,
        links,
        renamed_from: model_renamed_from,
        unique_together: together(&unique_together),
        index_together: together(&index_together),
    };
    Ok((ir, model_errors.finish(()).err()))
}

/// Checks a relation target path (DESIGN §2) and returns it as the schema
/// carries it: `crate::` becomes `$crate::` so it resolves from any crate.
fn relation_target(path: &syn::Path) -> syn::Result<TokenStream> {
    let first = path
        .segments
        .first()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    if path.leading_colon.is_some() && path.segments.len() >= 2 {
        return Ok(quote!(#path));
    }
    if path.leading_colon.is_none() && first == "Self" && path.segments.len() == 1 {
        return Ok(quote!(Self));
    }
    if path.leading_colon.is_none() && first == "crate" && path.segments.len() >= 2 {
        let rest = path.segments.iter().skip(1);
        let dollar = proc_macro2::Punct::new('$', proc_macro2::Spacing::Alone);
        return Ok(quote!(#dollar crate #(:: #rest)*));
    }
    Err(syn::Error::new(
        path.span(),
        format!(
            "relation target `{}` must be a path that resolves from anywhere: `Self`, `crate::…` or `::other_crate::…` (queries that cross this relation expand in other modules and crates); write e.g. `ForeignKey<crate::{}>`",
            quote!(#path).to_string().replace(' ', ""),
            path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
        ),
    ))
}

/// Largest `max_digits`: `rust_decimal::Decimal` holds 28 significant
/// digits (and 28 places) exactly.
const MAX_DIGITS: u32 = 28;

/// The `(max_digits, decimal_places)` of a field (`None` unless it is a
/// `Decimal`), or why the field is refused: a `Decimal` needs both (as
/// Django's `DecimalField`), within `rust_decimal`'s 28 digits, and dunder's
/// `decimal` feature (`enabled`); no other field takes them. `field` is
/// `Model.field`.
fn decimal_precision(
    field: &str,
    kind: FieldKind,
    ty: &syn::Type,
    max_digits: Option<(u32, Span)>,
    decimal_places: Option<(u32, Span)>,
    enabled: bool,
) -> syn::Result<Option<(u16, u16)>> {
    if kind != FieldKind::Decimal {
        return match max_digits.or(decimal_places) {
            Some((_, span)) => Err(syn::Error::new(
                span,
                format!("`{field}`: max_digits and decimal_places apply to `Decimal` fields"),
            )),
            None => Ok(None),
        };
    }
    if !enabled {
        return Err(syn::Error::new(
            ty.span(),
            format!("`{field}` is a `Decimal`: enable dunder's `decimal` feature (on by default), e.g. `dunder = {{ version = \"0.1\", features = [\"decimal\"] }}`"),
        ));
    }
    let (Some((digits, digits_span)), Some((places, places_span))) = (max_digits, decimal_places)
    else {
        let missing = match (max_digits, decimal_places) {
            (None, None) => "max_digits and decimal_places",
            (None, Some(_)) => "max_digits",
            _ => "decimal_places",
        };
        return Err(syn::Error::new(
            ty.span(),
            format!("`{field}` is a `Decimal`: give its {missing}, e.g. #[dunder(max_digits = 8, decimal_places = 2)] for values up to 999999.99 (Django's DecimalField requires both)"),
        ));
    };
    if !(1..=MAX_DIGITS).contains(&digits) {
        return Err(syn::Error::new(
            digits_span,
            format!("`{field}`: max_digits must be between 1 and {MAX_DIGITS} (a rust_decimal::Decimal holds {MAX_DIGITS} significant digits), not {digits}"),
        ));
    }
    if places > digits {
        return Err(syn::Error::new(
            places_span,
            format!("`{field}`: decimal_places ({places}) cannot be more than max_digits ({digits}): the places are some of the digits"),
        ));
    }
    // Both are at most 28 here.
    Ok(Some((digits as u16, places as u16)))
}

/// The declared type of the field `ident` of the struct.
fn fields_type_of(input: &DeriveInput, ident: &syn::Ident) -> syn::Type {
    match &input.data {
        Data::Struct(s) => s
            .fields
            .iter()
            .find(|f| f.ident.as_ref() == Some(ident))
            .map(|f| f.ty.clone())
            .unwrap_or_else(|| syn::parse_quote!(())),
        _ => syn::parse_quote!(()),
    }
}

/// `Column::decimal` of a field.
fn decimal_tokens(decimal: Option<(u16, u16)>) -> TokenStream {
    match decimal {
        Some((digits, places)) => quote!(::core::option::Option::Some((#digits, #places))),
        None => quote!(::core::option::Option::None),
    }
}

/// `T` of `Option<T>`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => match a.args.first() {
            Some(syn::GenericArgument::Type(t)) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// The statements of a related manager on a through `table` whose `near`
/// column holds the row's key and `far` the related keys.
fn many_to_many_sql(table: &str, near: &str, far: &str) -> TokenStream {
    let m = crate::sql::many_to_many(table, near, far);
    let sql = |s: &crate::sql::Statement| {
        let (a, b) = (&s.sqlite, &s.postgres);
        quote!(::dunder::Sql { sqlite: #a, postgres: #b })
    };
    let (add, remove, keep_only, clear) = (
        sql(&m.add),
        sql(&m.remove),
        sql(&m.keep_only),
        sql(&m.clear),
    );
    let set = &m.set_postgres;
    quote! {
        ::dunder::__private::ManyToManySql {
            add: #add,
            remove: #remove,
            keep_only: #keep_only,
            clear: #clear,
            set_postgres: ::dunder::Sql { sqlite: #set, postgres: #set },
        }
    }
}

/// The hidden items `query!` expansions call on a model, and Django's
/// related managers: `#[dunder(default = …)]` functions; for
/// `select_related`, the key a related row is set into (None: NULL); for
/// `prefetch_related`, the row's key and where related rows go; the primary
/// key by reference (`get_or_create`); and `row.tags()` for each
/// many-to-many with an automatic through table. `pk`: the primary key, if
/// usable. Also the `RowKey` impl (models with an integer key).
fn hidden_items(
    input: &DeriveInput,
    ir: &ModelIr,
    pk: Option<&FieldSchema>,
) -> (TokenStream, Option<TokenStream>) {
    let ModelIr { fields, links, .. } = ir;
    let name = &input.ident;
    let auto_pk = pk.filter(|pk| is_auto(pk));
    let defaults = fields.iter().filter_map(|f| {
        let expr = f.default.as_ref()?;
        let fn_name = format_ident!("__dunder_default_{}", f.schema.name);
        let ty = &f.ty;
        Some(quote_spanned!(expr.span()=>
            #[doc(hidden)]
            #[allow(clippy::default_trait_access)]
            pub fn #fn_name() -> #ty {
                #expr
            }
        ))
    });
    let key_accessors = fields.iter().filter(|f| f.target_ty.is_some()).map(|f| {
        let ident = &f.ident;
        let fn_name = format_ident!("__dunder_fk_{}", f.schema.name);
        let (ty, body) = match (f.schema.nullable, option_inner(&f.ty)) {
            (true, Some(inner)) => (inner.clone(), quote!(self.#ident.as_mut())),
            _ => (
                f.ty.clone(),
                quote!(::core::option::Option::Some(&mut self.#ident)),
            ),
        };
        quote! {
            #[doc(hidden)]
            #[inline]
            pub fn #fn_name(&mut self) -> ::core::option::Option<&mut #ty> {
                #body
            }
        }
    });
    let pk_ref = pk.and_then(|pk| {
        let f = fields.iter().find(|f| f.schema.name == pk.name)?;
        let ident = &f.ident;
        let ty = &f.ty;
        Some(quote! {
            #[doc(hidden)]
            #[inline]
            pub fn __dunder_pk_ref(&self) -> &#ty {
                &self.#ident
            }
        })
    });
    let row_key = auto_pk.map(|pk| {
        let ident = crate::schema::ident(&pk.name);
        quote! {
            #[doc(hidden)]
            #[inline]
            pub fn __dunder_key(&self) -> i64 {
                i64::from(self.#ident)
            }
        }
    });
    let link_accessors = links.iter().map(|l| {
        let ident = &l.ident;
        let fn_name = format_ident!("__dunder_link_{}", l.schema.name);
        let ty = &fields_type_of(input, ident);
        quote! {
            #[doc(hidden)]
            #[inline]
            pub fn #fn_name(&mut self) -> &mut #ty {
                &mut self.#ident
            }
        }
    });
    let managers = links.iter().filter_map(|l| {
        let Some(Through::Auto {
            table: through,
            source,
            target,
        }) = &l.schema.through
        else {
            return None;
        };
        auto_pk?;
        let ident = &l.ident;
        let t = &l.target_ty;
        let sql = many_to_many_sql(through, source, target);
        let doc = format!(
            "The rows related to this one through `{}` (table `{through}`): `add`, `remove`, `set`, `clear`, as Django's related manager.",
            l.schema.name
        );
        Some(quote! {
            #[doc = #doc]
            pub fn #ident(&self) -> ::dunder::RelatedManager<#t> {
                static SQL: ::dunder::__private::ManyToManySql = #sql;
                ::dunder::RelatedManager::__new(self.__dunder_key(), &SQL)
            }
        })
    });
    // The reverse side of a many-to-many writes too (`tag.articles().add(…)`);
    // for the reverse of a key the manager has no methods.
    let reverse_managers = links.iter().filter_map(|l| {
        let related = l.related.as_ref()?;
        if l.schema.kind != LinkKind::Reverse {
            return None;
        }
        auto_pk?;
        let hash = fnv1a(unraw(related).as_bytes());
        let ident = &l.ident;
        let t = &l.target_ty;
        let doc = format!(
            "The rows of `{}` related to this one (the other side of its `{}`): for a many-to-many with an automatic through table, `add`, `remove`, `set`, `clear`, as Django's related manager.",
            quote!(#t).to_string().replace(' ', ""),
            unraw(related)
        );
        // A wrong `related` is reported once, by the check on that name;
        // here it would only repeat: the same span lets the compiler merge them.
        let rel = quote_spanned!(related.span()=> <#t as ::dunder::__private::Relation<#hash>>);
        Some(quote! {
            #[doc = #doc]
            pub fn #ident(&self) -> #rel::Manager {
                #rel::manager(self.__dunder_key())
            }
        })
    });
    let row_key_impl = auto_pk.map(|_| {
        quote! {
            impl ::dunder::RowKey for #name {
                #[inline]
                fn row_key(&self) -> i64 {
                    self.__dunder_key()
                }
            }
        }
    });
    let items = quote! {
        #[allow(dead_code)]
        impl #name {
            #(#defaults)*
            #(#key_accessors)*
            #pk_ref
            #row_key
            #(#link_accessors)*
            #(#managers)*
            #(#reverse_managers)*
        }
    };
    (items, row_key_impl)
}

fn emit(input: &DeriveInput, ir: &ModelIr) -> TokenStream {
    let ModelIr {
        schema,
        fields,
        links,
        renamed_from,
        unique_together,
        index_together,
    } = ir;
    let model_renamed_from = option_str(renamed_from.as_deref());
    let groups = |g: &[Vec<String>]| {
        let items = g.iter().map(|cols| quote!(&[#(#cols),*]));
        quote!(&[#(#items),*])
    };
    let unique_together = groups(unique_together);
    let index_together = groups(index_together);
    let name = &input.ident;
    let table = &schema.table;
    let pk = schema
        .primary_key()
        .map(|f| f.column.clone())
        .unwrap_or_default();

    let getters = fields.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let column = &f.schema.column;
        match f.schema.decimal {
            // Read as Django reads it: at the field's scale.
            Some((digits, places)) => {
                let (digits, places) = (u32::from(digits), u32::from(places));
                quote_spanned!(f.span=> #ident: ::dunder::__private::Quantize::quantize(
                    ::dunder::Row::get(row, #i, #column)?, #digits, #places, #column)?)
            }
            None => quote_spanned!(f.span=> #ident: ::dunder::Row::get(row, #i, #column)?),
        }
    });
    // Relations that are not columns start out not loaded.
    let link_inits = links.iter().map(|l| {
        let ident = &l.ident;
        quote!(#ident: ::core::default::Default::default())
    });
    let columns: Vec<TokenStream> = fields.iter().map(|f| {
        let fname = &f.schema.name;
        let column = &f.schema.column;
        let sql_type = format_ident!("{}", f.schema.kind.sql_type());
        let nullable = f.schema.nullable;
        let primary_key = f.schema.primary_key;
        let references = match (&f.target_ty, f.schema.target.as_ref()) {
            (Some(t), _) if t.is_ident("Self") => {
                quote!(::core::option::Option::Some((#table, #pk)))
            }
            (Some(t), _) => quote_spanned!(t.span()=>
                ::core::option::Option::Some((<#t as ::dunder::Model>::TABLE, <#t as ::dunder::Model>::PRIMARY_KEY))
            ),
            _ => quote!(::core::option::Option::None),
        };
        let unique = f.schema.unique || f.unique;
        let decimal = decimal_tokens(f.schema.decimal);
        let renamed_from = option_str(f.renamed_from.as_deref());
        let (index, max_length, migration_default) = ddl_tokens(f);
        let on_delete = match (&f.target_ty, &f.on_delete) {
            (Some(_), action) => {
                let action = action.as_deref().unwrap_or("cascade");
                let variant = ON_DELETE
                    .iter()
                    .find(|(n, _)| *n == action)
                    .map(|(_, v)| format_ident!("{}", v))
                    .unwrap_or_else(|| format_ident!("Cascade"));
                quote!(::core::option::Option::Some(::dunder::OnDelete::#variant))
            }
            (None, _) => quote!(::core::option::Option::None),
        };
        quote! {
            ::dunder::Column {
                field: #fname,
                name: #column,
                sql_type: ::dunder::SqlType::#sql_type,
                decimal: #decimal,
                nullable: #nullable,
                primary_key: #primary_key,
                references: #references,
                unique: #unique,
                on_delete: #on_delete,
                renamed_from: #renamed_from,
                index: #index,
                max_length: #max_length,
                migration_default: #migration_default,
            }
        }
    }).collect();
    let target_checks = fields
        .iter()
        .filter_map(|f| f.target_ty.as_ref())
        .filter(|t| !t.is_ident("Self"))
        .map(|t| quote_spanned!(t.span()=> ::dunder::__private::assert_model::<#t>();));

    let (hidden, row_key_impl) = hidden_items(input, ir, schema.primary_key());
    let instance_methods = instance::methods(schema, name);
    let new_type = new_type(input, schema, fields);
    let many_to_many = links.iter().filter_map(|l| {
        let Some(Through::Auto {
            table: through,
            source,
            target,
        }) = &l.schema.through
        else {
            return None;
        };
        let field = &l.schema.name;
        let t = &l.target_ty;
        let target_table = if t.is_ident("Self") {
            quote!((#table, #pk))
        } else {
            quote_spanned!(t.span()=> (<#t as ::dunder::Model>::TABLE, <#t as ::dunder::Model>::PRIMARY_KEY))
        };
        Some(quote! {
            ::dunder::ManyToManyTable {
                field: #field,
                table: #through,
                source_column: #source,
                target_column: #target,
                source: (#table, #pk),
                target: #target_table,
            }
        })
    });
    let relations = relation_checks(name, fields, links);
    let schema_macro = emit_schema_macro(&input.vis, name, schema);
    let field_enum = fields::field_enum(input, schema).unwrap_or_else(|e| e.to_compile_error());
    quote! {
        #field_enum

        impl ::dunder::FromRow for #name {
            #[inline]
            fn from_row<R: ::dunder::Row>(row: &R) -> ::dunder::Result<Self> {
                ::core::result::Result::Ok(Self { #(#getters,)* #(#link_inits,)* })
            }
        }

        #hidden

        #row_key_impl

        impl ::dunder::Model for #name {
            const NAME: &'static str = ::core::stringify!(#name);
            const RENAMED_FROM: ::core::option::Option<&'static str> = #model_renamed_from;
            const UNIQUE_TOGETHER: &'static [&'static [&'static str]] = #unique_together;
            const INDEX_TOGETHER: &'static [&'static [&'static str]] = #index_together;
            const TABLE: &'static str = #table;
            const PRIMARY_KEY: &'static str = #pk;
            const COLUMNS: &'static [::dunder::Column] = &[#(#columns),*];
            const MANY_TO_MANY: &'static [::dunder::ManyToManyTable] = &[#(#many_to_many),*];
        }

        #relations

        const _: () = {
            #[allow(dead_code)]
            fn __dunder_relation_targets_are_models() {
                #(#target_checks)*
            }
        };

        #instance_methods

        #new_type

        #schema_macro
    }
}

/// The relation fields as types the compiler checks: every `ForeignKey`,
/// `OneToOne` and `ManyToMany` field is `impl Relation<hash(name)>` naming
/// its target, and every `#[dunder(related = f)]` asserts that the other
/// model's `f` is such a relation back to this model (on the `related` token).
fn relation_checks(name: &syn::Ident, fields: &[FieldIr], links: &[LinkIr]) -> TokenStream {
    let no_manager = quote! {
        type Manager = ::dunder::__private::NoManager;
        fn manager(_: i64) -> ::dunder::__private::NoManager {
            ::dunder::__private::NoManager
        }
    };
    let rel_impl = |field: &str, target: &syn::Path, kind: TokenStream, manager: TokenStream| {
        let hash = fnv1a(field.as_bytes());
        quote_spanned! {target.span()=>
            impl ::dunder::__private::Relation<#hash> for #name {
                type Target = #target;
                type Kind = ::dunder::__private::#kind;
                #manager
            }
        }
    };
    let impls = fields
        .iter()
        .filter_map(|f| {
            let t = f.target_ty.as_ref()?;
            let kind = if f.schema.unique {
                quote!(ToOne)
            } else {
                quote!(ToMany)
            };
            Some(rel_impl(&f.schema.name, t, kind, no_manager.clone()))
        })
        .chain(
            links
                .iter()
                .filter(|l| l.schema.kind == LinkKind::ManyToMany)
                .map(|l| {
                    // The target's side writes the same through table, its
                    // key first (`tag.articles().add(…)`).
                    let manager = match &l.schema.through {
                        Some(Through::Auto {
                            table,
                            source,
                            target,
                        }) => {
                            let sql = many_to_many_sql(table, target, source);
                            quote! {
                                type Manager = ::dunder::RelatedManager<#name>;
                                fn manager(key: i64) -> ::dunder::RelatedManager<#name> {
                                    static SQL: ::dunder::__private::ManyToManySql = #sql;
                                    ::dunder::RelatedManager::__new(key, &SQL)
                                }
                            }
                        }
                        _ => no_manager.clone(),
                    };
                    rel_impl(&l.schema.name, &l.target_ty, quote!(ToMany), manager)
                }),
        );
    let checks = links.iter().filter_map(|l| {
        let related = l.related.as_ref()?;
        let hash = fnv1a(unraw(related).as_bytes());
        // Errors of the check point at the `related = …` name.
        let t: TokenStream = quote::ToTokens::to_token_stream(&l.target_ty)
            .into_iter()
            .map(|mut tt| {
                tt.set_span(related.span());
                tt
            })
            .collect();
        let kind = if l.schema.kind == LinkKind::ReverseOne {
            quote!(ToOne)
        } else {
            quote!(ToMany)
        };
        Some(quote_spanned! {related.span()=>
            ::dunder::__private::assert_related::<#t, #name, ::dunder::__private::#kind, #hash>();
        })
    });
    quote! {
        #(#impls)*
        const _: () = {
            #[allow(dead_code)]
            fn __dunder_reverse_relations_are_declared() {
                #(#checks)*
            }
        };
    }
}

/// `New<Model>`: a row not stored yet (every field but an auto-increment
/// key and the `auto_now` ones), with `insert`, and `Model::bulk_create`.
fn new_type(input: &DeriveInput, schema: &ModelSchema, fields: &[FieldIr]) -> TokenStream {
    let name = &input.ident;
    let vis = &input.vis;
    let new_name = format_ident!("New{}", name);
    let stored: Vec<&FieldIr> = fields
        .iter()
        .filter(|f| !is_auto(&f.schema) && !f.schema.auto_now)
        .collect();
    let inserted: Vec<&FieldIr> = fields.iter().filter(|f| !is_auto(&f.schema)).collect();
    let decls = stored.iter().map(|f| {
        let ident = &f.ident;
        let ty = &f.ty;
        let fvis = &f.vis;
        quote!(#fvis #ident: #ty)
    });
    let doc = format!(
        "An unsaved `{name}`: every field but the auto-increment key and the `auto_now` ones. `insert` stores it; `{name}::bulk_create` stores many."
    );
    let insert = instance::insert(
        schema,
        &quote!(#name),
        &inserted.iter().map(|f| &f.schema).collect::<Vec<_>>(),
    );
    let bulk = instance::bulk(
        schema,
        &new_name,
        &inserted.iter().map(|f| &f.schema).collect::<Vec<_>>(),
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #vis struct #new_name {
            #(#decls,)*
        }

        #[allow(dead_code)]
        impl #new_name {
            /// Stores this row and returns it: the values it holds, with the
            /// primary key the database gave it (`INSERT … RETURNING` only
            /// what the database computes: the auto-increment key, decimals
            /// as rounded to their column's scale).
            pub fn insert<E: ::dunder::Executor>(&self, executor: E) -> ::dunder::Result<#name> {
                let query = #insert;
                query.run(executor)
            }
        }

        #bulk

        #[allow(dead_code)]
        impl #name {

            /// Stores every row of `rows` at once, all or nothing, and returns
            /// them in order: the values given, with the keys the database
            /// gave them (only what the database computes is read back: the
            /// auto-increment key, decimals as rounded to their column's
            /// scale). PostgreSQL: one statement; SQLite: one multi-row
            /// insert (several in a savepoint past 1,000 rows).
            pub fn bulk_create<E: ::dunder::Executor>(
                executor: E,
                rows: &[#new_name],
            ) -> ::dunder::Result<::std::vec::Vec<#name>> {
                ::dunder::Executor::__insert_rows(executor, rows)
            }

            /// Stores every row of `rows` as [`bulk_create`](Self::bulk_create)
            /// does (all or nothing) but reads nothing back: the number of
            /// rows inserted. The cheapest way to write many rows.
            pub fn bulk_insert<E: ::dunder::Executor>(
                executor: E,
                rows: &[#new_name],
            ) -> ::dunder::Result<u64> {
                ::dunder::Executor::__insert_rows_count(executor, rows)
            }
        }
    }
}

/// The hidden `macro_rules!` that carries the schema (DESIGN §2): exported
/// under a unique name and re-exported as the struct's own name, so whatever
/// path reaches the struct reaches its schema.
fn emit_schema_macro(vis: &Visibility, name: &syn::Ident, schema: &ModelSchema) -> TokenStream {
    let macro_name = format_ident!("__dunder_schema_{}_{}", name, schema.id);
    let tokens = schema.to_tokens();
    quote! {
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #macro_name {
            ($($query:tt)*) => {
                ::dunder::__private::__query_with_schema! { [#tokens] $($query)* }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        #vis use #macro_name as #name;
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The string of `renamed_from = "old"` (not empty).
fn renamed_from_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<String> {
    let lit: LitStr = meta.value()?.parse()?;
    if lit.value().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            "`renamed_from` takes the old name, e.g. #[dunder(renamed_from = \"body\")]",
        ));
    }
    Ok(lit.value())
}

/// `Some("text")` / `None` as tokens.
fn option_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// The column groups of `unique_together` / `index_together`.
fn together(groups: &[(Vec<String>, Span)]) -> Vec<Vec<String>> {
    groups.iter().map(|(cols, _)| cols.clone()).collect()
}

/// A literal `default` as the text a migration reads (`5`, `-1.5`,
/// `true`, the string's value); `None` for any other expression.
fn literal_text(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => Some(i.base10_digits().to_owned()),
            syn::Lit::Float(f) => Some(f.base10_digits().to_owned()),
            syn::Lit::Bool(b) => Some(b.value.to_string()),
            syn::Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            literal_text(&u.expr).map(|t| format!("-{t}"))
        }
        syn::Expr::Paren(p) => literal_text(&p.expr),
        // `"text".into()`, `"text".to_owned()`, `String::from("text")`.
        syn::Expr::MethodCall(m) if m.args.is_empty() => match m.method.to_string().as_str() {
            "into" | "to_owned" | "to_string" => literal_text(&m.receiver),
            _ => None,
        },
        syn::Expr::Call(c) if c.args.len() == 1 => match &*c.func {
            syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "from") => {
                literal_text(&c.args[0])
            }
            _ => None,
        },
        _ => None,
    }
}

/// `index`, `max_length` and `migration_default` of a field's `Column`.
fn ddl_tokens(f: &FieldIr) -> (bool, TokenStream, TokenStream) {
    let max_length = match f.max_length {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    (
        f.index,
        max_length,
        option_str(f.migration_default.as_deref()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Article"), "article");
        assert_eq!(snake_case("BlogPost"), "blog_post");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("EveryKind2"), "every_kind2");
    }

    #[test]
    fn schema_round_trips() {
        let input: DeriveInput = syn::parse_quote! {
            struct Article {
                id: i64,
                #[dunder(column = "headline")]
                title: String,
                rating: Option<i32>,
                author: ForeignKey<crate::blog::Author>,
                r#type: Option<chrono::NaiveDate>,
            }
        };
        let schema = model_ir(&input, "0").expect("valid model").schema;
        let back: ModelSchema = syn::parse2(schema.to_tokens()).expect("parses back");
        assert_eq!(back.table, "article");
        let cols: Vec<_> = back
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.column.as_str(),
                    f.kind,
                    f.nullable,
                    f.primary_key,
                )
            })
            .collect();
        assert_eq!(
            cols,
            vec![
                ("id", "id", FieldKind::I64, false, true),
                ("title", "headline", FieldKind::Text, false, false),
                ("rating", "rating", FieldKind::I32, true, false),
                ("author", "author_id", FieldKind::ForeignKey, false, false),
                ("type", "type", FieldKind::Date, true, false),
            ]
        );
        assert_eq!(
            back.fields[3]
                .target
                .as_ref()
                .map(|t| t.to_string().replace(' ', "")),
            Some("$crate::blog::Author".into())
        );
    }

    #[test]
    fn raw_identifiers_are_fine() {
        let out = derive(
            quote!(
                pub struct r#Match {
                    id: i64,
                    r#type: String,
                }
            ),
            "loc",
        )
        .expect("derives");
        let text = out.to_string();
        assert!(text.contains("\"match\""), "{text}");
        assert!(text.contains("__dunder_schema_Match_"), "{text}");
    }

    fn derive_err(input: TokenStream) -> String {
        derive(input, "test")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn derive_errors_name_the_problem() {
        assert!(derive_err(quote!(
            struct A(i64);
        ))
        .contains("tuple struct"));
        assert!(derive_err(quote!(
            struct A;
        ))
        .contains("unit struct"));
        assert!(derive_err(quote!(
            struct A {
                name: String,
            }
        ))
        .contains("no primary key"));
        assert!(derive_err(quote!(
            struct A {
                id: i64,
                x: u32,
            }
        ))
        .contains("unsupported field type"));
        assert!(derive_err(quote!(
            struct A {
                id: i64,
                b: ForeignKey<super::B>,
            }
        ))
        .contains("must be a path that resolves from anywhere"));
        assert!(derive_err(quote!(
            struct A {
                id: i64,
                a: i32,
                #[dunder(column = "a")]
                b: i32,
            }
        ))
        .contains("already the column"));
    }

    /// Without dunder's `decimal` feature a `Decimal` field is refused with
    /// the feature to enable (the ui tests build with it, so this message is
    /// checked here).
    #[test]
    fn decimal_fields_need_the_feature() {
        let ty: syn::Type = syn::parse_quote!(Decimal);
        let at = Span::call_site();
        let precision = |enabled| {
            decimal_precision(
                "Invoice.total",
                FieldKind::Decimal,
                &ty,
                Some((8, at)),
                Some((2, at)),
                enabled,
            )
        };
        assert_eq!(precision(true).expect("with the feature"), Some((8, 2)));
        let e = precision(false).expect_err("without the feature");
        assert_eq!(
            e.to_string(),
            "`Invoice.total` is a `Decimal`: enable dunder's `decimal` feature (on by default), e.g. `dunder = { version = \"0.1\", features = [\"decimal\"] }`"
        );
    }
}

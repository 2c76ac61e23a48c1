//! Reading a field's kind from its Rust type.

use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type};

use crate::schema::{FieldKind, LinkKind};

/// What a field's type says.
pub struct FieldType {
    pub kind: FieldKind,
    pub nullable: bool,
    /// The target of a `ForeignKey<T>`, `OneToOne<T>`, `ManyToMany<T>`,
    /// `Reverse<T>` or `ReverseOne<T>`.
    pub target: Option<syn::Path>,
    /// `OneToOne<T>`: a unique foreign key.
    pub one_to_one: bool,
    /// A relation that is not a column.
    pub link: Option<LinkKind>,
}

const SUPPORTED: &str = "bool, i16, i32, i64, f32, f64, String, Vec<u8>, chrono::NaiveDate, chrono::NaiveDateTime, chrono::DateTime<Utc>, chrono::NaiveTime, rust_decimal::Decimal (with max_digits and decimal_places), ForeignKey<crate::path::Model>, OneToOne<crate::path::Model>, and Option<T> of each; or a relation that is not a column: ManyToMany<crate::path::Model>, Reverse<crate::path::Model>, ReverseOne<crate::path::Model>";

fn unsupported(ty: &Type) -> syn::Error {
    let written = quote::quote!(#ty).to_string().replace(' ', "");
    syn::Error::new(
        ty.span(),
        format!("unsupported field type `{written}`: a model field must be one of {SUPPORTED}"),
    )
}

/// The single generic type argument of the last path segment, if any.
fn single_arg(seg: &syn::PathSegment) -> Option<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first() {
            Some(GenericArgument::Type(t)) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

pub fn classify(ty: &Type) -> syn::Result<FieldType> {
    classify_inner(ty, false)
}

fn classify_inner(ty: &Type, in_option: bool) -> syn::Result<FieldType> {
    let Type::Path(tp) = ty else {
        return Err(unsupported(ty));
    };
    if tp.qself.is_some() {
        return Err(unsupported(ty));
    }
    let Some(last) = tp.path.segments.last() else {
        return Err(unsupported(ty));
    };
    let name = last.ident.to_string();
    let plain = matches!(last.arguments, PathArguments::None);
    let kind = match name.as_str() {
        "Option" if !in_option => {
            let inner = single_arg(last).ok_or_else(|| unsupported(ty))?;
            let mut t = classify_inner(inner, true)?;
            t.nullable = true;
            return Ok(t);
        }
        "ForeignKey" | "OneToOne" | "ManyToMany" | "Reverse" | "ReverseOne" => {
            let target = match single_arg(last) {
                Some(Type::Path(p)) if p.qself.is_none() => p.path.clone(),
                _ => return Err(unsupported(ty)),
            };
            let link = match name.as_str() {
                "ManyToMany" => Some(LinkKind::ManyToMany),
                "Reverse" => Some(LinkKind::Reverse),
                "ReverseOne" => Some(LinkKind::ReverseOne),
                _ => None,
            };
            if link.is_some() && in_option {
                return Err(syn::Error::new(
                    ty.span(),
                    format!("`{name}<…>` is not a column and cannot be an `Option`: it holds the related rows when they are loaded, and none otherwise"),
                ));
            }
            return Ok(FieldType {
                kind: FieldKind::ForeignKey,
                nullable: false,
                target: Some(target),
                one_to_one: name == "OneToOne",
                link,
            });
        }
        "Vec" => match single_arg(last) {
            Some(Type::Path(p)) if p.path.is_ident("u8") => FieldKind::Bytes,
            _ => return Err(unsupported(ty)),
        },
        "DateTime" => match single_arg(last) {
            Some(Type::Path(p)) if p.path.segments.last().is_some_and(|s| s.ident == "Utc") => {
                FieldKind::DateTimeUtc
            }
            _ => return Err(unsupported(ty)),
        },
        _ if !plain => return Err(unsupported(ty)),
        "bool" => FieldKind::Bool,
        "i16" => FieldKind::I16,
        "i32" => FieldKind::I32,
        "i64" => FieldKind::I64,
        "f32" => FieldKind::F32,
        "f64" => FieldKind::F64,
        "String" => FieldKind::Text,
        "NaiveDate" => FieldKind::Date,
        "NaiveDateTime" => FieldKind::DateTime,
        "NaiveTime" => FieldKind::Time,
        "Decimal" => FieldKind::Decimal,
        _ => return Err(unsupported(ty)),
    };
    Ok(FieldType {
        kind,
        nullable: false,
        target: None,
        one_to_one: false,
        link: None,
    })
}

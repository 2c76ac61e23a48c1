//! The Django conformance corpus (`conformance/cases.json`) as real `query!`
//! invocations: `$OUT_DIR/conformance_cases.rs`, included by
//! `tests/conformance.rs`.
//!
//! Every case is classified by one rule, in this order:
//! * **pending**: it needs something dunder has not built yet: a model
//!   other than Article/Author/Tag, an option key
//!   the generator does not know, or a name that is neither a field, a
//!   relation (walked as Django does: `author__name`, `tags__…`,
//!   `articles__…`, field names before lookups), a lookup nor a transform of
//!   the macro's own table (`macros/src/lookups.rs`, included here);
//! * **rejected**: dunder refuses it at compile time by design (a value Django
//!   coerces: a float or an out-of-range number for an `i32`, `None` as a
//!   value, `isnull` on a field that is not an `Option`, a pattern lookup on a
//!   non-text field, a transform on the wrong kind of field, an invalid date
//!   literal, …). No code is generated for it, so nothing fails to compile;
//!   the test requires it to be listed in `conformance/divergences.json`;
//! * otherwise **generated**: one function per case running its `query!`,
//!   and the same query with `.count()`, `.exists()` and `.first()`.
//!
//! Django spellings with an exact dunder equivalent are translated:
//! `x=None` / `x__iexact=None` (Django's `IS NULL`) is `x__isnull = true` on a
//! nullable field, a JSON integer for a float field is an `f64` literal, and
//! `{"$decimal": "9.99"}`, a decimal string (`"10.10"`) or an integer for a
//! decimal field is that `Decimal` (`dec("10.10")`), as Django's
//! `DecimalField.to_python` makes it.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value};

/// The lookups and transforms, from the macro's own table.
#[path = "../../macros/src/lookups.rs"]
mod lookups;

use lookups::{find_lookup, find_transform, Class, Output, TransformDef};

/// The type of a field, of a value compared with it, or of an annotation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    I32,
    I64,
    F64,
    Bool,
    Text,
    Date,
    DateTimeUtc,
    Time,
    Decimal,
    Fk,
}

/// A field of a model, by its Django name.
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub nullable: bool,
}

const fn f(name: &'static str, ty: Ty, nullable: bool) -> Field {
    Field { name, ty, nullable }
}

/// The fields of the models in `dunder_test_models::conformance`
/// (tests/models/src/lib.rs), by Django field name.
pub fn fields(model: &str) -> Option<&'static [Field]> {
    const ARTICLE: &[Field] = &[
        f("id", Ty::I64, false),
        f("title", Ty::Text, false),
        f("content", Ty::Text, false),
        f("published_date", Ty::Date, false),
        f("published_at", Ty::DateTimeUtc, true),
        f("rating", Ty::I32, false),
        f("score", Ty::F64, true),
        f("is_featured", Ty::Bool, false),
        f("start_time", Ty::Time, true),
        f("price", Ty::Decimal, true),
        f("author", Ty::Fk, false),
        f("editor", Ty::Fk, true),
    ];
    const AUTHOR: &[Field] = &[
        f("id", Ty::I64, false),
        f("name", Ty::Text, false),
        f("email", Ty::Text, true),
        f("born", Ty::Date, true),
    ];
    const TAG: &[Field] = &[f("id", Ty::I64, false), f("name", Ty::Text, false)];
    match model {
        "Article" => Some(ARTICLE),
        "Author" => Some(AUTHOR),
        "Tag" => Some(TAG),
        _ => None,
    }
}

/// The relations of the models that are not columns: (model, name, target).
/// `Article.tags` is a many-to-many; the others are reverse sides.
pub const LINKS: &[(&str, &str, &str)] = &[
    ("Article", "tags", "Tag"),
    ("Author", "articles", "Article"),
    ("Author", "edited_articles", "Article"),
    ("Tag", "articles", "Article"),
];

/// The model a foreign key of `model` points at.
fn fk_target(model: &str, field: &str) -> Option<&'static str> {
    match (model, field) {
        ("Article", "author" | "editor") => Some("Author"),
        _ => None,
    }
}

/// A name a projection case's `.annotate(…)` defined, usable after it in
/// conditions, `F()`, `order_by` and `values` like a field of the model
/// (see `build/projection.rs`).
pub struct Annotation {
    pub name: String,
    /// The type dunder gives it (`Count` → `I64`, `Avg` → `F64`, …).
    pub ty: Ty,
    pub nullable: bool,
    /// It aggregates (`Count`, `Sum`, …): another aggregate cannot use it.
    pub aggregate: bool,
}

/// Where the names of a query resolve: the fields and relations of
/// `model`, and the annotations made before (none in a filter case).
#[derive(Clone, Copy)]
pub struct Names<'a> {
    pub model: &'a str,
    pub annotations: &'a [Annotation],
}

/// Where a lookup path through relations ends.
struct Walked {
    /// The column's type (`Fk` for a relation compared by its key).
    ty: Ty,
    /// The column can be NULL (its field, or a relation on the way).
    nullable: bool,
    /// The parts left: transforms and the lookup.
    rest: usize,
}

/// Follows `parts` through the relations of `model` as Django does (field
/// names before lookups), or says why the case cannot run.
fn walk(names: Names<'_>, parts: &[&str]) -> Gen<Walked> {
    if let Some(a) = names.annotations.iter().find(|a| a.name == parts[0]) {
        return Ok(Walked {
            ty: a.ty,
            nullable: a.nullable,
            rest: 1,
        });
    }
    let mut model = names.model.to_owned();
    let mut nullable = false;
    let mut i = 0;
    loop {
        let model_fields = fields(&model).ok_or_else(|| Skip::Pending("models", model.clone()))?;
        let part = parts[i];
        let name = if part == "pk" { "id" } else { part };
        let field = model_fields.iter().find(|f| f.name == name).or_else(|| {
            model_fields
                .iter()
                .find(|f| f.ty == Ty::Fk && name.strip_suffix("_id") == Some(f.name))
        });
        let (target, relation_nullable) = match field {
            Some(f) if f.ty != Ty::Fk || f.name != name => {
                return Ok(Walked {
                    ty: f.ty,
                    nullable: nullable || f.nullable,
                    rest: i + 1,
                });
            }
            Some(f) => (fk_target(&model, f.name).unwrap_or_default(), f.nullable),
            None => match LINKS.iter().find(|(m, n, _)| *m == model && *n == part) {
                Some((_, _, t)) => (*t, true),
                None => return pending("unknown names", format!("field `{part}` of {model}")),
            },
        };
        let goes_on = parts.get(i + 1).is_some_and(|n| {
            *n != "pk"
                && *n != "id"
                && (fields(target).is_some_and(|fs| fs.iter().any(|f| f.name == *n))
                    || LINKS.iter().any(|(m, l, _)| *m == target && l == n))
        });
        if !goes_on {
            let skip = usize::from(parts.get(i + 1).is_some_and(|n| *n == "pk" || *n == "id"));
            return Ok(Walked {
                ty: Ty::Fk,
                nullable: nullable || relation_nullable,
                rest: i + 1 + skip,
            });
        }
        nullable = nullable || relation_nullable;
        model = target.to_owned();
        i += 1;
    }
}
/// The keys of a case the generator understands.
const CASE_KEYS: &[&str] = &[
    "id", "model", "filter", "exclude", "distinct", "order_by", "slice", "note",
];

/// Why a case is not generated.
pub enum Skip {
    /// Needs a feature not built yet: (category for the summary, detail).
    Pending(&'static str, String),
    /// dunder rejects it at compile time, by design.
    Rejected(String),
}

/// A translation, or why the case is not generated.
pub type Gen<T> = Result<T, Skip>;

/// Not generated: needs a feature not built yet.
pub fn pending<T>(category: &'static str, detail: impl Into<String>) -> Gen<T> {
    Err(Skip::Pending(category, detail.into()))
}
/// Not generated: dunder refuses it at compile time, by design.
pub fn rejected<T>(why: impl Into<String>) -> Gen<T> {
    Err(Skip::Rejected(why.into()))
}

/// What the lookup table (`macros/src/lookups.rs`) sees of a field type.
fn class(ty: Ty) -> Class {
    match ty {
        Ty::I32 | Ty::I64 | Ty::F64 | Ty::Decimal => Class::Number,
        Ty::Bool => Class::Bool,
        Ty::Text => Class::Text,
        Ty::Date => Class::Date,
        Ty::DateTimeUtc => Class::DateTime,
        Ty::Time => Class::Time,
        Ty::Fk => Class::Key,
    }
}

/// The type a transform yields, or a rejection when it cannot apply.
fn transform_out(t: &TransformDef, ty: Ty) -> Gen<Ty> {
    if !t.applies.contains(&class(ty)) {
        return rejected(format!(
            "transform `{}` cannot apply to {} (Django: FieldError)",
            t.name,
            ty_name(ty)
        ));
    }
    Ok(match t.output {
        Output::Int => Ty::I32,
        Output::Date => Ty::Date,
        Output::Time => Ty::Time,
    })
}

/// A type in words, for the reasons of rejections.
pub fn ty_name(ty: Ty) -> &'static str {
    match ty {
        Ty::I32 => "an i32 field",
        Ty::I64 => "an i64 field",
        Ty::F64 => "an f64 field",
        Ty::Bool => "a bool field",
        Ty::Text => "a text field",
        Ty::Date => "a date field",
        Ty::DateTimeUtc => "a datetime field",
        Ty::Time => "a time field",
        Ty::Decimal => "a decimal field",
        Ty::Fk => "a foreign key",
    }
}

fn rust_ty(ty: Ty) -> &'static str {
    match ty {
        Ty::I32 => "i32",
        Ty::I64 | Ty::Fk => "i64",
        Ty::F64 => "f64",
        Ty::Bool => "bool",
        Ty::Text => "&str",
        Ty::Date => "chrono::NaiveDate",
        Ty::DateTimeUtc => "chrono::DateTime<chrono::Utc>",
        Ty::Time => "chrono::NaiveTime",
        Ty::Decimal => "dunder::Decimal",
    }
}

/// A Rust expression of exactly the type dunder wants for `ty`, for a JSON
/// value of the corpus.
pub fn literal(v: &Value, ty: Ty) -> Gen<String> {
    if let Value::Object(o) = v {
        if o.contains_key("$F") || o.contains_key("$op") {
            return pending("F() expressions", format!("value {v} (inside a list)"));
        }
        if o.contains_key("$sub") {
            return pending("subqueries", format!("value {v}"));
        }
        for (tag, want) in [
            ("$decimal", Ty::Decimal),
            ("$date", Ty::Date),
            ("$datetime", Ty::DateTimeUtc),
            ("$time", Ty::Time),
        ] {
            if let Some(inner) = o.get(tag) {
                if ty != want {
                    return rejected(format!(
                        "a {tag} value for {} (Django converts it)",
                        ty_name(ty)
                    ));
                }
                return literal(inner, ty);
            }
        }
        return pending("unknown value", format!("value {v}"));
    }
    match (ty, v) {
        (_, Value::Null) => rejected(
            "`None` as a value: it does not type-check (dunder: `__isnull`; Django raises, \
             or drops a None from an `in` list)",
        ),
        (Ty::Bool, Value::Bool(b)) => Ok(b.to_string()),
        (Ty::I32, Value::Number(n)) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => Ok(format!("{i}i32")),
            Some(_) => rejected(
                "an integer outside the range of the i32 field: the literal does not compile \
                 (Django turns the condition into an empty or a full result)",
            ),
            None => rejected("a float for an i32 field (Django rounds or truncates it)"),
        },
        (Ty::I64 | Ty::Fk, Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(format!("{i}i64")),
            None => rejected("a float for an i64 field (Django rounds or truncates it)"),
        },
        // A JSON integer for a float field is the same number: `3` is `3.0`.
        (Ty::F64, Value::Number(n)) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(format!("{x:?}f64")),
            _ => rejected("a number an f64 cannot hold"),
        },
        (Ty::Text, Value::String(s)) => Ok(format!("{s:?}")),
        // Django's DecimalField.to_python: a decimal string or an integer is
        // that decimal exactly (a float is converted with the field's
        // context, which dunder leaves to the caller).
        (Ty::Decimal, Value::String(s)) if is_decimal(s) => Ok(format!("dec({s:?})")),
        (Ty::Decimal, Value::String(s)) => rejected(format!(
            "{s:?} is not a decimal: a Decimal cannot hold it (Django: ValidationError)"
        )),
        (Ty::Decimal, Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(format!("dec(\"{i}\")")),
            None => rejected(
                "a float for a decimal field (Django converts it with the field's context)",
            ),
        },
        (Ty::Date, Value::String(s)) => {
            if is_date(s) {
                Ok(format!("d({s:?})"))
            } else {
                rejected(format!(
                    "{s:?} is not a date: a NaiveDate cannot hold it (Django: ValidationError)"
                ))
            }
        }
        // Django reads a date-only string for a datetime field as midnight.
        (Ty::DateTimeUtc, Value::String(s)) => {
            let full = if s.len() == 10 {
                format!("{s} 00:00:00")
            } else {
                s.replace('T', " ")
            };
            if full.len() >= 19 && is_date(&full[..10]) && is_time(&full[11..]) {
                Ok(format!("dt({full:?})"))
            } else {
                rejected(format!(
                    "{s:?} is not a datetime: a DateTime<Utc> cannot hold it (Django: ValidationError)"
                ))
            }
        }
        (Ty::Time, Value::String(s)) => {
            let full = if s.len() == 5 {
                format!("{s}:00")
            } else {
                s.clone()
            };
            if is_time(&full) {
                Ok(format!("t({full:?})"))
            } else {
                rejected(format!(
                    "{s:?} is not a time: a NaiveTime cannot hold it (Django: ValidationError)"
                ))
            }
        }
        (ty, v) => rejected(format!(
            "a {} value for {} (Django coerces it)",
            kind_of(v),
            ty_name(ty)
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Decimal text: `-?digits[.digits]`, at most 28 digits (a `Decimal`'s).
fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = int.len() + frac.len();
    !int.is_empty()
        && (1..=28).contains(&digits)
        && int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit())
}

/// `YYYY-MM-DD` naming a real calendar day.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        s[..4].parse::<i32>(),
        s[5..7].parse::<u32>(),
        s[8..].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `HH:MM:SS[.f{1,6}]` naming a real time of day.
fn is_time(s: &str) -> bool {
    let (hms, frac) = s.split_once('.').unwrap_or((s, "0"));
    let parts: Vec<&str> = hms.split(':').collect();
    let [h, m, sec] = parts.as_slice() else {
        return false;
    };
    let two = |p: &str, max: u32| p.len() == 2 && p.parse::<u32>().is_ok_and(|v| v <= max);
    two(h, 23)
        && two(m, 59)
        && two(sec, 59)
        && (1..=6).contains(&frac.len())
        && frac.bytes().all(|c| c.is_ascii_digit())
}

/// A number (a key is not one).
pub fn numeric(ty: Ty) -> bool {
    matches!(ty, Ty::I32 | Ty::I64 | Ty::F64 | Ty::Decimal)
}

/// What a path names (a field through relations, then transforms; or an
/// annotation).
pub struct PathType {
    pub ty: Ty,
    /// It can be NULL (its field, or a relation on the way).
    pub nullable: bool,
}

/// The type of the value a path names, or why it cannot run.
pub fn path_type(names: Names<'_>, path: &str) -> Gen<PathType> {
    let parts: Vec<&str> = path.split("__").collect();
    let walked = walk(names, &parts)?;
    let mut ty = walked.ty;
    for p in &parts[walked.rest..] {
        match find_transform(p) {
            Some(t) => ty = transform_out(t, ty)?,
            None => return pending("unknown names", format!("`{p}` in `{path}`")),
        }
    }
    Ok(PathType {
        ty,
        nullable: walked.nullable,
    })
}

/// The type of the column `F(path)` names.
fn f_type(names: Names<'_>, path: &str) -> Gen<Ty> {
    path_type(names, path).map(|p| p.ty)
}

/// The type of the first `F()` in an expression, if any.
fn first_f_type(names: Names<'_>, v: &Value) -> Option<Ty> {
    let o = v.as_object()?;
    if let Some(p) = o.get("$F").and_then(Value::as_str) {
        return f_type(names, p).ok();
    }
    if o.contains_key("$op") {
        return first_f_type(names, &o["lhs"]).or_else(|| first_f_type(names, &o["rhs"]));
    }
    None
}

/// A `$F` / `$op` value as a dunder expression compared with a `ty`:
/// `F(path)`, arithmetic with values of the column's type beside them.
fn f_value(names: Names<'_>, v: &Value, ty: Ty) -> Gen<String> {
    let Some(o) = v.as_object() else {
        return literal(v, ty);
    };
    if let Some(p) = o.get("$F").and_then(Value::as_str) {
        let fty = f_type(names, p)?;
        let fits = fty == ty || (numeric(fty) && numeric(ty)) || (fty == Ty::Fk && ty == Ty::I64);
        if !fits {
            return rejected(format!(
                "`F({p})` ({}) compared with {} (dunder: the types must match)",
                ty_name(fty),
                ty_name(ty)
            ));
        }
        return Ok(format!("F({p})"));
    }
    if let Some(op) = o.get("$op").and_then(Value::as_str) {
        if !numeric(ty) {
            return rejected(format!("arithmetic on {}", ty_name(ty)));
        }
        // Values take the type of the column they are combined with.
        let values = first_f_type(names, v).filter(|t| numeric(*t)).unwrap_or(ty);
        let l = f_value(names, &o["lhs"], values)?;
        let r = f_value(names, &o["rhs"], values)?;
        return Ok(format!("({l} {op} {r})"));
    }
    literal(v, ty)
}

/// One `key = value` condition of a kwargs node, as dunder syntax.
fn leaf(names: Names<'_>, key: &str, value: &Value) -> Gen<String> {
    let parts: Vec<&str> = key.split("__").collect();
    let walked = walk(names, &parts)?;
    let mut ty = walked.ty;
    let rest = &parts[walked.rest..];
    let mut transformed = false;
    let mut lookup = "exact";
    for (i, p) in rest.iter().enumerate() {
        if find_lookup(p).is_some() && i + 1 == rest.len() {
            lookup = p;
        } else if let Some(t) = find_transform(p) {
            ty = transform_out(t, ty)?;
            transformed = true;
        } else {
            return pending(
                "unknown names",
                format!("lookup or transform `{p}` in `{key}`"),
            );
        }
    }
    let applies = find_lookup(lookup).is_some_and(|l| l.applies.contains(&class(ty)));
    if !applies && ty != Ty::Fk {
        return rejected(format!(
            "`{lookup}` on {}: pattern and regex lookups apply to text fields only \
             (Django matches the column's text form, which differs per backend)",
            ty_name(ty)
        ));
    }
    if !applies && ty == Ty::Fk {
        return rejected(format!("`{lookup}` on a foreign key (Django: FieldError)"));
    }
    if let Value::Object(o) = value {
        if let Some(s) = o.get("$sub") {
            if lookup != "in" {
                return pending("subqueries", format!("`{lookup}` with a subquery"));
            }
            return Ok(format!("{key} = {}", subquery(s, ty)?));
        }
        if o.contains_key("$F") || o.contains_key("$op") {
            if matches!(lookup, "in" | "range" | "isnull") {
                return rejected(format!("`F()` with `{lookup}` (dunder: Rust values only)"));
            }
            return Ok(format!("{key} = {}", f_value(names, value, ty)?));
        }
    }
    let rhs = match lookup {
        "isnull" => match value {
            Value::Bool(_) if transformed => {
                return pending("isnull after a transform", format!("`{key}`"));
            }
            Value::Bool(b) if walked.nullable => b.to_string(),
            Value::Bool(_) => {
                return rejected(
                    "`isnull` on a field that is not an Option (Django: always true or false)",
                )
            }
            _ => return rejected("`isnull` with a value that is not a boolean literal"),
        },
        "in" => match value {
            Value::Array(items) if items.is_empty() => format!("Vec::<{}>::new()", rust_ty(ty)),
            Value::Array(items) => {
                let items: Vec<String> =
                    items.iter().map(|v| literal(v, ty)).collect::<Gen<_>>()?;
                format!("[{}]", items.join(", "))
            }
            Value::Object(_) => literal(value, ty)?,
            _ => return rejected("`in` with a single value instead of a list"),
        },
        "range" => match value {
            Value::Array(items) if items.len() == 2 => {
                format!("({}, {})", literal(&items[0], ty)?, literal(&items[1], ty)?)
            }
            _ => return rejected("`range` without exactly two ends"),
        },
        // Django's `x=None` is `x IS NULL`; dunder spells it `x__isnull = true`.
        "exact" | "iexact" if value.is_null() => {
            if transformed {
                return pending("isnull after a transform", format!("`{key}` = None"));
            }
            if !walked.nullable {
                return rejected(
                    "`= None` on a field that is not an Option: `isnull` does not apply \
                     (Django: always empty)",
                );
            }
            let path = parts[..walked.rest].join("__");
            return Ok(format!("{path}__isnull = true"));
        }
        _ => literal(value, ty)?,
    };
    Ok(format!("{key} = {rhs}"))
}

/// `{"$sub": {"model": M, "filter": NODE, "values": "pk"}}` as
/// `query!(path::M.filter(…).values(pk))`, compared with a `ty` column.
fn subquery(s: &Value, ty: Ty) -> Gen<String> {
    let Some(o) = s.as_object() else {
        return pending("unknown syntax", format!("subquery {s}"));
    };
    for k in o.keys() {
        if !["model", "filter", "exclude", "values"].contains(&k.as_str()) {
            return pending("unknown options", format!("`{k}` of a subquery"));
        }
    }
    let model = o.get("model").and_then(Value::as_str).unwrap_or_default();
    fields(model).ok_or_else(|| Skip::Pending("models", model.to_owned()))?;
    let names = Names {
        model,
        annotations: &[],
    };
    let mut chain = String::new();
    if let Some(f) = o.get("filter") {
        chain.push_str(&calls(names, "filter", f)?);
    }
    if let Some(e) = o.get("exclude") {
        chain.push_str(&calls(names, "exclude", e)?);
    }
    let field = o.get("values").and_then(Value::as_str).unwrap_or("pk");
    let parts: Vec<&str> = field.split("__").collect();
    let walked = walk(names, &parts)?;
    let fits = walked.ty == ty
        || (matches!(walked.ty, Ty::I64 | Ty::Fk) && matches!(ty, Ty::I64 | Ty::Fk));
    if walked.rest != parts.len() || !fits {
        return rejected(format!(
            "a subquery of `{field}` compared with {} (dunder: the types must match)",
            ty_name(ty)
        ));
    }
    Ok(format!(
        "dunder::query!(dunder_test_models::conformance::{model}{chain}.values({field}))"
    ))
}

/// A kwargs NODE as the arguments of one `.filter(…)`/`.exclude(…)` call
/// (Django sorts the keywords; so do we), or a Q NODE as one argument.
fn node_args(names: Names<'_>, node: &Value) -> Gen<Vec<String>> {
    match node {
        Value::Object(o) if o.keys().any(|k| k.starts_with('$')) => Ok(vec![q(names, node)?]),
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            keys.into_iter().map(|k| leaf(names, k, &o[k])).collect()
        }
        _ => pending("unknown syntax", format!("node {node}")),
    }
}

/// A NODE as one Q expression.
pub fn q(names: Names<'_>, node: &Value) -> Gen<String> {
    let Value::Object(o) = node else {
        return pending("unknown syntax", format!("node {node}"));
    };
    let dollar: Vec<&String> = o.keys().filter(|k| k.starts_with('$')).collect();
    if !dollar.is_empty() {
        if o.len() != 1 {
            return pending("unknown syntax", format!("node {node}"));
        }
        return match (dollar[0].as_str(), &o[dollar[0]]) {
            ("$and", Value::Array(items)) => join(names, items, " & "),
            ("$or", Value::Array(items)) => join(names, items, " | "),
            ("$not", inner) => Ok(format!("!({})", q(names, inner)?)),
            (op, _) => pending("unknown syntax", format!("Q operator {op}")),
        };
    }
    let args = node_args(names, node)?;
    Ok(match args.as_slice() {
        [one] => one.clone(),
        _ => args
            .iter()
            .map(|a| format!("({a})"))
            .collect::<Vec<_>>()
            .join(" & "),
    })
}

fn join(names: Names<'_>, items: &[Value], op: &str) -> Gen<String> {
    if items.is_empty() {
        return pending("unknown syntax", "an empty Q");
    }
    let parts: Vec<String> = items
        .iter()
        .map(|i| q(names, i).map(|s| format!("({s})")))
        .collect::<Gen<_>>()?;
    Ok(parts.join(op))
}

/// `.filter(…)` / `.exclude(…)` calls for a NODE or a list of NODEs.
pub fn calls(names: Names<'_>, method: &str, v: &Value) -> Gen<String> {
    let nodes: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = String::new();
    for n in nodes {
        let args = node_args(names, n)?;
        write!(out, ".{method}({})", args.join(", ")).ok();
    }
    Ok(out)
}

/// The model and the dunder chain (`.filter(…)…[a..b]`) of a case.
fn case_chain(case: &Map<String, Value>) -> Gen<(String, String)> {
    let model = case
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    fields(&model).ok_or_else(|| Skip::Pending("models", model.clone()))?;
    let names = Names {
        model: &model,
        annotations: &[],
    };
    for key in case.keys() {
        if !CASE_KEYS.contains(&key.as_str()) {
            return pending("unknown options", format!("option `{key}`"));
        }
    }
    let mut chain = String::new();
    if let Some(f) = case.get("filter") {
        chain.push_str(&calls(names, "filter", f)?);
    }
    if let Some(e) = case.get("exclude") {
        chain.push_str(&calls(names, "exclude", e)?);
    }
    match case.get("order_by") {
        None => {}
        Some(Value::Array(keys)) => {
            let mut ks = Vec::new();
            for k in keys {
                let Some(k) = k.as_str() else {
                    return pending("unknown syntax", format!("order_by {k}"));
                };
                let name = k.strip_prefix('-').unwrap_or(k);
                if name == "?" {
                    return pending("random order", "order_by `?`");
                }
                let parts: Vec<&str> = name.split("__").collect();
                let walked = walk(names, &parts)?;
                if walked.rest != parts.len() {
                    return pending("unknown names", format!("order_by `{k}` (a transform)"));
                }
                ks.push(k.to_owned());
            }
            write!(chain, ".order_by({})", ks.join(", ")).ok();
        }
        Some(other) => return pending("unknown syntax", format!("order_by {other}")),
    }
    match case.get("distinct") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => chain.push_str(".distinct()"),
        Some(other) => return pending("unknown options", format!("distinct {other}")),
    }
    match case.get("slice") {
        None => {}
        Some(Value::Array(s)) if s.len() == 2 => {
            let bound = |v: &Value| match v {
                Value::Null => Ok(String::new()),
                Value::Number(n) if n.as_u64().is_some() => Ok(n.to_string()),
                _ => rejected("a negative slice bound (Django: ValueError)"),
            };
            write!(chain, "[{}..{}]", bound(&s[0])?, bound(&s[1])?).ok();
        }
        Some(other) => return pending("unknown syntax", format!("slice {other}")),
    }
    Ok((model, chain))
}

/// What Django's `.count()` of a case answers, from its rows: their number,
/// unless an unsliced query is ordered across a multi-valued relation —
/// `count()` clears the ordering and so the rows that ordering's join added:
/// then it counts the distinct rows under `.distinct()`, and cannot be told
/// from the rows without it.
fn count_rule(case: &Map<String, Value>) -> &'static str {
    let model = case
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let many = case
        .get("order_by")
        .and_then(Value::as_array)
        .is_some_and(|keys| {
            keys.iter().filter_map(Value::as_str).any(|k| {
                let mut m = model;
                for part in k.trim_start_matches('-').split("__") {
                    if LINKS.iter().any(|(o, n, _)| *o == m && *n == part) {
                        return true;
                    }
                    match fk_target(m, part) {
                        Some(t) => m = t,
                        None => break,
                    }
                }
                false
            })
        });
    let sliced = case.contains_key("slice");
    let distinct = matches!(case.get("distinct"), Some(Value::Bool(true)));
    match (many && !sliced, distinct) {
        (false, _) => "Rows",
        (true, true) => "Distinct",
        (true, false) => "Unchecked",
    }
}

/// `$OUT_DIR/conformance_cases.rs` for the text of `cases.json`.
pub fn generate(cases_json: &str) -> String {
    let json: Value = serde_json::from_str(cases_json).expect("parse conformance/cases.json");
    let cases = json["cases"]
        .as_array()
        .expect("conformance/cases.json: a `cases` array");

    let mut table = String::new();
    let mut fns = String::new();
    let mut sqlite_arms = String::new();
    let mut pg_arms = String::new();
    let mut names = BTreeSet::new();
    let mut n = 0usize;
    for case in cases {
        let Value::Object(case) = case else {
            panic!("conformance/cases.json: a case that is not an object: {case}");
        };
        let id = case
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("conformance/cases.json: a case without an id: {case:?}"));
        match case_chain(case) {
            Ok((model, chain)) => {
                let root = "dunder_test_models::conformance::";
                let query = format!("{model}{chain}");
                let name = format!("case_{}", id.to_ascii_lowercase());
                assert!(
                    id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                    "case id {id:?} is not an identifier"
                );
                assert!(names.insert(name.clone()), "two cases are named {name}");
                writeln!(
                    table,
                    "    Case {{ id: {id:?}, status: Status::Run {{ index: {n}, query: {query:?}, count: CountRule::{} }} }},",
                    count_rule(case)
                )
                .ok();
                // Django's first() orders an unordered query by pk, which it
                // cannot do after a slice (TypeError): no first() then.
                let sliced_unordered = case.contains_key("slice") && !case.contains_key("order_by");
                let first = if sliced_unordered {
                    "None".to_owned()
                } else {
                    format!(
                        "Some(dunder::query!({root}{query}.first()).run(c.ex()).map(|r| r.map(|r| r.id)))"
                    )
                };
                writeln!(
                    fns,
                    "/// `{id}`\n\
                     fn {name}<C: Conn>(mut c: C) -> Outcome {{\n    \
                         let q = dunder::query!({root}{query});\n    \
                         Outcome {{\n        \
                             sql: q.sql(c.dialect()),\n        \
                             pks: q.fetch_all(c.ex()).map(|rows| rows.into_iter().map(|r| r.id).collect()),\n        \
                             count: dunder::query!({root}{query}.count()).run(c.ex()),\n        \
                             exists: dunder::query!({root}{query}.exists()).run(c.ex()),\n        \
                             first: {first},\n    \
                         }}\n\
                     }}\n"
                )
                .ok();
                writeln!(sqlite_arms, "        {n} => {name}(c),").ok();
                writeln!(pg_arms, "        {n} => {name}(&mut *c),").ok();
                n += 1;
            }
            Err(Skip::Pending(category, detail)) => {
                writeln!(
                    table,
                    "    Case {{ id: {id:?}, status: Status::Pending {{ category: {category:?}, detail: {detail:?} }} }},"
                )
                .ok();
            }
            Err(Skip::Rejected(why)) => {
                writeln!(
                    table,
                    "    Case {{ id: {id:?}, status: Status::Rejected {{ why: {why:?} }} }},"
                )
                .ok();
            }
        }
    }
    format!(
        "// Generated by tests/build/conformance.rs from conformance/cases.json. Do not edit.\n\n\
         /// Every case of the corpus, in corpus order.\n\
         pub static CASES: &[Case] = &[\n{table}];\n\n\
         {fns}\n\
         /// Runs generated case `index` on SQLite.\n\
         pub fn run_sqlite(index: usize, c: &rusqlite::Connection) -> Outcome {{\n    \
             match index {{\n{sqlite_arms}        _ => unreachable!(\"no generated case {{index}}\"),\n    }}\n}}\n\n\
         /// Runs generated case `index` on PostgreSQL (dunder's own client).\n\
         pub fn run_pg(index: usize, c: &mut dunder::postgres::Connection) -> Outcome {{\n    \
             match index {{\n{pg_arms}        _ => unreachable!(\"no generated case {{index}}\"),\n    }}\n}}\n"
    )
}

/// How one case is classified: `Ok(query)` (the `query!` argument), or
/// `Err("pending <category>: <detail>")` / `Err("rejected: <why>")`.
/// For the generator's own tests (tests/conformance_generator.rs).
#[allow(dead_code)]
pub fn classify(case: &Value) -> Result<String, String> {
    let Value::Object(case) = case else {
        return Err(format!("not an object: {case}"));
    };
    match case_chain(case) {
        Ok((model, chain)) => Ok(format!("{model}{chain}")),
        Err(Skip::Pending(category, detail)) => Err(format!("pending {category}: {detail}")),
        Err(Skip::Rejected(why)) => Err(format!("rejected: {why}")),
    }
}

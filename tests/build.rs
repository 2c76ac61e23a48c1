//! Turns the Django conformance corpus (`conformance/cases.json`) into real
//! `query!` invocations: `$OUT_DIR/conformance_cases.rs`, included by
//! `tests/conformance.rs`. Each case is either generated, or classified by a
//! rule: *pending* (needs a feature dunder does not have yet) or *rejected*
//! (dunder refuses it at compile time by design). The test checks the
//! classification against `conformance/divergences.json`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value};

#[path = "build/differential.rs"]
mod differential;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    I32,
    I64,
    F64,
    Bool,
    Text,
    Date,
    DateTimeUtc,
    Time,
    Fk,
}

struct Field {
    name: &'static str,
    ty: Ty,
    nullable: bool,
}

const fn f(name: &'static str, ty: Ty, nullable: bool) -> Field {
    Field { name, ty, nullable }
}

/// The fields of the models in `dunder_test_models::conformance`.
fn fields(model: &str) -> Option<&'static [Field]> {
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

/// Relations of the Django models that dunder's models do not have yet.
const RELATIONS: &[&str] = &["articles", "edited_articles", "tags"];
/// Django fields dunder cannot represent yet.
const UNSUPPORTED_FIELDS: &[(&str, &str)] = &[("price", "decimal fields")];

const LOOKUPS: &[&str] = &[
    "exact",
    "iexact",
    "contains",
    "icontains",
    "in",
    "gt",
    "gte",
    "lt",
    "lte",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "range",
    "isnull",
    "regex",
    "iregex",
];
const TEXT_LOOKUPS: &[&str] = &[
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "regex",
    "iregex",
];

/// Why a case is not generated.
enum Skip {
    /// Needs a feature not built yet.
    Pending(String),
    /// dunder rejects it at compile time, by design.
    Rejected(String),
}

type Gen<T> = Result<T, Skip>;

fn pending<T>(why: impl Into<String>) -> Gen<T> {
    Err(Skip::Pending(why.into()))
}
fn rejected<T>(why: impl Into<String>) -> Gen<T> {
    Err(Skip::Rejected(why.into()))
}

fn transform_out(t: &str, ty: Ty) -> Gen<Ty> {
    let date_like = matches!(ty, Ty::Date | Ty::DateTimeUtc);
    match t {
        "date" | "time" if ty == Ty::DateTimeUtc => {
            Ok(if t == "date" { Ty::Date } else { Ty::Time })
        }
        "year" | "iso_year" | "month" | "day" | "week" | "week_day" | "iso_week_day"
        | "quarter"
            if date_like =>
        {
            Ok(Ty::I32)
        }
        "hour" | "minute" | "second" if matches!(ty, Ty::DateTimeUtc | Ty::Time) => Ok(Ty::I32),
        _ => rejected(format!("transform `{t}` cannot apply to a {ty:?} field")),
    }
}

fn is_transform(s: &str) -> bool {
    matches!(
        s,
        "date"
            | "time"
            | "year"
            | "iso_year"
            | "month"
            | "day"
            | "week"
            | "week_day"
            | "iso_week_day"
            | "quarter"
            | "hour"
            | "minute"
            | "second"
    )
}

/// A Rust literal of type `ty` for a JSON value.
fn literal(v: &Value, ty: Ty) -> Gen<String> {
    if let Value::Object(o) = v {
        if o.contains_key("$F") || o.contains_key("$op") {
            return pending("F() expressions");
        }
        if o.contains_key("$sub") {
            return pending("subqueries");
        }
        if o.contains_key("$decimal") {
            return pending("decimal fields");
        }
        for (tag, want) in [
            ("$date", Ty::Date),
            ("$datetime", Ty::DateTimeUtc),
            ("$time", Ty::Time),
        ] {
            if let Some(inner) = o.get(tag) {
                if ty != want && !(tag == "$date" && ty == Ty::DateTimeUtc) {
                    return rejected(format!("a {tag} value for a {ty:?} field"));
                }
                return literal(inner, ty);
            }
        }
        return pending(format!("value {v}"));
    }
    match (ty, v) {
        (_, Value::Null) => rejected("`None` as a value (dunder: `__isnull = true`; Django drops None from `in` lists)"),
        (Ty::Bool, Value::Bool(b)) => Ok(b.to_string()),
        (Ty::I32, Value::Number(n)) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => Ok(format!("{i}i32")),
            Some(_) => rejected("an integer out of the range of the i32 field (Django turns it into an empty or full result)"),
            None => rejected("a float for an integer field (Django rounds or truncates it)"),
        },
        (Ty::I64 | Ty::Fk, Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(format!("{i}i64")),
            None => rejected("a float for an integer field"),
        },
        (Ty::F64, Value::Number(n)) => match n.as_f64() {
            Some(x) => Ok(format!("{x:?}f64")),
            None => rejected("a number out of range"),
        },
        (Ty::Text, Value::String(s)) => Ok(format!("{s:?}")),
        (Ty::Date, Value::String(s)) => match chrono_like_date(s) {
            true => Ok(format!("d({s:?})")),
            false => rejected(format!("an invalid date literal {s:?}")),
        },
        (Ty::DateTimeUtc, Value::String(s)) => {
            let full = if s.len() == 10 { format!("{s} 00:00:00") } else { s.replace('T', " ") };
            if chrono_like_date(&full[..10.min(full.len())]) {
                Ok(format!("dt({full:?})"))
            } else {
                rejected(format!("an invalid datetime literal {s:?}"))
            }
        }
        (Ty::Time, Value::String(s)) => {
            let full = if s.len() == 5 { format!("{s}:00") } else { s.clone() };
            Ok(format!("t({full:?})"))
        }
        (ty, v) => rejected(format!("a {} value for a {ty:?} field (Django coerces it)", kind_of(v))),
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

/// `YYYY-MM-DD` with a real calendar date.
fn chrono_like_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    if !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    d <= days[(m - 1) as usize]
}

/// One `lookup = value` condition.
fn leaf(model: &str, key: &str, value: &Value) -> Gen<String> {
    let fields = fields(model).ok_or_else(|| Skip::Pending(format!("model {model}")))?;
    let parts: Vec<&str> = key.split("__").collect();
    let first = parts[0];
    if RELATIONS.contains(&first) {
        return pending("relations (reverse foreign keys, many-to-many)");
    }
    if let Some((_, why)) = UNSUPPORTED_FIELDS.iter().find(|(n, _)| *n == first) {
        return pending(*why);
    }
    let name = if first == "pk" { "id" } else { first };
    let field = fields
        .iter()
        .find(|f| f.name == name || (f.ty == Ty::Fk && format!("{}_id", f.name) == name))
        .ok_or_else(|| Skip::Pending(format!("unknown field {first}")))?;
    let mut ty = field.ty;
    let mut rest = &parts[1..];
    if ty == Ty::Fk {
        if let Some(next) = rest.first() {
            if *next == "id" || *next == "pk" {
                rest = &rest[1..];
            } else if !LOOKUPS.contains(next) {
                return pending("relations (following a foreign key)");
            }
        }
    }
    let mut transformed = false;
    let mut lookup = "exact";
    for (i, p) in rest.iter().enumerate() {
        if LOOKUPS.contains(p) && i + 1 == rest.len() {
            lookup = p;
        } else if is_transform(p) {
            ty = transform_out(p, ty)?;
            transformed = true;
        } else {
            return pending(format!("unknown lookup {p}"));
        }
    }
    if TEXT_LOOKUPS.contains(&lookup) && ty != Ty::Text {
        return rejected(format!("`{lookup}` on a non-text field (Django matches the column's text form, which differs per backend)"));
    }
    if ty == Ty::Fk && !["exact", "in", "gt", "gte", "lt", "lte", "isnull"].contains(&lookup) {
        return rejected(format!("`{lookup}` on a foreign key"));
    }
    let rhs = match lookup {
        "isnull" => match value {
            Value::Bool(b) if field.nullable || transformed => b.to_string(),
            Value::Bool(_) => return rejected("`isnull` on a field that is not an Option"),
            _ => return rejected("`isnull` with a non-boolean"),
        },
        "in" => match value {
            Value::Array(items) if items.is_empty() => format!("Vec::<{}>::new()", rust_ty(ty)),
            Value::Array(items) => {
                let items: Vec<String> =
                    items.iter().map(|v| literal(v, ty)).collect::<Gen<_>>()?;
                format!("[{}]", items.join(", "))
            }
            Value::Object(_) => literal(value, ty)?,
            _ => return rejected("`in` with a single value"),
        },
        "range" => match value {
            Value::Array(items) if items.len() == 2 => {
                format!("({}, {})", literal(&items[0], ty)?, literal(&items[1], ty)?)
            }
            _ => return rejected("`range` without exactly two ends"),
        },
        "exact" | "iexact" if value.is_null() => {
            // Django's `x=None` is `x__isnull=True`; that is how dunder spells it.
            if !(field.nullable || transformed) {
                return rejected(
                    "`= None` on a field that is not an Option (always empty in Django)",
                );
            }
            let base = key
                .strip_suffix("__exact")
                .or_else(|| key.strip_suffix("__iexact"))
                .unwrap_or(key);
            return Ok(format!("{base}__isnull = true"));
        }
        _ => literal(value, ty)?,
    };
    Ok(format!("{key} = {rhs}"))
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
    }
}

/// A NODE as the arguments of one `.filter(…)` call.
fn node_args(model: &str, node: &Value) -> Gen<Vec<String>> {
    match node {
        Value::Object(o) if o.keys().any(|k| k.starts_with('$')) => Ok(vec![q(model, node)?]),
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            keys.into_iter().map(|k| leaf(model, k, &o[k])).collect()
        }
        _ => pending(format!("node {node}")),
    }
}

/// A NODE as one Q expression.
fn q(model: &str, node: &Value) -> Gen<String> {
    let Value::Object(o) = node else {
        return pending(format!("node {node}"));
    };
    if let Some(Value::Array(items)) = o.get("$and") {
        let parts: Vec<String> = items
            .iter()
            .map(|i| q(model, i).map(|s| format!("({s})")))
            .collect::<Gen<_>>()?;
        return Ok(parts.join(" & "));
    }
    if let Some(Value::Array(items)) = o.get("$or") {
        let parts: Vec<String> = items
            .iter()
            .map(|i| q(model, i).map(|s| format!("({s})")))
            .collect::<Gen<_>>()?;
        return Ok(parts.join(" | "));
    }
    if let Some(inner) = o.get("$not") {
        return Ok(format!("!({})", q(model, inner)?));
    }
    let args = node_args(model, node)?;
    Ok(if args.len() == 1 {
        args.into_iter().next().unwrap_or_default()
    } else {
        args.iter()
            .map(|a| format!("({a})"))
            .collect::<Vec<_>>()
            .join(" & ")
    })
}

fn calls(model: &str, method: &str, v: &Value) -> Gen<String> {
    let nodes: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = String::new();
    for n in nodes {
        let args = node_args(model, n)?;
        write!(out, ".{method}({})", args.join(", ")).ok();
    }
    Ok(out)
}

fn case_chain(case: &Map<String, Value>) -> Gen<(String, String)> {
    let model = case
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let fields = fields(&model).ok_or_else(|| Skip::Pending(format!("model {model}")))?;
    for key in case.keys() {
        if ![
            "id", "model", "filter", "exclude", "distinct", "order_by", "slice", "note",
        ]
        .contains(&key.as_str())
        {
            return pending(format!("option {key}"));
        }
    }
    let mut chain = String::new();
    if let Some(f) = case.get("filter") {
        chain.push_str(&calls(&model, "filter", f)?);
    }
    if let Some(e) = case.get("exclude") {
        chain.push_str(&calls(&model, "exclude", e)?);
    }
    if let Some(Value::Array(keys)) = case.get("order_by") {
        let mut ks = Vec::new();
        for k in keys {
            let k = k.as_str().unwrap_or_default();
            let name = k.trim_start_matches('-');
            if name.contains("__") || name == "?" {
                return pending("relations (ordering by a related field)");
            }
            if name != "pk" && !fields.iter().any(|f| f.name == name) {
                return pending(format!("order_by {name}"));
            }
            ks.push(k.to_owned());
        }
        write!(chain, ".order_by({})", ks.join(", ")).ok();
    }
    if case.get("distinct") == Some(&Value::Bool(true)) {
        chain.push_str(".distinct()");
    }
    if let Some(Value::Array(s)) = case.get("slice") {
        let bound = |v: Option<&Value>| match v {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.to_string()),
            _ => rejected("a negative slice"),
        };
        write!(chain, "[{}..{}]", bound(s.first())?, bound(s.get(1))?).ok();
    }
    Ok((model, chain))
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance");
    let cases_path = dir.join("cases.json");
    println!("cargo:rerun-if-changed={}", cases_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(&cases_path).expect("read conformance/cases.json");
    let json: Value = serde_json::from_str(&text).expect("parse cases.json");
    let cases = json["cases"].as_array().expect("cases array");

    let mut table = String::new();
    let mut fns = String::new();
    let mut sqlite_arms = String::new();
    let mut pg_arms = String::new();
    let mut n = 0usize;
    for case in cases {
        let Value::Object(case) = case else { continue };
        let id = case.get("id").and_then(Value::as_str).unwrap_or_default();
        match case_chain(case) {
            Ok((model, chain)) => {
                writeln!(
                    table,
                    "    Case {{ id: {id:?}, status: Status::Run({n}) }},"
                )
                .ok();
                writeln!(
                    fns,
                    "/// `{id}`\nfn case_{n}<E: dunder::Executor>(e: E) -> dunder::Result<Vec<i64>> {{\n    let q = dunder::query!(dunder_test_models::conformance::{model}{chain});\n    Ok(q.fetch_all(e)?.into_iter().map(|r| r.id).collect())\n}}\n"
                )
                .ok();
                writeln!(sqlite_arms, "        {n} => case_{n}(c),").ok();
                writeln!(pg_arms, "        {n} => case_{n}(&mut *c),").ok();
                n += 1;
            }
            Err(Skip::Pending(why)) => {
                writeln!(
                    table,
                    "    Case {{ id: {id:?}, status: Status::Pending({why:?}) }},"
                )
                .ok();
            }
            Err(Skip::Rejected(why)) => {
                writeln!(
                    table,
                    "    Case {{ id: {id:?}, status: Status::Rejected({why:?}) }},"
                )
                .ok();
            }
        }
    }
    let out = format!(
        "// Generated by tests/build.rs from conformance/cases.json. Do not edit.\n\n\
         pub static CASES: &[Case] = &[\n{table}];\n\n{fns}\n\
         pub fn run_sqlite(i: usize, c: &rusqlite::Connection) -> dunder::Result<Vec<i64>> {{\n    match i {{\n{sqlite_arms}        _ => Ok(Vec::new()),\n    }}\n}}\n\n\
         pub fn run_pg(i: usize, c: &mut postgres::Client) -> dunder::Result<Vec<i64>> {{\n    match i {{\n{pg_arms}        _ => Ok(Vec::new()),\n    }}\n}}\n"
    );
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("conformance_cases.rs"), out)
        .expect("write conformance_cases.rs");

    println!("cargo:rerun-if-changed=build/differential.rs");
    println!("cargo:rerun-if-env-changed=DUNDER_DIFF_SEED");
    println!("cargo:rerun-if-env-changed=DUNDER_DIFF_CASES");
    let seed = std::env::var("DUNDER_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00d0_4d3e_5eed);
    let count = std::env::var("DUNDER_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    std::fs::write(
        Path::new(&out_dir).join("differential_cases.rs"),
        differential::generate(seed, count),
    )
    .expect("write differential_cases.rs");
}

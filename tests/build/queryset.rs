//! The QuerySet-method corpus (`conformance/queryset_cases.json`, format in
//! `conformance/QUERYSET.md`) as real `query!` invocations:
//! `$OUT_DIR/queryset_cases.rs`, included by `tests/queryset_conformance.rs`.
//!
//! A case is one query (its own keys), combined with the `with` query of
//! each `combine` step (`.union(query!(…), all = …)`, `.intersection(…)`,
//! `.difference(…)`), followed by `then` (`.values(…)`/`.values_list(…)`,
//! `.order_by(…)`, `.reverse()`, a slice) and the `terminal` (`.count()`,
//! `.exists()`, `.first()`, `.last()`, `.latest(…)`, `.earliest(…)`,
//! `.in_bulk(…)`). Each query's chain is, in Django's order: filter,
//! exclude, `none`, `order_by` (its first key `{k0}`, an
//! `Order<ModelField>` parsed from Django's text, with `runtime_order`),
//! `reverse`, `distinct`/`distinct_fields`, `values`/`values_list`, slice.
//!
//! Every case is classified by one rule, in this order:
//! * **pending**: a key, a model or a name the generator does not know;
//! * **rejected**: dunder refuses it at compile time (a slice before
//!   `.reverse()`/`.last()`/`.latest()`/`.in_bulk()`, `in_bulk` by a
//!   non-unique field, `.filter()` after a combination, an order of combined
//!   rows through a relation or by a name they do not select, `.latest()`/
//!   `.earliest()` of combined rows through a relation, `.in_bulk(keys)` of
//!   combined rows, `.first()`/`.last()` of
//!   unordered combined values without the pk, a DISTINCT ON whose order
//!   does not start with its fields); no code is generated;
//! * otherwise **generated**: one function running the query; a query with
//!   `distinct_fields` (DISTINCT ON) runs on PostgreSQL only (on a rusqlite
//!   connection it is a compile error: `ui/query_needs_a_connection.rs`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::conformance::{calls, fields, path_type, pending, rejected, Gen, Names, Skip};

/// The keys of a query (the case itself, or the `with` of a `combine` step).
const PART_KEYS: &[&str] = &[
    "model",
    "filter",
    "exclude",
    "none",
    "distinct",
    "distinct_fields",
    "order_by",
    "runtime_order",
    "reverse",
    "values",
    "values_list",
    "flat",
    "slice",
];
/// The keys a case adds.
const CASE_KEYS: &[&str] = &["id", "note", "combine", "then", "terminal"];
/// The keys of `then`.
const THEN_KEYS: &[&str] = &[
    "values",
    "values_list",
    "flat",
    "filter",
    "order_by",
    "reverse",
    "slice",
];

/// What the rows of a query are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// Model instances: Django's answer holds their pks.
    Model,
    /// `.values(…)`: a struct of these fields, an object.
    Object(Vec<String>),
    /// `.values_list(…)` of that many items: a tuple, an array.
    Tuple(usize),
    /// `.values_list(x, flat = true)`: the value itself.
    Flat,
}

impl Shape {
    /// The JSON of a row `r`.
    fn json(&self) -> String {
        match self {
            Shape::Model => "r.id.to_json()".to_owned(),
            Shape::Object(keys) => {
                let items: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{k:?}: r.{k}.to_json()"))
                    .collect();
                format!("::serde_json::json!({{{}}})", items.join(", "))
            }
            Shape::Tuple(n) => {
                let items: Vec<String> = (0..*n).map(|i| format!("r.{i}.to_json()")).collect();
                format!("::serde_json::json!([{}])", items.join(", "))
            }
            Shape::Flat => "r.to_json()".to_owned(),
        }
    }
}

/// A query of a case, as dunder syntax.
struct Part {
    model: String,
    chain: String,
    shape: Shape,
    /// The names its rows select (`values`/`values_list`), if any.
    selected: Option<Vec<String>>,
    ordered: bool,
    sliced: bool,
    /// DISTINCT ON: PostgreSQL only.
    pg_only: bool,
    /// `let k0: Order<…> = "…".parse()…;` for a run-time key.
    prelude: String,
}

/// A translated case.
struct Translated {
    prelude: String,
    query: String,
    /// `pks`, `rows` or `value`: the key of Django's answer.
    kind: &'static str,
    /// The expression turning `x` (what `run` returned) into that JSON.
    convert: String,
    pg_only: bool,
}

fn strings(v: &Value, key: &str) -> Gen<Vec<String>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| Skip::Pending("unknown syntax", format!("{key} {v}")))
            })
            .collect(),
        _ => pending("unknown syntax", format!("{key} {v}")),
    }
}

fn flag(o: &Map<String, Value>, key: &str) -> Gen<bool> {
    match o.get(key) {
        None | Some(Value::Bool(false)) => Ok(false),
        Some(Value::Bool(true)) => Ok(true),
        Some(other) => pending("unknown options", format!("{key} {other}")),
    }
}

/// `[a..b]` for a JSON `[a, b]` (`null` for an open bound).
fn slice(v: &Value) -> Gen<String> {
    let bound = |v: &Value| match v {
        Value::Null => Ok(String::new()),
        Value::Number(n) if n.as_u64().is_some() => Ok(n.to_string()),
        _ => pending("unknown syntax", format!("slice bound {v}")),
    };
    match v {
        Value::Array(s) if s.len() == 2 => Ok(format!("[{}..{}]", bound(&s[0])?, bound(&s[1])?)),
        other => pending("unknown syntax", format!("slice {other}")),
    }
}

/// Each name is a path of `model` and a Rust identifier.
fn check_paths(names: Names<'_>, items: &[String]) -> Gen<()> {
    for p in items {
        path_type(names, p.strip_prefix('-').unwrap_or(p))?;
        let p = p.strip_prefix('-').unwrap_or(p);
        let ident = !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !p.as_bytes()[0].is_ascii_digit();
        if !ident {
            return pending("unknown syntax", format!("`{p}` is not a Rust identifier"));
        }
    }
    Ok(())
}

/// `.values(…)` / `.values_list(…)` of `o` (the case, or `then`).
fn projection(
    names: Names<'_>,
    o: &Map<String, Value>,
    chain: &mut String,
) -> Gen<Option<(Shape, Vec<String>)>> {
    let flat = flag(o, "flat")?;
    match (o.get("values"), o.get("values_list")) {
        (Some(_), Some(_)) => pending("unknown syntax", "both values and values_list"),
        (Some(v), None) => {
            let items = strings(v, "values")?;
            if items.is_empty() {
                return pending("unknown syntax", "values() of every field");
            }
            check_paths(names, &items)?;
            write!(chain, ".values({})", items.join(", ")).ok();
            Ok(Some((Shape::Object(items.clone()), items)))
        }
        (None, Some(v)) => {
            let items = strings(v, "values_list")?;
            if items.is_empty() || (flat && items.len() != 1) {
                return pending("unknown syntax", format!("values_list {v}"));
            }
            check_paths(names, &items)?;
            if flat {
                write!(chain, ".values_list({}, flat = true)", items[0]).ok();
                Ok(Some((Shape::Flat, items)))
            } else {
                write!(chain, ".values_list({})", items.join(", ")).ok();
                Ok(Some((Shape::Tuple(items.len()), items)))
            }
        }
        (None, None) if flat => pending("unknown syntax", "flat without values_list"),
        (None, None) => Ok(None),
    }
}

/// One query of a case (the case's own keys, or a `with`).
fn part(o: &Map<String, Value>, default_model: &str, top: bool) -> Gen<Part> {
    for key in o.keys() {
        let known = PART_KEYS.contains(&key.as_str()) || (top && CASE_KEYS.contains(&key.as_str()));
        if !known {
            return pending("unknown options", format!("option `{key}`"));
        }
    }
    let model = o
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or(default_model)
        .to_owned();
    fields(&model).ok_or_else(|| Skip::Pending("models", model.clone()))?;
    let names = Names {
        model: &model,
        annotations: &[],
    };
    let mut chain = String::new();
    let mut prelude = String::new();
    if let Some(f) = o.get("filter") {
        chain.push_str(&calls(names, "filter", f)?);
    }
    if let Some(e) = o.get("exclude") {
        chain.push_str(&calls(names, "exclude", e)?);
    }
    if flag(o, "none")? {
        chain.push_str(".none()");
    }
    let order = match o.get("order_by") {
        Some(v) => strings(v, "order_by")?,
        None => Vec::new(),
    };
    check_paths(names, &order)?;
    if !order.is_empty() {
        let mut keys = order.clone();
        if flag(o, "runtime_order")? {
            // Django's text, parsed at run time into an `Order<ModelField>`.
            writeln!(
                prelude,
                "    let k0: dunder::Order<{model}Field> = {:?}.parse().expect(\"a field of {model}\");",
                order[0]
            )
            .ok();
            keys[0] = "{ k0 }".to_owned();
        }
        write!(chain, ".order_by({})", keys.join(", ")).ok();
    } else if flag(o, "runtime_order")? {
        return pending("unknown syntax", "runtime_order without order_by");
    }
    if flag(o, "reverse")? {
        chain.push_str(".reverse()");
    }
    let mut pg_only = false;
    if let Some(v) = o.get("distinct_fields") {
        let on = strings(v, "distinct_fields")?;
        check_paths(names, &on)?;
        if !order.is_empty() {
            let head: BTreeSet<&str> = order
                .iter()
                .take(on.len())
                .map(|k| k.strip_prefix('-').unwrap_or(k))
                .collect();
            let want: BTreeSet<&str> = on.iter().map(String::as_str).collect();
            if head != want {
                return rejected(format!(
                    "`.distinct({})` with `.order_by({})`: DISTINCT ON needs the order to start \
                     with its fields (PostgreSQL's rule, a compile error in dunder, \
                     ui/query_queryset_more_errors.rs)",
                    on.join(", "),
                    order.join(", ")
                ));
            }
        }
        write!(chain, ".distinct({})", on.join(", ")).ok();
        pg_only = true;
    } else if flag(o, "distinct")? {
        chain.push_str(".distinct()");
    }
    let (shape, selected) = match projection(names, o, &mut chain)? {
        Some((shape, items)) => (shape, Some(items)),
        None => (Shape::Model, None),
    };
    let sliced = match o.get("slice") {
        Some(v) => {
            chain.push_str(&slice(v)?);
            true
        }
        None => false,
    };
    Ok(Part {
        model,
        chain,
        shape,
        selected,
        ordered: !order.is_empty(),
        sliced,
        pg_only,
        prelude,
    })
}

/// A case as dunder syntax, what its answer is, and how to make it JSON.
fn translate(case: &Map<String, Value>) -> Gen<Translated> {
    let model = case
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let first = part(case, &model, true)?;
    let mut query = format!("{}{}", first.model, first.chain);
    let mut prelude = first.prelude.clone();
    let mut pg_only = first.pg_only;
    let mut shape = first.shape.clone();
    let mut selected = first.selected.clone();
    let mut ordered = first.ordered;
    let mut sliced = first.sliced;

    let steps = match case.get("combine") {
        None => Vec::new(),
        Some(Value::Array(steps)) => steps.iter().collect(),
        Some(other) => return pending("unknown syntax", format!("combine {other}")),
    };
    let combined = !steps.is_empty();
    for step in steps {
        let Value::Object(step) = step else {
            return pending("unknown syntax", format!("combine step {step}"));
        };
        for k in step.keys() {
            if !["op", "all", "with"].contains(&k.as_str()) {
                return pending("unknown options", format!("combine option `{k}`"));
            }
        }
        let op = step.get("op").and_then(Value::as_str).unwrap_or_default();
        if !["union", "intersection", "difference"].contains(&op) {
            return pending("unknown syntax", format!("combinator {op:?}"));
        }
        let all = flag(step, "all")?;
        let Some(Value::Object(with)) = step.get("with") else {
            return pending("unknown syntax", "combine step without `with`");
        };
        let other = part(with, &model, false)?;
        if !other.prelude.is_empty() {
            return pending("unknown syntax", "a run-time order in a combined query");
        }
        pg_only |= other.pg_only;
        let all = if all && op == "union" {
            ", all = true"
        } else if all {
            return pending("unknown options", format!("`all` with {op}"));
        } else {
            ""
        };
        write!(query, ".{op}(query!({}{}){all})", other.model, other.chain).ok();
    }
    if combined {
        // The combination has no order of its own (Django's QuerySet.ordered).
        ordered = false;
        sliced = false;
    }

    let empty = Map::new();
    let then = match case.get("then") {
        None => &empty,
        Some(Value::Object(o)) => o,
        Some(other) => return pending("unknown syntax", format!("then {other}")),
    };
    for k in then.keys() {
        if !THEN_KEYS.contains(&k.as_str()) {
            return pending("unknown options", format!("then option `{k}`"));
        }
    }
    let names = Names {
        model: &model,
        annotations: &[],
    };
    let mut chain = String::new();
    if let Some((s, items)) = projection(names, then, &mut chain)? {
        shape = s;
        selected = Some(items);
    }
    if then.contains_key("filter") {
        if combined {
            return rejected(
                "`.filter()` after a combination: dunder allows only values, order_by, a \
                 slice, reverse, count, exists, first and last there (Django: \
                 NotSupportedError; ui/query_combine_errors.rs)",
            );
        }
        return pending("unknown syntax", "then.filter without combine");
    }
    if let Some(v) = then.get("order_by") {
        let keys = strings(v, "order_by")?;
        if combined {
            for k in &keys {
                let name = k.strip_prefix('-').unwrap_or(k);
                if name.contains("__") {
                    return rejected(format!(
                        "combined rows ordered by `{name}`, through a relation: they are ordered \
                         by their own names (Django raises too; ui/query_combine_errors.rs)"
                    ));
                }
                if let Some(sel) = &selected {
                    let pk_of_id = name == "pk" && sel.iter().any(|s| s == "id");
                    if !pk_of_id && !sel.iter().any(|s| s == name) {
                        return rejected(format!(
                            "combined values ordered by `{name}`, which they do not select \
                             (Django: ORDER BY term does not match any column)"
                        ));
                    }
                }
            }
        }
        check_paths(names, &keys)?;
        write!(chain, ".order_by({})", keys.join(", ")).ok();
        ordered = true;
    }
    if flag(then, "reverse")? {
        if sliced {
            return rejected(
                "`.reverse()` after a slice (Django: TypeError; ui/query_queryset_methods.rs)",
            );
        }
        chain.push_str(".reverse()");
    }
    if let Some(v) = then.get("slice") {
        chain.push_str(&slice(v)?);
        sliced = true;
    }
    query.push_str(&chain);

    let row = shape.json();
    let model_rows = shape == Shape::Model;
    let (kind, convert) = match case.get("terminal") {
        None => {
            let kind = if model_rows { "pks" } else { "rows" };
            (
                kind,
                format!("Value::Array(x.into_iter().map(|r| {row}).collect())"),
            )
        }
        Some(Value::String(t)) if t == "count" || t == "exists" => {
            write!(query, ".{t}()").ok();
            ("value", "x.to_json()".to_owned())
        }
        Some(Value::String(t)) if t == "first" || t == "last" => {
            if t == "last" && sliced {
                return rejected(
                    "`.last()` after a slice (Django: TypeError; ui/query_queryset_methods.rs)",
                );
            }
            if combined && !ordered && !model_rows {
                let has_pk = selected
                    .as_ref()
                    .is_some_and(|s| s.iter().any(|n| n == "id" || n == "pk"));
                if !has_pk {
                    return rejected(format!(
                        "`.{t}()` of unordered combined values without the pk (Django orders \
                         by pk and raises; ui/query_combine_errors.rs)"
                    ));
                }
            }
            if first.pg_only && !ordered {
                return rejected(format!(
                    "`.{t}()` of an unordered DISTINCT ON query orders by pk, which does not \
                     start with its fields"
                ));
            }
            write!(query, ".{t}()").ok();
            ("value", format!("x.map(|r| {row}).unwrap_or(Value::Null)"))
        }
        Some(Value::Object(t))
            if t.len() == 1 && (t.contains_key("latest") || t.contains_key("earliest")) =>
        {
            let (name, v) = t.iter().next().expect("one key");
            let keys = strings(v, name)?;
            if combined && keys.iter().any(|k| k.contains("__")) {
                return rejected(format!(
                    "`.{name}()` of combined rows through a relation: they are ordered by their \
                     own names (ui/query_combine_errors.rs)"
                ));
            }
            if sliced {
                return rejected(format!(
                    "`.{name}()` after a slice (Django: TypeError; ui/query_queryset_methods.rs)"
                ));
            }
            if keys.is_empty() {
                return pending("unknown syntax", format!("{name} without fields"));
            }
            check_paths(names, &keys)?;
            write!(query, ".{name}({})", keys.join(", ")).ok();
            ("value", format!("{{ let r = x; {row} }}"))
        }
        Some(Value::Object(t)) if t.contains_key("in_bulk") => {
            for k in t.keys() {
                if !["in_bulk", "field_name"].contains(&k.as_str()) {
                    return pending("unknown options", format!("in_bulk option `{k}`"));
                }
            }
            if combined && !matches!(t.get("in_bulk"), Some(Value::Null)) {
                return rejected(
                    "`.in_bulk(keys)` of combined rows: it filters them, and combined rows \
                     cannot be filtered (Django: NotSupportedError; ui/query_combine_errors.rs)",
                );
            }
            if sliced {
                return rejected(
                    "`.in_bulk()` after a slice (Django: TypeError; ui/query_queryset_more_errors.rs)",
                );
            }
            if !model_rows {
                return pending("unknown syntax", "in_bulk of values");
            }
            let field = match t.get("field_name") {
                None => None,
                Some(Value::String(f)) if f == "pk" || f == "id" => Some(f.clone()),
                Some(Value::String(f)) => {
                    return rejected(format!(
                        "`in_bulk(…, field_name = {f})`: `{model}.{f}` is not unique \
                         (Django: ValueError; ui/query_queryset_more_errors.rs)"
                    ));
                }
                Some(other) => return pending("unknown syntax", format!("field_name {other}")),
            };
            let args = match t.get("in_bulk") {
                Some(Value::Null) => String::new(),
                Some(Value::Array(ids)) => {
                    let ids: Vec<String> = ids
                        .iter()
                        .map(|i| {
                            i.as_i64().map(|i| format!("{i}i64")).ok_or_else(|| {
                                Skip::Pending("unknown syntax", format!("in_bulk key {i}"))
                            })
                        })
                        .collect::<Gen<_>>()?;
                    writeln!(
                        prelude,
                        "    let ids: [i64; {}] = [{}];",
                        ids.len(),
                        ids.join(", ")
                    )
                    .ok();
                    match &field {
                        Some(f) => format!("ids, field_name = {f}"),
                        None => "ids".to_owned(),
                    }
                }
                Some(other) => return pending("unknown syntax", format!("in_bulk {other}")),
                None => unreachable!("checked above"),
            };
            if args.is_empty() && field.is_some() {
                return pending("unknown syntax", "in_bulk() of every row with a field_name");
            }
            write!(query, ".in_bulk({args})").ok();
            (
                "value",
                "in_bulk_json(x.into_iter().map(|(k, r)| (k.to_json(), r.id)))".to_owned(),
            )
        }
        Some(other) => return pending("unknown syntax", format!("terminal {other}")),
    };
    Ok(Translated {
        prelude,
        query,
        kind,
        convert,
        pg_only,
    })
}

/// `$OUT_DIR/queryset_cases.rs` for the text of `queryset_cases.json`.
pub fn generate(cases_json: &str) -> String {
    let json: Value =
        serde_json::from_str(cases_json).expect("parse conformance/queryset_cases.json");
    let cases = json["cases"]
        .as_array()
        .expect("conformance/queryset_cases.json: a `cases` array");
    let mut table = String::new();
    let mut fns = String::new();
    let mut sqlite_arms = String::new();
    let mut pg_arms = String::new();
    let mut names = BTreeSet::new();
    let mut n = 0usize;
    for case in cases {
        let Value::Object(case) = case else {
            panic!("conformance/queryset_cases.json: a case that is not an object: {case}");
        };
        let id = case.get("id").and_then(Value::as_str).unwrap_or_else(|| {
            panic!("conformance/queryset_cases.json: a case without an id: {case:?}")
        });
        match translate(case) {
            Ok(t) => {
                assert!(
                    id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                    "case id {id:?} is not an identifier"
                );
                let name = format!("case_{}", id.to_ascii_lowercase());
                assert!(names.insert(name.clone()), "two cases are named {name}");
                let Translated {
                    prelude,
                    query,
                    kind,
                    convert,
                    pg_only,
                } = t;
                writeln!(
                    table,
                    "    Case {{ id: {id:?}, status: Status::Run {{ index: {n}, query: {query:?}, pg_only: {pg_only} }} }},"
                )
                .ok();
                // A DISTINCT ON query runs on PostgreSQL connections only.
                let signature = if pg_only {
                    format!("fn {name}(mut c: &mut dunder::postgres::Connection) -> Outcome")
                } else {
                    format!("fn {name}<C: Conn>(mut c: C) -> Outcome")
                };
                writeln!(
                    fns,
                    "/// `{id}`\n\
                     {signature} {{\n\
                     {prelude}    \
                         let q = query!({query});\n    \
                         Outcome {{\n        \
                             sql: q.sql(c.dialect()),\n        \
                             got: q.run(c.ex()).map(|x| ({kind:?}, {convert})),\n    \
                         }}\n\
                     }}\n"
                )
                .ok();
                if !pg_only {
                    writeln!(sqlite_arms, "        {n} => {name}(c),").ok();
                }
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
        "// Generated by tests/build/queryset.rs from conformance/queryset_cases.json. Do not edit.\n\n\
         /// Every case of the corpus, in corpus order.\n\
         pub static CASES: &[Case] = &[\n{table}];\n\n\
         {fns}\n\
         /// Runs generated case `index` on SQLite (not a PostgreSQL-only one).\n\
         pub fn run_sqlite(index: usize, c: &rusqlite::Connection) -> Outcome {{\n    \
             match index {{\n{sqlite_arms}        _ => unreachable!(\"no generated SQLite case {{index}}\"),\n    }}\n}}\n\n\
         /// Runs generated case `index` on PostgreSQL (dunder's own client).\n\
         pub fn run_pg(index: usize, c: &mut dunder::postgres::Connection) -> Outcome {{\n    \
             match index {{\n{pg_arms}        _ => unreachable!(\"no generated case {{index}}\"),\n    }}\n}}\n"
    )
}

/// How one case is classified: `Ok(query)`, or `Err("pending <category>:
/// <detail>")` / `Err("rejected: <why>")`. For the generator's own tests.
#[allow(dead_code)]
pub fn classify(case: &Value) -> Result<String, String> {
    let Value::Object(case) = case else {
        return Err(format!("not an object: {case}"));
    };
    match translate(case) {
        Ok(t) => Ok(t.query),
        Err(Skip::Pending(category, detail)) => Err(format!("pending {category}: {detail}")),
        Err(Skip::Rejected(why)) => Err(format!("rejected: {why}")),
    }
}

//! The projection and aggregate corpus (`conformance/projection_cases.json`)
//! as real `query!` invocations: `$OUT_DIR/projection_cases.rs`, included by
//! `tests/projection_conformance.rs`.
//!
//! The keys of a case become one dunder chain, in the order Django applies
//! them: `filter`/`exclude` → `.filter(…)`/`.exclude(…)`, `group_by` →
//! `.values(…)` before `.annotate(…)`, `annotate`, `having` → `.filter(…)`
//! after it, `distinct`, `order_by`, `values`/`values_list` (+ `flat`),
//! `slice` → `[a..b]`, `aggregate` → `.aggregate(…)`. Conditions, values and
//! `$F`/`$op` are translated by `build/conformance.rs`, with the annotations
//! made so far usable as names (`n__gte = 3i64`, `order_by(-n)`).
//!
//! Every case is classified by one rule, in this order:
//! * **pending**: it needs something dunder has not built yet (anything
//!   `build/conformance.rs` reports as pending, `.aggregate()` after
//!   `.values()`);
//! * **rejected**: Django raises and dunder refuses it at compile time, by
//!   design (an annotation named as a field, a bare value as an annotation,
//!   an aggregate of an aggregate, `Count` with a `default`, `flat` with more
//!   than one field, a condition on an annotation before the `.annotate()`
//!   that defines it, `Sum`/`Avg` of a non-number, …). No code is generated;
//!   the test requires it to be listed in `conformance/projection_divergences.json`;
//! * otherwise **generated**: one function per case running its `query!` and
//!   turning each row into the JSON Django's answer has (see [`Shape`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::conformance::{
    calls, fields, literal, numeric, path_type, pending, q, rejected, ty_name, Annotation, Gen,
    Names, PathType, Skip, Ty, LINKS,
};

/// The keys of a case the generator understands.
const CASE_KEYS: &[&str] = &[
    "id",
    "model",
    "note",
    "filter",
    "exclude",
    "group_by",
    "annotate",
    "having",
    "distinct",
    "order_by",
    "values",
    "values_list",
    "flat",
    "slice",
    "aggregate",
];

/// How a row of a case becomes the JSON of Django's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// `.values(…)`, or `.values(…).annotate(…)` (a GROUP BY): a struct,
    /// an object keyed by these names (the struct's fields).
    Object(Vec<String>),
    /// `.values_list(…)` of that many items: a tuple, an array.
    Tuple(usize),
    /// `.values_list(x, flat = true)`: the value itself.
    Flat,
    /// `.annotate(…)` on model rows: `{"pk": …}` and these annotations.
    Annotated(Vec<String>),
    /// `.aggregate(…)`: one struct, one object keyed by these names.
    Aggregate(Vec<String>),
}

/// A case as dunder syntax.
struct Translated {
    model: String,
    /// `.filter(…)…`: what follows the model in `query!`.
    chain: String,
    shape: Shape,
}

/// An annotation's or an aggregate's expression in dunder syntax, and what
/// dunder types it as.
struct Expr {
    code: String,
    ty: Ty,
    nullable: bool,
    /// It aggregates (directly or through an aggregate annotation).
    aggregate: bool,
}

/// Where an expression is computed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// In `.annotate(…)`: per row or per group, so an aggregate cannot
    /// read an aggregate annotation.
    Annotate,
    /// In `.aggregate(…)`: over the rows of the query, which may be the
    /// groups of an annotated one (a subquery), whose aggregate annotations
    /// are then plain values.
    Aggregate,
}

/// The aggregate functions of the corpus (`$agg`).
const AGGREGATES: &[&str] = &["Count", "Sum", "Avg", "Min", "Max"];

/// The first name of a path (`articles` of `articles__rating__gte`).
fn head(path: &str) -> &str {
    path.split("__").next().unwrap_or(path)
}

/// The names the keys of a NODE (or a list of NODEs) start with.
fn node_heads<'v>(v: &'v Value, out: &mut BTreeSet<&'v str>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| node_heads(i, out)),
        Value::Object(o) => {
            for (k, inner) in o {
                if k.starts_with('$') {
                    node_heads(inner, out);
                } else {
                    out.insert(head(k));
                }
            }
        }
        _ => {}
    }
}

/// The names an annotation's VALUE or AGG reads (`$F` paths and an
/// aggregate's field), to order annotations after the ones they use.
fn reads<'v>(v: &'v Value, out: &mut BTreeSet<&'v str>) {
    let Value::Object(o) = v else {
        return;
    };
    if let Some(p) = o.get("$F").and_then(Value::as_str) {
        out.insert(head(p));
    }
    if o.contains_key("$agg") {
        match o.get("field") {
            Some(Value::String(p)) => {
                out.insert(head(p));
            }
            Some(e) => reads(e, out),
            None => {}
        }
    }
    if o.contains_key("$op") {
        for side in ["lhs", "rhs"] {
            if let Some(s) = o.get(side) {
                reads(s, out);
            }
        }
    }
}

/// The annotations of `annotate`, each after the others it reads (as in
/// Django's keyword order; the JSON object itself is read sorted).
///
/// A name that is also a field of the model (`tags = Count("tags")`) reads
/// the field: Django resolves each annotation before adding it, and the
/// JSON object does not keep the order the case gave.
fn in_dependency_order(
    anns: &Map<String, Value>,
    is_field: impl Fn(&str) -> bool,
) -> Gen<Vec<(&String, &Value)>> {
    let mut left: Vec<(&String, &Value)> = anns.iter().collect();
    let mut done: Vec<(&String, &Value)> = Vec::new();
    while !left.is_empty() {
        let ready = left.iter().position(|(name, v)| {
            let mut r = BTreeSet::new();
            reads(v, &mut r);
            r.iter().all(|n| {
                n == name
                    || is_field(n)
                    || !anns.contains_key(*n)
                    || done.iter().any(|(d, _)| d == n)
            })
        });
        match ready {
            Some(i) => done.push(left.remove(i)),
            None => return pending("unknown syntax", "annotations that read each other"),
        }
    }
    Ok(done)
}

/// What `l op r` yields in dunder: a float when either side is one, else
/// the wider integer (a key is an `i64`).
fn combine(l: Ty, r: Ty) -> Ty {
    if l == Ty::F64 || r == Ty::F64 {
        Ty::F64
    } else if l == Ty::I32 && r == Ty::I32 {
        Ty::I32
    } else {
        Ty::I64
    }
}

/// A number dunder computes with (a key is its `i64` id).
fn number(ty: Ty) -> bool {
    numeric(ty) || ty == Ty::Fk
}

/// An annotation VALUE (`$F`, `$op`) or an AGG as a dunder expression.
fn expression(names: Names<'_>, v: &Value, level: Level) -> Gen<Expr> {
    let Value::Object(o) = v else {
        return rejected(format!(
            "a bare value ({v}) as an annotation: dunder's annotations are expressions of \
             the database (`F(…)`, `Count(…)`, …), a Rust value alone does not compile \
             (Django: TypeError, non-expression)"
        ));
    };
    if o.contains_key("$agg") {
        return aggregate(names, o, level);
    }
    if let Some(path) = o.get("$F").and_then(Value::as_str) {
        let PathType { ty, nullable } = path_type(names, path)?;
        let aggregate = names
            .annotations
            .iter()
            .any(|a| a.name == head(path) && a.aggregate);
        return Ok(Expr {
            code: format!("F({path})"),
            ty,
            nullable,
            aggregate,
        });
    }
    if let Some(op) = o.get("$op").and_then(Value::as_str) {
        if !matches!(op, "+" | "-" | "*" | "/") {
            return pending("unknown syntax", format!("operator {op}"));
        }
        let side = |s: &str| {
            o.get(s)
                .ok_or_else(|| Skip::Pending("unknown syntax", format!("{v}")))
        };
        let (l, r) = (side("lhs")?, side("rhs")?);
        let typed = |s: &Value| !matches!(s, Value::Number(_));
        let (l, r) = match (typed(l), typed(r)) {
            (false, false) => {
                return rejected("arithmetic of two values: no column to compute with");
            }
            (true, false) => {
                let l = expression(names, l, level)?;
                let r = beside(r, &l)?;
                (l, r)
            }
            (false, true) => {
                let r = expression(names, r, level)?;
                let l = beside(l, &r)?;
                (l, r)
            }
            (true, true) => (expression(names, l, level)?, expression(names, r, level)?),
        };
        for side in [&l, &r] {
            if !number(side.ty) {
                return rejected(format!("arithmetic on {}", ty_name(side.ty)));
            }
        }
        return Ok(Expr {
            code: format!("({} {op} {})", l.code, r.code),
            ty: combine(l.ty, r.ty),
            nullable: l.nullable || r.nullable,
            aggregate: l.aggregate || r.aggregate,
        });
    }
    pending("unknown syntax", format!("annotation {v}"))
}

/// A JSON number beside an expression in arithmetic: a literal of the
/// expression's type (dunder's rule), or an `f64` for a float.
fn beside(n: &Value, other: &Expr) -> Gen<Expr> {
    let ty = match n {
        Value::Number(x) if x.as_i64().is_none() => Ty::F64,
        _ if other.ty == Ty::Fk => Ty::I64,
        _ => other.ty,
    };
    Ok(Expr {
        code: literal(n, ty)?,
        ty,
        nullable: false,
        aggregate: false,
    })
}

/// An AGG (`{"$agg": "Sum", "field": …, "distinct", "filter", "default"}`)
/// as `Sum(field, distinct = true, filter = Q(…), default = v)`.
fn aggregate(names: Names<'_>, o: &Map<String, Value>, level: Level) -> Gen<Expr> {
    let func = o.get("$agg").and_then(Value::as_str).unwrap_or_default();
    if !AGGREGATES.contains(&func) {
        return pending("unknown syntax", format!("aggregate {func}"));
    }
    for k in o.keys() {
        if !["$agg", "field", "distinct", "filter", "default"].contains(&k.as_str()) {
            return pending("unknown options", format!("`{k}` of {func}"));
        }
    }
    let mut args = Vec::new();
    let arg = match o.get("field") {
        None => None,
        Some(Value::String(s)) if s == "*" => None,
        Some(Value::String(path)) => {
            if let Some(a) = names.annotations.iter().find(|a| a.name == head(path)) {
                if a.aggregate && level == Level::Annotate {
                    return rejected(format!(
                        "`{func}({path})` of the aggregate annotation `{}`: aggregates cannot \
                         be nested (Django: FieldError, is an aggregate)",
                        a.name
                    ));
                }
            }
            let ty = path_type(names, path)?.ty;
            args.push(path.clone());
            Some(ty)
        }
        Some(e) => {
            let e = expression(names, e, level)?;
            if e.aggregate && level == Level::Annotate {
                return rejected(format!(
                    "`{func}(…)` of an aggregate: aggregates cannot be nested (Django: FieldError)"
                ));
            }
            args.push(e.code);
            Some(e.ty)
        }
    };
    if arg.is_none() && func != "Count" {
        return rejected(format!("`{func}('*')` (Django: no such column)"));
    }
    if arg.is_none() && o.get("filter").is_some() {
        return rejected(
            "`Count('*', filter=…)`: dunder asks which rows to count, e.g. `Count(pk, filter = …)` \
             (Django: ValueError, Star cannot be used with filter)",
        );
    }
    let ty = match (func, arg) {
        ("Count", _) => Ty::I64,
        ("Sum" | "Avg", Some(t)) if !number(t) => {
            return rejected(format!(
                "`{func}` of {}: dunder's `{func}` needs a number (Django does not check: \
                 SQLite sums text as 0, PostgreSQL has no sum(varchar))",
                ty_name(t)
            ));
        }
        ("Sum", Some(Ty::F64)) => Ty::F64,
        ("Sum", _) => Ty::I64,
        ("Avg", _) => Ty::F64,
        (_, Some(Ty::Bool)) => {
            return rejected(format!(
                "`{func}` of a bool field (PostgreSQL has no {func} of a boolean)"
            ));
        }
        (_, Some(t)) => t,
        (_, None) => Ty::I64,
    };
    match o.get("distinct") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) if matches!(func, "Min" | "Max") => {
            return rejected(format!("`{func}` with `distinct` (Django: TypeError)"));
        }
        Some(Value::Bool(true)) => args.push("distinct = true".to_owned()),
        Some(other) => return pending("unknown options", format!("distinct {other}")),
    }
    if let Some(f) = o.get("filter") {
        let base = Names {
            model: names.model,
            annotations: &[],
        };
        args.push(format!("filter = Q({})", q(base, f)?));
    }
    let default = o.get("default");
    if let Some(d) = default {
        if func == "Count" {
            return rejected(
                "`Count` with a `default`: it is 0 without rows (Django: TypeError, \
                 Count does not allow default)",
            );
        }
        args.push(format!("default = {}", literal(d, ty)?));
    }
    Ok(Expr {
        code: format!("{func}({})", args.join(", ")),
        ty,
        nullable: func != "Count" && default.is_none(),
        aggregate: true,
    })
}

/// A list of field paths (`group_by`, `values`, `values_list`).
fn paths(v: &Value, key: &str) -> Gen<Vec<String>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| Skip::Pending("unknown syntax", format!("{key} item {i}")))
            })
            .collect(),
        other => pending("unknown syntax", format!("{key} {other}")),
    }
}

/// Checks each path names a value (a field, a path, a transform, an
/// annotation) and that it can name a field of a generated struct.
fn check_paths(names: Names<'_>, items: &[String]) -> Gen<()> {
    for p in items {
        path_type(names, p)?;
        let ident = !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !p.as_bytes()[0].is_ascii_digit();
        if !ident {
            return pending("unknown syntax", format!("`{p}` is not a Rust identifier"));
        }
    }
    Ok(())
}

/// A case as dunder syntax and the shape of its rows.
fn translate(case: &Map<String, Value>) -> Gen<Translated> {
    let model = case
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let model_fields = fields(&model).ok_or_else(|| Skip::Pending("models", model.clone()))?;
    for key in case.keys() {
        if !CASE_KEYS.contains(&key.as_str()) {
            return pending("unknown options", format!("option `{key}`"));
        }
    }
    let empty = Map::new();
    let annotate = match case.get("annotate") {
        None => &empty,
        Some(Value::Object(o)) => o,
        Some(other) => return pending("unknown syntax", format!("annotate {other}")),
    };
    let base = Names {
        model: &model,
        annotations: &[],
    };
    let mut chain = String::new();

    // Conditions before `.annotate()` cannot name its annotations.
    for key in ["filter", "exclude"] {
        let mut heads = BTreeSet::new();
        if let Some(v) = case.get(key) {
            node_heads(v, &mut heads);
        }
        if let Some(n) = heads.iter().find(|h| annotate.contains_key(**h)) {
            return rejected(format!(
                "`.{key}()` on the annotation `{n}` before the `.annotate()` that defines it: \
                 an unknown field (Django: FieldError, cannot resolve keyword)"
            ));
        }
    }
    if let Some(f) = case.get("filter") {
        chain.push_str(&calls(base, "filter", f)?);
    }
    if let Some(e) = case.get("exclude") {
        chain.push_str(&calls(base, "exclude", e)?);
    }

    let group_by = match case.get("group_by") {
        None => None,
        Some(v) => {
            let items = paths(v, "group_by")?;
            check_paths(base, &items)?;
            write!(chain, ".values({})", items.join(", ")).ok();
            Some(items)
        }
    };

    let mut annotations: Vec<Annotation> = Vec::new();
    let mut made = Vec::new();
    let is_field = |n: &str| {
        n == "pk"
            || model_fields.iter().any(|f| f.name == n)
            || LINKS.iter().any(|(m, l, _)| *m == model && *l == n)
    };
    for (name, v) in in_dependency_order(annotate, is_field)? {
        // After `.values(…)` only its names are taken (Django's rule).
        let clash = match &group_by {
            Some(items) => items.iter().any(|i| i == name),
            None => {
                name == "pk"
                    || model_fields.iter().any(|f| f.name == name)
                    || LINKS.iter().any(|(m, l, _)| *m == model && l == name)
            }
        };
        if clash {
            return rejected(format!(
                "the annotation `{name}` is named as a field of {model} (Django: ValueError, \
                 conflicts with a field on the model)"
            ));
        }
        let names = Names {
            model: &model,
            annotations: &annotations,
        };
        let e = expression(names, v, Level::Annotate)?;
        made.push(format!("{name} = {}", e.code));
        annotations.push(Annotation {
            name: name.clone(),
            ty: e.ty,
            nullable: e.nullable,
            aggregate: e.aggregate,
        });
    }
    if !made.is_empty() {
        write!(chain, ".annotate({})", made.join(", ")).ok();
    } else if group_by.is_some() {
        return pending("unknown syntax", "group_by without annotate");
    }
    let names = Names {
        model: &model,
        annotations: &annotations,
    };

    if let Some(h) = case.get("having") {
        chain.push_str(&calls(names, "filter", h)?);
    }
    match case.get("distinct") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => chain.push_str(".distinct()"),
        Some(other) => return pending("unknown options", format!("distinct {other}")),
    }
    if let Some(v) = case.get("order_by") {
        let keys = paths(v, "order_by")?;
        for k in &keys {
            let name = k.strip_prefix('-').unwrap_or(k);
            if name == "?" {
                return pending("random order", "order_by `?`");
            }
            path_type(names, name)?;
        }
        write!(chain, ".order_by({})", keys.join(", ")).ok();
    }

    let mut shape = match (&group_by, annotations.is_empty()) {
        (Some(g), _) => Some(Shape::Object(
            g.iter()
                .cloned()
                .chain(annotations.iter().map(|a| a.name.clone()))
                .collect(),
        )),
        (None, false) => Some(Shape::Annotated(
            annotations.iter().map(|a| a.name.clone()).collect(),
        )),
        (None, true) => None,
    };
    let flat = match case.get("flat") {
        None | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(other) => return pending("unknown options", format!("flat {other}")),
    };
    match (case.get("values"), case.get("values_list")) {
        (Some(_), Some(_)) => return pending("unknown syntax", "both values and values_list"),
        (Some(v), None) => {
            let items = paths(v, "values")?;
            check_paths(names, &items)?;
            write!(chain, ".values({})", items.join(", ")).ok();
            let keys = if items.is_empty() {
                // Every field, a foreign key by its column.
                model_fields
                    .iter()
                    .map(|f| match f.ty {
                        Ty::Fk => format!("{}_id", f.name),
                        _ => f.name.to_owned(),
                    })
                    .collect()
            } else {
                items
            };
            shape = Some(Shape::Object(keys));
        }
        (None, Some(v)) => {
            let items = paths(v, "values_list")?;
            if flat && items.len() != 1 {
                return rejected(format!(
                    "`flat = true` with {} fields (Django: TypeError, flat is not valid \
                     with more than one field)",
                    items.len()
                ));
            }
            check_paths(names, &items)?;
            if flat {
                write!(chain, ".values_list({}, flat = true)", items.join(", ")).ok();
                shape = Some(Shape::Flat);
            } else {
                write!(chain, ".values_list({})", items.join(", ")).ok();
                shape = Some(Shape::Tuple(items.len()));
            }
        }
        (None, None) if flat => return pending("unknown syntax", "flat without values_list"),
        (None, None) => {}
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

    if let Some(agg) = case.get("aggregate") {
        let Value::Object(items) = agg else {
            return pending("unknown syntax", format!("aggregate {agg}"));
        };
        // Django computes it over a subquery when the query is sliced,
        // distinct, annotated or grouped; so does dunder.
        if case.contains_key("values") || case.contains_key("values_list") {
            return pending(
                "aggregate over values",
                "`.aggregate()` after `.values()`/`.values_list()`",
            );
        }
        let mut out = Vec::new();
        for (name, v) in items {
            let e = expression(names, v, Level::Aggregate)?;
            if !e.aggregate {
                return rejected(format!(
                    "`.aggregate({name} = …)` of a value that does not aggregate (Django: TypeError)"
                ));
            }
            out.push(format!("{name} = {}", e.code));
        }
        write!(chain, ".aggregate({})", out.join(", ")).ok();
        shape = Some(Shape::Aggregate(items.keys().cloned().collect()));
    }

    let Some(shape) = shape else {
        return pending(
            "unknown options",
            "no values, values_list, annotate or aggregate: a filter case",
        );
    };
    Ok(Translated {
        model,
        chain,
        shape,
    })
}

/// `json!({"k": r.k.to_json(), …})` for the fields `keys` of a row `r`.
fn object(keys: &[String]) -> String {
    let items: Vec<String> = keys
        .iter()
        .map(|k| format!("{k:?}: r.{k}.to_json()"))
        .collect();
    format!("::serde_json::json!({{{}}})", items.join(", "))
}

/// The expression turning a row `r` into Django's JSON for it.
fn row_json(shape: &Shape) -> String {
    match shape {
        Shape::Object(keys) | Shape::Aggregate(keys) => object(keys),
        Shape::Tuple(n) => {
            let items: Vec<String> = (0..*n).map(|i| format!("r.{i}.to_json()")).collect();
            format!("::serde_json::json!([{}])", items.join(", "))
        }
        Shape::Flat => "r.to_json()".to_owned(),
        Shape::Annotated(keys) => {
            let mut items = vec!["\"pk\": r.id.to_json()".to_owned()];
            items.extend(keys.iter().map(|k| format!("{k:?}: r.{k}.to_json()")));
            format!("::serde_json::json!({{{}}})", items.join(", "))
        }
    }
}

/// `$OUT_DIR/projection_cases.rs` for the text of `projection_cases.json`.
pub fn generate(cases_json: &str) -> String {
    let json: Value =
        serde_json::from_str(cases_json).expect("parse conformance/projection_cases.json");
    let cases = json["cases"]
        .as_array()
        .expect("conformance/projection_cases.json: a `cases` array");
    let mut table = String::new();
    let mut fns = String::new();
    let mut sqlite_arms = String::new();
    let mut pg_arms = String::new();
    let mut names = BTreeSet::new();
    let mut n = 0usize;
    for case in cases {
        let Value::Object(case) = case else {
            panic!("conformance/projection_cases.json: a case that is not an object: {case}");
        };
        let id = case.get("id").and_then(Value::as_str).unwrap_or_else(|| {
            panic!("conformance/projection_cases.json: a case without an id: {case:?}")
        });
        match translate(case) {
            Ok(t) => {
                let root = "dunder_test_models::conformance::";
                let query = format!("{}{}", t.model, t.chain);
                assert!(
                    id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                    "case id {id:?} is not an identifier"
                );
                let name = format!("case_{}", id.to_ascii_lowercase());
                assert!(names.insert(name.clone()), "two cases are named {name}");
                writeln!(
                    table,
                    "    Case {{ id: {id:?}, status: Status::Run {{ index: {n}, query: {query:?} }} }},"
                )
                .ok();
                let json = row_json(&t.shape);
                let rows = match t.shape {
                    Shape::Aggregate(_) => format!("q.run(c.ex()).map(|r| vec![{json}])"),
                    _ => format!(
                        "q.fetch_all(c.ex()).map(|rows| rows.into_iter().map(|r| {json}).collect())"
                    ),
                };
                // The decoder `query!` generates for a flat row is
                // `Ok(get(…)?)`, which clippy flags in the caller's code.
                let allow = if t.shape == Shape::Flat {
                    "#[allow(clippy::needless_question_mark)]\n"
                } else {
                    ""
                };
                writeln!(
                    fns,
                    "/// `{id}`\n\
                     {allow}fn {name}<C: Conn>(mut c: C) -> Outcome {{\n    \
                         let q = dunder::query!({root}{query});\n    \
                         Outcome {{\n        \
                             sql: q.sql(c.dialect()),\n        \
                             rows: {rows},\n    \
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
        "// Generated by tests/build/projection.rs from conformance/projection_cases.json. Do not edit.\n\n\
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
/// For the generator's own tests (tests/projection_conformance.rs).
#[allow(dead_code)]
pub fn classify(case: &Value) -> Result<String, String> {
    let Value::Object(case) = case else {
        return Err(format!("not an object: {case}"));
    };
    match translate(case) {
        Ok(t) => Ok(format!("{}{}", t.model, t.chain)),
        Err(Skip::Pending(category, detail)) => Err(format!("pending {category}: {detail}")),
        Err(Skip::Rejected(why)) => Err(format!("rejected: {why}")),
    }
}

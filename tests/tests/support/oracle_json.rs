//! Django's answers as JSON, shared by the corpus tests: [`ToJson`] encodes
//! a value of a row as the oracle does (conformance/README.md, "Projection
//! and aggregate cases"), [`close`], [`canonical`] and [`same`] compare
//! answers.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use serde_json::Value;

/// A value of a row as the oracle encodes it (conformance/README.md,
/// "Projection and aggregate cases").
pub trait ToJson {
    fn to_json(&self) -> Value;
}

impl ToJson for i32 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

/// Rounded to 6 decimals, -0.0 as 0.0 (Python's `round(x, 6)`; a tie may
/// round the other way, so floats are compared within a millionth).
impl ToJson for f64 {
    fn to_json(&self) -> Value {
        let rounded: f64 = format!("{self:.6}").parse().unwrap_or(*self);
        Value::from(if rounded == 0.0 { 0.0 } else { rounded })
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// `2020-02-29`
impl ToJson for NaiveDate {
    fn to_json(&self) -> Value {
        Value::from(self.format("%Y-%m-%d").to_string())
    }
}

/// Python's `isoformat()`: `.ffffff` only when the microseconds are not 0.
fn micros(nanos: u32) -> String {
    match nanos / 1000 {
        0 => String::new(),
        us => format!(".{us:06}"),
    }
}

/// `2020-02-29T12:30:45[.ffffff]` (naive, UTC: `USE_TZ=False`).
impl ToJson for DateTime<Utc> {
    fn to_json(&self) -> Value {
        let n = self.naive_utc();
        Value::from(format!(
            "{}{}",
            n.format("%Y-%m-%dT%H:%M:%S"),
            micros(n.nanosecond())
        ))
    }
}

/// `18:45:30[.ffffff]`
impl ToJson for NaiveTime {
    fn to_json(&self) -> Value {
        Value::from(format!(
            "{}{}",
            self.format("%H:%M:%S"),
            micros(self.nanosecond())
        ))
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}

#[allow(dead_code)]
pub fn d(s: &str) -> NaiveDate {
    dunder_tests::conformance::date(s)
}
#[allow(dead_code)]
pub fn dt(s: &str) -> DateTime<Utc> {
    dunder_tests::conformance::datetime(s)
}
#[allow(dead_code)]
pub fn t(s: &str) -> NaiveTime {
    dunder_tests::conformance::time(s)
}

/// Two JSON values are the same answer: floats within a millionth (the
/// oracle rounds to 6 decimals), an integer equal to a float of its value.
pub fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 1.5e-6 + 1e-12 * x.abs().max(y.abs()),
                _ => false,
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

/// A total order of JSON values for comparing multisets: NULL, booleans,
/// numbers, strings, arrays, objects; arrays and objects field by field.
pub fn canonical(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(a, b)| canonical(a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (Value::Object(x), Value::Object(y)) => {
            let keys = |m: &serde_json::Map<String, Value>| {
                let mut k: Vec<String> = m.keys().cloned().collect();
                k.sort();
                k
            };
            let (kx, ky) = (keys(x), keys(y));
            kx.cmp(&ky).then_with(|| {
                kx.iter()
                    .map(|k| canonical(&x[k], &y[k]))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The same rows: in order, or as multisets.
pub fn same(got: &[Value], want: &[Value], ordered: bool) -> bool {
    if got.len() != want.len() {
        return false;
    }
    if ordered {
        return got.iter().zip(want).all(|(a, b)| close(a, b));
    }
    let sorted = |rows: &[Value]| {
        let mut r = rows.to_vec();
        r.sort_by(canonical);
        r
    };
    let (a, b) = (sorted(got), sorted(want));
    a.iter().zip(&b).all(|(a, b)| close(a, b))
}

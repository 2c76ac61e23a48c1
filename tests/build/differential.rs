//! Random filter trees over `EveryKind` (AND / OR / NOT over every lookup and
//! transform on every field kind), from a fixed seed, as `query!` invocations:
//! `$OUT_DIR/differential_cases.rs`, run by `tests/differential.rs`.
//!
//! `DUNDER_DIFF_SEED` picks another seed, `DUNDER_DIFF_CASES` another count.

use std::fmt::Write as _;

/// splitmix64: small, seedable, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
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
}

const FIELDS: &[(&str, Ty, bool)] = &[
    ("id", Ty::I64, false),
    ("flag", Ty::Bool, false),
    ("small", Ty::I16, false),
    ("int", Ty::I32, false),
    ("big", Ty::I64, false),
    ("real", Ty::F32, false),
    ("double", Ty::F64, false),
    ("text", Ty::Text, false),
    ("bytes", Ty::Bytes, false),
    ("date", Ty::Date, false),
    ("datetime", Ty::DateTime, false),
    ("datetime_utc", Ty::DateTimeUtc, false),
    ("time", Ty::Time, false),
    ("opt_flag", Ty::Bool, true),
    ("opt_int", Ty::I32, true),
    ("opt_double", Ty::F64, true),
    ("opt_text", Ty::Text, true),
    ("opt_bytes", Ty::Bytes, true),
    ("opt_date", Ty::Date, true),
    ("opt_datetime", Ty::DateTime, true),
    ("opt_datetime_utc", Ty::DateTimeUtc, true),
    ("opt_time", Ty::Time, true),
];

const DATES: &[&str] = &[
    "2020-02-29",
    "2019-12-31",
    "2020-01-01",
    "2021-01-03",
    "2018-12-31",
    "2024-02-29",
    "2022-06-15",
    "2023-12-31",
    "2000-01-01",
    "2020-03-01",
];
const DATETIMES: &[&str] = &[
    "2020-02-29 12:30:45",
    "2019-12-31 23:59:59.999999",
    "2020-01-01 00:00:00",
    "2021-01-03 08:15:00",
    "2018-12-31 06:00:00.5",
    "2024-02-29 00:00:01",
    "2022-06-15 14:00:00",
    "2023-12-31 23:59:59",
];
const TIMES: &[&str] = &[
    "00:00:00",
    "12:30:45",
    "23:59:59.999999",
    "06:00:00.5",
    "18:45:30.25",
    "14:00:00",
    "08:15:00",
];
const TEXTS: &[&str] = &[
    "",
    "hello",
    "Hello World",
    "hello world",
    "%",
    "_",
    "\\",
    "'",
    "\"",
    "ÇAFÉ",
    "café",
    "Ünïcødé",
    "straße",
    "STRASSE",
    "50% off",
    "o'brien",
    "-- ;",
    "?1",
    "$1",
    "WORLD",
    "h",
    "É",
];
const REGEXES: &[&str] = &[
    "^h", "o$", "é", "[0-9]+", "^$", "a|b", "^[A-Z]", "S{2}", "\\\\", "%",
];

/// A Rust expression of `ty`.
fn value(rng: &mut Rng, ty: Ty) -> String {
    match ty {
        Ty::Bool => rng.pick(&["true", "false"]).to_string(),
        Ty::I16 => format!("{}i16", rng.pick(&[-24, -9, -3, 0, 1, 7])),
        Ty::I32 => format!(
            "{}i32",
            rng.pick(&[i32::MIN, -1, 0, 1, 2, 3, 4, 5, 10, 2020, i32::MAX])
        ),
        Ty::I64 => format!(
            "{}i64",
            rng.pick(&[0i64, 1, 3, 5, 8, 10_000_000_000, 50_000_000_000])
        ),
        Ty::F32 => format!("{:?}f32", rng.pick(&[0.5f32, 1.5, 2.0, 4.0, -1.0])),
        Ty::F64 => format!(
            "{:?}f64",
            rng.pick(&[0.0f64, -0.5, 2.5, 4.5, 1e300, -2.5, 3.0, -1e-300])
        ),
        Ty::Text => format!("{:?}", rng.pick(TEXTS)),
        Ty::Bytes => format!(
            "&{:?}[..]",
            rng.pick(&["", "Hel", "50%", "%", "hel"]).as_bytes()
        ),
        Ty::Date => format!("d({:?})", rng.pick(DATES)),
        Ty::DateTime => format!("dt({:?})", rng.pick(DATETIMES)),
        Ty::DateTimeUtc => format!("utc({:?})", rng.pick(DATETIMES)),
        Ty::Time => format!("t({:?})", rng.pick(TIMES)),
    }
}

/// An `i32` for the output of a transform.
fn transform_value(rng: &mut Rng, t: &str) -> String {
    let pool: &[i32] = match t {
        "year" | "iso_year" => &[2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024],
        "month" => &[1, 2, 6, 12],
        "day" => &[1, 3, 15, 29, 31],
        "week" => &[1, 9, 24, 52, 53],
        "week_day" | "iso_week_day" => &[1, 2, 3, 4, 5, 6, 7],
        "quarter" => &[1, 2, 3, 4],
        "hour" => &[0, 6, 8, 12, 14, 23],
        "minute" => &[0, 15, 30, 59],
        _ => &[0, 1, 30, 45, 59],
    };
    format!("{}i32", rng.pick(pool))
}

fn transforms_for(ty: Ty) -> &'static [&'static str] {
    match ty {
        Ty::Date => &[
            "year",
            "iso_year",
            "month",
            "day",
            "week",
            "week_day",
            "iso_week_day",
            "quarter",
        ],
        Ty::DateTime | Ty::DateTimeUtc => &[
            "date",
            "time",
            "year",
            "iso_year",
            "month",
            "day",
            "week",
            "week_day",
            "iso_week_day",
            "quarter",
            "hour",
            "minute",
            "second",
        ],
        Ty::Time => &["hour", "minute", "second"],
        _ => &[],
    }
}

fn leaf(rng: &mut Rng) -> String {
    let (name, field_ty, nullable) = *rng.pick(FIELDS);
    let mut path = name.to_string();
    let mut ty = field_ty;
    let mut transform: Option<&str> = None;
    let ts = transforms_for(ty);
    if !ts.is_empty() && rng.chance(45) {
        let t = *rng.pick(ts);
        path.push_str("__");
        path.push_str(t);
        match t {
            "date" => ty = Ty::Date,
            "time" => ty = Ty::Time,
            _ => transform = Some(t),
        }
        // A second transform after `date`.
        if t == "date" && rng.chance(40) {
            let t2 = *rng.pick(transforms_for(Ty::Date));
            path.push_str("__");
            path.push_str(t2);
            transform = Some(t2);
        }
    }
    let mut lookups = vec!["exact", "in", "gt", "gte", "lt", "lte", "range"];
    if ty == Ty::Text && transform.is_none() {
        lookups.extend([
            "iexact",
            "contains",
            "icontains",
            "startswith",
            "istartswith",
            "endswith",
            "iendswith",
            "regex",
            "iregex",
        ]);
    }
    if nullable {
        lookups.extend(["isnull", "isnull"]);
    }
    let lookup = *rng.pick(&lookups);
    let one = |rng: &mut Rng| match transform {
        Some(t) => transform_value(rng, t),
        None => value(rng, ty),
    };
    let rhs = match lookup {
        "isnull" => rng.pick(&["true", "false"]).to_string(),
        "in" => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n).map(|_| one(rng)).collect();
            if items.is_empty() {
                let elem = match transform {
                    Some(_) => "i32",
                    None => rust_ty(ty),
                };
                format!("Vec::<{elem}>::new()")
            } else {
                format!("[{}]", items.join(", "))
            }
        }
        "range" => format!("({}, {})", one(rng), one(rng)),
        "regex" | "iregex" => format!("{:?}", rng.pick(REGEXES)),
        _ => one(rng),
    };
    let rhs = if ty == Ty::Bytes && lookup == "in" {
        rhs.replace("&[", "[").replace("][..]", "].to_vec()")
    } else {
        rhs
    };
    if lookup == "exact" && rng.chance(50) {
        format!("{path} = {rhs}")
    } else {
        format!("{path}__{lookup} = {rhs}")
    }
}

fn rust_ty(ty: Ty) -> &'static str {
    match ty {
        Ty::Bool => "bool",
        Ty::I16 => "i16",
        Ty::I32 => "i32",
        Ty::I64 => "i64",
        Ty::F32 => "f32",
        Ty::F64 => "f64",
        Ty::Text => "&str",
        Ty::Bytes => "Vec<u8>",
        Ty::Date => "chrono::NaiveDate",
        Ty::DateTime => "chrono::NaiveDateTime",
        Ty::DateTimeUtc => "chrono::DateTime<chrono::Utc>",
        Ty::Time => "chrono::NaiveTime",
    }
}

fn tree(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 || rng.chance(35) {
        return leaf(rng);
    }
    match rng.below(3) {
        0 => {
            let n = 2 + rng.below(2);
            let parts: Vec<String> = (0..n)
                .map(|_| format!("({})", tree(rng, depth - 1)))
                .collect();
            parts.join(" & ")
        }
        1 => {
            let n = 2 + rng.below(2);
            let parts: Vec<String> = (0..n)
                .map(|_| format!("({})", tree(rng, depth - 1)))
                .collect();
            parts.join(" | ")
        }
        _ => format!("!({})", tree(rng, depth - 1)),
    }
}

/// The generated file: `TREES` (their text) and `query(i)`, the filter and the
/// exclude of tree `i`.
pub fn generate(seed: u64, count: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut trees = String::new();
    let mut arms = String::new();
    for i in 0..count {
        let w = tree(&mut rng, 3);
        writeln!(trees, "    {w:?},").ok();
        writeln!(
            arms,
            "        {i} => (dunder::query!(EveryKind.filter({w})), dunder::query!(EveryKind.exclude({w}))),"
        )
        .ok();
    }
    format!(
        "// Generated by tests/build/differential.rs (seed {seed}). Do not edit.\n\n\
         pub const SEED: u64 = {seed};\n\n\
         pub static TREES: &[&str] = &[\n{trees}];\n\n\
         /// The filter and the exclude of tree `i`.\n\
         pub fn queries(i: usize) -> (dunder::Query<'static, EveryKind>, dunder::Query<'static, EveryKind>) {{\n    match i {{\n{arms}        _ => unreachable!(\"no tree {{i}}\"),\n    }}\n}}\n"
    )
}

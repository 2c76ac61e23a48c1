//! Random queries, from a fixed seed, as `query!` invocations:
//! `$OUT_DIR/differential_cases.rs`, run by `tests/differential.rs`.
//!
//! * Single-table trees over `EveryKind` (AND / OR / NOT over every lookup
//!   and transform on every field kind).
//! * Relation cases over the models of `dunder_test_models::differential`
//!   (see [`relation_case`]): trees whose leaves are lookup paths through
//!   forward and reverse foreign keys, a self-referential key, a one-to-one
//!   and its reverse, a many-to-many both ways, up to three hops, ending on a
//!   field or on the relation itself (`clubs__isnull`, `home = 3`,
//!   `mentor__pk__in`); one `filter()`/`exclude()` call, or a chain of calls;
//!   and cases whose leaves may compare with `F()` across
//!   single-valued relations.
//! * Expression trees, aggregates, GROUP BY and functions over `EveryKind`
//!   (see the section "Expressions, aggregates, GROUP BY and functions").
//!
//! `DUNDER_DIFF_SEED` picks another seed; `DUNDER_DIFF_CASES`,
//! `DUNDER_DIFF_REL_CASES`, `DUNDER_DIFF_REL_EXPR_CASES`,
//! `DUNDER_DIFF_EXPR_CASES`, `DUNDER_DIFF_AGG_CASES`,
//! `DUNDER_DIFF_GROUP_CASES`, `DUNDER_DIFF_FUNC_CASES` other counts (see
//! `build.rs` for the defaults). Each family comes from its own random
//! stream: the cases of one family do not depend on the counts of the others.

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
    Decimal,
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
    ("dec", Ty::Decimal, false),
    ("opt_dec", Ty::Decimal, true),
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
const DECIMALS: &[&str] = &[
    "0",
    "-0.00",
    "0.01",
    "-0.01",
    "0.005",
    "5.5",
    "5.50",
    "9.99",
    "99.99",
    "100",
    "100.00",
    "2.9",
    "-0.5",
    "999999.99",
    "-999999.99",
    "1000000",
    "0.001",
    "12345678.9",
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
        // Decimals of `decimal(8, 2)`, beyond it and with more places.
        Ty::Decimal => format!("dec({:?})", rng.pick(DECIMALS)),
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
        Ty::Decimal => "dunder::Decimal",
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

// ---------------------------------------------------------------------------
// Relation cases

/// The type of the value a relation leaf compares with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RTy {
    /// `i32`
    Int,
    /// `&str`
    Text,
    /// `i64`: a primary key, or a relation compared by its key.
    Key,
}

/// How many rows a relation leads to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RKind {
    /// `ForeignKey` / `OneToOne`: at most one (`nullable`: maybe none).
    Forward,
    /// `ReverseOne`: at most one.
    ReverseOne,
    /// Reverse `ForeignKey`, `ManyToMany` and its reverse: any number.
    Many,
}

struct RField {
    name: &'static str,
    ty: RTy,
    nullable: bool,
}

struct RRel {
    name: &'static str,
    target: usize,
    kind: RKind,
    nullable: bool,
}

struct RModel {
    name: &'static str,
    fields: &'static [RField],
    rels: &'static [RRel],
}

const COUNTRY: usize = 0;
const CITY: usize = 1;
const PERSON: usize = 2;
const CLUB: usize = 3;
const PASSPORT: usize = 4;

const fn field(name: &'static str, ty: RTy, nullable: bool) -> RField {
    RField { name, ty, nullable }
}

const fn rel(name: &'static str, target: usize, kind: RKind, nullable: bool) -> RRel {
    RRel {
        name,
        target,
        kind,
        nullable,
    }
}

/// `dunder_test_models::differential`, as the generator sees it.
const MODELS: &[RModel] = &[
    RModel {
        name: "Country",
        fields: &[
            field("id", RTy::Key, false),
            field("name", RTy::Text, false),
            field("code", RTy::Text, true),
        ],
        rels: &[rel("cities", CITY, RKind::Many, true)],
    },
    RModel {
        name: "City",
        fields: &[
            field("id", RTy::Key, false),
            field("name", RTy::Text, false),
            field("population", RTy::Int, true),
        ],
        rels: &[
            rel("country", COUNTRY, RKind::Forward, false),
            rel("residents", PERSON, RKind::Many, true),
            rel("natives", PERSON, RKind::Many, true),
            rel("clubs", CLUB, RKind::Many, true),
        ],
    },
    RModel {
        name: "Person",
        fields: &[
            field("id", RTy::Key, false),
            field("name", RTy::Text, false),
            field("nick", RTy::Text, true),
            field("age", RTy::Int, true),
            field("score", RTy::Int, false),
        ],
        rels: &[
            rel("home", CITY, RKind::Forward, false),
            rel("birthplace", CITY, RKind::Forward, true),
            rel("mentor", PERSON, RKind::Forward, true),
            rel("mentees", PERSON, RKind::Many, true),
            rel("clubs", CLUB, RKind::Many, true),
            rel("passport", PASSPORT, RKind::ReverseOne, true),
        ],
    },
    RModel {
        name: "Club",
        fields: &[
            field("id", RTy::Key, false),
            field("name", RTy::Text, false),
            field("rank", RTy::Int, true),
        ],
        rels: &[
            rel("city", CITY, RKind::Forward, true),
            rel("members", PERSON, RKind::Many, true),
        ],
    },
    RModel {
        name: "Passport",
        fields: &[
            field("id", RTy::Key, false),
            field("number", RTy::Text, false),
            field("expires", RTy::Int, true),
        ],
        rels: &[rel("holder", PERSON, RKind::Forward, true)],
    },
];

/// Keys: every row's, and one no row has.
const KEYS: &[i64] = &[1, 2, 3, 4, 5, 6, 7, 99];
/// Near the seeded `i32` values (ages, scores, populations, ranks, years).
const INTS: &[i64] = &[
    -2, 0, 1, 2, 3, 5, 10, 19, 25, 30, 41, 2025, 2030, 2100, 2700, 14000,
];
/// The seeded names and parts of them, in other cases, and a few others.
const RTEXTS: &[&str] = &[
    "Paris", "paris", "PARIS", "Lyon", "Tokyo", "Osaka", "Lima", "Ghost", "France", "Japan",
    "Peru", "Atlantis", "FR", "fr", "JP", "", "a", "o", "ar", "An", "Ann", "ann", "Bob", "Cid",
    "Dee", "Eve", "Fay", "Gus", "annie", "D", "Chess", "Go", "go", "Runners", "Book", "Empty",
    "A100", "B200", "C300", "1", "00", "e", "s", "%", "_", "Z",
];

#[derive(Clone, Debug)]
enum RVal {
    Int(i64),
    Text(&'static str),
    Bool(bool),
}

/// A lookup path from a root model, its lookup and its values.
#[derive(Clone, Debug)]
struct RLeaf {
    /// Relation names, then the field (or `pk`/`id`), without the lookup.
    parts: Vec<&'static str>,
    lookup: &'static str,
    ty: RTy,
    values: Vec<RVal>,
    /// Write `__exact` instead of leaving it implicit.
    explicit: bool,
    /// The prefixes of `parts` that end with a multi-valued relation: the
    /// multi-valued joins this leaf uses (`clubs`, `clubs__members`).
    multi: Vec<String>,
    /// An `F(…)` expression compared with instead of `values` (relation
    /// expression cases only): columns reached through single-valued
    /// relations, so it adds no multi-valued join.
    rhs: Option<String>,
}

#[derive(Clone, Debug)]
enum RTree {
    Leaf(RLeaf),
    And(Vec<RTree>),
    Or(Vec<RTree>),
    Not(Box<RTree>),
}

/// What the leaves of one case have walked, so later leaves can walk the
/// same relations (join sharing within a call, new joins across calls).
struct Walks {
    root: usize,
    seen: Vec<Vec<&'static RRel>>,
    /// Whether leaves may compare with `F(…)` (the relation expression
    /// cases; the plain relation cases draw no random number for it, so
    /// they stay the same for a seed).
    exprs: bool,
}

impl Walks {
    fn hops(&mut self, rng: &mut Rng) -> Vec<&'static RRel> {
        if !self.seen.is_empty() && rng.chance(45) {
            let prev = rng.pick(&self.seen).clone();
            // The same relations, or a prefix of them, maybe going further.
            let keep = prev.len() - rng.below(prev.len().min(2));
            let mut hops: Vec<&'static RRel> = prev[..keep].to_vec();
            if rng.chance(30) {
                let model = hops.last().map_or(self.root, |r| r.target);
                hops.push(rng.pick(MODELS[model].rels));
            }
            if !hops.is_empty() {
                return hops;
            }
        }
        let n = match rng.below(100) {
            0..=9 => 0,
            10..=54 => 1,
            55..=89 => 2,
            _ => 3,
        };
        let mut model = self.root;
        let mut hops = Vec::new();
        for _ in 0..n {
            let r: &'static RRel = rng.pick(MODELS[model].rels);
            hops.push(r);
            model = r.target;
        }
        hops
    }

    fn leaf(&mut self, rng: &mut Rng) -> RLeaf {
        let hops = self.hops(rng);
        if !hops.is_empty() {
            self.seen.push(hops.clone());
        }
        let mut parts: Vec<&'static str> = Vec::new();
        let mut multi = Vec::new();
        let mut model = self.root;
        // Whether a relation walked so far may have no row.
        let mut absent = false;
        let mut absent_before_last = false;
        for r in &hops {
            parts.push(r.name);
            if r.kind == RKind::Many {
                multi.push(parts.join("__"));
            }
            absent_before_last = absent;
            absent |= r.kind != RKind::Forward || r.nullable;
            model = r.target;
        }
        let (ty, nullable) = match hops.last() {
            // The relation itself (its key), maybe spelt `__pk` / `__id`.
            Some(r) if rng.chance(35) => {
                match rng.below(5) {
                    0 => parts.push("pk"),
                    1 => parts.push("id"),
                    _ => {}
                }
                let column_nullable = r.kind != RKind::Forward || r.nullable;
                (RTy::Key, absent_before_last || column_nullable)
            }
            _ => {
                let f = rng.pick(MODELS[model].fields);
                let name = if f.name == "id" && rng.chance(50) {
                    "pk"
                } else {
                    f.name
                };
                parts.push(name);
                (f.ty, absent || f.nullable)
            }
        };
        let mut lookups: Vec<&'static str> = match ty {
            RTy::Key => vec!["exact", "exact", "in", "gt", "gte", "lt", "lte"],
            RTy::Int => vec!["exact", "exact", "in", "gt", "gte", "lt", "lte", "range"],
            RTy::Text => vec![
                "exact",
                "exact",
                "iexact",
                "contains",
                "icontains",
                "startswith",
                "istartswith",
                "endswith",
                "iendswith",
                "in",
                "gt",
                "lte",
                "range",
            ],
        };
        if nullable {
            lookups.extend(["isnull", "isnull", "isnull"]);
        }
        let lookup = *rng.pick(&lookups);
        let one = |rng: &mut Rng| match ty {
            RTy::Key => RVal::Int(*rng.pick(KEYS)),
            RTy::Int => RVal::Int(*rng.pick(INTS)),
            RTy::Text => RVal::Text(RTEXTS[rng.below(RTEXTS.len())]),
        };
        let values = match lookup {
            "isnull" => vec![RVal::Bool(rng.chance(50))],
            "in" => (0..rng.below(4)).map(|_| one(rng)).collect(),
            "range" => vec![one(rng), one(rng)],
            _ => vec![one(rng)],
        };
        // dunder refuses `F(…)` in a negated condition across a many-valued
        // relation ("not supported yet"), and every leaf of an `exclude()`
        // is negated: only leaves on single-valued paths compare with `F`.
        let rhs = if self.exprs
            && multi.is_empty()
            && ty != RTy::Key
            && !matches!(lookup, "in" | "range" | "isnull")
            && rng.chance(80)
        {
            self.f_rhs(rng, ty)
        } else {
            None
        };
        RLeaf {
            parts,
            lookup,
            ty,
            values,
            explicit: lookup == "exact" && rng.chance(30),
            multi,
            rhs,
        }
    }

    /// A field of type `ty` through zero to two single-valued relations
    /// (forward keys, reverse one-to-ones) from the root.
    fn f_path(&self, rng: &mut Rng, ty: RTy) -> Option<String> {
        for _ in 0..20 {
            let mut model = self.root;
            let mut parts = Vec::new();
            for _ in 0..rng.below(3) {
                let single: Vec<&RRel> = MODELS[model]
                    .rels
                    .iter()
                    .filter(|r| r.kind != RKind::Many)
                    .collect();
                if single.is_empty() {
                    break;
                }
                let r = *rng.pick(&single);
                parts.push(r.name);
                model = r.target;
            }
            let fields: Vec<&RField> = MODELS[model].fields.iter().filter(|f| f.ty == ty).collect();
            if fields.is_empty() {
                continue;
            }
            parts.push(rng.pick(&fields).name);
            return Some(parts.join("__"));
        }
        None
    }

    /// `F(path)`, with arithmetic for an integer (the `i32` columns hold
    /// small numbers: no overflow).
    fn f_rhs(&self, rng: &mut Rng, ty: RTy) -> Option<String> {
        let f = format!("F({})", self.f_path(rng, ty)?);
        if ty != RTy::Int {
            return Some(f);
        }
        let k = *rng.pick(&[1, 2, 5, 10, 100]);
        Some(match rng.below(7) {
            0 | 1 => f,
            2 => format!("{f} + {k}"),
            3 => format!("{f} - {k}"),
            4 => format!("{f} * {k}"),
            5 => format!("-{f} / {k}"),
            _ => format!("{f} - F({})", self.f_path(rng, ty)?),
        })
    }

    fn tree(&mut self, rng: &mut Rng, depth: u32) -> RTree {
        if depth == 0 || rng.chance(35) {
            return RTree::Leaf(self.leaf(rng));
        }
        match rng.below(7) {
            0..=2 => RTree::And(
                (0..2 + rng.below(2))
                    .map(|_| self.tree(rng, depth - 1))
                    .collect(),
            ),
            3..=4 => RTree::Or(
                (0..2 + rng.below(2))
                    .map(|_| self.tree(rng, depth - 1))
                    .collect(),
            ),
            5 => RTree::Not(Box::new(RTree::Not(Box::new(self.tree(rng, depth - 1))))),
            _ => RTree::Not(Box::new(self.tree(rng, depth - 1))),
        }
    }
}

fn rval(v: &RVal, ty: RTy) -> String {
    match (v, ty) {
        (RVal::Int(n), RTy::Key) => format!("{n}i64"),
        (RVal::Int(n), _) => format!("{n}i32"),
        (RVal::Text(s), _) => format!("{s:?}"),
        (RVal::Bool(b), _) => b.to_string(),
    }
}

fn render_leaf(l: &RLeaf) -> String {
    let path = l.parts.join("__");
    let rhs = match l.lookup {
        _ if l.rhs.is_some() => l.rhs.clone().unwrap_or_default(),
        "in" if l.values.is_empty() => {
            let elem = match l.ty {
                RTy::Key => "i64",
                RTy::Int => "i32",
                RTy::Text => "&str",
            };
            format!("Vec::<{elem}>::new()")
        }
        "in" => {
            let items: Vec<String> = l.values.iter().map(|v| rval(v, l.ty)).collect();
            format!("[{}]", items.join(", "))
        }
        "range" => format!(
            "({}, {})",
            rval(&l.values[0], l.ty),
            rval(&l.values[1], l.ty)
        ),
        _ => rval(&l.values[0], l.ty),
    };
    if l.lookup == "exact" && !l.explicit {
        format!("{path} = {rhs}")
    } else {
        format!("{path}__{} = {rhs}", l.lookup)
    }
}

fn render_tree(t: &RTree) -> String {
    let join = |items: &[RTree], op: &str| {
        let parts: Vec<String> = items
            .iter()
            .map(|c| format!("({})", render_tree(c)))
            .collect();
        parts.join(op)
    };
    match t {
        RTree::Leaf(l) => render_leaf(l),
        RTree::And(items) => join(items, " & "),
        RTree::Or(items) => join(items, " | "),
        RTree::Not(inner) => format!("!({})", render_tree(inner)),
    }
}

/// The arguments of one `filter(…)` / `exclude(…)` call: the tree, or, for an
/// AND at the top, sometimes its parts separated by commas.
fn render_call(rng: &mut Rng, t: &RTree) -> String {
    match t {
        RTree::And(items) if rng.chance(40) => {
            let parts: Vec<String> = items.iter().map(render_tree).collect();
            parts.join(", ")
        }
        _ => render_tree(t),
    }
}

/// The leaves of a tree, each with whether it is *positive*: under no `!`
/// once each `!(!(x))` is read as `x` (Django's `~~Q(x)` is `Q(x)`). A leaf
/// under any other `!` is, in Django, `branch_negated`: when it crosses a
/// multi-valued relation it becomes a subquery of its own.
fn leaves<'t>(t: &'t RTree, negated: bool, out: &mut Vec<(&'t RLeaf, bool)>) {
    match t {
        RTree::Leaf(l) => out.push((l, !negated)),
        RTree::And(items) | RTree::Or(items) => {
            for c in items {
                leaves(c, negated, out);
            }
        }
        RTree::Not(inner) => match &**inner {
            RTree::Not(x) => leaves(x, negated, out),
            x => leaves(x, true, out),
        },
    }
}

/// Whether, in Django, `filter(t)` and `exclude(t)` partition the table (each
/// row in exactly one of their DISTINCT results).
///
/// The rule: no multi-valued join is shared by a positive leaf (see
/// [`leaves`]) and another leaf; that is, no two leaves whose paths start
/// with the same relations up to a multi-valued one, unless both are under a
/// `!`. Why this is enough, and needed:
///
/// * `exclude(t)` negates every leaf's branch, so each leaf across a
///   multi-valued relation becomes its own `pk IN (subquery)`: `exclude(t)`
///   is `NOT t*`, where `t*` replaces every such leaf by "some related row
///   satisfies it" (Django's `split_exclude`; where a relation on the way
///   has no row, its NULL row counts, so `isnull = true` holds there:
///   Django's `OR col IS NULL` when the subquery keeps a LEFT join), and
///   single-valued leaves get `IS NOT NULL` guards so `NOT` never meets
///   UNKNOWN.
/// * `filter(t)` also splits the leaves under a `!`. Its positive leaves are
///   joined, and a row is selected when some combination of joined rows (or
///   the NULL row of a LEFT join, when there is no related row) makes `t`
///   true. Positive leaves sit under AND/OR only, so `t` is monotone in
///   them; when each multi-valued join serves one leaf, "some combination"
///   distributes over AND and OR, leaf by leaf, which gives `t*` again.
/// * When two leaves share a join, `filter` asks for *one* related row
///   satisfying both, `exclude` for each separately (Django's documented
///   asymmetry), so rows with two different matching related rows are in
///   neither. And when a positive leaf joined a relation before a negated
///   leaf across the same one, Django correlates that leaf's subquery with
///   the join (the `alias in can_reuse` branch of `split_exclude`).
fn partition_holds(t: &RTree) -> bool {
    let mut ls = Vec::new();
    leaves(t, false, &mut ls);
    ls.iter().enumerate().all(|(i, (a, positive))| {
        !positive
            || ls
                .iter()
                .enumerate()
                .all(|(j, (b, _))| i == j || !a.multi.iter().any(|p| b.multi.contains(p)))
    })
}

/// Whether Django's `filter(t)` returns each row at most once: no positive
/// leaf joins a multi-valued relation (the others become subqueries).
fn filter_distinct(t: &RTree) -> bool {
    let mut ls = Vec::new();
    leaves(t, false, &mut ls);
    ls.iter()
        .all(|(l, positive)| !positive || l.multi.is_empty())
}

/// A tree that is one leaf under `!`s: the leaf, and whether an odd number
/// of `!` remain once `!(!(x))` is read as `x`.
fn single_leaf(t: &RTree) -> Option<(&RLeaf, bool)> {
    match t {
        RTree::Leaf(l) => Some((l, false)),
        RTree::Not(inner) => match &**inner {
            RTree::Not(x) => single_leaf(x),
            x => single_leaf(x).map(|(l, n)| (l, !n)),
        },
        _ => None,
    }
}

fn oracle_value(v: &RVal) -> String {
    match v {
        RVal::Int(n) => format!("V::Int({n})"),
        RVal::Text(s) => format!("V::Text({s:?})"),
        RVal::Bool(b) => format!("V::Bool({b})"),
    }
}

/// One relation case: its `RelCase` entry and its queries (the expressions
/// of a `vec![…]` of `AnyQuery`).
///
/// * Most cases are one call: `filter(t)`, and `exclude(t)`. A third of
///   them are a single leaf, maybe under `!`s (checked against the oracle
///   of `tests/differential.rs`), the others trees of depth 3.
/// * One in five is a chain of two or three `filter`/`exclude` calls whose
///   leaves often walk the same relations; its queries are the chain, then
///   each call alone.
fn relation_case(rng: &mut Rng, exprs: bool) -> (String, Vec<String>) {
    let root = rng.below(MODELS.len());
    // Person, City and Club have the most relations: pick them more often.
    let root = if rng.chance(40) {
        *rng.pick(&[PERSON, PERSON, CITY, CLUB])
    } else {
        root
    };
    let model = MODELS[root].name;
    let mut walks = Walks {
        root,
        seen: Vec::new(),
        exprs,
    };
    let q = |chain: &str| format!("AnyQuery::{model}(dunder::query!({model}{chain}))");
    let method = |exclude: bool| if exclude { "exclude" } else { "filter" };
    if rng.chance(20) {
        let calls: Vec<(bool, RTree)> = (0..2 + rng.below(2))
            .map(|_| (rng.chance(30), walks.tree(rng, 2)))
            .collect();
        let texts: Vec<String> = calls.iter().map(|(_, t)| render_call(rng, t)).collect();
        let chain: String = calls
            .iter()
            .zip(&texts)
            .map(|((e, _), w)| format!(".{}({w})", method(*e)))
            .collect();
        let mut queries = vec![q(&chain)];
        queries.extend(
            calls
                .iter()
                .zip(&texts)
                .map(|((e, _), w)| q(&format!(".{}({w})", method(*e)))),
        );
        let entries: Vec<String> = calls
            .iter()
            .zip(&texts)
            .map(|((e, t), w)| call_entry(*e, w, t))
            .collect();
        let entry = format!(
            "RelCase {{ root: {model:?}, calls: &[{}], chained: true, partition: false }}",
            entries.join(", ")
        );
        return (entry, queries);
    }
    let t = if rng.chance(33) {
        let l = RTree::Leaf(walks.leaf(rng));
        match rng.below(6) {
            0 | 1 => RTree::Not(Box::new(l)),
            2 => RTree::Not(Box::new(RTree::Not(Box::new(l)))),
            _ => l,
        }
    } else {
        walks.tree(rng, 3)
    };
    let w = render_call(rng, &t);
    let entry = format!(
        "RelCase {{ root: {model:?}, calls: &[{}], chained: false, partition: {} }}",
        call_entry(false, &w, &t),
        partition_holds(&t),
    );
    let queries = vec![q(&format!(".filter({w})")), q(&format!(".exclude({w})"))];
    (entry, queries)
}

/// The `Call { … }` of one `filter(w)` / `exclude(w)`: whether Django's
/// answer to it alone has no row twice (an exclude never has, a filter when
/// no positive leaf crosses a multi-valued relation), and the leaf for the
/// oracle when `t` is one leaf under `!`s.
fn call_entry(exclude: bool, w: &str, t: &RTree) -> String {
    let oracle = match single_leaf(t) {
        Some((l, negated)) if l.rhs.is_none() => {
            let parts: Vec<String> = l.parts.iter().map(|p| format!("{p:?}")).collect();
            let values: Vec<String> = l.values.iter().map(oracle_value).collect();
            format!(
                "Some(OracleLeaf {{ path: &[{}], lookup: {:?}, values: &[{}], negated: {negated} }})",
                parts.join(", "),
                l.lookup,
                values.join(", ")
            )
        }
        _ => "None".to_owned(),
    };
    format!(
        "Call {{ exclude: {exclude}, args: {w:?}, distinct: {}, oracle: {oracle} }}",
        exclude || filter_distinct(t)
    )
}

// ---------------------------------------------------------------------------
// Expressions, aggregates, GROUP BY and functions over `EveryKind`
//
// Four more families of cases, each from a random stream of its own:
//
// * expression trees (`expr_case`): filter trees whose leaves compare a
//   column with `F(…)` expressions (arithmetic, unary minus, values beside
//   columns, transforms), decimals with decimal expressions, dates with
//   dates, text with text (every text lookup), flags and bytes, mixed with
//   the plain leaves of [`leaf`]; a third of them filter on annotations;
// * aggregates (`agg_case`): `filter(W)` / `exclude(W)` / the whole table,
//   each `.aggregate(…)` of the same random `Count` / `Sum` / `Avg` / `Min` /
//   `Max` (`distinct = true`, `filter = Q(…)`, `default`, over columns,
//   transforms and expressions);
// * GROUP BY (`group_case`): `values(keys).annotate(…)` grouped by
//   low-cardinality columns, transforms and expressions, ordered or not,
//   with a HAVING;
// * functions (`func_case`): `Lower`, `Upper`, `Length`, `Concat`,
//   `Coalesce`, `Case(When(…))`, `Value` and arithmetic in `values_list(…)`
//   (tuples: a generated struct per query would cost compile time).
//
// Arithmetic is generated only where both backends can compute it: every
// numeric expression is evaluated on every row of the data set (a copy of
// `every_kind::seed()`, checked against it by the test) as PostgreSQL
// computes it, and dropped when PostgreSQL would raise an error (integer out
// of its type's range, division by zero, float overflow or underflow) or
// when SQLite (64-bit integers, doubles) would compute another value (`real`
// arithmetic in `float4` that is not exact).

/// The values of `dunder_tests::every_kind::seed()` the generator computes
/// with: id, int, opt_int, double, opt_double, date, datetime, time. The
/// other columns are derived from these as `every_kind::row` derives them
/// (`small = -3 id`, `big = id * 10^10`, `real = id / 2`; `opt_date` and
/// `opt_time` are set where `opt_int` is, `opt_datetime(_utc)` where
/// `opt_double` is).
#[allow(clippy::type_complexity)]
const EK: &[(i64, i32, Option<i32>, f64, Option<f64>, &str, &str, &str)] = &[
    (
        1,
        5,
        Some(5),
        4.5,
        Some(4.5),
        "2020-02-29",
        "2020-02-29 12:30:45",
        "12:30:45",
    ),
    (
        2,
        3,
        None,
        -0.5,
        None,
        "2019-12-31",
        "2019-12-31 23:59:59.999999",
        "23:59:59.999999",
    ),
    (
        3,
        0,
        Some(0),
        0.0,
        Some(0.0),
        "2020-01-01",
        "2020-01-01 00:00:00",
        "00:00:00",
    ),
    (
        4,
        -1,
        Some(-1),
        -2.5,
        Some(-2.5),
        "2021-01-03",
        "2021-01-03 08:15:00",
        "08:15:00",
    ),
    (
        5,
        10,
        Some(10),
        2.5,
        None,
        "2018-12-31",
        "2018-12-31 06:00:00.5",
        "06:00:00.5",
    ),
    (
        6,
        4,
        None,
        3.0,
        Some(3.0),
        "2024-02-29",
        "2024-02-29 00:00:01",
        "18:45:30.25",
    ),
    (
        7,
        2,
        Some(2),
        1e300,
        None,
        "2022-06-15",
        "2022-06-15 14:00:00",
        "14:00:00",
    ),
    (
        8,
        i32::MAX,
        Some(i32::MIN),
        f64::MIN_POSITIVE,
        Some(-1e-300),
        "2023-12-31",
        "2023-12-31 23:59:59",
        "23:59:59",
    ),
];

/// A number on one row (`I` for every integer type).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Num {
    I(i128),
    F(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}

fn is_int(ty: Ty) -> bool {
    matches!(ty, Ty::I16 | Ty::I32 | Ty::I64)
}

fn is_float(ty: Ty) -> bool {
    matches!(ty, Ty::F32 | Ty::F64)
}

fn int_range(ty: Ty) -> (i128, i128) {
    match ty {
        Ty::I16 => (i16::MIN.into(), i16::MAX.into()),
        Ty::I32 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    }
}

/// The type PostgreSQL computes `a op b` in (dunder renders arithmetic as
/// written): the wider integer; `float4` for two `float4`s; else `float8`.
fn pg_combine(a: Ty, b: Ty) -> Ty {
    let rank = |t: Ty| match t {
        Ty::I16 => 1,
        Ty::I32 => 2,
        _ => 3,
    };
    match (is_int(a), is_int(b)) {
        (true, true) if rank(a) >= rank(b) => a,
        (true, true) => b,
        _ if a == Ty::F32 && b == Ty::F32 => Ty::F32,
        _ => Ty::F64,
    }
}

/// `a op b` on one row as PostgreSQL computes it in `ty`: `Err` where
/// PostgreSQL raises an error (out of range, division by zero, float
/// overflow or underflow to zero) or where SQLite, computing in 64-bit
/// integers and doubles, would give another value.
fn apply(op: char, ty: Ty, a: Option<Num>, b: Option<Num>) -> Result<Option<Num>, ()> {
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(None);
    };
    if is_int(ty) {
        let (Num::I(x), Num::I(y)) = (a, b) else {
            return Err(());
        };
        let r = match op {
            '+' => x + y,
            '-' => x - y,
            '*' => x * y,
            _ if y == 0 => return Err(()),
            _ => x / y,
        };
        let (lo, hi) = int_range(ty);
        return if (lo..=hi).contains(&r) {
            Ok(Some(Num::I(r)))
        } else {
            Err(())
        };
    }
    let (x, y) = (a.f(), b.f());
    if op == '/' && y == 0.0 {
        return Err(());
    }
    let r = match op {
        '+' => x + y,
        '-' => x - y,
        '*' => x * y,
        _ => x / y,
    };
    if ty == Ty::F32 {
        let (x32, y32) = (x as f32, y as f32);
        let r32 = match op {
            '+' => x32 + y32,
            '-' => x32 - y32,
            '*' => x32 * y32,
            _ => x32 / y32,
        };
        if f64::from(x32) != x || f64::from(y32) != y || f64::from(r32) != r {
            return Err(());
        }
    }
    let underflow = r == 0.0 && ((op == '*' && x != 0.0 && y != 0.0) || (op == '/' && x != 0.0));
    if !r.is_finite() || r.abs() > 1e300 || underflow {
        return Err(());
    }
    Ok(Some(Num::F(r)))
}

fn negate(ty: Ty, a: Option<Num>) -> Result<Option<Num>, ()> {
    match a {
        None => Ok(None),
        Some(Num::F(f)) => Ok(Some(Num::F(-f))),
        Some(Num::I(i)) => {
            let (lo, hi) = int_range(ty);
            if (lo..=hi).contains(&-i) {
                Ok(Some(Num::I(-i)))
            } else {
                Err(())
            }
        }
    }
}

/// A transform of a date, datetime or time written as Django stores it.
fn part(s: &str, t: &str) -> i128 {
    let num = |x: &str| -> i128 { x.parse().expect("a number") };
    let time = s.rsplit(' ').next().unwrap_or(s);
    match t {
        "year" => num(&s[0..4]),
        "month" => num(&s[5..7]),
        "day" => num(&s[8..10]),
        "quarter" => (num(&s[5..7]) + 2) / 3,
        "hour" => num(&time[0..2]),
        "minute" => num(&time[3..5]),
        "second" => num(&time[6..8]),
        other => panic!("no transform {other} in the simulation"),
    }
}

/// The numbers `F(path)` reads, row by row.
fn src_values(path: &str) -> Vec<Option<Num>> {
    EK.iter()
        .map(
            |&(id, int, opt_int, double, opt_double, date, datetime, time)| {
                let (base, t) = match path.split_once("__") {
                    Some((b, t)) => (b, Some(t)),
                    None => (path, None),
                };
                let id = i128::from(id);
                match (base, t) {
                    ("id" | "pk", None) => Some(Num::I(id)),
                    ("small", None) => Some(Num::I(-3 * id)),
                    ("int", None) => Some(Num::I(int.into())),
                    ("big", None) => Some(Num::I(id * 10_000_000_000)),
                    ("real", None) => Some(Num::F(id as f64 / 2.0)),
                    ("double", None) => Some(Num::F(double)),
                    ("opt_int", None) => opt_int.map(|i| Num::I(i.into())),
                    ("opt_double", None) => opt_double.map(Num::F),
                    (_, Some(t)) => {
                        let text = match base {
                            "date" => Some(date),
                            "datetime" | "datetime_utc" => Some(datetime),
                            "time" => Some(time),
                            "opt_date" => opt_int.map(|_| date),
                            "opt_datetime" | "opt_datetime_utc" => opt_double.map(|_| datetime),
                            "opt_time" => opt_int.map(|_| time),
                            other => panic!("no temporal column {other}"),
                        };
                        text.map(|s| Num::I(part(s, t)))
                    }
                    _ => panic!("no numeric column {path}"),
                }
            },
        )
        .collect()
}

/// What `F(path)` may name in arithmetic: (path, type).
const NUM_SRCS: &[(&str, Ty)] = &[
    ("id", Ty::I64),
    ("pk", Ty::I64),
    ("small", Ty::I16),
    ("small", Ty::I16),
    ("int", Ty::I32),
    ("int", Ty::I32),
    ("big", Ty::I64),
    ("big", Ty::I64),
    ("real", Ty::F32),
    ("real", Ty::F32),
    ("double", Ty::F64),
    ("double", Ty::F64),
    ("opt_int", Ty::I32),
    ("opt_int", Ty::I32),
    ("opt_double", Ty::F64),
    ("opt_double", Ty::F64),
    ("date__year", Ty::I32),
    ("date__month", Ty::I32),
    ("date__day", Ty::I32),
    ("date__quarter", Ty::I32),
    ("datetime__hour", Ty::I32),
    ("datetime__minute", Ty::I32),
    ("datetime_utc__second", Ty::I32),
    ("time__hour", Ty::I32),
    ("time__second", Ty::I32),
    ("opt_date__year", Ty::I32),
    ("opt_date__day", Ty::I32),
    ("opt_datetime__hour", Ty::I32),
    ("opt_datetime_utc__month", Ty::I32),
    ("opt_time__minute", Ty::I32),
];

/// Numeric left-hand sides of an expression leaf: (path, type).
const NUM_LHS: &[(&str, Ty)] = &[
    ("id", Ty::I64),
    ("pk", Ty::I64),
    ("small", Ty::I16),
    ("int", Ty::I32),
    ("big", Ty::I64),
    ("real", Ty::F32),
    ("double", Ty::F64),
    ("opt_int", Ty::I32),
    ("opt_int", Ty::I32),
    ("opt_double", Ty::F64),
    ("opt_double", Ty::F64),
    ("date__year", Ty::I32),
    ("date__week", Ty::I32),
    ("date__iso_week_day", Ty::I32),
    ("datetime__month", Ty::I32),
    ("datetime__date__day", Ty::I32),
    ("datetime_utc__hour", Ty::I32),
    ("time__minute", Ty::I32),
    ("opt_date__year", Ty::I32),
    ("opt_date__quarter", Ty::I32),
    ("opt_datetime__second", Ty::I32),
    ("opt_datetime_utc__week_day", Ty::I32),
    ("opt_time__hour", Ty::I32),
];

/// Where an expression is: the right-hand side of a condition (a value
/// beside a column takes the type of the leftmost `F(…)` of the other side)
/// or a projection (it takes the other side's type; a float literal is an
/// `f64`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Filter,
    Project,
}

/// A numeric expression, its type as PostgreSQL computes it, and its value
/// on every row.
#[derive(Clone)]
struct NExpr {
    text: String,
    ty: Ty,
    /// The type of its leftmost `F(…)` (`None`: a literal).
    first: Option<Ty>,
    vals: Vec<Option<Num>>,
    /// `F(path)` or a literal: needs no parentheses.
    atom: bool,
}

fn num_column(path: &'static str, ty: Ty) -> NExpr {
    NExpr {
        text: format!("F({path})"),
        ty,
        first: Some(ty),
        vals: src_values(path),
        atom: true,
    }
}

/// A number beside `sibling` (the other side of its operator): of the type
/// dunder gives it (see [`Ctx`]).
fn num_literal(rng: &mut Rng, sibling: &NExpr, ctx: Ctx) -> Option<NExpr> {
    let float = match ctx {
        Ctx::Filter => is_float(sibling.first?),
        Ctx::Project => is_float(sibling.ty),
    };
    let (text, v) = if float {
        let f = *rng.pick(&[0.5f64, 1.5, 2.0, 4.0, 0.25, -0.5, -2.5, 0.1, 3.7, 1e10]);
        (format!("{f:?}"), Num::F(f))
    } else {
        let i = *rng.pick(&[0i128, 1, 2, 3, 5, 7, 10, 100, -1, -2, -3]);
        (i.to_string(), Num::I(i))
    };
    let negative = text.starts_with('-');
    let ty = match ctx {
        Ctx::Filter => sibling.first?,
        // A float literal is an `f64`, `(-2.5)` too, as in Python.
        Ctx::Project if float => Ty::F64,
        Ctx::Project => sibling.ty,
    };
    let text = if negative { format!("({text})") } else { text };
    Some(NExpr {
        text,
        ty,
        first: None,
        vals: vec![Some(v); EK.len()],
        atom: true,
    })
}

fn binary(a: NExpr, op: char, b: NExpr) -> Option<NExpr> {
    let ty = pg_combine(a.ty, b.ty);
    let vals = a
        .vals
        .iter()
        .zip(&b.vals)
        .map(|(x, y)| apply(op, ty, *x, *y))
        .collect::<Result<Vec<_>, ()>>()
        .ok()?;
    let wrap = |e: &NExpr| {
        if e.atom {
            e.text.clone()
        } else {
            format!("({})", e.text)
        }
    };
    Some(NExpr {
        text: format!("{} {op} {}", wrap(&a), wrap(&b)),
        ty,
        first: a.first.or(b.first),
        vals,
        atom: false,
    })
}

fn try_num(rng: &mut Rng, depth: u32, ctx: Ctx) -> Option<NExpr> {
    if depth == 0 || rng.chance(30) {
        let (path, ty) = *rng.pick(NUM_SRCS);
        return Some(num_column(path, ty));
    }
    let op = *rng.pick(&['+', '-', '*', '/']);
    match rng.below(10) {
        0 => {
            let x = try_num(rng, depth - 1, ctx)?;
            let vals = x
                .vals
                .iter()
                .map(|v| negate(x.ty, *v))
                .collect::<Result<Vec<_>, ()>>()
                .ok()?;
            let text = if x.atom {
                format!("-{}", x.text)
            } else {
                format!("-({})", x.text)
            };
            Some(NExpr {
                text,
                vals,
                atom: false,
                ..x
            })
        }
        1..=5 => {
            let x = try_num(rng, depth - 1, ctx)?;
            let lit = num_literal(rng, &x, ctx)?;
            if op == '/' || rng.chance(50) {
                binary(x, op, lit)
            } else {
                binary(lit, op, x)
            }
        }
        _ => {
            let a = try_num(rng, depth - 1, ctx)?;
            let b = try_num(rng, depth - 1, ctx)?;
            binary(a, op, b)
        }
    }
}

/// A numeric expression both backends compute alike (see [`apply`]).
fn num_expr(rng: &mut Rng, depth: u32, ctx: Ctx) -> NExpr {
    for _ in 0..50 {
        if let Some(e) = try_num(rng, depth, ctx) {
            return e;
        }
    }
    let (path, ty) = *rng.pick(NUM_SRCS);
    num_column(path, ty)
}

/// `dec` and `opt_dec` of `every_kind::seed()`, in hundredths (checked
/// against the seed by the test, as [`EK`]).
const DEC_CENTS: [i128; 8] = [999, 10_000, 0, -99_999_999, 99_999_999, 1, -50, 550];
const OPT_DEC_CENTS: [Option<i128>; 8] = [
    Some(10_000),
    None,
    Some(-1),
    Some(290),
    None,
    Some(9_999),
    None,
    Some(0),
];

/// The values of a number column in hundredths, row by row (decimal
/// columns, and integer columns beside them).
fn cents(path: &str) -> Vec<Option<i128>> {
    match path {
        "dec" => DEC_CENTS.iter().map(|c| Some(*c)).collect(),
        "opt_dec" => OPT_DEC_CENTS.to_vec(),
        other => src_values(other)
            .into_iter()
            .map(|v| match v {
                Some(Num::I(i)) => Some(i * 100),
                Some(Num::F(_)) => panic!("{other} is not an integer column"),
                None => None,
            })
            .collect(),
    }
}

/// A decimal compared with a decimal expression (`F(dec)`, `F(opt_dec) * 3`,
/// `F(dec) - F(small)`) or an integer column. SQLite computes decimal
/// arithmetic in doubles, PostgreSQL exactly: an expression whose exact value
/// equals the other side on some row (where the double may be off by an
/// ulp) is not generated.
fn dec_leaf(rng: &mut Rng) -> String {
    loop {
        let lhs = *rng.pick(&["dec", "opt_dec"]);
        let col = *rng.pick(&["dec", "opt_dec"]);
        let int = *rng.pick(&["small", "int", "id", "big", "opt_int"]);
        let k = *rng.pick(&[1i128, 2, 3, 10, -2, 0]);
        let op = *rng.pick(&['+', '-', '*']);
        let apply = |a: Option<i128>, b: Option<i128>, scaled: bool| -> Option<i128> {
            let (a, b) = (a?, b?);
            Some(match op {
                '+' => a + b,
                '-' => a - b,
                // Both in hundredths: one factor is an integer.
                _ if scaled => a * (b / 100),
                _ => a * b,
            })
        };
        let (rhs, vals, arithmetic) = match rng.below(4) {
            0 => (format!("F({col})"), cents(col), false),
            1 => (format!("F({int})"), cents(int), false),
            2 => {
                let v = cents(col)
                    .into_iter()
                    .map(|c| apply(c, Some(k * 100), true))
                    .collect();
                let k = if k < 0 {
                    format!("({k})")
                } else {
                    k.to_string()
                };
                (format!("F({col}) {op} {k}"), v, true)
            }
            _ => {
                let v = cents(col)
                    .into_iter()
                    .zip(cents(int))
                    .map(|(c, i)| apply(c, i, true))
                    .collect();
                (format!("F({col}) {op} F({int})"), v, true)
            }
        };
        let lv = cents(lhs);
        let edge = lv
            .iter()
            .zip(&vals)
            .any(|(l, r): (&Option<i128>, &Option<i128>)| l.is_some() && l == r);
        if arithmetic && edge {
            continue;
        }
        let lookup = if arithmetic {
            *rng.pick(&["gt", "gte", "lt", "lte"])
        } else {
            *rng.pick(&["exact", "gt", "gte", "lt", "lte"])
        };
        return if rng.chance(15) {
            // The other way round: an integer column against a decimal.
            let lookup = if lookup == "exact" { "lt" } else { lookup };
            format!("{int}__{lookup} = F({col})")
        } else {
            format!("{lhs}__{lookup} = {rhs}")
        };
    }
}

/// A decimal expression (projection): SQLite computes it in doubles,
/// PostgreSQL exactly, so answers are compared within a relative 1e-9.
fn dec_expr(rng: &mut Rng) -> String {
    let col = format!("F({})", rng.pick(&["dec", "opt_dec", "dec"]));
    match rng.below(8) {
        0 | 1 => col,
        2 => format!("{col} * {}", rng.pick(&["3", "(-2)", "100"])),
        3 => format!(
            "{col} + F({})",
            rng.pick(&["opt_dec", "dec", "small", "int"])
        ),
        4 => format!("{col} / {}", rng.pick(&["4", "3", "(-7)"])),
        5 => format!("-{col}"),
        6 => format!("{col} * F({})", rng.pick(&["small", "id", "opt_int"])),
        _ => "Coalesce(F(opt_dec), F(dec))".to_owned(),
    }
}

/// Paths of one type each, compared with each other by `F(…)`.
const TEMPORAL: &[&[&str]] = &[
    &[
        "date",
        "opt_date",
        "datetime__date",
        "opt_datetime__date",
        "datetime_utc__date",
        "opt_datetime_utc__date",
    ],
    &["datetime", "opt_datetime"],
    &["datetime_utc", "opt_datetime_utc"],
    &[
        "time",
        "opt_time",
        "datetime__time",
        "opt_datetime__time",
        "datetime_utc__time",
    ],
];

/// A condition with `F(…)` on its right-hand side.
fn expr_leaf(rng: &mut Rng) -> String {
    let order = ["gt", "gte", "lt", "lte"];
    let (lhs, lookup, rhs) = match rng.below(100) {
        0..=7 => return dec_leaf(rng),
        8..=54 => {
            let (lhs, lty) = *rng.pick(NUM_LHS);
            let depth = rng.below(4) as u32;
            let rhs = num_expr(rng, depth, Ctx::Filter);
            // Floats are compared by order only.
            let lookup = if is_int(lty) && is_int(rhs.ty) && rng.chance(30) {
                "exact"
            } else {
                *rng.pick(&order)
            };
            (lhs.to_owned(), lookup, rhs.text)
        }
        55..=71 => {
            let paths = *rng.pick(TEMPORAL);
            let lookup = *rng.pick(&["exact", "gt", "gte", "lt", "lte"]);
            (
                rng.pick(paths).to_string(),
                lookup,
                format!("F({})", rng.pick(paths)),
            )
        }
        72..=87 => {
            let lookup = *rng.pick(&[
                "exact",
                "iexact",
                "contains",
                "icontains",
                "startswith",
                "istartswith",
                "endswith",
                "iendswith",
                "gt",
                "gte",
                "lt",
                "lte",
                "regex",
                "iregex",
            ]);
            (
                rng.pick(&["text", "opt_text"]).to_string(),
                lookup,
                format!("F({})", rng.pick(&["text", "opt_text"])),
            )
        }
        88..=93 => (
            rng.pick(&["flag", "opt_flag"]).to_string(),
            "exact",
            format!("F({})", rng.pick(&["flag", "opt_flag"])),
        ),
        _ => (
            rng.pick(&["bytes", "opt_bytes"]).to_string(),
            *rng.pick(&["exact", "gt", "gte", "lt", "lte"]),
            format!("F({})", rng.pick(&["bytes", "opt_bytes"])),
        ),
    };
    if lookup == "exact" && rng.chance(50) {
        format!("{lhs} = {rhs}")
    } else {
        format!("{lhs}__{lookup} = {rhs}")
    }
}

/// A leaf with `F(…)` (`percent` of them) or a plain one ([`leaf`]).
fn mixed_leaf(rng: &mut Rng, percent: u64) -> String {
    if rng.chance(percent) {
        expr_leaf(rng)
    } else {
        leaf(rng)
    }
}

/// A tree as [`tree`] makes them, of [`mixed_leaf`]s.
fn mixed_tree(rng: &mut Rng, depth: u32, percent: u64) -> String {
    tree_with(rng, depth, &mut |rng| mixed_leaf(rng, percent))
}

/// A tree as [`tree`] makes them, of the leaves `leaf` makes.
fn tree_with(rng: &mut Rng, depth: u32, leaf: &mut dyn FnMut(&mut Rng) -> String) -> String {
    if depth == 0 || rng.chance(35) {
        return leaf(rng);
    }
    match rng.below(3) {
        0 | 1 => {
            let op = if rng.chance(50) { " & " } else { " | " };
            let n = 2 + rng.below(2);
            let parts: Vec<String> = (0..n)
                .map(|_| format!("({})", tree_with(rng, depth - 1, leaf)))
                .collect();
            parts.join(op)
        }
        _ => format!("!({})", tree_with(rng, depth - 1, leaf)),
    }
}

/// The type of an annotation the expression trees filter on.
#[derive(Clone, Copy)]
enum Ann {
    Num(Ty),
    Text,
    Bool,
}

/// `name = expression` of an annotation, and its type.
fn annotation(rng: &mut Rng, name: &str) -> (String, Ann) {
    let (e, ann) = match rng.below(5) {
        0 | 1 => {
            let depth = 1 + rng.below(2) as u32;
            let e = num_expr(rng, depth, Ctx::Project);
            (e.text, Ann::Num(e.ty))
        }
        2 | 3 => (text_expr(rng, 2), Ann::Text),
        _ => {
            let default = if rng.chance(50) {
                ", default = false"
            } else {
                ""
            };
            (
                format!(
                    "Case(When({}, then = true){default})",
                    mixed_tree(rng, 1, 50)
                ),
                Ann::Bool,
            )
        }
    };
    (format!("{name} = {e}"), ann)
}

/// A condition on an annotation: compared with a value or a column, or a
/// column compared with `F(annotation)`.
fn annotation_leaf(rng: &mut Rng, name: &str, ann: Ann) -> String {
    let order = ["gt", "gte", "lt", "lte"];
    let (lhs, lookup, rhs) = match ann {
        Ann::Num(ty) => {
            let lookup = if is_int(ty) && rng.chance(30) {
                "exact"
            } else {
                *rng.pick(&order)
            };
            let value = if is_int(ty) {
                rng.pick(&["-3", "0", "1", "5", "10", "100", "2020"])
                    .to_string()
            } else {
                rng.pick(&["-1.5", "0.0", "2.5", "1e10"]).to_string()
            };
            match rng.below(3) {
                0 => (name.to_owned(), lookup, value),
                1 => {
                    let (path, _) = *rng.pick(NUM_SRCS);
                    (name.to_owned(), *rng.pick(&order), format!("F({path})"))
                }
                _ => {
                    let (path, _) = *rng.pick(NUM_LHS);
                    (path.to_owned(), *rng.pick(&order), format!("F({name})"))
                }
            }
        }
        Ann::Text => {
            let lookup = *rng.pick(&[
                "exact",
                "iexact",
                "contains",
                "icontains",
                "startswith",
                "istartswith",
                "endswith",
                "iendswith",
                "gt",
                "lte",
            ]);
            match rng.below(3) {
                0 => (name.to_owned(), lookup, text_lit(rng)),
                1 => (
                    name.to_owned(),
                    lookup,
                    format!("F({})", rng.pick(&["text", "opt_text"])),
                ),
                _ => (
                    rng.pick(&["text", "opt_text"]).to_string(),
                    lookup,
                    format!("F({name})"),
                ),
            }
        }
        Ann::Bool => (
            name.to_owned(),
            "exact",
            rng.pick(&["true", "false", "F(flag)", "F(opt_flag)"])
                .to_string(),
        ),
    };
    if lookup == "exact" && rng.chance(50) {
        format!("{lhs} = {rhs}")
    } else {
        format!("{lhs}__{lookup} = {rhs}")
    }
}

/// One expression tree: its text, and the calls of its filter and of its
/// exclude. A third of them filter on annotations:
/// `pk__in = query!(EveryKind.annotate(…).filter(W).values(pk))` and the same
/// with `exclude(W)` (the rows stay `EveryKind`s).
fn expr_case(rng: &mut Rng) -> (String, String, String) {
    if rng.chance(67) {
        let w = mixed_tree(rng, 3, 75);
        return (w.clone(), format!(".filter({w})"), format!(".exclude({w})"));
    }
    let anns: Vec<(String, Ann)> = (0..1 + rng.below(2))
        .map(|k| annotation(rng, &format!("a{k}")))
        .collect();
    // Some annotations go unread by the tree (the statement binds none of
    // their values).
    let w = tree_with(rng, 3, &mut |rng| {
        if rng.chance(60) {
            let k = rng.below(anns.len());
            annotation_leaf(rng, &format!("a{k}"), anns[k].1)
        } else {
            mixed_leaf(rng, 60)
        }
    });
    let a: Vec<&str> = anns.iter().map(|(e, _)| e.as_str()).collect();
    let a = format!("annotate({})", a.join(", "));
    let sub =
        |method: &str| format!(".filter(pk__in = query!(EveryKind.{a}.{method}({w}).values(pk)))");
    (format!("{a}: {w}"), sub("filter"), sub("exclude"))
}

/// Columns an aggregate may count: every field and a few transforms.
const COUNTABLE: &[&str] = &[
    "id",
    "pk",
    "flag",
    "int",
    "text",
    "bytes",
    "date",
    "opt_flag",
    "opt_int",
    "opt_double",
    "opt_text",
    "opt_bytes",
    "opt_date",
    "opt_datetime",
    "opt_datetime_utc",
    "opt_time",
    "date__year",
    "opt_date__month",
    "datetime__date",
    "dec",
    "opt_dec",
];

/// Non-numeric columns with an order, for `Min` / `Max`.
const ORDERED: &[&str] = &[
    "text",
    "opt_text",
    "date",
    "opt_date",
    "datetime",
    "opt_datetime",
    "datetime_utc",
    "opt_datetime_utc",
    "time",
    "opt_time",
    "datetime__date",
    "opt_datetime__time",
];

/// A numeric argument of an aggregate, integer or float as asked: a bare
/// path (`Sum(int)`) or an expression (`Sum(F(small) * 3)`); `None` when
/// the sum could overflow.
fn num_arg(rng: &mut Rng, int: bool) -> Option<String> {
    for _ in 0..50 {
        let e = if rng.chance(40) {
            let (path, ty) = *rng.pick(NUM_SRCS);
            let mut e = num_column(path, ty);
            e.text = path.to_owned();
            e
        } else {
            let depth = 1 + rng.below(2) as u32;
            num_expr(rng, depth, Ctx::Project)
        };
        if is_int(e.ty) != int {
            continue;
        }
        let total: f64 = e.vals.iter().flatten().map(|v| v.f().abs()).sum();
        // dunder sums `float4` in doubles on both backends, but an `f32`
        // expression is computed in `float4` on PostgreSQL, in doubles on
        // SQLite: only values exact in both (multiples of 1/256 below
        // 2^24 / 256).
        let exact32 = e
            .vals
            .iter()
            .flatten()
            .all(|v| (v.f() * 256.0).fract() == 0.0 && v.f().abs() < 65_536.0);
        if e.ty == Ty::F32 && !exact32 {
            continue;
        }
        if total < 1e18 && (int || total < 1e302) {
            return Some(e.text);
        }
    }
    None
}

/// One aggregate: its expression and how its answers over `filter(W)`,
/// `exclude(W)` and the whole table relate (a `Check` of the test).
fn aggregate_item(rng: &mut Rng) -> (String, &'static str) {
    loop {
        let (func, arg, check) = match rng.below(13) {
            0 => ("Count", rng.pick(COUNTABLE).to_string(), "Add"),
            11 if rng.chance(60) => ("Sum", dec_expr(rng), "Add"),
            11 => ("Avg", dec_expr(rng), "Other"),
            12 if rng.chance(50) => ("Min", dec_expr(rng), "Min"),
            12 => ("Max", dec_expr(rng), "Max"),
            1 => (
                "Count",
                format!("{}, distinct = true", rng.pick(COUNTABLE)),
                "Distinct",
            ),
            2 | 3 => match num_arg(rng, true) {
                Some(a) if rng.chance(20) => ("Sum", format!("{a}, default = 0"), "Add"),
                Some(a) => ("Sum", a, "Add"),
                None => continue,
            },
            4 => match num_arg(rng, false) {
                Some(a) => ("Sum", a, "AddFloat"),
                None => continue,
            },
            // Statistics of integers (the squares of floats may overflow).
            5 if rng.chance(40) => match num_arg(rng, true) {
                Some(a) => {
                    let f = rng.pick(&["StdDev", "Variance"]);
                    let extra = rng.pick(&["", ", sample = true", ", sample = false"]);
                    (*f, format!("{a}{extra}"), "Other")
                }
                None => continue,
            },
            5 => {
                let int = rng.chance(50);
                match num_arg(rng, int) {
                    Some(a) if rng.chance(25) => ("Avg", format!("{a}, distinct = true"), "Other"),
                    Some(a) => ("Avg", a, "Other"),
                    None => continue,
                }
            }
            6 => match num_arg(rng, true) {
                Some(a) => ("Sum", format!("{a}, distinct = true"), "Other"),
                None => continue,
            },
            7 | 8 => {
                let arg = if rng.chance(50) {
                    rng.pick(ORDERED).to_string()
                } else {
                    let int = rng.chance(60);
                    match num_arg(rng, int) {
                        Some(a) => a,
                        None => continue,
                    }
                };
                if rng.chance(50) {
                    ("Min", arg, "Min")
                } else {
                    ("Max", arg, "Max")
                }
            }
            _ => {
                let text = text_expr(rng, 1);
                if rng.chance(50) {
                    ("Min", text, "Min")
                } else {
                    ("Max", text, "Max")
                }
            }
        };
        // A filter keeps every relation: it applies to each row alike.
        let filter = if rng.chance(30) {
            format!(", filter = Q({})", mixed_tree(rng, 1, 50))
        } else {
            String::new()
        };
        return (format!("{func}({arg}{filter})"), check);
    }
}

/// `|r| vec![val(&r.a), …]`: a row as the test compares it.
fn row_closure(names: &[String]) -> String {
    let vals: Vec<String> = names.iter().map(|n| format!("val(&r.{n})")).collect();
    format!("|r| vec![{}]", vals.join(", "))
}

/// `answer!(cx, query!(EveryKind…), |r| …)`.
fn answer(chain: &str, closure: &str) -> String {
    format!("answer!(cx, dunder::query!(EveryKind{chain}), {closure})")
}

/// One aggregate case: its `AggCase` entry and its answers (see the test):
/// `filter(W)`, `exclude(W)` and the whole table aggregated alike, then
/// `filter(W).count()` and `filter(W).filter(W2).count()`.
///
/// `n` counts the rows; `f = Count(pk, filter = Q(W2))` and
/// `w = Sum(Case(When(W2, then = 1), default = 0))` count the rows where
/// `W2` holds, `g = Count(pk, filter = Q(!(W2)))` the others.
fn agg_case(rng: &mut Rng) -> (String, Vec<String>) {
    let w = mixed_tree(rng, 2, 60);
    let w2 = mixed_tree(rng, 2, 60);
    let mut items: Vec<(String, String, &str)> = vec![(
        "n".to_owned(),
        rng.pick(&["Count()", "Count(pk)", "Count(id)"]).to_string(),
        "Add",
    )];
    for k in 0..3 + rng.below(7) {
        let (e, check) = aggregate_item(rng);
        items.push((format!("a{k}"), e, check));
    }
    let mut counted = Vec::new();
    items.push((
        "f".to_owned(),
        format!("Count(pk, filter = Q({w2}))"),
        "Add",
    ));
    counted.push(items.len() - 1);
    if rng.chance(50) {
        items.push((
            "w".to_owned(),
            format!("Sum(Case(When({w2}, then = 1), default = 0))"),
            "Add",
        ));
        counted.push(items.len() - 1);
    }
    let complement = if rng.chance(50) {
        items.push((
            "g".to_owned(),
            format!("Count(pk, filter = Q(!({w2})))"),
            "Add",
        ));
        format!("Some({})", items.len() - 1)
    } else {
        "None".to_owned()
    };
    let args: Vec<String> = items.iter().map(|(n, e, _)| format!("{n} = {e}")).collect();
    let a = format!(".aggregate({})", args.join(", "));
    let names: Vec<String> = items.iter().map(|(n, _, _)| n.clone()).collect();
    let row = row_closure(&names);
    let checks: Vec<String> = items
        .iter()
        .map(|(_, _, c)| format!("Check::{c}"))
        .collect();
    let counted: Vec<String> = counted.iter().map(usize::to_string).collect();
    let entry = format!(
        "AggCase {{ w: {w:?}, w2: {w2:?}, aggregate: {a:?}, checks: &[{}], counted: &[{}], complement: {complement} }}",
        checks.join(", "),
        counted.join(", ")
    );
    let answers = vec![
        answer(&format!(".filter({w}){a}"), &row),
        answer(&format!(".exclude({w}){a}"), &row),
        answer(&a, &row),
        answer(&format!(".filter({w}).count()"), "|r| vec![val(r)]"),
        answer(
            &format!(".filter({w}).filter({w2}).count()"),
            "|r| vec![val(r)]",
        ),
    ];
    (entry, answers)
}

/// Text literals for functions, with characters whose full case mapping
/// is several characters (`İ`, `ᾳ`, `ᾀ`, `ß`, `ŉ`, `ﬁ`): both backends apply
/// the simple mapping.
const TEXT_LITS: &[&str] = &[
    "", " ", "-", "x", "Ab", "ÇAFÉ", "straße", "ǅ", "ẞ", "ΣΑΣ", "Ω", "ſ", "ς", "%", "_", "'", "\"",
    "?1", "$1", "ŉ", "ﬁ", "日本", "Ünï", "İ", "ᾳ", "ᾀ", "ῼ",
];

fn text_lit(rng: &mut Rng) -> String {
    format!("{:?}", rng.pick(TEXT_LITS))
}

/// A text expression (projection): columns, `Lower`, `Upper`, `Concat`,
/// `Coalesce`, `Case(When(…))`, `Value`.
fn text_expr(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 || rng.chance(25) {
        return rng.pick(&["F(text)", "F(opt_text)"]).to_string();
    }
    let sub = |rng: &mut Rng| {
        if rng.chance(30) {
            text_lit(rng)
        } else {
            text_expr(rng, depth - 1)
        }
    };
    match rng.below(8) {
        0 => format!("Lower({})", text_expr(rng, depth - 1)),
        1 => format!("Upper({})", text_expr(rng, depth - 1)),
        2 => format!(
            "{}(Value({}))",
            rng.pick(&["Lower", "Upper"]),
            text_lit(rng)
        ),
        3 | 4 => {
            let mut parts = vec![text_expr(rng, depth - 1)];
            for _ in 0..1 + rng.below(2) {
                parts.push(sub(rng));
            }
            let k = rng.below(parts.len());
            parts.swap(0, k);
            format!("Concat({})", parts.join(", "))
        }
        5 => format!(
            "Coalesce({}, {})",
            rng.pick(&["F(opt_text)", "F(opt_text)", "Upper(F(opt_text))"]),
            sub(rng)
        ),
        _ => {
            let mut whens = vec![format!(
                "When({}, then = {})",
                mixed_tree(rng, 2, 50),
                sub(rng)
            )];
            if rng.chance(30) {
                whens.push(format!(
                    "When({}, then = {})",
                    mixed_tree(rng, 1, 50),
                    sub(rng)
                ));
            }
            if rng.chance(75) {
                whens.push(format!("default = {}", sub(rng)));
            }
            format!("Case({})", whens.join(", "))
        }
    }
}

/// Integer columns of every width, for `Coalesce` and `Case` (their type
/// is the widest of their values', as PostgreSQL's).
const I32_COLS: &[&str] = &[
    "F(int)",
    "F(opt_int)",
    "F(date__year)",
    "F(opt_date__month)",
    "F(time__hour)",
    "F(big)",
    "F(small)",
];

/// An integer, float or bool expression (projection).
fn other_expr(rng: &mut Rng) -> String {
    let i32_side = |rng: &mut Rng| {
        if rng.chance(30) {
            rng.pick(&["0", "1", "(-7)", "2020"]).to_string()
        } else {
            rng.pick(I32_COLS).to_string()
        }
    };
    match rng.below(10) {
        9 => dec_expr(rng),
        0 | 1 => format!("Length({})", text_expr(rng, 2)),
        2 | 3 => {
            let depth = 1 + rng.below(3) as u32;
            num_expr(rng, depth, Ctx::Project).text
        }
        4 => format!(
            "Coalesce({}, {})",
            rng.pick(&["F(opt_int)", "F(opt_date__year)", "F(opt_time__minute)"]),
            i32_side(rng)
        ),
        5 | 6 => {
            let then = rng.pick(I32_COLS).to_string();
            let (a, b) = if rng.chance(50) {
                (then, i32_side(rng))
            } else {
                (i32_side(rng), then)
            };
            let default = if rng.chance(75) {
                format!(", default = {b}")
            } else {
                String::new()
            };
            format!(
                "Case(When({}, then = {a}){default})",
                mixed_tree(rng, 2, 50)
            )
        }
        7 => {
            let default = if rng.chance(60) {
                ", default = false"
            } else {
                ""
            };
            format!(
                "Case(When({}, then = true){default})",
                mixed_tree(rng, 2, 50)
            )
        }
        _ => format!(
            "Coalesce(F(opt_flag), {})",
            rng.pick(&["F(flag)", "false", "true"])
        ),
    }
}

/// One function case: `EveryKind[.filter(W)].order_by(id).values_list(id,
/// …)`, its text and its answer.
fn func_case(rng: &mut Rng) -> (String, String) {
    let filter = if rng.chance(50) {
        format!(".filter({})", mixed_tree(rng, 2, 50))
    } else {
        String::new()
    };
    let mut items = vec!["id".to_owned()];
    for _ in 0..3 + rng.below(5) {
        items.push(if rng.chance(55) {
            text_expr(rng, 3)
        } else {
            other_expr(rng)
        });
    }
    let names: Vec<String> = (0..items.len()).map(|k| k.to_string()).collect();
    let chain = format!("{filter}.order_by(id).values_list({})", items.join(", "));
    let text = format!("EveryKind{chain}");
    (text, answer(&chain, &row_closure(&names)))
}

/// Low-cardinality keys to group by: paths, or a named expression.
fn group_key(rng: &mut Rng, k: usize) -> (String, String) {
    let name = format!("k{k}");
    let e = match rng.below(12) {
        0..=6 => {
            let p = *rng.pick(&[
                "flag",
                "opt_flag",
                "opt_int",
                "date__year",
                "opt_date__year",
                "datetime__quarter",
                "opt_datetime__month",
                "opt_text",
                "time__hour",
                "datetime_utc__year",
                "date__iso_week_day",
                "opt_time__hour",
                "opt_dec",
            ]);
            return (p.to_owned(), p.to_owned());
        }
        7 | 8 => {
            let mut whens = vec![format!(
                "When({}, then = {})",
                mixed_tree(rng, 2, 50),
                text_lit(rng)
            )];
            if rng.chance(40) {
                whens.push(format!(
                    "When({}, then = {})",
                    mixed_tree(rng, 1, 50),
                    text_lit(rng)
                ));
            }
            if rng.chance(60) {
                whens.push(format!("default = {}", text_lit(rng)));
            }
            format!("Case({})", whens.join(", "))
        }
        9 => rng
            .pick(&[
                "Lower(F(opt_text))",
                "Upper(F(text))",
                "Length(F(opt_text))",
                "Coalesce(F(opt_int), F(int))",
                "Coalesce(F(opt_flag), F(flag))",
            ])
            .to_string(),
        _ => loop {
            let e = num_expr(rng, 2, Ctx::Project);
            let mut keys: Vec<String> = e.vals.iter().map(|v| format!("{v:?}")).collect();
            keys.sort();
            keys.dedup();
            if keys.len() <= 5 {
                break e.text;
            }
        },
    };
    (name.clone(), format!("{name} = {e}"))
}

/// One GROUP BY case: its `GroupCase` entry and its answers: `filter(W)`,
/// `exclude(W)` and the whole table grouped alike, `filter(W).count()`, and
/// for a HAVING, `filter(W)` grouped with `filter(n__gte = k)` and with
/// `exclude(n__gte = k)`.
fn group_case(rng: &mut Rng) -> (String, Vec<String>) {
    let w = mixed_tree(rng, 2, 60);
    let nkeys = if rng.chance(25) { 2 } else { 1 };
    let mut keys: Vec<(String, String)> = Vec::new();
    while keys.len() < nkeys {
        let key = group_key(rng, keys.len());
        if !keys.iter().any(|(n, _)| *n == key.0) {
            keys.push(key);
        }
    }
    let mut items = vec![("n".to_owned(), "Count(pk)".to_owned(), "Add")];
    for k in 0..1 + rng.below(5) {
        let (e, check) = aggregate_item(rng);
        items.push((format!("a{k}"), e, check));
    }
    let order = match rng.below(3) {
        0 => 0,
        1 => 1,
        _ => -1,
    };
    let order_by = match order {
        0 => String::new(),
        o => {
            let sign = if o < 0 { "-" } else { "" };
            let ks: Vec<String> = keys.iter().map(|(n, _)| format!("{sign}{n}")).collect();
            format!(".order_by({})", ks.join(", "))
        }
    };
    let values: Vec<&str> = keys.iter().map(|(_, e)| e.as_str()).collect();
    let annotate: Vec<String> = items.iter().map(|(n, e, _)| format!("{n} = {e}")).collect();
    let g = format!(
        ".values({}).annotate({})",
        values.join(", "),
        annotate.join(", ")
    );
    let mut names: Vec<String> = keys.iter().map(|(n, _)| n.clone()).collect();
    names.extend(items.iter().map(|(n, _, _)| n.clone()));
    let row = row_closure(&names);
    let having = if rng.chance(30) {
        Some(1 + rng.below(3))
    } else {
        None
    };
    let checks: Vec<String> = items
        .iter()
        .map(|(_, _, c)| format!("Check::{c}"))
        .collect();
    let entry = format!(
        "GroupCase {{ w: {w:?}, grouping: {:?}, keys: {nkeys}, checks: &[{}], order: {order}, having: {having:?} }}",
        format!("{g}{order_by}"),
        checks.join(", "),
    );
    let mut answers = vec![
        answer(&format!(".filter({w}){g}{order_by}"), &row),
        answer(&format!(".exclude({w}){g}{order_by}"), &row),
        answer(&format!("{g}{order_by}"), &row),
        answer(&format!(".filter({w}).count()"), "|r| vec![val(r)]"),
    ];
    if let Some(k) = having {
        answers.push(answer(
            &format!(".filter({w}){g}.filter(n__gte = {k})"),
            &row,
        ));
        answers.push(answer(
            &format!(".filter({w}){g}.exclude(n__gte = {k})"),
            &row,
        ));
    }
    (entry, answers)
}

/// `fn name(cx: &mut Cx) -> Vec<Answer>` of one case: a function each, so
/// that no function of the generated file is huge (rustc and LLVM take much
/// longer over one function of thousands of queries).
fn case_fn(name: &str, answers: &[String]) -> String {
    format!(
        "fn {name}(cx: &mut Cx) -> Vec<Answer> {{\n    vec![\n        {}\n    ]\n}}\n",
        answers.join(",\n        ")
    )
}

/// `family_0, family_1, …`
fn fn_list(family: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{family}_{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many cases of each family to generate.
pub struct Counts {
    /// Single-table filter trees.
    pub trees: usize,
    /// Relation cases.
    pub relations: usize,
    /// Relation cases with `F(…)` leaves.
    pub rel_exprs: usize,
    /// Trees with `F(…)` expressions.
    pub exprs: usize,
    /// Aggregate cases.
    pub aggregates: usize,
    /// GROUP BY cases.
    pub groups: usize,
    /// Function cases.
    pub functions: usize,
}

/// The generated items of the four families above.
fn generate_more(seed: u64, counts: &Counts) -> String {
    let mut out = String::new();
    let mut rng = Rng::new(seed ^ 0x0e59_0e55_1075);
    let mut trees = String::new();
    let mut arms = String::new();
    for i in 0..counts.exprs {
        let (text, filter, exclude) = expr_case(&mut rng);
        writeln!(trees, "    {text:?},").ok();
        writeln!(
            arms,
            "        {i} => (dunder::query!(EveryKind{filter}), dunder::query!(EveryKind{exclude})),"
        )
        .ok();
    }
    write!(
        out,
        "pub static EXPR_TREES: &[&str] = &[\n{trees}];\n\n\
         /// The filter and the exclude of expression tree `i`.\n\
         pub fn expr_queries(i: usize) -> (dunder::Query<'static, EveryKind>, dunder::Query<'static, EveryKind>) {{\n    match i {{\n{arms}        _ => unreachable!(\"no expression tree {{i}}\"),\n    }}\n}}\n\n"
    )
    .ok();

    let mut rng = Rng::new(seed ^ 0x0a66_7e6a_7e00);
    let mut cases = String::new();
    let mut arms = String::new();
    for i in 0..counts.aggregates {
        let (entry, answers) = agg_case(&mut rng);
        writeln!(cases, "    {entry},").ok();
        writeln!(arms, "{}", case_fn(&format!("agg_{i}"), &answers)).ok();
    }
    write!(
        out,
        "pub static AGG_CASES: &[AggCase] = &[\n{cases}];\n\n\
         /// The answers of each aggregate case (see `AggCase`).\n\
         pub static AGG_ANSWERS: &[fn(&mut Cx) -> Vec<Answer>] = &[{}];\n\n{arms}\n",
        fn_list("agg", counts.aggregates)
    )
    .ok();

    let mut rng = Rng::new(seed ^ 0x0960_0b79_0000);
    let mut cases = String::new();
    let mut arms = String::new();
    for i in 0..counts.groups {
        let (entry, answers) = group_case(&mut rng);
        writeln!(cases, "    {entry},").ok();
        writeln!(arms, "{}", case_fn(&format!("group_{i}"), &answers)).ok();
    }
    write!(
        out,
        "pub static GROUP_CASES: &[GroupCase] = &[\n{cases}];\n\n\
         /// The answers of each GROUP BY case (see `GroupCase`).\n\
         pub static GROUP_ANSWERS: &[fn(&mut Cx) -> Vec<Answer>] = &[{}];\n\n{arms}\n",
        fn_list("group", counts.groups)
    )
    .ok();

    let mut rng = Rng::new(seed ^ 0x0f00_c710_0500);
    let mut cases = String::new();
    let mut arms = String::new();
    for i in 0..counts.functions {
        let (text, answer) = func_case(&mut rng);
        writeln!(cases, "    {text:?},").ok();
        writeln!(arms, "{}", case_fn(&format!("func_{i}"), &[answer])).ok();
    }
    write!(
        out,
        "pub static FUNC_CASES: &[&str] = &[\n{cases}];\n\n\
         /// The answer of each function case.\n\
         pub static FUNC_ANSWERS: &[fn(&mut Cx) -> Vec<Answer>] = &[{}];\n\n{arms}\n",
        fn_list("func", counts.functions)
    )
    .ok();

    writeln!(
        out,
        "/// The generator's copy of `dec` and `opt_dec` of the seed, in hundredths.\n\
         pub static DEC_CENTS: [i128; 8] = {DEC_CENTS:?};\n\
         pub static OPT_DEC_CENTS: [Option<i128>; 8] = {OPT_DEC_CENTS:?};\n"
    )
    .ok();
    let rows: Vec<String> = EK.iter().map(|r| format!("    {r:?},")).collect();
    write!(
        out,
        "/// The generator's copy of the seed's values (see `EK` in `build/differential.rs`).\n\
         #[allow(clippy::type_complexity)]\n\
         pub static EK: &[(i64, i32, Option<i32>, f64, Option<f64>, &str, &str, &str)] = &[\n{}\n];\n",
        rows.join("\n")
    )
    .ok();
    out
}

/// The generated file: `TREES` (their text) and `query(i)`, the filter and the
/// exclude of tree `i`; `REL_CASES` and `rel_queries(i)`, the relation cases
/// (see [`relation_case`]); then the expression, aggregate, GROUP BY and
/// function cases (see [`generate_more`]).
pub fn generate(seed: u64, counts: &Counts) -> String {
    let (count, rel_count) = (counts.trees, counts.relations);
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
    // A stream of its own: the single-table trees of a seed stay the same.
    let mut rng = Rng::new(seed ^ 0x005e_1a71_050f_d00d);
    let mut cases = String::new();
    let mut rel_arms = String::new();
    for i in 0..rel_count {
        let (entry, queries) = relation_case(&mut rng, false);
        writeln!(cases, "    {entry},").ok();
        writeln!(rel_arms, "        {i} => vec![{}],", queries.join(", ")).ok();
    }
    // Relation cases whose leaves may compare with `F(…)` across relations.
    let mut rng = Rng::new(seed ^ 0x0f5e_1a71_0e59);
    for i in rel_count..rel_count + counts.rel_exprs {
        let (entry, queries) = relation_case(&mut rng, true);
        writeln!(cases, "    {entry},").ok();
        writeln!(rel_arms, "        {i} => vec![{}],", queries.join(", ")).ok();
    }
    format!(
        "// Generated by tests/build/differential.rs (seed {seed}). Do not edit.\n\n\
         pub const SEED: u64 = {seed};\n\n\
         pub static TREES: &[&str] = &[\n{trees}];\n\n\
         /// The filter and the exclude of tree `i`.\n\
         pub fn queries(i: usize) -> (dunder::Query<'static, EveryKind>, dunder::Query<'static, EveryKind>) {{\n    match i {{\n{arms}        _ => unreachable!(\"no tree {{i}}\"),\n    }}\n}}\n\n\
         pub static REL_CASES: &[RelCase] = &[\n{cases}];\n\n\
         /// The queries of relation case `i`: `filter(t)` and `exclude(t)`, or\n\
         /// the chain and then each of its calls alone.\n\
         pub fn rel_queries(i: usize) -> Vec<AnyQuery> {{\n    match i {{\n{rel_arms}        _ => unreachable!(\"no relation case {{i}}\"),\n    }}\n}}\n\n{}",
        generate_more(seed, counts)
    )
}

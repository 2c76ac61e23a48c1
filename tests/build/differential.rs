//! Random filter trees, from a fixed seed, as `query!` invocations:
//! `$OUT_DIR/differential_cases.rs`, run by `tests/differential.rs`.
//!
//! * Single-table trees over `EveryKind` (AND / OR / NOT over every lookup
//!   and transform on every field kind).
//! * Relation cases over the models of `dunder_test_models::differential`
//!   (see [`relation_case`]): trees whose leaves are lookup paths through
//!   forward and reverse foreign keys, a self-referential key, a one-to-one
//!   and its reverse, a many-to-many both ways, up to three hops, ending on a
//!   field or on the relation itself (`clubs__isnull`, `home = 3`,
//!   `mentor__pk__in`); one `filter()`/`exclude()` call, or a chain of calls.
//!
//! `DUNDER_DIFF_SEED` picks another seed, `DUNDER_DIFF_CASES` another count
//! of single-table trees, `DUNDER_DIFF_REL_CASES` another count of relation
//! cases. The single-table trees of a seed do not depend on the relation
//! cases (they come from their own random stream).

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
        RLeaf {
            parts,
            lookup,
            ty,
            values,
            explicit: lookup == "exact" && rng.chance(30),
            multi,
        }
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
fn relation_case(rng: &mut Rng) -> (String, Vec<String>) {
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
        Some((l, negated)) => {
            let parts: Vec<String> = l.parts.iter().map(|p| format!("{p:?}")).collect();
            let values: Vec<String> = l.values.iter().map(oracle_value).collect();
            format!(
                "Some(OracleLeaf {{ path: &[{}], lookup: {:?}, values: &[{}], negated: {negated} }})",
                parts.join(", "),
                l.lookup,
                values.join(", ")
            )
        }
        None => "None".to_owned(),
    };
    format!(
        "Call {{ exclude: {exclude}, args: {w:?}, distinct: {}, oracle: {oracle} }}",
        exclude || filter_distinct(t)
    )
}

/// The generated file: `TREES` (their text) and `query(i)`, the filter and the
/// exclude of tree `i`; `REL_CASES` and `rel_queries(i)`, the relation cases
/// (see [`relation_case`]).
pub fn generate(seed: u64, count: usize, rel_count: usize) -> String {
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
        let (entry, queries) = relation_case(&mut rng);
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
         pub fn rel_queries(i: usize) -> Vec<AnyQuery> {{\n    match i {{\n{rel_arms}        _ => unreachable!(\"no relation case {{i}}\"),\n    }}\n}}\n"
    )
}

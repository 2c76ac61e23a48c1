//! Differential and metamorphic testing of random queries (generated at
//! build time from a fixed seed by `build/differential.rs`; another seed with
//! `DUNDER_DIFF_SEED=<u64>`, other counts with `DUNDER_DIFF_CASES=<n>` for
//! the single-table trees, `DUNDER_DIFF_REL_CASES=<n>` and
//! `DUNDER_DIFF_REL_EXPR_CASES=<n>` for the relation cases without and with
//! `F()`, `DUNDER_DIFF_EXPR_CASES`, `DUNDER_DIFF_AGG_CASES`,
//! `DUNDER_DIFF_GROUP_CASES` and `DUNDER_DIFF_FUNC_CASES` for the families
//! below).
//!
//! Single-table trees over `EveryKind`, plain, and with `F()` expressions
//! (arithmetic, unary minus, values beside columns, transforms; numbers,
//! dates, times, text, flags and bytes compared with columns):
//!
//! * SQLite and PostgreSQL return the same rows for every tree W;
//! * on each backend, `filter(W)` and `exclude(W)` partition the table: no row
//!   in both, none in neither (NULLs included — the three-valued logic of SQL
//!   is resolved the same way Django resolves it).
//!
//! Relation cases over `dunder_test_models::differential` (leaves are paths
//! through forward, reverse, one-to-one and many-to-many relations, in one
//! call or in chains of calls, some compared with `F()` across single-valued
//! relations; see
//! [`relation_trees_agree_across_backends_and_keep_djangos_semantics`]):
//!
//! * SQLite and PostgreSQL return the same multiset of rows;
//! * `filter(W)` and `exclude(W)` partition the table where Django's
//!   semantics say they must, and return no row twice where Django does not;
//! * single-leaf conditions give the answers of an oracle computed from the
//!   data set; a chain returns each row as many times as the product of its
//!   counts in each call alone.
//!
//! Projections over `EveryKind`, compared value by value across the backends
//! (floats within a relative 1e-9):
//!
//! * aggregates of `filter(W)`, `exclude(W)` and the whole table add up
//!   (TLP for aggregates; see
//!   [`random_aggregates_agree_across_backends_and_add_up`]);
//! * GROUP BY, group by group the same (see
//!   [`random_group_by_agree_across_backends_and_add_up`]);
//! * functions in `values_list` (see
//!   [`random_functions_agree_across_backends`]).
//!
//! `DUNDER_DIFF_DUMP=<file>` writes every relation case and its SQLite
//! answers as JSON, to compare them with another implementation (e.g. Django
//! itself over the same data).

use std::collections::BTreeMap;

use dunder_test_models::differential::{City, Club, Country, Passport, Person};
use dunder_test_models::kinds::EveryKind;
use dunder_tests::every_kind::{self, d, dec, dt, t, utc};

// ---------------------------------------------------------------------------
// Rows of the projection families (aggregates, GROUP BY, functions)

/// One value of a projected row, whatever its Rust type.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    Date(chrono::NaiveDate),
    DateTime(chrono::NaiveDateTime),
    Utc(chrono::DateTime<chrono::Utc>),
    Time(chrono::NaiveTime),
    Decimal(dunder::Decimal),
}

/// A column's value as a [`Val`].
pub trait ToVal {
    fn to_val(&self) -> Val;
}

macro_rules! to_val {
    ($($t:ty => |$x:ident| $e:expr),* $(,)?) => {
        $(impl ToVal for $t {
            fn to_val(&self) -> Val {
                let $x = self;
                $e
            }
        })*
    };
}

to_val! {
    bool => |x| Val::Bool(*x),
    i16 => |x| Val::Int((*x).into()),
    i32 => |x| Val::Int((*x).into()),
    i64 => |x| Val::Int(*x),
    f32 => |x| Val::Float((*x).into()),
    f64 => |x| Val::Float(*x),
    String => |x| Val::Text(x.clone()),
    Vec<u8> => |x| Val::Bytes(x.clone()),
    chrono::NaiveDate => |x| Val::Date(*x),
    chrono::NaiveDateTime => |x| Val::DateTime(*x),
    chrono::DateTime<chrono::Utc> => |x| Val::Utc(*x),
    chrono::NaiveTime => |x| Val::Time(*x),
    dunder::Decimal => |x| Val::Decimal(*x),
}

impl<T: ToVal> ToVal for Option<T> {
    fn to_val(&self) -> Val {
        self.as_ref().map_or(Val::Null, ToVal::to_val)
    }
}

/// `x` as a [`Val`] (the generated row closures call it on each field).
pub fn val<T: ToVal>(x: &T) -> Val {
    x.to_val()
}

/// The databases the projection families run on: `every_kind::seed()` on
/// SQLite and, when the server is there, PostgreSQL.
///
/// PostgreSQL is queried through `dunder::postgres::Client` (prepared
/// statements): its code is generic over the row type in fewer places than
/// the plain client's, and the thousands of generated row types compile
/// several times faster.
pub struct Cx {
    sqlite: rusqlite::Connection,
    pg: Option<(dunder::postgres::Client, dunder_tests::PgDb)>,
}

impl std::fmt::Debug for Cx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cx").finish_non_exhaustive()
    }
}

impl Cx {
    fn new() -> Cx {
        let rows = every_kind::seed();
        let sqlite = dunder_tests::sqlite();
        every_kind::load_sqlite(&sqlite, &rows);
        let pg = dunder_tests::pg().map(|mut db| {
            every_kind::load_pg(&mut db, &rows);
            (
                dunder::postgres::Client::new(dunder_tests::pg_connect(&db)),
                db,
            )
        });
        Cx { sqlite, pg }
    }
}

/// One query's rows on each backend (`Err`: the error's text).
#[derive(Debug)]
pub struct Answer {
    /// The SQL on SQLite and on PostgreSQL.
    pub sql: [&'static str; 2],
    pub sqlite: Result<Vec<Vec<Val>>, String>,
    pub pg: Option<Result<Vec<Vec<Val>>, String>>,
}

/// Runs `query` on both backends of `cx`, each row read by `|r| row`.
macro_rules! answer {
    ($cx:expr, $query:expr, |$r:ident| $row:expr) => {{
        let cx: &mut Cx = &mut *$cx;
        let q = $query;
        let sqlite = q.fetch_all(&cx.sqlite);
        let pg = match cx.pg.as_mut() {
            Some((c, _)) => Some(q.fetch_all(c)),
            None => None,
        };
        let sql = [
            q.sql(dunder::Dialect::Sqlite),
            q.sql(dunder::Dialect::Postgres),
        ];
        answer(sql, sqlite, pg, &|$r| $row)
    }};
}

/// The rows of both backends as [`Val`]s. (One small generic function per
/// query: the generated cases compile in reasonable time.)
fn answer<T>(
    sql: [&'static str; 2],
    sqlite: dunder::Result<Vec<T>>,
    pg: Option<dunder::Result<Vec<T>>>,
    f: &dyn Fn(&T) -> Vec<Val>,
) -> Answer {
    let read = |r: dunder::Result<Vec<T>>| -> Result<Vec<Vec<Val>>, String> {
        let rows = match r {
            Ok(rows) => rows,
            Err(e) => return Err(e.to_string()),
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(f(row));
        }
        Ok(out)
    };
    Answer {
        sql,
        sqlite: read(sqlite),
        pg: pg.map(read),
    }
}

include!(concat!(env!("OUT_DIR"), "/differential_cases.rs"));

/// The string and number literals of a tree's text (the values it binds).
fn literals(w: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = w.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut lit = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            lit.push(n);
                        }
                    }
                    '"' => break,
                    c => lit.push(c),
                }
            }
            out.push(lit);
        } else if c == '=' {
            let num: String = chars
                .clone()
                .skip_while(|c| *c == ' ')
                .take_while(|c| c.is_ascii_digit() || *c == '-' || *c == '.')
                .collect();
            out.push(num);
        }
    }
    // Short values can be part of SQL by chance (`%` in strftime, `1` in `+ 1`).
    out.retain(|l| {
        l.chars().count() >= 3
            && !l.starts_with('$')
            && !l.starts_with('?')
            && !l.starts_with("-- ")
    });
    out
}

fn ids(rows: Vec<EveryKind>) -> Vec<i64> {
    let mut v: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
    v.sort_unstable();
    v
}

#[test]
fn random_filter_trees_agree_across_backends_and_partition_the_table() {
    partition_trees("differential", TREES, queries);
}

/// Trees whose leaves compare columns with `F()` expressions (`EXPR_TREES`,
/// generated by `expr_case` in `build/differential.rs`): the same checks as
/// the plain trees.
#[test]
fn random_expression_trees_agree_across_backends_and_partition_the_table() {
    partition_trees("expressions", EXPR_TREES, expr_queries);
}

type Pair = (
    dunder::Query<'static, EveryKind>,
    dunder::Query<'static, EveryKind>,
);

/// Each tree W of `trees` (`queries(i)`: its filter and its exclude): no
/// bound value in the SQL; SQLite and PostgreSQL return the same rows; on
/// each backend `filter(W)` and `exclude(W)` partition the table.
fn partition_trees(label: &str, trees: &[&str], queries: fn(usize) -> Pair) {
    let rows = every_kind::seed();
    let all: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let sqlite = dunder_tests::sqlite();
    every_kind::load_sqlite(&sqlite, &rows);
    let mut pg = dunder_tests::pg();
    if let Some(client) = pg.as_mut() {
        every_kind::load_pg(client, &rows);
    }
    let mut failures = Vec::new();
    let mut nonempty = 0usize;
    for (i, w) in trees.iter().enumerate() {
        let (filter, exclude) = queries(i);
        for lit in literals(w) {
            for q in [&filter, &exclude] {
                for d in [dunder::Dialect::Sqlite, dunder::Dialect::Postgres] {
                    if q.sql(d).contains(&lit) {
                        failures.push(format!(
                            "#{i} `{w}`: the SQL contains the value {lit:?}: {}",
                            q.sql(d)
                        ));
                    }
                }
            }
        }
        let run = |q: &dunder::Query<'static, EveryKind>, pg: &mut Option<dunder_tests::PgDb>| {
            let a = q
                .fetch_all(&sqlite)
                .map(ids)
                .map_err(|e| format!("sqlite: {e}"));
            let b = pg.as_mut().map(|c| {
                q.fetch_all(&mut **c)
                    .map(ids)
                    .map_err(|e| format!("postgres: {e}"))
            });
            (a, b)
        };
        let (fs, fp) = run(&filter, &mut pg);
        let (es, ep) = run(&exclude, &mut pg);
        let (fs, es) = match (fs, es) {
            (Ok(f), Ok(e)) => (f, e),
            (f, e) => {
                failures.push(format!("#{i} `{w}`: {f:?} / {e:?}"));
                continue;
            }
        };
        if !fs.is_empty() && fs.len() < all.len() {
            nonempty += 1;
        }
        let mut union: Vec<i64> = fs.iter().chain(es.iter()).copied().collect();
        union.sort_unstable();
        if union != all {
            failures.push(format!(
                "#{i} `{w}` (SQLite): filter {fs:?} and exclude {es:?} do not partition {all:?}"
            ));
        }
        for (name, q, got, want) in [("filter", &filter, fp, &fs), ("exclude", &exclude, ep, &es)] {
            match got {
                None => {}
                Some(Ok(p)) if &p == want => {}
                Some(other) => failures.push(format!(
                    "#{i} `{w}` {name}: SQLite {want:?}, PostgreSQL {other:?}\n    SQL: {}",
                    q.sql(dunder::Dialect::Postgres)
                )),
            }
        }
    }
    println!(
        "{label} (seed {SEED:#x}): {} trees, {nonempty} selecting some but not all rows, {} failures",
        trees.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        trees.is_empty() || nonempty * 4 > trees.len(),
        "too few trees select a proper subset: the generator is too weak"
    );
}

#[test]
fn literal_extraction_finds_the_bound_values() {
    let found = literals(
        r#"(text__icontains = "ÇAFÉ") | !(big = 10000000000i64) & (opt_text__in = ["o'brien", "%"])"#,
    );
    assert_eq!(
        found,
        vec![
            "ÇAFÉ".to_owned(),
            "10000000000".to_owned(),
            "o'brien".to_owned()
        ]
    );
}

// ---------------------------------------------------------------------------
// Relation cases

/// One generated relation case (see `build/differential.rs`).
#[derive(Debug)]
pub struct RelCase {
    /// The model queried.
    pub root: &'static str,
    /// One call: the queries are `filter(w)` and `exclude(w)` (`exclude` of
    /// the call is false). A chain: the chain, then each call alone.
    pub calls: &'static [Call],
    pub chained: bool,
    /// One call: Django's semantics say the DISTINCT pks of `filter(w)` and
    /// of `exclude(w)` partition the table (the rule is `partition_holds` in
    /// `build/differential.rs`).
    pub partition: bool,
}

/// One `filter(args)` or `exclude(args)` call.
#[derive(Debug)]
pub struct Call {
    pub exclude: bool,
    pub args: &'static str,
    /// Django's answer to the call alone has no row twice: an exclude never
    /// has, nor a filter whose leaves outside any `!` cross no multi-valued
    /// relation (the others become subqueries).
    pub distinct: bool,
    /// `args` is one leaf under `!`s: the oracle computes Django's answers
    /// to the call alone (and, for one call, to its `exclude`).
    pub oracle: Option<OracleLeaf>,
}

/// A single-leaf condition, for the oracle.
#[derive(Debug)]
pub struct OracleLeaf {
    /// Relations, then a field, `pk` or `id`; or relations only (the last
    /// one compared by its key).
    pub path: &'static [&'static str],
    pub lookup: &'static str,
    pub values: &'static [V],
    /// Under an odd number of `!` (after `!(!(x))` is read as `x`).
    pub negated: bool,
}

/// A value of an [`OracleLeaf`].
#[derive(Debug)]
pub enum V {
    Int(i64),
    Text(&'static str),
    Bool(bool),
}

/// A query of any of the related models.
#[derive(Debug)]
pub enum AnyQuery {
    Country(dunder::Query<'static, Country>),
    City(dunder::Query<'static, City>),
    Person(dunder::Query<'static, Person>),
    Club(dunder::Query<'static, Club>),
    Passport(dunder::Query<'static, Passport>),
}

/// The sorted pks of the rows, duplicates kept.
fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

impl AnyQuery {
    fn sql(&self, d: dunder::Dialect) -> &'static str {
        match self {
            AnyQuery::Country(q) => q.sql(d),
            AnyQuery::City(q) => q.sql(d),
            AnyQuery::Person(q) => q.sql(d),
            AnyQuery::Club(q) => q.sql(d),
            AnyQuery::Passport(q) => q.sql(d),
        }
    }

    fn sqlite(&self, c: &rusqlite::Connection) -> dunder::Result<Vec<i64>> {
        Ok(sorted(match self {
            AnyQuery::Country(q) => q.fetch_all(c)?.iter().map(|r| r.id).collect(),
            AnyQuery::City(q) => q.fetch_all(c)?.iter().map(|r| r.id).collect(),
            AnyQuery::Person(q) => q.fetch_all(c)?.iter().map(|r| r.id).collect(),
            AnyQuery::Club(q) => q.fetch_all(c)?.iter().map(|r| r.id).collect(),
            AnyQuery::Passport(q) => q.fetch_all(c)?.iter().map(|r| r.id).collect(),
        }))
    }

    fn pg(&self, c: &mut postgres::Client) -> dunder::Result<Vec<i64>> {
        Ok(sorted(match self {
            AnyQuery::Country(q) => q.fetch_all(&mut *c)?.iter().map(|r| r.id).collect(),
            AnyQuery::City(q) => q.fetch_all(&mut *c)?.iter().map(|r| r.id).collect(),
            AnyQuery::Person(q) => q.fetch_all(&mut *c)?.iter().map(|r| r.id).collect(),
            AnyQuery::Club(q) => q.fetch_all(&mut *c)?.iter().map(|r| r.id).collect(),
            AnyQuery::Passport(q) => q.fetch_all(&mut *c)?.iter().map(|r| r.id).collect(),
        }))
    }
}

/// The related data set: small, with rows that have no related rows, NULL
/// keys, several related rows, and NULLs in related columns.
mod related {
    /// A stored value.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub enum Cell {
        Null,
        Int(i64),
        Text(&'static str),
    }
    use Cell::{Int, Null, Text};

    /// How a column is bound on PostgreSQL.
    #[derive(Clone, Copy, Debug)]
    pub enum Ty {
        Int8,
        Int4,
        Text,
    }

    /// A table: its model, its SQL name, its columns (field name, column,
    /// type; keys hold the related row's id) and rows.
    pub struct Table {
        pub model: &'static str,
        pub table: &'static str,
        pub columns: &'static [(&'static str, &'static str, Ty)],
        pub rows: Vec<Vec<Cell>>,
    }

    impl Table {
        /// The value of `field` in `row`.
        pub fn get(&self, row: &[Cell], field: &str) -> Cell {
            let field = if field == "pk" { "id" } else { field };
            let i = self
                .columns
                .iter()
                .position(|(f, _, _)| *f == field)
                .unwrap_or_else(|| panic!("{} has no field {field}", self.model));
            row[i]
        }
    }

    fn text(s: Option<&'static str>) -> Cell {
        s.map_or(Null, Text)
    }
    fn int(i: Option<i64>) -> Cell {
        i.map_or(Null, Int)
    }

    /// The tables, targets first.
    pub fn tables() -> Vec<Table> {
        use Ty::{Int4, Int8};
        let countries: &[(i64, &str, Option<&str>)] = &[
            (1, "France", Some("FR")),
            (2, "Japan", Some("JP")),
            (3, "Atlantis", None), // no city
            (4, "Peru", Some("")),
        ];
        let cities: &[(i64, &str, Option<i64>, i64)] = &[
            (1, "Paris", Some(2100), 1),
            (2, "Lyon", None, 1),
            (3, "Tokyo", Some(14000), 2),
            (4, "Osaka", Some(2700), 2),
            (5, "Ghost", None, 4), // no resident, native or club
            (6, "Lima", Some(10), 4),
        ];
        // id, name, nick, age, score, home, birthplace, mentor
        #[allow(clippy::type_complexity)]
        let people: &[(
            i64,
            &str,
            Option<&str>,
            Option<i64>,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
        )] = &[
            (1, "Ann", Some("annie"), Some(30), 5, 1, Some(1), None),
            (2, "Bob", None, None, 3, 1, Some(3), Some(1)),
            (3, "Cid", Some(""), Some(25), 5, 3, None, Some(1)),
            (4, "Dee", Some("D"), Some(41), 0, 3, Some(3), Some(3)),
            (5, "Eve", None, Some(19), -2, 4, None, None), // no club, no passport
            (6, "Fay", Some("fay"), None, 10, 6, Some(2), Some(5)),
            (7, "Gus", Some("Gus"), Some(30), 3, 1, Some(6), Some(2)),
        ];
        let clubs: &[(i64, &str, Option<i64>, Option<i64>)] = &[
            (1, "Chess", Some(1), Some(1)),
            (2, "Go", None, Some(3)),
            (3, "Empty", Some(2), None), // no member
            (4, "Runners", Some(3), Some(1)),
            (5, "Book", None, Some(4)),
        ];
        let passports: &[(i64, &str, Option<i64>, Option<i64>)] = &[
            (1, "A100", Some(2030), Some(1)),
            (2, "B200", None, Some(3)),
            (3, "C300", Some(2025), None), // no holder
            (4, "D400", Some(2020), Some(6)),
        ];
        vec![
            Table {
                model: "Country",
                table: "d_country",
                columns: &[
                    ("id", "id", Int8),
                    ("name", "name", Ty::Text),
                    ("code", "code", Ty::Text),
                ],
                rows: countries
                    .iter()
                    .map(|&(id, name, code)| vec![Int(id), Text(name), text(code)])
                    .collect(),
            },
            Table {
                model: "City",
                table: "d_city",
                columns: &[
                    ("id", "id", Int8),
                    ("name", "name", Ty::Text),
                    ("population", "population", Int4),
                    ("country", "country_id", Int8),
                ],
                rows: cities
                    .iter()
                    .map(|&(id, name, pop, country)| {
                        vec![Int(id), Text(name), int(pop), Int(country)]
                    })
                    .collect(),
            },
            Table {
                model: "Person",
                table: "d_person",
                columns: &[
                    ("id", "id", Int8),
                    ("name", "name", Ty::Text),
                    ("nick", "nick", Ty::Text),
                    ("age", "age", Int4),
                    ("score", "score", Int4),
                    ("home", "home_id", Int8),
                    ("birthplace", "birthplace_id", Int8),
                    ("mentor", "mentor_id", Int8),
                ],
                rows: people
                    .iter()
                    .map(|&(id, name, nick, age, score, home, birth, mentor)| {
                        vec![
                            Int(id),
                            Text(name),
                            text(nick),
                            int(age),
                            Int(score),
                            Int(home),
                            int(birth),
                            int(mentor),
                        ]
                    })
                    .collect(),
            },
            Table {
                model: "Club",
                table: "d_club",
                columns: &[
                    ("id", "id", Int8),
                    ("name", "name", Ty::Text),
                    ("rank", "rank", Int4),
                    ("city", "city_id", Int8),
                ],
                rows: clubs
                    .iter()
                    .map(|&(id, name, rank, city)| vec![Int(id), Text(name), int(rank), int(city)])
                    .collect(),
            },
            Table {
                model: "Passport",
                table: "d_passport",
                columns: &[
                    ("id", "id", Int8),
                    ("number", "number", Ty::Text),
                    ("expires", "expires", Int4),
                    ("holder", "holder_id", Int8),
                ],
                rows: passports
                    .iter()
                    .map(|&(id, number, expires, holder)| {
                        vec![Int(id), Text(number), int(expires), int(holder)]
                    })
                    .collect(),
            },
        ]
    }

    /// `Club.members`: (club, person).
    pub const MEMBERS: &[(i64, i64)] = &[
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 3),
        (2, 4),
        (4, 1),
        (4, 7),
        (5, 6),
    ];

    /// How a relation finds its rows.
    #[derive(Clone, Copy, Debug)]
    pub enum Nav {
        /// The key `field` of this row.
        Forward(&'static str),
        /// The rows of the target whose key `field` is this row.
        Reverse(&'static str),
        /// `Club.members`.
        Members,
        /// `Person.clubs`.
        MemberOf,
    }

    /// Every relation: (model, name, target, how).
    pub const RELATIONS: &[(&str, &str, &str, Nav)] = &[
        ("Country", "cities", "City", Nav::Reverse("country")),
        ("City", "country", "Country", Nav::Forward("country")),
        ("City", "residents", "Person", Nav::Reverse("home")),
        ("City", "natives", "Person", Nav::Reverse("birthplace")),
        ("City", "clubs", "Club", Nav::Reverse("city")),
        ("Person", "home", "City", Nav::Forward("home")),
        ("Person", "birthplace", "City", Nav::Forward("birthplace")),
        ("Person", "mentor", "Person", Nav::Forward("mentor")),
        ("Person", "mentees", "Person", Nav::Reverse("mentor")),
        ("Person", "clubs", "Club", Nav::MemberOf),
        ("Person", "passport", "Passport", Nav::Reverse("holder")),
        ("Club", "city", "City", Nav::Forward("city")),
        ("Club", "members", "Person", Nav::Members),
        ("Passport", "holder", "Person", Nav::Forward("holder")),
    ];

    fn placeholders(n: usize, p: &str) -> String {
        (1..=n)
            .map(|i| format!("{p}{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn insert_sql(t: &Table, p: &str) -> String {
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|(_, c, _)| format!("\"{c}\""))
            .collect();
        format!(
            "INSERT INTO \"{}\" ({}) VALUES ({})",
            t.table,
            cols.join(", "),
            placeholders(cols.len(), p)
        )
    }

    fn members_sql(p: &str) -> String {
        let m2m = &<super::Club as dunder::Model>::MANY_TO_MANY[0];
        format!(
            "INSERT INTO \"{}\" (\"{}\", \"{}\") VALUES ({})",
            m2m.table,
            m2m.source_column,
            m2m.target_column,
            placeholders(2, p)
        )
    }

    /// Creates the tables (targets first; `Club` creates `d_club_members`)
    /// and inserts the data set on SQLite.
    pub fn load_sqlite(conn: &rusqlite::Connection, tables: &[Table]) {
        dunder::create_table::<super::Country, _>(conn).expect("create d_country");
        dunder::create_table::<super::City, _>(conn).expect("create d_city");
        dunder::create_table::<super::Person, _>(conn).expect("create d_person");
        dunder::create_table::<super::Club, _>(conn).expect("create d_club");
        dunder::create_table::<super::Passport, _>(conn).expect("create d_passport");
        let value = |c: &Cell| match *c {
            Null => rusqlite::types::Value::Null,
            Int(i) => rusqlite::types::Value::Integer(i),
            Text(s) => rusqlite::types::Value::Text(s.to_owned()),
        };
        for t in tables {
            for row in &t.rows {
                conn.execute(
                    &insert_sql(t, "?"),
                    rusqlite::params_from_iter(row.iter().map(value)),
                )
                .unwrap_or_else(|e| panic!("insert into {} {row:?}: {e}", t.table));
            }
        }
        for (club, person) in MEMBERS {
            conn.execute(&members_sql("?"), [club, person])
                .expect("insert a member");
        }
    }

    /// Creates the tables and inserts the data set on PostgreSQL.
    pub fn load_pg(client: &mut postgres::Client, tables: &[Table]) {
        use postgres::types::ToSql;
        dunder::create_table::<super::Country, _>(&mut *client).expect("create d_country");
        dunder::create_table::<super::City, _>(&mut *client).expect("create d_city");
        dunder::create_table::<super::Person, _>(&mut *client).expect("create d_person");
        dunder::create_table::<super::Club, _>(&mut *client).expect("create d_club");
        dunder::create_table::<super::Passport, _>(&mut *client).expect("create d_passport");
        for t in tables {
            let sql = insert_sql(t, "$");
            for row in &t.rows {
                let values: Vec<Box<dyn ToSql + Sync>> = row
                    .iter()
                    .zip(t.columns)
                    .map(|(c, (_, _, ty))| -> Box<dyn ToSql + Sync> {
                        match (*c, ty) {
                            (Null, Ty::Int8) => Box::new(None::<i64>),
                            (Null, Ty::Int4) => Box::new(None::<i32>),
                            (Null, Ty::Text) => Box::new(None::<String>),
                            (Int(i), Ty::Int8) => Box::new(i),
                            (Int(i), Ty::Int4) => Box::new(i32::try_from(i).expect("an int4")),
                            (Text(s), Ty::Text) => Box::new(s.to_owned()),
                            (c, ty) => panic!("{c:?} in a column of type {ty:?}"),
                        }
                    })
                    .collect();
                let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| &**b).collect();
                client
                    .execute(&sql, &refs)
                    .unwrap_or_else(|e| panic!("insert into {} {row:?}: {e}", t.table));
            }
        }
        for (club, person) in MEMBERS {
            client
                .execute(&members_sql("$"), &[club, person])
                .expect("insert a member");
        }
    }
}

use related::{Cell, Nav, Table};

/// Django's answers for single-leaf conditions, computed from the data set.
///
/// A leaf's *instances* for a row x: follow its path relation by relation;
/// each related row is one instance, and a relation with no related row gives
/// one instance of NULLs (a LEFT join's row). The leaf's value on an instance
/// is the field at the end (or the last relation's key), and the lookup gives
/// TRUE, FALSE or UNKNOWN (NULL compares UNKNOWN; `isnull` never does).
/// Then, in Django:
///
/// * `filter(leaf)` returns x once per TRUE instance (the joins' rows; the
///   joins are INNER, except for `isnull = true`, which LEFT-joins — the
///   NULL instance only matters there);
/// * `exclude(leaf)` and `filter(!(leaf))` return x once when no instance is
///   TRUE (`split_exclude` for multi-valued paths, `IS NOT NULL` guards for
///   single-valued ones);
/// * `exclude(!(leaf))` returns x once when some instance is TRUE: the leaf is
///   under a negated branch, so a multi-valued path is a subquery, not a
///   join (`branch_negated` in Django's `build_filter`).
struct Oracle {
    tables: Vec<Table>,
}

impl Oracle {
    fn table(&self, model: &str) -> &Table {
        self.tables
            .iter()
            .find(|t| t.model == model)
            .unwrap_or_else(|| panic!("no model {model}"))
    }

    fn related(&self, model: &str, name: &str, row: &[Cell]) -> Option<(&Table, Vec<&[Cell]>)> {
        let &(_, _, target, nav) = related::RELATIONS
            .iter()
            .find(|(m, n, _, _)| *m == model && *n == name)?;
        let from = self.table(model);
        let to = self.table(target);
        let id = from.get(row, "id");
        let rows_with_id = |ids: Vec<Cell>| -> Vec<&[Cell]> {
            ids.iter()
                .flat_map(|i| to.rows.iter().filter(move |r| to.get(r, "id") == *i))
                .map(Vec::as_slice)
                .collect()
        };
        let rows = match nav {
            Nav::Forward(key) => rows_with_id(vec![from.get(row, key)]),
            Nav::Reverse(key) => to
                .rows
                .iter()
                .filter(|r| to.get(r, key) == id)
                .map(Vec::as_slice)
                .collect(),
            Nav::Members => rows_with_id(
                related::MEMBERS
                    .iter()
                    .filter(|(c, _)| Cell::Int(*c) == id)
                    .map(|(_, p)| Cell::Int(*p))
                    .collect(),
            ),
            Nav::MemberOf => rows_with_id(
                related::MEMBERS
                    .iter()
                    .filter(|(_, p)| Cell::Int(*p) == id)
                    .map(|(c, _)| Cell::Int(*c))
                    .collect(),
            ),
        };
        Some((to, rows))
    }

    /// The leaf's values on each instance of `row` of `model` (`None`: the
    /// NULL row of a missing relation).
    fn instances(&self, model: &str, row: Option<&[Cell]>, path: &[&str]) -> Vec<Cell> {
        let Some((first, rest)) = path.split_first() else {
            panic!("empty path");
        };
        let Some(row) = row else {
            // Past a missing relation: everything is NULL.
            if rest.is_empty() {
                return vec![Cell::Null];
            }
            let target = related::RELATIONS
                .iter()
                .find(|(m, n, _, _)| *m == model && n == first)
                .map_or(model, |r| r.2);
            return self.instances(target, None, rest);
        };
        match self.related(model, first, row) {
            None => vec![self.table(model).get(row, first)],
            Some((to, rows)) => {
                if rows.is_empty() {
                    return if rest.is_empty() {
                        vec![Cell::Null]
                    } else {
                        self.instances(to.model, None, rest)
                    };
                }
                rows.into_iter()
                    .flat_map(|r| {
                        if rest.is_empty() {
                            vec![to.get(r, "id")]
                        } else {
                            self.instances(to.model, Some(r), rest)
                        }
                    })
                    .collect()
            }
        }
    }

    /// How many rows of `root` `filter(leaf)` returns for each pk (negated
    /// leaves give 0 or 1), and what `exclude(leaf)` returns.
    fn answers(&self, root: &str, leaf: &OracleLeaf) -> (Vec<i64>, Vec<i64>) {
        let table = self.table(root);
        let mut filter = Vec::new();
        let mut exclude = Vec::new();
        for row in &table.rows {
            let Cell::Int(pk) = table.get(row, "id") else {
                unreachable!()
            };
            let matches = self
                .instances(root, Some(row), leaf.path)
                .into_iter()
                .filter(|c| lookup(*c, leaf.lookup, leaf.values) == Some(true))
                .count();
            if leaf.negated {
                filter.extend((matches == 0).then_some(pk));
                exclude.extend((matches > 0).then_some(pk));
            } else {
                filter.extend(std::iter::repeat_n(pk, matches));
                exclude.extend((matches == 0).then_some(pk));
            }
        }
        (sorted(filter), sorted(exclude))
    }
}

/// A lookup in SQL's three-valued logic (`None`: UNKNOWN). Text is ASCII in
/// the data set, so upper-casing and byte order are every backend's.
fn lookup(c: Cell, name: &str, values: &[V]) -> Option<bool> {
    use std::cmp::Ordering;
    if name == "isnull" {
        let [V::Bool(b)] = values else {
            panic!("isnull takes a bool")
        };
        return Some((c == Cell::Null) == *b);
    }
    let cmp = |v: &V| -> Option<Ordering> {
        match (c, v) {
            (Cell::Null, _) => None,
            (Cell::Int(a), V::Int(b)) => Some(a.cmp(b)),
            (Cell::Text(a), V::Text(b)) => Some(a.cmp(b)),
            (c, v) => panic!("{c:?} compared with {v:?}"),
        }
    };
    let text = |f: fn(&str, &str) -> bool| -> Option<bool> {
        match (c, values) {
            (Cell::Null, _) => None,
            (Cell::Text(a), [V::Text(b)]) => Some(f(a, b)),
            _ => panic!("{c:?} {name} {values:?}"),
        }
    };
    fn up(s: &str) -> String {
        s.to_ascii_uppercase()
    }
    match name {
        "exact" => cmp(&values[0]).map(|o| o == Ordering::Equal),
        "gt" => cmp(&values[0]).map(|o| o == Ordering::Greater),
        "gte" => cmp(&values[0]).map(|o| o != Ordering::Less),
        "lt" => cmp(&values[0]).map(|o| o == Ordering::Less),
        "lte" => cmp(&values[0]).map(|o| o != Ordering::Greater),
        "range" => {
            Some(cmp(&values[0])? != Ordering::Less && cmp(&values[1])? != Ordering::Greater)
        }
        "in" => {
            if values.is_empty() {
                Some(false)
            } else {
                let _ = cmp(&values[0])?;
                Some(values.iter().any(|v| cmp(v) == Some(Ordering::Equal)))
            }
        }
        "iexact" => text(|a, b| a.eq_ignore_ascii_case(b)),
        "contains" => text(|a, b| a.contains(b)),
        "icontains" => text(|a, b| up(a).contains(&up(b))),
        "startswith" => text(|a, b| a.starts_with(b)),
        "istartswith" => text(|a, b| up(a).starts_with(&up(b))),
        "endswith" => text(|a, b| a.ends_with(b)),
        "iendswith" => text(|a, b| up(a).ends_with(&up(b))),
        other => panic!("the oracle has no lookup {other}"),
    }
}

/// The count of each pk in a sorted multiset.
fn counts(pks: &[i64]) -> BTreeMap<i64, usize> {
    let mut m = BTreeMap::new();
    for pk in pks {
        *m.entry(*pk).or_insert(0) += 1;
    }
    m
}

/// The query of relation case `i`, as written.
fn rel_text(c: &RelCase, query: usize) -> String {
    let call = |k: &Call| {
        let method = if k.exclude { "exclude" } else { "filter" };
        format!(".{method}({})", k.args)
    };
    match (c.chained, query) {
        (false, 0) => format!("{}.filter({})", c.root, c.calls[0].args),
        (false, _) => format!("{}.exclude({})", c.root, c.calls[0].args),
        (true, 0) => format!("{}{}", c.root, c.calls.iter().map(call).collect::<String>()),
        (true, k) => format!("{}{}", c.root, call(&c.calls[k - 1])),
    }
}

/// Relation cases (`REL_CASES`), each run on SQLite and PostgreSQL over the
/// related data set:
///
/// 1. both backends return the same multiset of pks (order aside; duplicates
///    count: a join over a multi-valued relation returns a row per match,
///    as Django does), and no bound value appears in the SQL;
/// 2. one call: when Django's semantics say so (`RelCase::partition`), the
///    DISTINCT pks of `filter(w)` and `exclude(w)` partition the table;
///    `exclude(w)` never returns a row twice (every multi-valued leaf of an
///    exclude is a subquery), nor does `filter(w)` when no leaf outside a
///    `!` crosses a multi-valued relation (`RelCase::filter_distinct`);
/// 3. one leaf (maybe under `!`s): both answers are the [`Oracle`]'s;
/// 4. a chain of calls: each call joins multi-valued relations of its own, so
///    a row appears in the chain as many times as the product of its counts
///    in each call alone (a row absent from one call is absent from the
///    chain).
#[test]
fn relation_trees_agree_across_backends_and_keep_djangos_semantics() {
    let tables = related::tables();
    let sqlite = dunder_tests::sqlite();
    related::load_sqlite(&sqlite, &tables);
    let mut pg = dunder_tests::pg();
    if let Some(client) = pg.as_mut() {
        related::load_pg(client, &tables);
    }
    let oracle = Oracle { tables };
    let mut failures = Vec::new();
    let mut dump = Vec::new();
    let (mut partitioned, mut oracled, mut chains, mut proper) = (0, 0, 0, 0);
    for (i, case) in REL_CASES.iter().enumerate() {
        let queries = rel_queries(i);
        let all: Vec<i64> = oracle
            .table(case.root)
            .rows
            .iter()
            .map(|r| match r[0] {
                Cell::Int(pk) => pk,
                _ => unreachable!(),
            })
            .collect();
        let literals: Vec<String> = case.calls.iter().flat_map(|c| literals(c.args)).collect();
        let mut answers: Vec<Vec<i64>> = Vec::new();
        for (k, q) in queries.iter().enumerate() {
            let text = rel_text(case, k);
            let pg_sql = q.sql(dunder::Dialect::Postgres);
            for lit in &literals {
                for d in [dunder::Dialect::Sqlite, dunder::Dialect::Postgres] {
                    if q.sql(d).contains(lit.as_str()) {
                        failures.push(format!(
                            "#{i} `{text}`: the SQL contains the value {lit:?}: {}",
                            q.sql(d)
                        ));
                    }
                }
            }
            let s = match q.sqlite(&sqlite) {
                Ok(s) => s,
                Err(e) => {
                    failures.push(format!("#{i} `{text}`: SQLite: {e}"));
                    Vec::new()
                }
            };
            if let Some(client) = pg.as_mut() {
                match q.pg(client) {
                    Ok(p) if p == s => {}
                    other => failures.push(format!(
                        "#{i} `{text}`: SQLite {s:?}, PostgreSQL {other:?}\n    SQL: {pg_sql}"
                    )),
                }
            }
            answers.push(s);
        }
        dump.push(serde_json::json!({
            "root": case.root,
            "chained": case.chained,
            "ops": case.calls.iter().map(|c| (c.exclude, c.args)).collect::<Vec<_>>(),
            "answers": answers,
        }));
        let sql = |k: usize| queries[k].sql(dunder::Dialect::Postgres);
        let distinct = |v: &[i64]| {
            let mut v = v.to_vec();
            v.dedup();
            v
        };
        if case.chained {
            chains += 1;
            for (k, call) in case.calls.iter().enumerate() {
                let a = &answers[k + 1];
                if call.distinct && distinct(a).len() != a.len() {
                    failures.push(format!(
                        "#{i} `{}`: returns a row twice: {a:?}\n    SQL: {}",
                        rel_text(case, k + 1),
                        sql(k + 1)
                    ));
                }
                if let Some(leaf) = &call.oracle {
                    oracled += 1;
                    let (want_f, want_e) = oracle.answers(case.root, leaf);
                    let want = if call.exclude { want_e } else { want_f };
                    if *a != want {
                        failures.push(format!(
                            "#{i} `{}`: dunder {a:?}, Django (oracle) {want:?}\n    SQL: {}",
                            rel_text(case, k + 1),
                            sql(k + 1)
                        ));
                    }
                }
            }
            let chain = counts(&answers[0]);
            let parts: Vec<BTreeMap<i64, usize>> = answers[1..].iter().map(|a| counts(a)).collect();
            for pk in &all {
                let want: usize = parts
                    .iter()
                    .map(|c| c.get(pk).copied().unwrap_or(0))
                    .product();
                let got = chain.get(pk).copied().unwrap_or(0);
                if got != want {
                    let each: Vec<usize> = parts
                        .iter()
                        .map(|c| c.get(pk).copied().unwrap_or(0))
                        .collect();
                    failures.push(format!(
                        "#{i} `{}`: pk {pk} appears {got} times, but {each:?} times in each call alone (product {want})\n    SQL: {}",
                        rel_text(case, 0),
                        sql(0)
                    ));
                }
            }
            continue;
        }
        let (f, e) = (&answers[0], &answers[1]);
        let (fd, ed) = (distinct(f), distinct(e));
        if !fd.is_empty() && fd.len() < all.len() {
            proper += 1;
        }
        if ed.len() != e.len() {
            failures.push(format!(
                "#{i} `{}`: returns a row twice: {e:?}\n    SQL: {}",
                rel_text(case, 1),
                sql(1)
            ));
        }
        if case.calls[0].distinct && fd.len() != f.len() {
            failures.push(format!(
                "#{i} `{}`: returns a row twice (no join over a multi-valued relation is needed): {f:?}\n    SQL: {}",
                rel_text(case, 0),
                sql(0)
            ));
        }
        if case.partition {
            partitioned += 1;
            let mut union: Vec<i64> = fd.iter().chain(&ed).copied().collect();
            union.sort_unstable();
            if union != all {
                failures.push(format!(
                    "#{i} `{}` (SQLite): DISTINCT filter {fd:?} and exclude {ed:?} do not partition {all:?}\n    filter SQL: {}\n    exclude SQL: {}",
                    case.calls[0].args,
                    sql(0),
                    sql(1)
                ));
            }
        }
        if let Some(leaf) = &case.calls[0].oracle {
            oracled += 1;
            let (want_f, want_e) = oracle.answers(case.root, leaf);
            for (k, got, want) in [(0, f, &want_f), (1, e, &want_e)] {
                if got != want {
                    failures.push(format!(
                        "#{i} `{}`: dunder {got:?}, Django (oracle) {want:?}\n    SQL: {}",
                        rel_text(case, k),
                        sql(k)
                    ));
                }
            }
        }
    }
    if let Some(path) = std::env::var_os("DUNDER_DIFF_DUMP") {
        std::fs::write(&path, serde_json::Value::from(dump).to_string())
            .unwrap_or_else(|e| panic!("write DUNDER_DIFF_DUMP: {e}"));
    }
    println!(
        "relations (seed {SEED:#x}): {} cases ({chains} chains), {partitioned} partition checks, {oracled} oracle checks, {proper} selecting some but not all rows, {} failures",
        REL_CASES.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    let single = REL_CASES.len() - chains;
    assert!(
        single == 0 || (proper * 3 > single && partitioned * 3 > single && oracled * 6 > single),
        "the relation generator is too weak: {proper} proper subsets, {partitioned} partition checks, {oracled} oracle checks of {single} cases"
    );
}

// ---------------------------------------------------------------------------
// Aggregates, GROUP BY and functions over `EveryKind`

/// How an aggregate's answers over `filter(W)`, `exclude(W)` and the whole
/// table relate (they partition the table).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Check {
    /// A count or an integer sum: the two parts add up to the whole (a NULL
    /// sum counts as 0; two NULLs make a NULL).
    Add,
    /// A float sum: the same, within a relative 1e-9.
    AddFloat,
    /// The whole's minimum is the smaller of the parts' (NULL: no value).
    Min,
    Max,
    /// A distinct count: at least the larger part's, at most their sum.
    Distinct,
    /// Nothing to check across the parts (`Avg`, distinct sums).
    Other,
}

/// One generated aggregate case (`agg_case` in `build/differential.rs`).
/// Its answers: `filter(w)`, `exclude(w)` and the whole table, each
/// `.aggregate(…)` (item 0 is `n`, the row count), then `filter(w).count()`
/// and `filter(w).filter(w2).count()`.
#[derive(Debug)]
pub struct AggCase {
    pub w: &'static str,
    pub w2: &'static str,
    pub aggregate: &'static str,
    pub checks: &'static [Check],
    /// Items that count the rows where `w2` holds (`Count(pk, filter =
    /// Q(w2))`, `Sum(Case(When(w2, then = 1), default = 0))`); the first is
    /// `f`.
    pub counted: &'static [usize],
    /// An item counting the rows where `!(w2)` holds: with `f`, it makes `n`.
    pub complement: Option<usize>,
}

/// One generated GROUP BY case (`group_case` in `build/differential.rs`).
/// Its answers: `filter(w)`, `exclude(w)` and the whole table, each with
/// `grouping`, then `filter(w).count()`, and with a HAVING, `filter(w)`
/// grouped then `.filter(n__gte = k)` and `.exclude(n__gte = k)`. A row is
/// the `keys` group keys, then `n = Count(pk)`, then the other annotations.
#[derive(Debug)]
pub struct GroupCase {
    pub w: &'static str,
    pub grouping: &'static str,
    pub keys: usize,
    /// One per annotation, `n` first.
    pub checks: &'static [Check],
    /// 0: unordered; 1: ordered by the keys ascending; -1: descending.
    pub order: i32,
    pub having: Option<i64>,
}

/// SQL's order of two values of one column, NULL last (dunder's ascending
/// order on both backends).
fn sql_order(a: &Val, b: &Val) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match (a, b) {
        (Val::Null, Val::Null) => Equal,
        (Val::Null, _) => Greater,
        (_, Val::Null) => Less,
        (Val::Bool(x), Val::Bool(y)) => x.cmp(y),
        (Val::Int(x), Val::Int(y)) => x.cmp(y),
        (Val::Float(x), Val::Float(y)) => x.total_cmp(y),
        (Val::Text(x), Val::Text(y)) => x.cmp(y),
        (Val::Bytes(x), Val::Bytes(y)) => x.cmp(y),
        (Val::Date(x), Val::Date(y)) => x.cmp(y),
        (Val::DateTime(x), Val::DateTime(y)) => x.cmp(y),
        (Val::Utc(x), Val::Utc(y)) => x.cmp(y),
        (Val::Time(x), Val::Time(y)) => x.cmp(y),
        (Val::Decimal(x), Val::Decimal(y)) => x.cmp(y),
        (a, b) => panic!("{a:?} and {b:?} in one column"),
    }
}

fn row_order(a: &[Val], b: &[Val]) -> std::cmp::Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| sql_order(x, y))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Equal, floats within a relative 1e-9 (or 1e-12 near zero), and
/// decimals within a relative 1e-9 or 1e-6 (SQLite computes decimal
/// arithmetic and aggregates in doubles: `999999.99 - 999999.98` is
/// 0.010000000009313226 there, where the values are hundredths).
fn close(a: &Val, b: &Val) -> bool {
    let near = |x: f64, y: f64, abs: f64| {
        x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) || (x - y).abs() <= abs
    };
    match (a, b) {
        (Val::Float(x), Val::Float(y)) => near(*x, *y, 1e-12),
        (Val::Decimal(x), Val::Decimal(y)) => {
            use std::str::FromStr;
            let f = |d: &dunder::Decimal| f64::from_str(&d.to_string()).unwrap_or(f64::NAN);
            x == y || near(f(x), f(y), 1e-6)
        }
        _ => a == b,
    }
}

fn rows_close(a: &[Vec<Val>], b: &[Vec<Val>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(u, v)| close(u, v)))
}

/// The SQLite rows of each answer, after checking that PostgreSQL returned
/// the same ones (in order when `ordered`, else as multisets) and that no
/// literal of `texts` is in the SQL. `None` when a query failed.
fn agreed(
    what: &str,
    texts: &[&str],
    answers: Vec<Answer>,
    ordered: impl Fn(usize) -> bool,
    failures: &mut Vec<String>,
) -> Option<Vec<Vec<Vec<Val>>>> {
    let lits: Vec<String> = texts.iter().flat_map(|t| literals(t)).collect();
    let mut out = Vec::new();
    let mut ok = true;
    for (k, a) in answers.into_iter().enumerate() {
        for lit in &lits {
            for sql in a.sql {
                if sql.contains(lit.as_str()) {
                    failures.push(format!(
                        "{what} query {k}: the SQL contains the value {lit:?}: {sql}"
                    ));
                }
            }
        }
        let s = match a.sqlite {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!(
                    "{what} query {k}: SQLite: {e}\n    SQL: {}",
                    a.sql[0]
                ));
                ok = false;
                continue;
            }
        };
        match a.pg {
            None => {}
            Some(Err(e)) => {
                failures.push(format!(
                    "{what} query {k}: PostgreSQL: {e}\n    SQL: {}",
                    a.sql[1]
                ));
                ok = false;
            }
            Some(Ok(p)) => {
                let sorted = |mut v: Vec<Vec<Val>>| {
                    v.sort_by(|x, y| row_order(x, y));
                    v
                };
                let same = if ordered(k) {
                    rows_close(&s, &p)
                } else {
                    rows_close(&sorted(s.clone()), &sorted(p.clone()))
                };
                if !same {
                    failures.push(format!(
                        "{what} query {k}: SQLite {s:?}, PostgreSQL {p:?}\n    SQL: {}",
                        a.sql[1]
                    ));
                }
            }
        }
        out.push(s);
    }
    ok.then_some(out)
}

/// `a + b` of an additive aggregate: a NULL (no row) counts as 0, two NULLs
/// make a NULL.
fn add(a: &Val, b: &Val) -> Val {
    match (a, b) {
        (Val::Null, x) | (x, Val::Null) => x.clone(),
        (Val::Int(x), Val::Int(y)) => Val::Int(x + y),
        (Val::Float(x), Val::Float(y)) => Val::Float(x + y),
        (Val::Decimal(x), Val::Decimal(y)) => Val::Decimal(x + y),
        (a, b) => panic!("cannot add {a:?} and {b:?}"),
    }
}

/// Whether `whole` is what `check` makes of the two parts.
fn parts_make(check: Check, a: &Val, b: &Val, whole: &Val) -> bool {
    use std::cmp::Ordering::{Greater, Less};
    let pick = |keep: std::cmp::Ordering| match (a, b) {
        (Val::Null, x) | (x, Val::Null) => x.clone(),
        (x, y) if sql_order(x, y) == keep => x.clone(),
        (_, y) => y.clone(),
    };
    match check {
        Check::Add | Check::AddFloat => close(&add(a, b), whole),
        Check::Min => pick(Less) == *whole,
        Check::Max => pick(Greater) == *whole,
        Check::Distinct => {
            let n = |v: &Val| match v {
                Val::Int(i) => *i,
                _ => 0,
            };
            let (x, y, z) = (n(a), n(b), n(whole));
            x.max(y) <= z && z <= x + y
        }
        Check::Other => true,
    }
}

fn int(v: &Val) -> i64 {
    match v {
        Val::Int(i) => *i,
        Val::Null => 0,
        other => panic!("not a count: {other:?}"),
    }
}

/// Aggregate cases (`AGG_CASES`), each `aggregate(…)` of `filter(W)`, of
/// `exclude(W)` and of the whole table (TLP for aggregates):
///
/// 1. SQLite and PostgreSQL agree (floats within a relative 1e-9), and no
///    bound value is in the SQL;
/// 2. counts and integer sums of the two parts add up to the whole's (float
///    sums within 1e-9), the whole's `Min`/`Max` is the smaller/larger of
///    the parts', a distinct count is between the larger part's and their
///    sum; this holds for aggregates with a `filter = Q(…)` too;
/// 3. `n` is `filter(W).count()`; `Count(pk, filter = Q(W2))` and
///    `Sum(Case(When(W2, then = 1), default = 0))` are
///    `filter(W).filter(W2).count()`; with `Count(pk, filter = Q(!(W2)))`
///    they make `n`.
#[test]
fn random_aggregates_agree_across_backends_and_add_up() {
    let mut cx = Cx::new();
    let mut failures = Vec::new();
    let mut proper = 0;
    for (i, case) in AGG_CASES.iter().enumerate() {
        let what = format!(
            "#{i} `filter({}){}` (W2 = `{}`)",
            case.w, case.aggregate, case.w2
        );
        let answers = AGG_ANSWERS[i](&mut cx);
        let texts = [case.w, case.w2, case.aggregate];
        let Some(a) = agreed(&what, &texts, answers, |_| true, &mut failures) else {
            continue;
        };
        let one = |k: usize| -> &Vec<Val> { &a[k][0] };
        let (f, e, whole) = (one(0), one(1), one(2));
        let (count, count2) = (int(&one(3)[0]), int(&one(4)[0]));
        if count > 0 && count < 8 {
            proper += 1;
        }
        for (j, check) in case.checks.iter().enumerate() {
            if !parts_make(*check, &f[j], &e[j], &whole[j]) {
                failures.push(format!(
                    "{what}: item {j} ({check:?}): filter {:?} and exclude {:?}, but the whole table {:?}",
                    f[j], e[j], whole[j]
                ));
            }
        }
        if int(&f[0]) != count {
            failures.push(format!("{what}: n = {:?}, but count() = {count}", f[0]));
        }
        for &j in case.counted {
            if int(&f[j]) != count2 {
                failures.push(format!(
                    "{what}: item {j} = {:?}, but filter(W).filter(W2).count() = {count2}",
                    f[j]
                ));
            }
        }
        if let (Some(g), Some(&fi)) = (case.complement, case.counted.first()) {
            for (name, row) in [("filter", f), ("exclude", e), ("whole", whole)] {
                if int(&row[fi]) + int(&row[g]) != int(&row[0]) {
                    failures.push(format!(
                        "{what} ({name}): Q(W2) counts {:?} and Q(!(W2)) {:?}, but n = {:?}",
                        row[fi], row[g], row[0]
                    ));
                }
            }
        }
    }
    println!(
        "aggregates (seed {SEED:#x}): {} cases, {proper} over some but not all rows, {} failures",
        AGG_CASES.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        AGG_CASES.is_empty() || proper * 4 > AGG_CASES.len(),
        "too few aggregate cases over a proper subset: the generator is too weak"
    );
}

/// GROUP BY cases (`GROUP_CASES`), `values(keys).annotate(n = Count(pk), …)`
/// over `filter(W)`, `exclude(W)` and the whole table:
///
/// 1. SQLite and PostgreSQL return the same rows (in the same order when
///    ordered by the keys), and no bound value is in the SQL;
/// 2. each group appears once; ordered by the keys, the rows are in order
///    with NULL last ascending and first descending;
/// 3. the groups' counts sum to `filter(W).count()`;
/// 4. group by group, the annotations of the two parts make the whole's
///    (as the aggregate cases); no part has a group the whole has not;
/// 5. with a HAVING, `filter(n__gte = k)` keeps the groups of at least k
///    rows and `exclude(n__gte = k)` the others.
#[test]
fn random_group_by_agree_across_backends_and_add_up() {
    let mut cx = Cx::new();
    let mut failures = Vec::new();
    let mut several = 0;
    for (i, case) in GROUP_CASES.iter().enumerate() {
        let what = format!("#{i} `filter({}){}`", case.w, case.grouping);
        let answers = GROUP_ANSWERS[i](&mut cx);
        let texts = [case.w, case.grouping];
        let ordered = |k: usize| case.order != 0 && k < 3;
        let Some(a) = agreed(&what, &texts, answers, ordered, &mut failures) else {
            continue;
        };
        let nk = case.keys;
        let key = |r: &Vec<Val>| r[..nk].to_vec();
        if a[0].len() > 1 {
            several += 1;
        }
        for (name, rows) in [("filter", &a[0]), ("exclude", &a[1]), ("whole", &a[2])] {
            let mut keys: Vec<Vec<Val>> = rows.iter().map(key).collect();
            if case.order != 0 {
                let in_order = keys.windows(2).all(|p| {
                    let o = row_order(&p[0], &p[1]);
                    if case.order > 0 {
                        o.is_lt()
                    } else {
                        o.is_gt()
                    }
                });
                if !in_order {
                    failures.push(format!(
                        "{what} ({name}): the groups are not in order: {keys:?}"
                    ));
                }
            }
            keys.sort_by(|x, y| row_order(x, y));
            let n = keys.len();
            keys.dedup();
            if keys.len() != n {
                failures.push(format!("{what} ({name}): a group twice: {rows:?}"));
            }
        }
        let total: i64 = a[0].iter().map(|r| int(&r[nk])).sum();
        let count = int(&a[3][0][0]);
        if total != count {
            failures.push(format!(
                "{what}: the groups count {total} rows, but count() = {count}"
            ));
        }
        let find = |rows: &Vec<Vec<Val>>, k: &[Val]| rows.iter().find(|r| r[..nk] == *k).cloned();
        for r in a[0].iter().chain(&a[1]) {
            if find(&a[2], &r[..nk]).is_none() {
                failures.push(format!(
                    "{what}: the group {:?} of a part is not in the whole table's",
                    &r[..nk]
                ));
            }
        }
        for w in &a[2] {
            let k = &w[..nk];
            // A group a part has not: no row, so a count of 0 and NULLs.
            let absent = |r: Option<Vec<Val>>| {
                r.unwrap_or_else(|| {
                    let mut v = k.to_vec();
                    v.push(Val::Int(0));
                    v.extend(std::iter::repeat_n(Val::Null, case.checks.len() - 1));
                    v
                })
            };
            let (f, e) = (absent(find(&a[0], k)), absent(find(&a[1], k)));
            // (An absent group's counts, NULL here, read as 0: see `int`.)
            for (j, &check) in case.checks.iter().enumerate() {
                let c = nk + j;
                if !parts_make(check, &f[c], &e[c], &w[c]) {
                    failures.push(format!(
                        "{what}: group {k:?}, annotation {j} ({check:?}): filter {:?} and exclude {:?}, but the whole table {:?}",
                        f[c], e[c], w[c]
                    ));
                }
            }
        }
        if let Some(min) = case.having {
            let sorted = |v: Vec<Vec<Val>>| {
                let mut v = v;
                v.sort_by(|x, y| row_order(x, y));
                v
            };
            let (keep, drop): (Vec<Vec<Val>>, Vec<Vec<Val>>) =
                a[0].iter().cloned().partition(|r| int(&r[nk]) >= min);
            for (name, got, want) in [
                ("filter(n__gte)", &a[4], keep),
                ("exclude(n__gte)", &a[5], drop),
            ] {
                if !rows_close(&sorted(got.clone()), &sorted(want.clone())) {
                    failures.push(format!(
                        "{what}.{name} = {min}: {got:?}, but the groups of the filter give {want:?}"
                    ));
                }
            }
        }
    }
    println!(
        "group by (seed {SEED:#x}): {} cases, {several} with several groups, {} failures",
        GROUP_CASES.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        GROUP_CASES.is_empty() || several * 3 > GROUP_CASES.len(),
        "too few GROUP BY cases with several groups: the generator is too weak"
    );
}

/// Function cases (`FUNC_CASES`): `values_list(id, …)` of `Lower`,
/// `Upper`, `Length`, `Concat`, `Coalesce`, `Case(When(…))`, `Value` and
/// arithmetic, ordered by id: SQLite and PostgreSQL return the same rows
/// (Unicode case mapping included: the PostgreSQL database is `C.UTF-8`),
/// and no bound value is in the SQL.
#[test]
fn random_functions_agree_across_backends() {
    let mut cx = Cx::new();
    let mut failures = Vec::new();
    let mut rows = 0;
    for (i, text) in FUNC_CASES.iter().enumerate() {
        let what = format!("#{i} `{text}`");
        let answers = FUNC_ANSWERS[i](&mut cx);
        if let Some(a) = agreed(&what, &[text], answers, |_| true, &mut failures) {
            rows += a[0].len();
        }
    }
    println!(
        "functions (seed {SEED:#x}): {} cases, {rows} rows, {} failures",
        FUNC_CASES.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        FUNC_CASES.is_empty() || rows * 2 > FUNC_CASES.len() * 8 / 2,
        "too few rows in the function cases: the generator is too weak"
    );
}

/// The generator computes with its own copy of the data set (`EK`), to
/// generate only arithmetic both backends can compute: it must be the
/// seed's.
#[test]
fn the_generators_copy_of_the_data_is_the_seed() {
    let rows = every_kind::seed();
    assert_eq!(rows.len(), EK.len());
    for (r, &(id, int, opt_int, double, opt_double, date, datetime, time)) in rows.iter().zip(EK) {
        assert_eq!(
            (r.id, r.int, r.opt_int, r.double, r.opt_double),
            (id, int, opt_int, double, opt_double)
        );
        assert_eq!(
            (r.date, r.datetime, r.time),
            (d(date), dt(datetime), t(time))
        );
        assert_eq!(
            (r.small, r.big, r.real),
            (-3 * id as i16, id * 10_000_000_000, id as f32 / 2.0)
        );
        assert_eq!(r.datetime_utc, utc(datetime));
        assert_eq!(r.opt_date, opt_int.map(|_| d(date)));
        assert_eq!(r.opt_time, opt_int.map(|_| t(time)));
        assert_eq!(r.opt_datetime, opt_double.map(|_| dt(datetime)));
        assert_eq!(r.opt_datetime_utc, opt_double.map(|_| utc(datetime)));
    }
    let hundredths = |c: i128| dunder::Decimal::from_i128_with_scale(c, 2);
    for (k, r) in rows.iter().enumerate() {
        assert_eq!(r.dec, hundredths(DEC_CENTS[k]));
        assert_eq!(r.opt_dec, OPT_DEC_CENTS[k].map(hundredths));
    }
}

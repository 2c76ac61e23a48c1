//! Every lookup and transform of the query language, in one declarative
//! table: its name, the kinds of field it applies to, what its value is, and
//! (for a transform) what it yields. The resolver reads it to check a query,
//! the renderer's SQL is keyed by its enums, and the tests and the Django
//! conformance generator read it too (`tests/build/conformance.rs` includes
//! this file, so it depends on nothing else of the crate).

#![allow(dead_code)]

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Exact,
    IExact,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    In,
    Gt,
    Gte,
    Lt,
    Lte,
    Range,
    IsNull(bool),
    Regex,
    IRegex,
}

/// A transform (`__year`, `__date`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Date,
    Time,
    Year,
    IsoYear,
    Month,
    Day,
    Week,
    WeekDay,
    IsoWeekDay,
    Quarter,
    Hour,
    Minute,
    Second,
}

/// What a field holds, as far as lookups and transforms care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Bool,
    Number,
    Text,
    Bytes,
    Date,
    DateTime,
    Time,
    /// A relation compared by its key.
    Key,
}

/// The value a lookup compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rhs {
    /// One value of the field's type.
    Value,
    /// A list of them (`__in`).
    List,
    /// Two of them (`__range`).
    Range,
    /// The literal `true` or `false` (`__isnull`).
    Bool,
}

/// What a transform yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// An `i32` (`year`, `month`, …).
    Int,
    /// A date (`date`).
    Date,
    /// A time of day (`time`).
    Time,
}

pub struct LookupDef {
    pub name: &'static str,
    pub lookup: Lookup,
    pub applies: &'static [Class],
    pub rhs: Rhs,
}

pub struct TransformDef {
    pub name: &'static str,
    pub transform: Transform,
    pub applies: &'static [Class],
    /// `applies`, for messages.
    pub applies_to: &'static str,
    pub output: Output,
}

const ALL: &[Class] = &[
    Class::Bool,
    Class::Number,
    Class::Text,
    Class::Bytes,
    Class::Date,
    Class::DateTime,
    Class::Time,
    Class::Key,
];
const ALL_BUT_KEY: &[Class] = &[
    Class::Bool,
    Class::Number,
    Class::Text,
    Class::Bytes,
    Class::Date,
    Class::DateTime,
    Class::Time,
];
const TEXT: &[Class] = &[Class::Text];
const DATE_OR_DATETIME: &[Class] = &[Class::Date, Class::DateTime];
const DATETIME: &[Class] = &[Class::DateTime];
const DATETIME_OR_TIME: &[Class] = &[Class::DateTime, Class::Time];

const fn lookup(
    name: &'static str,
    lookup: Lookup,
    applies: &'static [Class],
    rhs: Rhs,
) -> LookupDef {
    LookupDef {
        name,
        lookup,
        applies,
        rhs,
    }
}

/// Every lookup, in Django's order.
pub const LOOKUPS: &[LookupDef] = &[
    lookup("exact", Lookup::Exact, ALL, Rhs::Value),
    lookup("iexact", Lookup::IExact, TEXT, Rhs::Value),
    lookup("contains", Lookup::Contains, TEXT, Rhs::Value),
    lookup("icontains", Lookup::IContains, TEXT, Rhs::Value),
    lookup("in", Lookup::In, ALL, Rhs::List),
    lookup("gt", Lookup::Gt, ALL, Rhs::Value),
    lookup("gte", Lookup::Gte, ALL, Rhs::Value),
    lookup("lt", Lookup::Lt, ALL, Rhs::Value),
    lookup("lte", Lookup::Lte, ALL, Rhs::Value),
    lookup("startswith", Lookup::StartsWith, TEXT, Rhs::Value),
    lookup("istartswith", Lookup::IStartsWith, TEXT, Rhs::Value),
    lookup("endswith", Lookup::EndsWith, TEXT, Rhs::Value),
    lookup("iendswith", Lookup::IEndsWith, TEXT, Rhs::Value),
    lookup("range", Lookup::Range, ALL_BUT_KEY, Rhs::Range),
    lookup("isnull", Lookup::IsNull(true), ALL, Rhs::Bool),
    lookup("regex", Lookup::Regex, TEXT, Rhs::Value),
    lookup("iregex", Lookup::IRegex, TEXT, Rhs::Value),
];

const fn transform(
    name: &'static str,
    transform: Transform,
    applies: &'static [Class],
    applies_to: &'static str,
    output: Output,
) -> TransformDef {
    TransformDef {
        name,
        transform,
        applies,
        applies_to,
        output,
    }
}

const DATES: &str = "date and datetime fields";

/// Every transform, in Django's order.
pub const TRANSFORMS: &[TransformDef] = &[
    transform(
        "date",
        Transform::Date,
        DATETIME,
        "datetime fields (NaiveDateTime, DateTime<Utc>)",
        Output::Date,
    ),
    transform(
        "time",
        Transform::Time,
        DATETIME,
        "datetime fields (NaiveDateTime, DateTime<Utc>)",
        Output::Time,
    ),
    transform(
        "year",
        Transform::Year,
        DATE_OR_DATETIME,
        DATES,
        Output::Int,
    ),
    transform(
        "iso_year",
        Transform::IsoYear,
        DATE_OR_DATETIME,
        DATES,
        Output::Int,
    ),
    transform(
        "month",
        Transform::Month,
        DATE_OR_DATETIME,
        DATES,
        Output::Int,
    ),
    transform("day", Transform::Day, DATE_OR_DATETIME, DATES, Output::Int),
    transform(
        "week",
        Transform::Week,
        DATE_OR_DATETIME,
        DATES,
        Output::Int,
    ),
    transform(
        "week_day",
        Transform::WeekDay,
        DATE_OR_DATETIME,
        DATES,
        Output::Int,
    ),
    transform(
        "iso_week_day",
        Transform::IsoWeekDay,
        DATE_OR_DATETIME,
        DATES,
        Output::Int,
    ),
    transform(
        "quarter",
        Transform::Quarter,
        DATE_OR_DATETIME,
        DATES,
        Output::Int,
    ),
    transform(
        "hour",
        Transform::Hour,
        DATETIME_OR_TIME,
        "datetime and time fields",
        Output::Int,
    ),
    transform(
        "minute",
        Transform::Minute,
        DATETIME_OR_TIME,
        "datetime and time fields",
        Output::Int,
    ),
    transform(
        "second",
        Transform::Second,
        DATETIME_OR_TIME,
        "datetime and time fields",
        Output::Int,
    ),
];

/// The lookup named `name`.
pub fn find_lookup(name: &str) -> Option<&'static LookupDef> {
    LOOKUPS.iter().find(|l| l.name == name)
}

/// The transform named `name`.
pub fn find_transform(name: &str) -> Option<&'static TransformDef> {
    TRANSFORMS.iter().find(|t| t.name == name)
}

impl Lookup {
    /// Its entry in [`LOOKUPS`].
    pub fn def(self) -> &'static LookupDef {
        let me = match self {
            Lookup::IsNull(_) => Lookup::IsNull(true),
            other => other,
        };
        LOOKUPS
            .iter()
            .find(|l| l.lookup == me)
            .unwrap_or(&LOOKUPS[0])
    }

    pub fn applies(self, class: Class) -> bool {
        self.def().applies.contains(&class)
    }
}

impl Transform {
    /// Its entry in [`TRANSFORMS`].
    pub fn def(self) -> &'static TransformDef {
        TRANSFORMS
            .iter()
            .find(|t| t.transform == self)
            .unwrap_or(&TRANSFORMS[0])
    }

    pub fn applies(self, class: Class) -> bool {
        self.def().applies.contains(&class)
    }
}

/// Whether `name` is a lookup or a transform.
pub fn is_lookup_or_transform(name: &str) -> bool {
    find_lookup(name).is_some() || find_transform(name).is_some()
}

//! Models of dunder's tests. They live in their own crate so every query in
//! `dunder-tests` is a cross-crate query (DESIGN §2).

/// The models of the Django conformance corpus (`shared/conformance/schema.json`).
///
/// `price` (a DecimalField) is left out until dunder has a decimal type; cases
/// that use it are reported as pending.
pub mod conformance {
    use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
    use dunder::{ForeignKey, ManyToMany, Model, Reverse};

    /// `author`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Author {
        pub id: i64,
        pub name: String,
        pub email: Option<String>,
        pub born: Option<NaiveDate>,
        /// Django's `related_name="articles"` of `Article.author`.
        #[dunder(related = author)]
        pub articles: Reverse<crate::conformance::Article>,
        /// Django's `related_name="edited_articles"` of `Article.editor`.
        #[dunder(related = editor)]
        pub edited_articles: Reverse<crate::conformance::Article>,
    }

    /// `tag`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Tag {
        pub id: i64,
        pub name: String,
        /// Django's `related_name="articles"` of `Article.tags`.
        #[dunder(related = tags)]
        pub articles: Reverse<crate::conformance::Article>,
    }

    /// `article`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Article {
        pub id: i64,
        pub title: String,
        pub content: String,
        pub published_date: NaiveDate,
        pub published_at: Option<DateTime<Utc>>,
        pub rating: i32,
        pub score: Option<f64>,
        pub is_featured: bool,
        pub start_time: Option<NaiveTime>,
        pub author: ForeignKey<crate::conformance::Author>,
        #[dunder(on_delete = set_null)]
        pub editor: Option<ForeignKey<crate::conformance::Author>>,
        /// The table `article_tags` (`article_id`, `tag_id`), as Django's.
        pub tags: ManyToMany<crate::conformance::Tag>,
    }
}

/// A model with one field of every supported kind, nullable and not, for
/// the lookup × field-kind tests.
pub mod kinds {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    use dunder::Model;

    /// Every field kind dunder supports.
    #[derive(Model, Debug, Clone, PartialEq)]
    #[dunder(table = "every_kind")]
    pub struct EveryKind {
        pub id: i64,
        pub flag: bool,
        pub small: i16,
        pub int: i32,
        pub big: i64,
        pub real: f32,
        pub double: f64,
        pub text: String,
        pub bytes: Vec<u8>,
        pub date: NaiveDate,
        pub datetime: NaiveDateTime,
        pub datetime_utc: DateTime<Utc>,
        pub time: NaiveTime,
        pub opt_flag: Option<bool>,
        pub opt_int: Option<i32>,
        pub opt_double: Option<f64>,
        pub opt_text: Option<String>,
        pub opt_bytes: Option<Vec<u8>>,
        pub opt_date: Option<NaiveDate>,
        pub opt_datetime: Option<NaiveDateTime>,
        pub opt_datetime_utc: Option<DateTime<Utc>>,
        pub opt_time: Option<NaiveTime>,
    }
}

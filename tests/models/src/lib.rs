//! Models of dunder's tests. They live in their own crate so every query in
//! `dunder-tests` is a cross-crate query (DESIGN §2).

pub mod differential;

/// The models of the Django conformance corpus (`shared/conformance/schema.json`).
pub mod conformance {
    use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
    use dunder::{Decimal, ForeignKey, ManyToMany, Model, Reverse};

    /// `author`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Author {
        pub id: i64,
        /// Django's `CharField(max_length=100)`.
        #[dunder(max_length = 100)]
        pub name: String,
        /// Django's `EmailField(null=True)` (`max_length=254`).
        #[dunder(max_length = 254)]
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
        /// Django's `CharField(max_length=50)`.
        #[dunder(max_length = 50)]
        pub name: String,
        /// Django's `related_name="articles"` of `Article.tags`.
        #[dunder(related = tags)]
        pub articles: Reverse<crate::conformance::Article>,
    }

    /// `article`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Article {
        pub id: i64,
        /// Django's `CharField(max_length=200)`.
        #[dunder(max_length = 200)]
        pub title: String,
        pub content: String,
        pub published_date: NaiveDate,
        pub published_at: Option<DateTime<Utc>>,
        pub rating: i32,
        pub score: Option<f64>,
        pub is_featured: bool,
        pub start_time: Option<NaiveTime>,
        /// Django's `DecimalField(max_digits=8, decimal_places=2, null=True)`.
        #[dunder(max_digits = 8, decimal_places = 2)]
        pub price: Option<Decimal>,
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
    use dunder::{Decimal, Model};

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
        /// Django's `DecimalField(max_digits=8, decimal_places=2)` (0 by default).
        #[dunder(max_digits = 8, decimal_places = 2, default = Decimal::ZERO)]
        pub dec: Decimal,
        #[dunder(max_digits = 8, decimal_places = 2)]
        pub opt_dec: Option<Decimal>,
    }
}

/// Models joined through every kind of relation, for `tests/tests/relations.rs`:
/// a three-level chain of foreign keys (`Comment` → `Post` → `Blog` →
/// `Person`), a nullable key (`Post.editor`), a self-referential key
/// (`Category.parent`), a one-to-one (`Profile.user`) and its reverse, a
/// many-to-many with an automatic through table (`Post.tags`, table
/// `post_tags`) and one through a model with an extra column (`Team.members`
/// through `Membership`), with every reverse side declared, and one key per
/// `on_delete` action.
pub mod relations {
    use dunder::{ForeignKey, ManyToMany, Model, OneToOne, Reverse, ReverseOne};

    /// `person`: the target of most keys.
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Person {
        pub id: i64,
        pub name: String,
        /// Reverse of `Profile.user` (a one-to-one).
        #[dunder(related = user)]
        pub profile: ReverseOne<crate::relations::Profile>,
        /// Reverse of `Blog.owner`.
        #[dunder(related = owner)]
        pub blogs: Reverse<crate::relations::Blog>,
        /// Reverse of `Post.author`.
        #[dunder(related = author)]
        pub posts: Reverse<crate::relations::Post>,
        /// Reverse of `Post.editor`.
        #[dunder(related = editor)]
        pub edited: Reverse<crate::relations::Post>,
        /// Reverse of `Comment.author`.
        #[dunder(related = author)]
        pub comments: Reverse<crate::relations::Comment>,
        /// Reverse of the many-to-many `Team.members`.
        #[dunder(related = members)]
        pub teams: Reverse<crate::relations::Team>,
        /// Reverse of `Membership.person` (the through model's key).
        #[dunder(related = person)]
        pub memberships: Reverse<crate::relations::Membership>,
    }

    /// `profile`: one per person at most.
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Profile {
        pub id: i64,
        pub bio: String,
        /// `on_delete = cascade` (the default).
        pub user: OneToOne<crate::relations::Person>,
    }

    /// `blog`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Blog {
        pub id: i64,
        pub name: String,
        #[dunder(on_delete = cascade)]
        pub owner: ForeignKey<crate::relations::Person>,
        /// Reverse of `Post.blog`.
        #[dunder(related = blog)]
        pub posts: Reverse<crate::relations::Post>,
    }

    /// `post`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Post {
        pub id: i64,
        pub title: String,
        pub rating: i32,
        #[dunder(on_delete = cascade)]
        pub blog: ForeignKey<crate::relations::Blog>,
        #[dunder(on_delete = protect)]
        pub author: ForeignKey<crate::relations::Person>,
        #[dunder(on_delete = set_null)]
        pub editor: Option<ForeignKey<crate::relations::Person>>,
        /// The automatic table `post_tags` (`post_id`, `tag_id`).
        pub tags: ManyToMany<crate::relations::Tag>,
        /// Reverse of `Comment.post`.
        #[dunder(related = post)]
        pub comments: Reverse<crate::relations::Comment>,
    }

    /// `comment`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Comment {
        pub id: i64,
        pub body: String,
        #[dunder(on_delete = cascade)]
        pub post: ForeignKey<crate::relations::Post>,
        #[dunder(on_delete = restrict)]
        pub author: Option<ForeignKey<crate::relations::Person>>,
    }

    /// `tag`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Tag {
        pub id: i64,
        /// Unique: `in_bulk(…, field_name = name)` keys by it.
        #[dunder(unique)]
        pub name: String,
        /// Reverse of the many-to-many `Post.tags`.
        #[dunder(related = tags)]
        pub posts: Reverse<crate::relations::Post>,
    }

    /// `category`: a tree through a key to its own model.
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Category {
        pub id: i64,
        pub name: String,
        #[dunder(on_delete = cascade)]
        pub parent: Option<ForeignKey<Self>>,
        /// Reverse of `Category.parent`.
        #[dunder(related = parent)]
        pub children: Reverse<crate::relations::Category>,
    }

    /// `team`
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Team {
        pub id: i64,
        pub name: String,
        /// Through the model `Membership` (which has a `role`).
        #[dunder(through = crate::relations::Membership)]
        pub members: ManyToMany<crate::relations::Person>,
        /// Reverse of `Membership.team`.
        #[dunder(related = team)]
        pub memberships: Reverse<crate::relations::Membership>,
    }

    /// `membership`: the through model of `Team.members`.
    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Membership {
        pub id: i64,
        #[dunder(on_delete = cascade)]
        pub team: ForeignKey<crate::relations::Team>,
        #[dunder(on_delete = cascade)]
        pub person: ForeignKey<crate::relations::Person>,
        pub role: String,
    }
}

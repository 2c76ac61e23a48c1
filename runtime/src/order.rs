//! Ordering chosen at run time: `query!(Article.order_by({sort}))` with
//! `sort: Order<ArticleField>`, parsed from Django's `"-published_date"`.
//!
//! The derive gives each model an enum of its fields (`ArticleField` for
//! `Article`: one variant per column, `PublishedDate` for
//! `published_date`). An [`Order`] is a field and a direction; its
//! [`FromStr`] reads Django's form (`"title"`, `"-title"`, `"pk"`, a
//! foreign key as `"author"` or `"author_id"`) and refuses any other name
//! with an [`UnknownField`]. `query!` writes every statement the key can
//! choose at compile time (one per field and direction), so no text from
//! outside ever reaches the SQL.
//!
//! ```
//! use dunder::prelude::*;
//! use dunder::Order;
//!
//! #[derive(Model, Debug)]
//! pub struct Book {
//!     pub id: i64,
//!     pub title: String,
//!     pub pages: i32,
//! }
//!
//! let conn = rusqlite::Connection::open_in_memory()?;
//! dunder::create_table::<Book, _>(&conn)?;
//! conn.execute_batch("INSERT INTO book (title, pages) VALUES ('b', 10), ('a', 30), ('c', 20)")?;
//!
//! // `?sort=-pages` from a request:
//! let sort: Order<BookField> = "-pages".parse()?;
//! let titles: Vec<String> = query!(Book.order_by({sort}, pk).values_list(title, flat = true))
//!     .fetch_all(&conn)?;
//! assert_eq!(titles, ["a", "c", "b"]);
//!
//! let wrong = "-titel".parse::<Order<BookField>>().unwrap_err();
//! assert_eq!(wrong.to_string(), "`titel` is not a field of Book (did you mean `title`?); expected one of: id, title, pages, or pk, each optionally after `-` for descending");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// The fields of a model: the enum the derive generates (`ArticleField`).
pub trait Field: Copy + Eq + fmt::Debug + 'static {
    /// The model's name (`"Article"`).
    const MODEL: &'static str;
    /// Every field's name, in variant order.
    const NAMES: &'static [&'static str];
    /// The field's position among [`NAMES`](Field::NAMES).
    fn index(self) -> usize;
    /// The field named `name`: a field's name, `pk`, or a foreign key's
    /// column (`author_id`).
    fn from_name(name: &str) -> Option<Self>;
    /// The field's name.
    #[inline]
    fn name(self) -> &'static str {
        Self::NAMES[self.index()]
    }
}

/// A model with a field enum (every derived model): what `order_by({key})`
/// takes an [`Order`] of.
pub trait HasFields {
    /// The model's field enum.
    type Field: Field;
}

/// A field and a direction: one run-time key of `order_by({…})`.
///
/// `"title".parse()` is ascending, `"-title".parse()` descending (Django's
/// form); [`Display`](fmt::Display) writes it back so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order<F> {
    /// The field ordered by.
    pub field: F,
    /// Descending (`-field`).
    pub descending: bool,
}

impl<F: Field> Order<F> {
    /// Ascending by `field`.
    #[inline]
    pub fn asc(field: F) -> Self {
        Order {
            field,
            descending: false,
        }
    }

    /// Descending by `field`.
    #[inline]
    pub fn desc(field: F) -> Self {
        Order {
            field,
            descending: true,
        }
    }

    /// The other direction.
    #[inline]
    pub fn reversed(self) -> Self {
        Order {
            field: self.field,
            descending: !self.descending,
        }
    }

    /// Which of the statements `query!` wrote this key picks.
    #[doc(hidden)]
    #[inline]
    pub fn __index(self) -> usize {
        self.field.index() * 2 + usize::from(self.descending)
    }
}

impl<F: Field> From<F> for Order<F> {
    #[inline]
    fn from(field: F) -> Self {
        Order::asc(field)
    }
}

impl<F: Field> fmt::Display for Order<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        f.write_str(self.field.name())
    }
}

impl<F: Field> FromStr for Order<F> {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, UnknownField> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        match F::from_name(name) {
            Some(field) => Ok(Order { field, descending }),
            None => Err(UnknownField::new::<F>(name)),
        }
    }
}

/// A name that is not a field of the model, read where a field was
/// expected (parsing an [`Order`] or a field enum).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    /// The model.
    pub model: &'static str,
    /// The name given (at most 64 characters of it).
    pub name: String,
    /// The model's field names.
    pub expected: &'static [&'static str],
}

impl UnknownField {
    /// The error for `name`, not a field of `F`'s model.
    pub fn new<F: Field>(name: &str) -> Self {
        UnknownField {
            model: F::MODEL,
            name: name.chars().take(64).collect(),
            expected: F::NAMES,
        }
    }
}

impl fmt::Display for UnknownField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a field of {}", self.name, self.model)?;
        if let Some(near) = nearest(&self.name, self.expected) {
            write!(f, " (did you mean `{near}`?)")?;
        }
        write!(
            f,
            "; expected one of: {}, or pk, each optionally after `-` for descending",
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownField {}

/// The name nearest `name` by edit distance, when near enough.
fn nearest(name: &str, names: &[&'static str]) -> Option<&'static str> {
    if name.is_empty() {
        return None;
    }
    let limit = name.chars().count().div_ceil(3);
    names
        .iter()
        .map(|n| (distance(name, n), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum F {
        Id,
        Title,
    }
    impl Field for F {
        const MODEL: &'static str = "Post";
        const NAMES: &'static [&'static str] = &["id", "title"];
        fn index(self) -> usize {
            self as usize
        }
        fn from_name(name: &str) -> Option<Self> {
            match name {
                "id" | "pk" => Some(F::Id),
                "title" => Some(F::Title),
                _ => None,
            }
        }
    }

    #[test]
    fn parses_django_form() {
        assert_eq!("-title".parse::<Order<F>>(), Ok(Order::desc(F::Title)));
        assert_eq!("pk".parse::<Order<F>>(), Ok(Order::asc(F::Id)));
        assert_eq!(Order::desc(F::Title).to_string(), "-title");
        assert_eq!(Order::desc(F::Title).__index(), 3);
        assert_eq!(Order::desc(F::Title).reversed(), Order::asc(F::Title));
        let e = "--title".parse::<Order<F>>().unwrap_err();
        assert_eq!(e.name, "-title");
        let e = "tilte".parse::<Order<F>>().unwrap_err();
        assert!(e.to_string().contains("did you mean `title`"), "{e}");
        let e = "x".repeat(1000).parse::<Order<F>>().unwrap_err();
        assert_eq!(e.name.len(), 64);
        assert!(!""
            .parse::<Order<F>>()
            .unwrap_err()
            .to_string()
            .contains("did you mean"));
    }
}

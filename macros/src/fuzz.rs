//! The macros never panic: random and mutated token streams go through the
//! whole pipeline (parse → resolve → render) and the derive; every input
//! yields SQL or a spanned error, within a second, without a stack overflow.
//!
//! `DUNDER_SLOW_TESTS=1` runs 100,000 cases per property instead of 2,000.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::expand::compile;
use crate::schema::ModelSchema;

fn cases() -> u32 {
    if std::env::var_os("DUNDER_SLOW_TESTS").is_some() {
        100_000
    } else {
        2_000
    }
}

fn schema() -> ModelSchema {
    let input: syn::DeriveInput = syn::parse_quote! {
        struct Item {
            id: i64,
            flag: bool,
            int: i32,
            text: String,
            opt_text: Option<String>,
            date: chrono::NaiveDate,
            at: Option<chrono::DateTime<chrono::Utc>>,
            time: chrono::NaiveTime,
            author: ForeignKey<crate::Author>,
        }
    };
    crate::model::schema_of(&input).expect("schema")
}

/// Names besides the QuerySet methods (`query::parse::METHODS`).
const WORDS: &[&str] = &[
    "defaults",
    "create_defaults",
    "F",
    "values",
    "id",
    "pk",
    "flag",
    "int",
    "text",
    "opt_text",
    "date",
    "at",
    "time",
    "author",
    "author_id",
    "int__gt",
    "text__icontains",
    "date__year",
    "date__year__gte",
    "at__date__month__in",
    "at__hour",
    "time__second",
    "text__in",
    "int__range",
    "opt_text__isnull",
    "text__regex",
    "author__id",
    "author__name",
    "date__week_day",
    "at__iso_year__lt",
    "x",
    "__",
    "a____b",
    "text__",
    "None",
    "true",
    "false",
    "r#type",
    "self",
    "Self",
    "crate",
    "_",
    "iexact",
    "year__exact",
];
const PUNCTS: &[char] = &[
    '.', ',', '=', '|', '&', '!', '-', '+', '*', '<', '>', ':', ';', '#', '@', '?', '~', '^', '%',
    '/',
];

fn leaf() -> impl Strategy<Value = TokenTree> {
    prop_oneof![
        4 => proptest::sample::select(
            crate::query::parse::METHODS.iter().chain(WORDS).copied().collect::<Vec<&str>>()
        ).prop_map(|w| {
            let name = w.strip_prefix("r#").unwrap_or(w);
            let ident = if w.starts_with("r#") { Ident::new_raw(name, Span::call_site()) } else {
                syn::parse_str::<Ident>(w).unwrap_or_else(|_| Ident::new("x", Span::call_site()))
            };
            TokenTree::Ident(ident)
        }),
        3 => (proptest::sample::select(PUNCTS), any::<bool>()).prop_map(|(c, joint)| {
            TokenTree::Punct(Punct::new(c, if joint { Spacing::Joint } else { Spacing::Alone }))
        }),
        1 => any::<i64>().prop_map(|i| TokenTree::Literal(Literal::i64_unsuffixed(i))),
        1 => any::<u64>().prop_map(|i| TokenTree::Literal(Literal::u64_suffixed(i))),
        1 => ".{0,12}".prop_map(|s| TokenTree::Literal(Literal::string(&s))),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| TokenTree::Literal(Literal::f64_unsuffixed(f))),
    ]
}

fn tokens() -> impl Strategy<Value = TokenStream> {
    let tree = leaf().prop_recursive(8, 96, 8, |inner| {
        (
            prop_oneof![
                Just(Delimiter::Parenthesis),
                Just(Delimiter::Bracket),
                Just(Delimiter::Brace),
                Just(Delimiter::None)
            ],
            proptest::collection::vec(inner, 0..8),
        )
            .prop_map(|(d, items)| TokenTree::Group(Group::new(d, items.into_iter().collect())))
    });
    proptest::collection::vec(tree, 0..16).prop_map(|v| v.into_iter().collect())
}

/// Valid queries to mutate.
const SEEDS: &[&str] = &[
    ".filter(text__icontains = q, int__gte = 3).exclude(opt_text__isnull = true).order_by(-date, text)[..10]",
    ", int = 1, text = \"x\"",
    ".filter((int = 1) | !(opt_text = t) & (at__date__month__in = [1, 2]))",
    ".filter(date__year = 2020, at__year__gt = y).count()",
    ".filter(author = 1, author__id__in = ids).first()",
    ".get(id = 1)",
    ".order_by(id)[a..b].exists()",
    ".filter(int__range = (1, 5), time__second = 30, text__regex = r).distinct()",
    ".filter(int__gt = 1).update(int = F(int) + 1, text = t)",
    ".create(flag = true, int = 1, text = t, date = d, time = tm, author = 1)",
    ".get_or_create(text = t, int__gte = 0, defaults(flag = true, int = 1, date = d, time = tm, author = a))",
    ".update_or_create(text = t, defaults(int = F(int) + 1), create_defaults(flag = false, int = 0, date = d, time = tm, author = 1))",
];

fn mutate(seed: &str, ops: &[(u8, usize, usize)]) -> TokenStream {
    let mut toks: Vec<TokenTree> = seed
        .parse::<TokenStream>()
        .map(|t| t.into_iter().collect())
        .unwrap_or_default();
    for &(op, a, b) in ops {
        if toks.is_empty() {
            break;
        }
        let i = a % toks.len();
        let j = b % toks.len();
        match op % 5 {
            0 => {
                toks.remove(i);
            }
            1 => {
                let t = toks[i].clone();
                toks.insert(j, t);
            }
            2 => toks.swap(i, j),
            3 => {
                // Mutate inside a group.
                if let TokenTree::Group(g) = &toks[i] {
                    let mut inner: Vec<TokenTree> = g.stream().into_iter().collect();
                    if !inner.is_empty() {
                        let k = b % inner.len();
                        inner.remove(k);
                    }
                    toks[i] =
                        TokenTree::Group(Group::new(g.delimiter(), inner.into_iter().collect()));
                }
            }
            _ => toks.truncate(i),
        }
    }
    toks.into_iter().collect()
}

/// Runs the pipeline on `tokens`: it must not panic, must answer within a
/// second, and an error must carry a message.
fn check_query(schema: &ModelSchema, tokens: TokenStream) -> Result<(), TestCaseError> {
    let text = tokens.to_string();
    let start = Instant::now();
    let schemas = crate::query::resolve::Schemas::single(schema.clone());
    let result = catch_unwind(AssertUnwindSafe(|| compile(&schemas, tokens)));
    let took = start.elapsed();
    prop_assert!(took < Duration::from_secs(1), "`{text}` took {took:?}");
    match result {
        Err(_) => Err(TestCaseError::fail(format!("panicked on `{text}`"))),
        Ok(Err(e)) => {
            prop_assert!(!e.to_string().is_empty(), "empty error for `{text}`");
            Ok(())
        }
        // A path through a relation asks for the related schema: fine.
        Ok(Ok(crate::expand::Outcome::Need(_))) => Ok(()),
        Ok(Ok(crate::expand::Outcome::Done(c))) => {
            let statement = ["SELECT ", "INSERT ", "UPDATE ", "DELETE "];
            prop_assert!(
                statement.iter().any(|s| c.sqlite.starts_with(s)),
                "`{text}` → {}",
                c.sqlite
            );
            Ok(())
        }
    }
}

#[test]
fn random_token_streams_never_panic() {
    let schema = schema();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        ..Config::default()
    });
    runner
        .run(&tokens(), |t| check_query(&schema, t))
        .expect("the query pipeline never panics");
}

#[test]
fn mutated_queries_never_panic() {
    let schema = schema();
    let strategy = (
        proptest::sample::select(SEEDS),
        proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 0..6),
    );
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        ..Config::default()
    });
    runner
        .run(&strategy, |(seed, ops)| {
            check_query(&schema, mutate(seed, &ops))
        })
        .expect("the query pipeline never panics");
}

#[test]
fn random_struct_bodies_never_panic_the_derive() {
    let strategy = tokens();
    let mut runner = TestRunner::new(Config {
        cases: cases() / 4,
        ..Config::default()
    });
    runner
        .run(&strategy, |body| {
            let input: TokenStream = format!("pub struct Item {{ {body} }}")
                .parse()
                .unwrap_or_default();
            let text = input.to_string();
            let result = catch_unwind(AssertUnwindSafe(|| crate::model::derive(input, "fuzz")));
            prop_assert!(result.is_ok(), "derive panicked on `{text}`");
            Ok(())
        })
        .expect("the derive never panics");
}

#[test]
fn random_schema_tokens_never_panic_the_reader() {
    let mut runner = TestRunner::new(Config {
        cases: cases() / 4,
        ..Config::default()
    });
    runner
        .run(&tokens(), |t| {
            let text = t.to_string();
            let input: TokenStream = format!("[dunder_schema_v1 {t}] @dunder_query (Item) ()")
                .parse()
                .unwrap_or_default();
            let result = catch_unwind(AssertUnwindSafe(|| crate::expand::expand(input)));
            prop_assert!(result.is_ok(), "schema reader panicked on `{text}`");
            Ok(())
        })
        .expect("the schema reader never panics");
}

#[test]
fn deeply_nested_input_is_refused_quickly() {
    let schema = schema();
    for depth in [65usize, 1_000, 20_000] {
        let mut t: TokenStream = "int = 1".parse().expect("tokens");
        for _ in 0..depth {
            t = TokenStream::from(TokenTree::Group(Group::new(Delimiter::Parenthesis, t)));
        }
        let mut chain: TokenStream = ".filter".parse().expect("tokens");
        chain.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, t))]);
        let start = Instant::now();
        let schemas = crate::query::resolve::Schemas::single(schema.clone());
        let err = compile(&schemas, chain).expect_err("too deep");
        assert!(err.to_string().contains("nested more than"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}

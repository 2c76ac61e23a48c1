//! Unit tests and insta snapshots of the whole pipeline (parse → resolve →
//! plan → render) without compiling any user code.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::{Compiled, Outcome};
use crate::lookups::{LOOKUPS, TRANSFORMS};
use crate::query::resolve::Schemas;
use crate::schema::{FieldKind, ModelSchema};

/// The models the tests' relations lead to, by struct name.
pub(crate) fn registry() -> Vec<ModelSchema> {
    let models: Vec<syn::DeriveInput> = vec![
        syn::parse_quote! {
            struct Author {
                id: i64,
                name: String,
                email: Option<String>,
                born: Option<chrono::NaiveDate>,
                #[dunder(related = author)]
                items: Reverse<crate::Item>,
                #[dunder(related = editor)]
                edited: Reverse<crate::Item>,
                #[dunder(related = author)]
                articles: Reverse<crate::Article>,
                #[dunder(related = author)]
                profile_of: ReverseOne<crate::Profile>,
            }
        },
        syn::parse_quote! {
            struct Profile {
                id: i64,
                bio: String,
                author: OneToOne<crate::Author>,
            }
        },
        syn::parse_quote! {
            struct Tag {
                id: i64,
                name: String,
                #[dunder(related = tags)]
                articles: Reverse<crate::Article>,
            }
        },
        syn::parse_quote! {
            struct Product {
                id: i64,
                name: String,
                #[dunder(max_digits = 8, decimal_places = 2)]
                price: Option<rust_decimal::Decimal>,
                #[dunder(max_digits = 5, decimal_places = 0)]
                stock: rust_decimal::Decimal,
                rating: i32,
                score: Option<f64>,
            }
        },
        syn::parse_quote! {
            struct Article {
                id: i64,
                title: String,
                rating: i32,
                author: ForeignKey<crate::Author>,
                editor: Option<ForeignKey<crate::Author>>,
                tags: ManyToMany<crate::Tag>,
                parent: Option<ForeignKey<Self>>,
            }
        },
    ];
    models
        .iter()
        .map(|m| crate::model::schema_of(m).expect("valid model"))
        .chain([schema()])
        .collect()
}

/// The pipeline from `root`, fetching the schemas it asks for from the
/// registry (as the schema macros do in a real expansion).
fn compile_in(root: ModelSchema, chain: TokenStream) -> syn::Result<Compiled> {
    let registry = registry();
    let mut schemas = Schemas::single(root);
    for _ in 0..32 {
        match crate::expand::compile(&schemas, chain.clone())? {
            Outcome::Done(c) => return Ok(*c),
            Outcome::Need(need) => {
                let name = need.path.to_string();
                let name = name.rsplit(' ').next().unwrap_or_default().to_owned();
                let s = registry
                    .iter()
                    .find(|m| m.name == name)
                    .unwrap_or_else(|| panic!("no model {name} in the registry"))
                    .clone();
                schemas.related.push((need.key, s));
            }
        }
    }
    panic!("too many hops")
}

fn compile(root: &ModelSchema, chain: TokenStream) -> syn::Result<Compiled> {
    compile_in(root.clone(), chain)
}

fn model(name: &str) -> ModelSchema {
    registry()
        .into_iter()
        .find(|m| m.name == name)
        .expect("model in registry")
}

fn schema() -> ModelSchema {
    let input: syn::DeriveInput = syn::parse_quote! {
        struct Item {
            id: i64,
            flag: bool,
            small: i16,
            int: i32,
            big: i64,
            real: f32,
            double: f64,
            text: String,
            bytes: Vec<u8>,
            date: chrono::NaiveDate,
            datetime: chrono::NaiveDateTime,
            datetime_utc: chrono::DateTime<chrono::Utc>,
            time: chrono::NaiveTime,
            opt_text: Option<String>,
            opt_int: Option<i32>,
            opt_date: Option<chrono::NaiveDate>,
            author: ForeignKey<crate::Author>,
            editor: Option<ForeignKey<crate::Author>>,
        }
    };
    crate::model::schema_of(&input).expect("valid model")
}

fn sql(chain: TokenStream) -> String {
    match compile(&schema(), chain.clone()) {
        Ok(c) => {
            let mut out = format!("sqlite:   {}\npostgres: {}", c.sqlite, c.postgres);
            if let Some(g) = &c.get_or_create {
                // Which of the query's values (0-based) each statement's
                // placeholders take; `pk` is the primary key of the row found.
                let take = |v: &[usize], n: usize| {
                    let items: Vec<String> = v
                        .iter()
                        .map(|i| {
                            if *i == n {
                                "pk".to_owned()
                            } else {
                                i.to_string()
                            }
                        })
                        .collect();
                    format!("[{}]", items.join(", "))
                };
                let n: usize = c.plan.bindings.iter().map(|b| b.param_count()).sum();
                out.push_str(&format!("\n  takes: {}", take(&g.get_params, n)));
                let mut then = Vec::new();
                if let Some((u, p)) = &g.update {
                    then.push(("update", u, Some(p)));
                }
                then.push(("insert", &g.insert, Some(&g.insert_params)));
                then.push(("insert_strict", &g.insert_strict, None));
                for (name, st, params) in then {
                    out.push_str(&format!(
                        "\n{name}:\n  sqlite:   {}\n  postgres: {}",
                        st.sqlite, st.postgres
                    ));
                    if let Some(p) = params {
                        out.push_str(&format!("\n  takes: {}", take(p, n)));
                    }
                }
            }
            out
        }
        Err(e) => panic!("`{chain}` failed: {e}"),
    }
}

fn err(chain: TokenStream) -> String {
    match compile(&schema(), chain.clone()) {
        Ok(c) => panic!("`{chain}` compiled to {}", c.sqlite),
        Err(e) => e
            .into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Every lookup and transform on one field: what compiles renders both
/// dialects, what does not shows the error. One snapshot per field kind.
fn lookup_table(field: &str) -> String {
    lookup_table_of(&schema(), field)
}

/// [`lookup_table`] of a field of `model`.
fn lookup_table_of(model: &ModelSchema, field: &str) -> String {
    let mut out = String::new();
    let names = LOOKUPS
        .iter()
        .map(|l| format!("{field}__{}", l.name))
        .chain(TRANSFORMS.iter().map(|t| format!("{field}__{}", t.name)))
        .chain(
            TRANSFORMS
                .iter()
                .flat_map(|t| ["gte", "in"].map(|l| format!("{field}__{}__{l}", t.name))),
        );
    for name in names {
        let ident = syn::Ident::new(&name, proc_macro2::Span::call_site());
        let value = if name.ends_with("__isnull") {
            quote!(true)
        } else {
            quote!(v)
        };
        let chain = quote!(.filter(#ident = #value));
        match compile(model, chain) {
            Ok(c) => {
                let w = |s: &str| s.split(" WHERE ").nth(1).unwrap_or_default().to_owned();
                out.push_str(&format!(
                    "{name}\n  sqlite:   {}\n  postgres: {}\n",
                    w(&c.sqlite),
                    w(&c.postgres)
                ));
            }
            Err(e) => out.push_str(&format!("{name}\n  error: {e}\n")),
        }
    }
    out
}

#[test]
fn lookups_per_field_kind() {
    let schema = schema();
    for f in &schema.fields {
        if f.name == "id" {
            continue;
        }
        insta::assert_snapshot!(format!("lookups_{}", f.name), lookup_table(&f.name));
    }
    // Decimals, on a model of their own.
    let product = model("Product");
    insta::assert_snapshot!("lookups_price", lookup_table_of(&product, "price"));
    // Every kind is covered.
    for kind in FieldKind::ALL {
        assert!(
            schema
                .fields
                .iter()
                .chain(&product.fields)
                .any(|f| f.kind == kind),
            "{kind:?} has no field in the test schemas"
        );
    }
}

/// Decimal fields: parameters bound as numeric on PostgreSQL, writes
/// through `dunder_decimal` on SQLite (rounded and checked as `numeric(p,
/// s)`), division as real division on SQLite, aggregates, and the bulk
/// insert of `Product::bulk_create`.
#[test]
fn decimal_shapes() {
    let product = model("Product");
    let shapes: Vec<(&str, TokenStream)> = vec![
        (
            "lookups",
            quote!(.filter(price__gte = a, price__in = l, price__range = (1, 2)).exclude(price = F(score))),
        ),
        (
            "update_f",
            quote!(.filter(price__isnull = false).update(price = F(price) * 2 + p, stock = F(rating) / 3)),
        ),
        ("update_null", quote!(.update(price = None, stock = s))),
        (
            "create",
            quote!(.create(name = n, price = Some(p), stock = 1, rating = 2)),
        ),
        (
            "get_or_create",
            quote!(.get_or_create(name = n, defaults(price = Some(p), stock = 0, rating = 1))),
        ),
        (
            "aggregate",
            quote!(.aggregate(s = Sum(price), a = Avg(price), m = Max(price), t = Sum(F(price) * F(rating)))),
        ),
        (
            "divide",
            quote!(.filter(price__lt = F(stock) / F(rating)).values(q = F(price) / 2)),
        ),
    ];
    let mut out = String::new();
    for (name, chain) in shapes {
        match compile(&product, chain.clone()) {
            Ok(c) => {
                out.push_str(&format!(
                    "{name}: {chain}\n  sqlite:   {}\n  postgres: {}\n",
                    c.sqlite, c.postgres
                ));
                if let Some(g) = &c.get_or_create {
                    out.push_str(&format!(
                        "  then sqlite:   {}\n  then postgres: {}\n",
                        g.insert.sqlite, g.insert.postgres
                    ));
                }
            }
            Err(e) => panic!("`{chain}` failed: {e}"),
        }
    }
    let inserted: Vec<&crate::schema::FieldSchema> =
        product.fields.iter().filter(|f| !f.primary_key).collect();
    let crate::model::instance::BulkStatements {
        head,
        row,
        tail,
        unnest,
        ..
    } = crate::model::instance::BulkStatements::of(&product, &inserted);
    out.push_str(&format!(
        "bulk_create:\n  sqlite:   {head}{row}{tail}\n  postgres: {unnest}\n"
    ));
    insta::assert_snapshot!("decimal_shapes", out);
}

#[test]
fn query_shapes() {
    let shapes: Vec<(&str, TokenStream)> = vec![
        ("all", quote!()),
        ("shorthand", quote!(, int = 1, text = t)),
        (
            "filter_chain",
            quote!(.filter(int__gt = 1).filter(text = t)),
        ),
        ("exclude_not_null", quote!(.exclude(text = t))),
        ("exclude_nullable", quote!(.exclude(opt_text = t))),
        (
            "exclude_many",
            quote!(.exclude(opt_text = t, opt_int__gt = 3)),
        ),
        (
            "exclude_nullable_transform",
            quote!(.exclude(opt_date__year = 2020)),
        ),
        ("q_or", quote!(.filter((int = 1) | (opt_int = 2)))),
        (
            "q_and_or",
            quote!(.filter((int = 1) & (opt_int = 2) | !(text = t))),
        ),
        (
            "q_not_or_nullable",
            quote!(.filter(!((opt_int = 1) | (opt_text__isnull = true)))),
        ),
        ("double_not", quote!(.filter(!!(opt_int = 1)))),
        ("order_by", quote!(.order_by(-int, opt_int, -opt_text, pk))),
        ("distinct", quote!(.distinct().order_by(text))),
        ("slice_literal", quote!([5..10])),
        ("slice_head", quote!([..3])),
        ("slice_tail", quote!([5..])),
        ("slice_runtime", quote!(.order_by(id)[a..b])),
        ("slice_runtime_head", quote!([..n])),
        ("slice_composed", quote!([1..3][1..])),
        ("slice_empty", quote!([5..2])),
        ("count", quote!(.filter(int = 1).order_by(text).count())),
        ("count_distinct", quote!(.distinct().count())),
        ("count_sliced", quote!([..5].count())),
        ("exists", quote!(.filter(int = 1).exists())),
        ("exists_sliced", quote!([3..].exists())),
        ("first", quote!(.filter(int = 1).first())),
        ("first_ordered", quote!(.order_by(-int).first())),
        ("get", quote!(.get(id = 1))),
        (
            "fk",
            quote!(.filter(author = 1, editor__in = ids, editor__isnull = false, author__id__gt = 3)),
        ),
        ("pk_alias", quote!(.filter(pk__in = ids))),
        (
            "year_between",
            quote!(.filter(date__year = 2020, datetime__year__gt = 2020, datetime_utc__year__lte = y)),
        ),
        (
            "iso_year_between",
            quote!(.filter(date__iso_year__gte = 2020, date__iso_year__lt = 2021)),
        ),
        (
            "date_then_year",
            quote!(.filter(datetime__date__year = 2023, datetime_utc__date__month__in = [1, 2])),
        ),
        (
            "year_in_extracts",
            quote!(.filter(date__year__in = [2020], date__year__range = (2019, 2021))),
        ),
        ("empty_filter", quote!(.filter())),
        (
            "update",
            quote!(.filter(int__gt = 1).update(text = t, opt_int = None, opt_text = o)),
        ),
        (
            "update_f",
            quote!(.exclude(opt_int__isnull = true).update(int = F(int) + 1, big = -(F(big) * 2 - F(small)) / n, double = F(real))),
        ),
        ("update_all", quote!(.update(flag = true))),
        (
            "update_fk",
            quote!(.filter(author = 1).update(editor = Some(2), author = 3)),
        ),
        (
            "delete",
            quote!(.filter(opt_text__isnull = true).exclude(int__in = ids).delete()),
        ),
        ("delete_all", quote!(.order_by(id).delete())),
        (
            "create",
            quote!(.create(flag = true, small = 1, int = 2, big = 3, real = r, double = d, text = t, bytes = b, date = dd, datetime = dt, datetime_utc = u, time = tt, author = 1, opt_text = Some("x"))),
        ),
        (
            // Plain lookups give the created row its values; `__` lookups
            // and the preceding filter only narrow the get; defaults win.
            "get_or_create",
            quote!(.filter(opt_int__isnull = true).get_or_create(text = t, int = 1, opt_text__icontains = q, flag = false, defaults(flag = true, small = 1, big = 3, real = r, double = d, bytes = b, date = dd, datetime = dt, datetime_utc = u, time = tt, author = a))),
        ),
        (
            "update_or_create",
            quote!(.update_or_create(text = t, author = 1, defaults(flag = true, small = 1, int = 2, big = 3, real = r, double = d, bytes = b, date = dd, datetime = dt, datetime_utc = u, time = tt, opt_text = None))),
        ),
        (
            "update_or_create_create_defaults",
            quote!(.update_or_create(text = t, author = 1, defaults(int = F(int) + 1), create_defaults(flag = true, small = 1, int = 1, big = 3, real = r, double = d, bytes = b, date = dd, datetime = dt, datetime_utc = u, time = tt))),
        ),
    ];
    for (name, chain) in shapes {
        insta::assert_snapshot!(
            format!("shape_{name}"),
            sql(chain.clone()),
            &chain.to_string()
        );
    }
}

/// The statements of `bulk_create`: SQLite's row of `?` repeated between a
/// head and a tail (and the INSERT of one row), PostgreSQL's UNNEST; and for
/// rows that give no column, DEFAULT VALUES and `generate_series`.
#[test]
fn bulk_create_statements() {
    let schema = schema();
    let inserted: Vec<&crate::schema::FieldSchema> =
        schema.fields.iter().filter(|f| !f.primary_key).collect();
    let crate::model::instance::BulkStatements {
        fill,
        one,
        one_plain,
        pg_one,
        pg_one_plain,
        head,
        row,
        tail,
        unnest,
        unnest_plain,
    } = crate::model::instance::BulkStatements::of(&schema, &inserted);
    let none_one =
        crate::sql::insert_rows(&crate::sql::Sqlite, "ticket", &[], 1, &["id".to_owned()]);
    let none_unnest = crate::sql::insert_unnest("ticket", &[], &["id".to_owned()]);
    insta::assert_snapshot!(
        "bulk_create",
        format!(
            "sqlite head: {head}\nsqlite row:  {row}\nsqlite tail: {tail}\nsqlite one:  {one}\nsqlite one, nothing back: {one_plain}\npostgres one: {pg_one}\npostgres one, nothing back: {pg_one_plain}\npostgres:    {unnest}\npostgres, nothing back: {unnest_plain}\nsources: {:?}\nno columns:\n  sqlite:   {none_one}\n  postgres: {none_unnest}",
            fill.sources
        )
    );
}

#[test]
fn values_never_enter_sql() {
    // Literal values are bound like any other: the SQL has placeholders only.
    let c = compile(
        &schema(),
        quote!(.filter(text = "x' OR 1=1 --", int = 42, text__contains = "%_\\")),
    )
    .unwrap();
    for s in [&c.sqlite, &c.postgres] {
        assert!(!s.contains("OR 1=1"), "{s}");
        assert!(!s.contains("42"), "{s}");
        assert!(!s.contains("%_"), "{s}");
    }
    assert_eq!(c.plan.bindings.len(), 3);
}

/// Queries across relations, from three models, in both dialects.
#[test]
fn relation_shapes() {
    let cases: Vec<(&str, TokenStream)> = vec![
        ("Article", quote!(.filter(author__name = n))),
        (
            "Article",
            quote!(.filter(author__name__icontains = q, author__born__year__lt = 1990)),
        ),
        ("Article", quote!(.filter(author = 1))),
        ("Article", quote!(.filter(author__pk = 1))),
        ("Article", quote!(.filter(author__id__in = ids))),
        ("Article", quote!(.filter(editor__isnull = true))),
        ("Article", quote!(.filter(editor__name__isnull = true))),
        ("Article", quote!(.exclude(editor__name = n))),
        (
            "Article",
            quote!(.filter((editor__name = a) | (rating = 0))),
        ),
        (
            "Article",
            quote!(.filter((editor__name = a) | (editor__name = b))),
        ),
        ("Article", quote!(.filter(!(author__name = n)))),
        (
            "Article",
            quote!(.filter(parent__author__name = n, author__name = m)),
        ),
        ("Article", quote!(.filter(tags__name = a))),
        (
            "Article",
            quote!(.filter(tags__name = a, tags__name__startswith = b)),
        ),
        (
            "Article",
            quote!(.filter(tags__name = a).filter(tags__name = b)),
        ),
        (
            "Article",
            quote!(.filter((tags__name = a) | (tags__name = b))),
        ),
        ("Article", quote!(.exclude(tags__name = a))),
        (
            "Article",
            quote!(.exclude(tags__name__startswith = a, tags__name__endswith = b)),
        ),
        ("Article", quote!(.exclude(parent__tags__name = a))),
        ("Article", quote!(.exclude(parent__tags__isnull = true))),
        ("Article", quote!(.filter(tags__isnull = true))),
        ("Article", quote!(.exclude(tags__isnull = true))),
        ("Author", quote!(.exclude(articles__isnull = true))),
        ("Article", quote!(.filter(tags__in = ids))),
        ("Article", quote!(.filter(tags = 4))),
        ("Author", quote!(.filter(articles__rating__gte = 7))),
        ("Author", quote!(.filter(articles__isnull = true))),
        ("Author", quote!(.exclude(articles__rating__gte = 7))),
        (
            "Author",
            quote!(.exclude(articles__rating__gte = 5, articles__title = t)),
        ),
        (
            "Author",
            quote!(.filter(articles__rating__gte = 5).filter(articles__title = t)),
        ),
        ("Author", quote!(.exclude(edited__int = 1))),
        ("Author", quote!(.filter(articles__tags__name = n))),
        ("Author", quote!(.filter(profile_of__bio = b))),
        ("Author", quote!(.filter(profile_of__isnull = true))),
        ("Tag", quote!(.filter(articles__author__name = n))),
        ("Tag", quote!(.filter(articles__rating__gt = 5))),
        ("Tag", quote!(.exclude(articles__rating__gt = 5))),
        ("Tag", quote!(.filter(articles = 3))),
        ("Article", quote!(.filter(rating__gt = F(id)))),
        ("Article", quote!(.filter(rating__gte = F(id) * 2 - 1))),
        ("Article", quote!(.exclude(title__iexact = F(author__name)))),
        ("Article", quote!(.exclude(rating__lt = F(editor__id)))),
        (
            "Article",
            quote!(.filter(author__born__year__lt = F(editor__born__year) + 25)),
        ),
        (
            "Article",
            quote!(.filter(title__contains = F(author__email))),
        ),
        ("Article", quote!(.order_by(editor__name, id))),
        (
            "Article",
            quote!(.filter(rating__gte = 5).distinct().order_by(tags__name, id)),
        ),
        (
            "Article",
            quote!(.filter(tags__name__in = names).distinct().order_by(id)),
        ),
        (
            "Article",
            quote!(.filter(tags__name = n).order_by(-tags__name)),
        ),
        ("Article", quote!(.filter(author__name = n).count())),
        (
            "Article",
            quote!(.filter(tags__name = n).distinct().count()),
        ),
        ("Article", quote!(.filter(author__name = n).delete())),
        (
            "Article",
            quote!(.filter(tags__name = n).update(rating = F(rating) + 1)),
        ),
    ];
    let mut out = String::new();
    for (root, chain) in cases {
        let c = compile_in(model(root), chain.clone())
            .unwrap_or_else(|e| panic!("{root} `{chain}` failed: {e}"));
        out.push_str(&format!(
            "{root} {chain}\n  sqlite:   {}\n  postgres: {}\n",
            c.sqlite, c.postgres
        ));
    }
    insta::assert_snapshot!("relations", out);
}

/// `select_related` (the joined columns) and `prefetch_related` (one query
/// per relation, depth first), in both dialects.
#[test]
fn loading_shapes() {
    fn prefetch(nodes: &[crate::plan::Prefetched], depth: usize, out: &mut String) {
        for n in nodes {
            let s = crate::sql::Statement::of(&n.query);
            out.push_str(&format!(
                "{}prefetch {} ({:?})\n{0}  sqlite:   {}\n{0}  postgres: {}\n",
                "  ".repeat(depth + 1),
                n.field,
                n.kind,
                s.sqlite,
                s.postgres
            ));
            prefetch(&n.children, depth + 1, out);
        }
    }
    let cases: Vec<(&str, TokenStream)> = vec![
        ("Article", quote!(.select_related(author, editor))),
        (
            "Article",
            quote!(.select_related(parent__author).filter(author__name = n)),
        ),
        ("Article", quote!(.select_related(author).count())),
        ("Author", quote!(.select_related(profile_of))),
        (
            "Author",
            quote!(.prefetch_related(articles, articles__tags, edited)),
        ),
        ("Author", quote!(.prefetch_related(profile_of))),
        (
            "Tag",
            quote!(.prefetch_related(articles__author).get(name = n)),
        ),
        (
            "Article",
            quote!(.select_related(author).prefetch_related(tags, parent)),
        ),
    ];
    let mut out = String::new();
    for (root, chain) in cases {
        let c = compile_in(model(root), chain.clone())
            .unwrap_or_else(|e| panic!("{root} `{chain}` failed: {e}"));
        out.push_str(&format!(
            "{root} {chain}\n  sqlite:   {}\n  postgres: {}\n",
            c.sqlite, c.postgres
        ));
        prefetch(&c.plan.prefetch, 0, &mut out);
    }
    insta::assert_snapshot!("loading", out);
}

#[test]
fn relation_errors() {
    let cases: Vec<(&str, TokenStream, &str)> = vec![
        (
            "Article",
            quote!(.filter(tagz__name = n)),
            "model `Article` has no field `tagz`; did you mean `tags`?",
        ),
        (
            "Article",
            quote!(.filter(tags__nme = n)),
            "model `Tag` has no field `nme`; did you mean `name`?",
        ),
        (
            "Article",
            quote!(.filter(tags__name__year = 1)),
            "transform `year` cannot apply to `Article.tags__name` (String)",
        ),
        (
            "Article",
            quote!(.filter(tags__contains = 1)),
            "lookup `contains` cannot apply to the foreign key `Article.tags`",
        ),
        (
            "Tag",
            quote!(.filter(posts__rating = 1)),
            "model `Tag` has no field `posts`",
        ),
        (
            "Author",
            quote!(.filter(articles__nope = 1)),
            "model `Article` has no field `nope`",
        ),
        (
            "Article",
            quote!(.order_by(author__born__yeer)),
            "`yeer` is neither a field nor a transform of `author__born`",
        ),
        (
            "Article",
            quote!(.update(tags = 1)),
            "`Article.tags` is a relation, not a column",
        ),
        (
            "Article",
            quote!(.create(tags = 1)),
            "`Article.tags` is a relation, not a column",
        ),
    ];
    for (root, chain, want) in cases {
        let got = match compile_in(model(root), chain.clone()) {
            Ok(c) => panic!("{root} `{chain}` compiled to {}", c.sqlite),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        };
        assert!(
            got.contains(want),
            "{root} `{chain}`:\n  got:  {got}\n  want: {want}"
        );
    }
}

#[test]
fn compile_errors() {
    let cases: Vec<(TokenStream, &str)> = vec![
        (quote!(.filter(textt = 1)), "model `Item` has no field `textt`; did you mean `text`?"),
        (quote!(.filter(text__icontain = t)), "unknown lookup or transform `icontain` on `Item.text` (String); did you mean `icontains`?"),
        (quote!(.filter(text__year = 1)), "transform `year` cannot apply to `Item.text` (String): it applies to date and datetime fields"),
        (quote!(.filter(date__hour = 1)), "transform `hour` cannot apply to `Item.date` (NaiveDate)"),
        (quote!(.filter(datetime__date__hour = 1)), "transform `hour` cannot apply to `Item.datetime__date` (NaiveDate)"),
        (quote!(.filter(big__icontains = 1)), "lookup `icontains` applies to text fields; `Item.big` is `i64`"),
        (quote!(.filter(int__isnull = true)), "`Item.int` is not an `Option`, so it is never NULL"),
        (quote!(.filter(opt_int__isnull = x)), "`isnull` takes `true` or `false`"),
        (quote!(.filter(opt_int = None)), "write `opt_int__isnull = true`"),
        (quote!(.filter(a = 1 | b = 2)), "`|` binds tighter than `=`: wrap each condition in parentheses"),
        (quote!(.filter((a = 1) | b = 2)), "`|` binds tighter than `=`"),
        (quote!(.filter(a = 1 & b = 2)), "`&` binds tighter than `=`"),
        (quote!(.filter(int == 1)), "use `=` as in Django"),
        (quote!(.fliter(int = 1)), "unknown QuerySet method `.fliter()`; did you mean `filter`?"),
        (quote!(.only(title)), "`.only()` is not supported by dunder yet"),
        (quote!([-1..]), "negative indexing is not supported"),
        (quote!([..=3]), "use a half-open range"),
        (quote!([3]), "index with a range"),
        (quote!([0..10:2]), "slices with a step (`[a..b:step]`) are not supported"),
        (quote!(.filter(int = 1)[..n:k]), "slices with a step"),
        (quote!(.count().filter(int = 1)), "`.count()` ends the query"),
        (quote!([..3].filter(int = 1)), "cannot filter a query once a slice has been taken"),
        (quote!(.filter(author__nme = n)), "model `Author` has no field `nme`; did you mean `name`?"),
        (quote!(.filter(author__name__year = 1)), "transform `year` cannot apply to `Item.author__name` (String)"),
        (quote!(.filter(author__born__isnull = 1)), "`isnull` takes `true` or `false`"),
        (quote!(.filter(author__isnull = true)), "`Item.author` is not an `Option`, so it is never NULL"),
        (quote!(.filter(author__contains = n)), "lookup `contains` cannot apply to the foreign key `Item.author`"),
        (quote!(.filter(text__contains__exact = n)), "`contains` is a lookup and must come last"),
        (quote!(.order_by(-txt)), "has no field `txt`; did you mean `text`?"),
        (quote!(.order_by(text__year)), "transform `year` cannot apply to `Item.text` (String)"),
        (quote!(.filter(x)), "expected a condition"),
        (quote!(.update()), "needs at least one `field = value`"),
        (quote!(.update(txt = 1)), "has no field `txt`; did you mean `text`?"),
        (quote!(.update(int = 1, int = 2)), "`int` is set twice"),
        (quote!(.update(int = None)), "`Item.int` is not an `Option`: it cannot be set to NULL"),
        (quote!(.update(int__gt = 1)), "lookups and related fields (`a__b`) cannot be set"),
        (quote!(.update(text = F(text) + 1)), "arithmetic needs a number: `Item.text` is `String`"),
        (quote!(.update(int = F(text))), "`F(text)` is `String` but `Item.int` is `i32`"),
        (quote!(.update(int = F(nope) + 1)), "has no field `nope`"),
        (quote!(.update(text = F(author__name))), "`F(author__name)` reaches across the relation `author`"),
        (quote!(.update(int = F(int) % 2)), "use `+`, `-`, `*` and `/`"),
        (quote!(.update(int = F(int, big))), "`F(…)` takes one field name"),
        (quote!(.update(int)), "expected `field = value`"),
        (quote!([..3].update(int = 1)), "cannot update a query once a slice has been taken"),
        (quote!(.distinct().delete()), "cannot delete after `.distinct()`"),
        (quote!(.delete(x)), "`.delete()` takes no arguments"),
        (quote!(.create(text = t)), "`Item.create(…)` is missing required fields `flag`, `small`, `int`, `big`, `real`, `double`, `bytes`, `date`, `datetime`, `datetime_utc`, `time`, `author`: give them a value"),
        (quote!(.create(id = 1, txt = 2)), "`Item.id` is an auto-increment primary key"),
        (quote!(.create(txt = 2)), "has no field `txt`; did you mean `text`?"),
        (quote!(.create(int = F(big))), "a new row has none yet"),
        (quote!(.create(int = 1, int = 2)), "`int` is given twice"),
        (quote!(.filter(int = 1).create(int = 1)), "`.create(…)` starts from the model alone"),
        (quote!(.get_or_create(text = t, int__gt = 1)), "`Item.get_or_create(…)` cannot create a row without required fields `flag`, `small`, `int`, `big`"),
        (quote!(.update_or_create(text = t, defaults(int = 1), create_defaults(flag = true))), "in `create_defaults(…)`"),
        (quote!(.get_or_create(text = t, create_defaults(int = 1))), "`create_defaults(…)` belongs to `update_or_create`"),
        (quote!(.get_or_create(text = t, defaults(int = 1), defaults(int = 2))), "`defaults(…)` is given twice in this `.get_or_create(…)`"),
        (quote!(.get_or_create(text = t, defaults(int = 1, int = 2))), "`int` is given twice in `defaults(…)`"),
        (quote!(.get_or_create(text = t, defaults(id = 1))), "`Item.id` is an auto-increment primary key"),
        (quote!(.get_or_create(text = t, defaults(int = F(int)))), "a new row has none yet"),
        (quote!(.update_or_create(text = t, defaults(int = F(int)))), "a new row has none yet"),
        (quote!(.get_or_create(text = t, defaults(intt = 1))), "has no field `intt`; did you mean `int`?"),
        (quote!(.get_or_create(text = t, defaults(int__gt = 1))), "`defaults(…)` set fields of the model"),
        (quote!([..2].get_or_create(text = t)), "`.get_or_create(…)` cannot follow a slice"),
        (quote!(.get_or_create(text = t).count()), "`.get_or_create()` ends the query"),
    ];
    for (chain, expected) in cases {
        let e = err(chain.clone());
        assert!(
            e.contains(expected),
            "`{chain}`:\n  got:      {e}\n  expected: {expected}"
        );
    }
}

#[test]
fn all_errors_of_a_query_are_reported_together() {
    let e = err(quote!(.filter(titel = 1, text__icontain = t).order_by(nope)));
    assert_eq!(e.lines().count(), 3, "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut cond = quote!(int = 1);
    for _ in 0..200 {
        cond = quote!(!(#cond));
    }
    let e = err(quote!(.filter(#cond)));
    assert!(e.contains("nested more than"), "{e}");
}

#[test]
fn never_panics_on_odd_input() {
    for chain in [
        quote!(.),
        quote!(..),
        quote!(.filter),
        quote!(.filter(,)),
        quote!(.filter(= 1)),
        quote!(.filter(__ = 1)),
        quote!(.filter(a____b = 1)),
        quote!(.filter(text__ = 1)),
        quote!([]),
        quote!([..][..]),
        quote!(,),
        quote!(, ,),
        quote!(.order_by()),
        quote!(.order_by(-)),
        quote!(.get()),
        quote!(1 + 2),
        quote!(.filter(text = t)[a..][..b]),
    ] {
        let _ = compile(&schema(), chain);
    }
}

#[test]
fn projection_shapes() {
    let cases: Vec<(&str, TokenStream)> = vec![
        // values: fields, a forward path (nullable), a transform.
        (
            "Article",
            quote!(.values(title, editor__name, id).order_by(id)),
        ),
        (
            "Item",
            quote!(.values(date__year, datetime_utc__hour, author)),
        ),
        // Ordering by a transform; under DISTINCT it is selected too.
        (
            "Item",
            quote!(.values(date__year).annotate(n = Count()).order_by(-date__year)),
        ),
        ("Item", quote!(.order_by(-opt_date__month, text).distinct())),
        ("Item", quote!(.values())),
        // After values(), an annotation may take a field's name.
        ("Item", quote!(.values(text).annotate(int = Count()))),
        ("Item", quote!(.values_list(text, opt_int))),
        ("Item", quote!(.values_list(text, flat = true).distinct())),
        // GROUP BY the values, aggregates named; ordering adds its key.
        (
            "Article",
            quote!(.values(author__name).annotate(n = Count(pk), avg = Avg(rating)).order_by(-n)),
        ),
        // Annotating model rows groups by the model's columns; HAVING.
        (
            "Author",
            quote!(.annotate(n = Count(articles)).filter(n__gte = 2, name__startswith = p)),
        ),
        // A mixed OR goes to the HAVING whole.
        (
            "Author",
            quote!(.annotate(n = Count(articles)).filter((n__gte = 2) | (name = p))),
        ),
        // distinct, filter and default on aggregates.
        (
            "Author",
            quote!(.annotate(
                t = Count(articles__tags, distinct = true),
                good = Count(articles, filter = Q(articles__rating__gte = 4)),
                s = Sum(articles__rating, default = 0),
            )),
        ),
        // Expressions: F() through a relation, arithmetic, a float literal.
        (
            "Article",
            quote!(.annotate(who = F(author__name), r2 = F(rating) * 2, half = F(rating) / 2.0)),
        ),
        // aggregate(): one row.
        (
            "Item",
            quote!(.filter(flag = true).aggregate(n = Count(), s = Sum(int), a = Avg(double), lo = Min(date), hi = Max(opt_date))),
        ),
        // aggregate() over a grouped, a sliced, a distinct query: a subquery.
        (
            "Author",
            quote!(.annotate(n = Count(articles)).aggregate(avg = Avg(n), hi = Max(n))),
        ),
        ("Item", quote!(.order_by(-int)[..3].aggregate(s = Sum(int)))),
        (
            "Item",
            quote!(.values(author__name).annotate(n = Count()).count()),
        ),
        (
            "Item",
            quote!(.values(author__name).annotate(n = Count()).filter(n__gt = 1).exists()),
        ),
    ];
    let mut out = String::new();
    for (root, chain) in cases {
        let c = compile_in(model(root), chain.clone())
            .unwrap_or_else(|e| panic!("{root} `{chain}` failed: {e}"));
        out.push_str(&format!(
            "{root} {chain}\n  sqlite:   {}\n  postgres: {}\n",
            c.sqlite, c.postgres
        ));
    }
    insta::assert_snapshot!("projection", out);
}

#[test]
fn projection_errors() {
    let cases: Vec<(&str, TokenStream, &str)> = vec![
        (
            "Item",
            quote!(.annotate(int = Count())),
            "the annotation `int` conflicts with the field `Item.int`",
        ),
        (
            "Item",
            quote!(.annotate(n = Count(), n = Count())),
            "the annotation `n` is already defined",
        ),
        (
            "Item",
            quote!(.annotate(item = Count())),
            "`item` names the `Item` in an annotated row",
        ),
        (
            "Item",
            quote!(.annotate(n = 5)),
            "a Rust value alone has no column to go with",
        ),
        (
            "Item",
            quote!(.annotate(n)),
            "`.annotate()` takes `name = expression`",
        ),
        (
            "Item",
            quote!(.annotate()),
            "`.annotate()` needs at least one",
        ),
        (
            "Item",
            quote!(.annotate(n = Greatest(int))),
            "`Greatest(…)` is not an expression dunder knows",
        ),
        (
            "Item",
            quote!(.annotate(n = Sum(text))),
            "`Sum(…)` needs a number; this is `String`",
        ),
        (
            "Item",
            quote!(.annotate(n = Max(flag))),
            "`Max(…)` of a `bool` is not supported",
        ),
        (
            "Item",
            quote!(.annotate(n = Sum())),
            "`Sum(…)` needs the field to aggregate",
        ),
        (
            "Item",
            quote!(.annotate(n = Count(int, text))),
            "`Count(…)` takes one field or expression",
        ),
        (
            "Item",
            quote!(.annotate(n = Count(int, distinct = 1))),
            "`distinct` takes `true` or `false`",
        ),
        (
            "Item",
            quote!(.annotate(n = Max(int, distinct = true))),
            "`Max(…)` does not take `distinct`",
        ),
        (
            "Item",
            quote!(.annotate(n = Count(int, default = 0))),
            "`Count(…)` takes no `default`",
        ),
        (
            "Item",
            quote!(.annotate(n = Count(int, nope = 0))),
            "`Count(…)` takes a field or expression, then",
        ),
        (
            "Item",
            quote!(.annotate(n = Sum(int, filter = flag))),
            "an aggregate's `filter` takes `Q(conditions…)`",
        ),
        (
            "Item",
            quote!(.annotate(n = Sum(int, filter = Q()))),
            "`Q()` needs at least one condition",
        ),
        (
            "Item",
            quote!(.annotate(n = Sum(Count(int)))),
            "`Count(…)` inside another aggregate",
        ),
        (
            "Item",
            quote!(.annotate(n = Count()).annotate(m = Sum(n))),
            "`Sum(…)` of an aggregate: aggregates cannot be nested",
        ),
        (
            "Item",
            quote!(.annotate(n = F(text) + 1)),
            "arithmetic needs numbers: one side is `String`",
        ),
        (
            "Item",
            quote!(.annotate(n = F(int) % 2)),
            "an annotation computes with `+`, `-`, `*` and `/`",
        ),
        (
            "Item",
            quote!(.annotate(n = -F(text))),
            "`-` needs a number; this is `String`",
        ),
        (
            "Item",
            quote!(.annotate(n = F(int, text))),
            "`F(…)` takes one field path",
        ),
        (
            "Item",
            quote!(.annotate(n = Sum(int, default = F(text)))),
            "the default of `Sum(…)` is `String`",
        ),
        (
            "Item",
            quote!(.filter(n = 1).annotate(n = Count())),
            "model `Item` has no field `n`",
        ),
        (
            "Item",
            quote!(.values(text, text)),
            "`text` is read twice in this `.values(…)`",
        ),
        (
            "Item",
            quote!(.annotate(n = Count(filter = Q(flag = true)))),
            "`Count(filter = …)` counts rows of what?",
        ),
        (
            "Item",
            quote!(.values(text).annotate(text = Count())),
            "the annotation `text` conflicts with `text` of the `.values(…)` before it",
        ),
        ("Item", quote!(.values(1)), "`.values()` takes field paths"),
        ("Item", quote!(.values(textt)), "did you mean `text`?"),
        (
            "Item",
            quote!(.values_list(text, int, flat = true)),
            "`flat = true` takes exactly one field",
        ),
        (
            "Item",
            quote!(.values_list(text, flat = yes)),
            "`flat` takes `true` or `false`",
        ),
        (
            "Item",
            quote!(.values_list()),
            "`.values_list()` needs the fields to read",
        ),
        (
            "Item",
            quote!(.aggregate()),
            "`.aggregate()` needs at least one",
        ),
        (
            "Item",
            quote!(.aggregate(n = F(int))),
            "`n` is not an aggregate",
        ),
        (
            "Item",
            quote!(.aggregate(n = Count(), n = Count())),
            "`n` is given twice in this `.aggregate(…)`",
        ),
        (
            "Item",
            quote!(.aggregate(n = Count()).count()),
            "`.aggregate()` ends the query",
        ),
        (
            "Item",
            quote!(.values(text).update(int = 1)),
            "`.update()` writes rows of the model",
        ),
        (
            "Item",
            quote!(.annotate(n = Count()).delete()),
            "`.delete()` writes rows of the model",
        ),
        (
            "Item",
            quote!(.values(text).prefetch_related(author)),
            "cannot be combined with `.values(…)`",
        ),
        (
            "Item",
            quote!(.values(author__name).annotate(n = Count()).first()),
            "unordered query that aggregates into groups",
        ),
        (
            "Item",
            quote!(.values(text) as (String,)),
            "`as` names the struct the rows are built as",
        ),
        (
            "Item",
            quote!(.count() as Row),
            "`as Row` names the struct of projected rows",
        ),
    ];
    for (root, chain, want) in cases {
        let got = match compile_in(model(root), chain.clone()) {
            Ok(c) => panic!("{root} `{chain}` compiled to {}", c.sqlite),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        };
        assert!(
            got.contains(want),
            "{root} `{chain}`:\n  got:  {got}\n  want: {want}"
        );
    }
}

#[test]
fn optional_conditions() {
    // A statement per combination of the optional conditions (bit k: the
    // k-th applies), each numbering its own placeholders and taking the
    // values it needs; an absent condition makes no join.
    let cases: Vec<(&str, TokenStream)> = vec![
        (
            "Article",
            quote!(.filter(title__icontains = q?, tags__name = t?).order_by(id)),
        ),
        (
            "Article",
            quote!(.exclude(author__name = a?).filter(rating__gte = r)),
        ),
        (
            "Article",
            quote!(.filter((title = a?) | (title = b?)).values(author__name).annotate(n = Count(pk, filter = Q(rating__gt = r?)))),
        ),
    ];
    let mut out = String::new();
    for (root, chain) in cases {
        let c = compile_in(model(root), chain.clone())
            .unwrap_or_else(|e| panic!("{root} `{chain}` failed: {e}"));
        out.push_str(&format!("{root} {chain}\n"));
        for (i, (s, take)) in c.variants.iter().enumerate() {
            out.push_str(&format!(
                "  {i:03b} takes {take:?}\n    sqlite:   {}\n    postgres: {}\n",
                s.sqlite, s.postgres
            ));
        }
    }
    insta::assert_snapshot!("optional", out);
    let errors: Vec<(TokenStream, &str)> = vec![
        (
            quote!(.filter(int = F(int)?)),
            "a column (`F(…)`) is never absent",
        ),
        (
            quote!(.get_or_create(text = t?)),
            "they cannot be optional (`?`)",
        ),
        (
            quote!(.update(int = v?)),
            "`?` makes a condition optional; a value set here is always set",
        ),
        (
            quote!(.filter(opt_int__isnull = true?)),
            "`isnull` takes `true` or `false`, not an optional value",
        ),
        (
            quote!(.filter(int = a?, int = b?, int = c?, int = d?, int = e?, int = f?, int = g?)),
            "at most 6 optional conditions (`value?`) in one query",
        ),
    ];
    for (chain, want) in errors {
        let got = err(chain.clone());
        assert!(
            got.contains(want),
            "`{chain}`:\n  got:  {got}\n  want: {want}"
        );
    }
}

#[test]
fn subqueries() {
    let cases: Vec<(&str, TokenStream)> = vec![
        (
            "Article",
            quote!(.filter(author__in = query!(Author.filter(email__isnull = true).values(pk)))),
        ),
        // The model's rows: its primary key; values continue the numbering.
        (
            "Article",
            quote!(.filter(rating = r, author__in = query!(Author.filter(name__startswith = p)))),
        ),
        (
            "Article",
            quote!(.exclude(editor__in = query!(Author.filter(name = n).values_list(id, flat = true)))),
        ),
        // Exists with OuterRef, negated, and in an annotation.
        (
            "Author",
            quote!(.filter(Exists(query!(Article.filter(author = OuterRef(pk), rating__gte = 4))))),
        ),
        (
            "Author",
            quote!(.filter(!Exists(query!(Article.filter(author = OuterRef(pk)))))),
        ),
        (
            "Author",
            quote!(.annotate(
                has = Exists(query!(Article.filter(editor = OuterRef(pk)))),
                latest = Subquery(query!(Article.filter(author = OuterRef(pk)).order_by(-id).values(title)[..1])),
            )),
        ),
        // OuterRef through a relation of the outer query.
        (
            "Article",
            quote!(.filter(Exists(query!(Article.filter(author = OuterRef(editor), rating__gt = OuterRef(rating)))))),
        ),
    ];
    let mut out = String::new();
    for (root, chain) in cases {
        let c = compile_in(model(root), chain.clone())
            .unwrap_or_else(|e| panic!("{root} `{chain}` failed: {e}"));
        out.push_str(&format!(
            "{root} {chain}\n  sqlite:   {}\n  postgres: {}\n",
            c.sqlite, c.postgres
        ));
    }
    insta::assert_snapshot!("subqueries", out);
}

/// `.last()`, `.latest()`, `.earliest()`, `.reverse()`, `.all()`, `.none()`.
#[test]
fn queryset_methods() {
    let cases: Vec<TokenStream> = vec![
        quote!(.last()),
        quote!(.order_by(text, -int).last()),
        quote!(.order_by(-int).reverse()),
        quote!(.order_by(-int).reverse().reverse()),
        quote!(.reverse().first()),
        quote!(.order_by(text).reverse().last()),
        quote!(.filter(int__gt = 1).latest(date)),
        quote!(.order_by(text).earliest(-int, date)),
        quote!(.reverse().latest(date)),
        quote!(.all().filter(int = 1).all()),
        quote!(.filter(int = 1).none()),
        quote!(.none().count()),
    ];
    let mut out = String::new();
    for chain in cases {
        let c =
            compile(&schema(), chain.clone()).unwrap_or_else(|e| panic!("`{chain}` failed: {e}"));
        out.push_str(&format!(
            "{chain}\n  sqlite:   {}\n  postgres: {}\n",
            c.sqlite, c.postgres
        ));
    }
    insta::assert_snapshot!("queryset_methods", out);
    let errors: Vec<(TokenStream, &str)> = vec![
        (
            quote!(.latest()),
            "`.latest()` needs the fields to order by",
        ),
        (
            quote!(.filter(int = 1)[..5].reverse()),
            "cannot reverse a query once a slice has been taken",
        ),
        (
            quote!(.order_by(int)[..5].last()),
            "`.last()` cannot follow a slice",
        ),
        (
            quote!(.all()[2..].earliest(int)),
            "cannot order a query by `.earliest()` once a slice has been taken",
        ),
        (quote!(.last().count()), "`.last()` ends the query"),
        (quote!(.none(1)), "`.none()` takes no arguments"),
        (quote!(.latest(nope)), "no field `nope`"),
    ];
    for (chain, want) in errors {
        let e = compile(&schema(), chain.clone()).expect_err(&chain.to_string());
        assert!(e.to_string().contains(want), "`{chain}`: {e}");
    }
}

/// `.in_bulk(…)`, `.distinct(fields…)`, `.select_for_update(…)` and run-time
/// order keys: their SQL, and each misuse's error.
#[test]
fn queryset_more() {
    let cases: Vec<TokenStream> = vec![
        quote!(.in_bulk(ids)),
        quote!(.filter(int__gt = 1).in_bulk()),
        quote!(.order_by(text, -date).distinct(text)),
        quote!(.order_by(-date, text).distinct(text, date).values(text, date)),
        quote!(.order_by(author__name).distinct(author__name)),
        quote!(.distinct(text).count()),
        quote!(.distinct(int).distinct()),
        quote!(.filter(int = 1).select_for_update()),
        quote!(.select_for_update(nowait = true)[..1]),
        quote!(.select_for_update(skip_locked = true).first()),
        quote!(.select_for_update(no_key = true, of = (self))),
        quote!(.filter(int = 1).select_for_update().update(int = 2)),
    ];
    let mut out = String::new();
    for chain in cases {
        let c =
            compile(&schema(), chain.clone()).unwrap_or_else(|e| panic!("`{chain}` failed: {e}"));
        out.push_str(&format!(
            "{chain}\n  needs:    {:?}\n  sqlite:   {}\n  postgres: {}\n",
            c.plan.needs(),
            c.sqlite,
            c.postgres
        ));
    }
    // A run-time key: a statement per field and direction.
    let c = compile(
        &schema(),
        quote!(.filter(int__gt = 1).order_by({ key }, pk)[..10]),
    )
    .expect("compiles");
    out.push_str(&format!(
        "order_by({{key}}, pk): {} statements\n",
        c.variants.len()
    ));
    for (s, _) in c.variants.iter().take(4) {
        out.push_str(&format!(
            "  sqlite:   {}\n  postgres: {}\n",
            s.sqlite, s.postgres
        ));
    }
    insta::assert_snapshot!("queryset_more", out);
    assert_eq!(c.variants.len(), 2 * schema().fields.len());
    // With optional conditions: combinations × keys, the key fastest.
    let c = compile(
        &schema(),
        quote!(.filter(int = a?, text = b?).order_by(-date, { key })),
    )
    .expect("compiles");
    assert_eq!(c.variants.len(), 4 * 2 * schema().fields.len());
    let (last, _) = c.variants.last().expect("variants");
    assert!(
        last.sqlite
            .ends_with(r#"ORDER BY "item"."date" DESC, "item"."editor_id" DESC NULLS FIRST"#),
        "{}",
        last.sqlite
    );
    assert!(last
        .sqlite
        .contains(r#""item"."int" = ?1 AND "item"."text" = ?2"#));

    let errors: Vec<(TokenStream, &str)> = vec![
        (
            quote!(.in_bulk(ids, field_name = text)),
            "`Item.text` is not unique",
        ),
        (
            quote!(.in_bulk(ids, field_name = author)),
            "`Item.author` is a relation",
        ),
        (quote!(.in_bulk(ids, field_name = txt)), "no field `txt`"),
        (
            quote!(.in_bulk(ids, by = text)),
            "`.in_bulk()` takes the keys, then `field_name = field`",
        ),
        (
            quote!([..3].in_bulk()),
            "`.in_bulk()` cannot follow a slice",
        ),
        (
            quote!(.values(text).in_bulk()),
            "it cannot follow `.values(…)`",
        ),
        (
            quote!(.order_by(date).distinct(text)),
            "PostgreSQL needs that order to start with the same fields",
        ),
        (
            quote!(.distinct(text).first()),
            "PostgreSQL needs that order to start with the same fields",
        ),
        (quote!(.distinct(1)), "`.distinct(…)` takes field paths"),
        (quote!(.distinct(txt)), "no field `txt`"),
        (
            quote!(.select_for_update(nowait = true, skip_locked = true)),
            "`nowait` and `skip_locked` cannot both be set",
        ),
        (
            quote!(.select_for_update().count()),
            "cannot come before `.count()`",
        ),
        (
            quote!(.select_for_update().get_or_create(text = t)),
            "it is race-safe without locks",
        ),
        (
            quote!(.distinct().select_for_update()),
            "cannot lock rows of `.distinct()`",
        ),
        (
            quote!(.values(text).annotate(n = Count(pk)).select_for_update()),
            "cannot lock rows aggregated into groups",
        ),
        (
            quote!(.select_for_update(of = (author))),
            "`author` is not one",
        ),
        (
            quote!(.select_for_update(of = (1))),
            "`of` names `self` (the query's model) and relations it selects",
        ),
        (
            quote!(.select_for_update(wait = true)),
            "has no option `wait`",
        ),
        (
            quote!(.select_for_update(nowait = 1)),
            "`nowait` takes `true` or `false`",
        ),
        (
            quote!(.filter((editor__name = n) | (int = 1)).select_for_update()),
            "PostgreSQL cannot lock the nullable side; name the tables to lock",
        ),
        (
            quote!(.order_by({ a }, { b })),
            "one key chosen at run time per query",
        ),
        (
            quote!(.order_by({ let x = 1; x })),
            "a key chosen at run time is one expression in braces",
        ),
        (
            quote!(.order_by(1)),
            "or `{key}` for a key chosen at run time",
        ),
        (
            quote!(.filter(int = a?, text = b?, date = c?, flag = d?, big = e?, small = f?).order_by({ k })),
            "at most 512",
        ),
    ];
    for (chain, want) in errors {
        let e = err(chain.clone());
        assert!(e.contains(want), "`{chain}`:\n  got:  {e}\n  want: {want}");
    }
}

/// `.union(…)`, `.intersection(…)`, `.difference(…)`: the compound
/// statements, and each misuse's error.
#[test]
fn combined_queries() {
    let cases: Vec<(&str, TokenStream)> = vec![
        (
            "Author",
            quote!(.filter(name = a).union(query!(Author.filter(email__isnull = true)))),
        ),
        (
            "Author",
            quote!(.filter(name = a).union(query!(Author.filter(name = b)), all = true).order_by(-name)[..5]),
        ),
        (
            "Author",
            quote!(.values_list(name, flat = true).intersection(query!(Author.filter(born__isnull = false).values_list(name, flat = true)))),
        ),
        (
            "Author",
            quote!(.values(name).difference(query!(Tag.values(name))).count()),
        ),
        (
            "Author",
            quote!(.order_by(-born)[..2].union(query!(Author.order_by(name)[..1])).first()),
        ),
        (
            "Author",
            quote!(.union(query!(Author.filter(name = a))).intersection(query!(Author.filter(name = b))).last()),
        ),
        (
            "Author",
            quote!(.values(name, email).union(query!(Tag.values(name, email = Upper(F(name))))).exists()),
        ),
        (
            "Author",
            quote!(.union(query!(Author.filter(name = a))).latest(born, -name)),
        ),
        (
            "Author",
            quote!(.filter(name = a).union(query!(Author)).in_bulk()),
        ),
    ];
    let mut out = String::new();
    for (root, chain) in cases {
        let c = compile_in(model(root), chain.clone())
            .unwrap_or_else(|e| panic!("{root} `{chain}` failed: {e}"));
        out.push_str(&format!(
            "{root} {chain}\n  sqlite:   {}\n  postgres: {}\n",
            c.sqlite, c.postgres
        ));
    }
    insta::assert_snapshot!("combined_queries", out);
    let errors: Vec<(&str, TokenStream, &str)> = vec![
        (
            "Author",
            quote!(.union(query!(Tag.filter(name = a)))),
            "rows of the same model (`Author`)",
        ),
        (
            "Author",
            quote!(.values(name).union(query!(Author.values(name, email)))),
            "as many values: the first selects 1, this one 2",
        ),
        (
            "Author",
            quote!(.values(name).union(query!(Author.values(born)))),
            "value 1 of this query (`born`) is NaiveDate where the first query's `name` is String",
        ),
        (
            "Author",
            quote!(.values(name).union(query!(Author))),
            "all model rows, or all `.values(…)`",
        ),
        (
            "Author",
            quote!(.union(query!(Author)).filter(name = a)),
            "after `.union()`, `.intersection()` or `.difference()` come only",
        ),
        (
            "Author",
            quote!(.union(query!(Author)).order_by(articles__title)),
            "ordered by their own names",
        ),
        (
            "Author",
            quote!(.union(query!(Author)).order_by(nope)),
            "one of id, pk, name, email, born",
        ),
        (
            "Author",
            quote!(.union(query!(Author.count()))),
            "reads rows: it cannot end in",
        ),
        (
            "Author",
            quote!(.select_related(profile_of).union(query!(Author))),
            "cannot load related rows",
        ),
        (
            "Author",
            quote!(.union(query!(Author))[..2].union(query!(Author))),
            "order and slice the combined rows after the last",
        ),
        (
            "Author",
            quote!(.values(name).union(query!(Author.values(name))).first()),
            "without the primary key: order them first",
        ),
        (
            "Author",
            quote!(.union()),
            "`.union()` needs the queries to combine with",
        ),
        (
            "Author",
            quote!(.union(query!(Author)).in_bulk([1])),
            "combined rows cannot be filtered",
        ),
        (
            "Author",
            quote!(.union(query!(Author))[..2].latest(born)),
            "cannot order a query by `.latest()` once a slice",
        ),
        (
            "Author",
            quote!(.values(name).union(query!(Author.values(name))).in_bulk()),
            "it cannot follow `.values(…)`",
        ),
        (
            "Author",
            quote!(.intersection(query!(Author), all = true)),
            "`.intersection()` takes queries",
        ),
        (
            "Author",
            quote!(.union(query!(Author)).count().exists()),
            "`.count()` ends the query",
        ),
        (
            "Article",
            quote!(.filter(author__in = query!(Author.union(query!(Author)).values(pk)))),
            "cannot itself combine queries",
        ),
        (
            "Author",
            quote!(.union(query!(Author.order_by({ k })))),
            "not a subquery",
        ),
    ];
    for (root, chain, want) in errors {
        let e = match compile_in(model(root), chain.clone()) {
            Ok(c) => panic!("{root} `{chain}` compiled to {}", c.sqlite),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        };
        assert!(
            e.contains(want),
            "{root} `{chain}`:\n  got:  {e}\n  want: {want}"
        );
    }
}

/// The type of each computed value, as PostgreSQL computes it (which
/// SQLite's answer is decoded as alike), and the SQL that computes it.
#[test]
fn expression_types() {
    use crate::plan::Kind;
    /// Each output's name, type and nullability.
    type Outputs = &'static [(&'static str, Kind, bool)];
    let cases: Vec<(TokenStream, Outputs)> = vec![
        // `int2 * float4` is a `float8` on PostgreSQL; `float4 * float4` a
        // `float4`; a negative float literal is an `f64` as a positive one.
        (
            quote!(.values(a = F(small) * F(real), b = F(real) * F(real), c = F(real) / -2.5, d = F(real) + (1.5), e = F(int) * 2)),
            &[
                ("a", Kind::F64, false),
                ("b", Kind::F32, false),
                ("c", Kind::F64, false),
                ("d", Kind::F64, false),
                ("e", Kind::I32, false),
            ],
        ),
        // `COALESCE`/`CASE` of several number types: PostgreSQL's one type.
        (
            quote!(.values(
                a = Coalesce(F(opt_int), F(big)),
                b = Coalesce(F(opt_int), F(small)),
                c = Coalesce(F(real), F(int)),
                d = Case(When(flag = true, then = F(int)), default = F(big)),
                e = Case(When(flag = true, then = F(small)), When(int__gt = 1, then = F(real)), default = 2.5),
                f = Coalesce(F(opt_int), 7),
            )),
            &[
                ("a", Kind::I64, false),
                ("b", Kind::I32, false),
                ("c", Kind::F32, false),
                ("d", Kind::I64, false),
                ("e", Kind::F64, false),
                ("f", Kind::I32, false),
            ],
        ),
        // The sum of `f32`s is summed as doubles on both backends.
        (
            quote!(.aggregate(s = Sum(F(real)), t = Sum(F(double)), m = Max(F(real)))),
            &[
                ("s", Kind::F64, true),
                ("t", Kind::F64, true),
                ("m", Kind::F32, true),
            ],
        ),
        // The statistics are `f64`s (Django: `FloatField`), NULL over too
        // few rows unless given a default.
        (
            quote!(.aggregate(
                a = StdDev(F(real)),
                b = StdDev(int, sample = true),
                c = Variance(F(double), filter = Q(flag = true)),
                d = Variance(big, sample = true, default = 0.0),
            )),
            &[
                ("a", Kind::F64, true),
                ("b", Kind::F64, true),
                ("c", Kind::F64, true),
                ("d", Kind::F64, false),
            ],
        ),
        // Casts both backends answer alike.
        (
            quote!(.values(a = Cast(F(flag), i32), b = Cast(F(small), String), c = Cast(F(real), f64), d = Cast(F(int), f32))),
            &[
                ("a", Kind::I32, false),
                ("b", Kind::Text, false),
                ("c", Kind::F64, false),
                ("d", Kind::F32, false),
            ],
        ),
    ];
    let mut out = String::new();
    for (chain, want) in cases {
        let c =
            compile(&schema(), chain.clone()).unwrap_or_else(|e| panic!("`{chain}` failed: {e}"));
        let got: Vec<(&str, Kind, bool)> = c
            .plan
            .outputs
            .iter()
            .map(|o| (o.name.as_str(), o.kind, o.nullable))
            .collect();
        assert_eq!(got, want, "`{chain}`");
        out.push_str(&format!(
            "{chain}\n  sqlite:   {}\n  postgres: {}\n",
            c.sqlite, c.postgres
        ));
    }
    insta::assert_snapshot!("expression_types", out);
    let errors: Vec<(TokenStream, &str)> = vec![
        (
            quote!(.values(n = Cast(F(flag), String))),
            "`Cast` from `bool` to `String` gives different answers on SQLite and PostgreSQL (`1` against `true`)",
        ),
        (
            quote!(.values(n = Cast(F(flag), i64))),
            "casts a boolean to `int4` only: use `i32`",
        ),
        (
            quote!(.values(n = Cast(F(datetime), String))),
            "`Cast` from `NaiveDateTime` to `String` gives different answers",
        ),
        (
            quote!(.values(n = Cast(F(double), String))),
            "each writes numbers its own way",
        ),
        (
            quote!(.values(n = Cast(F(date), i32))),
            "is not a cast both SQLite and PostgreSQL make",
        ),
        (
            quote!(.aggregate(n = StdDev(text))),
            "`StdDev(…)` needs a number; this is `String`",
        ),
        (
            quote!(.aggregate(n = StdDev(int, distinct = true))),
            "`StdDev(…)` does not take `distinct`",
        ),
        (
            quote!(.aggregate(n = Variance(int, sample = 1))),
            "`sample` takes `true` or `false`",
        ),
        (
            quote!(.aggregate(n = Variance(int, population = true))),
            "`Variance(…)` takes a field or expression, then `sample = true`",
        ),
    ];
    for (chain, want) in errors {
        let e = compile(&schema(), chain.clone()).expect_err(&chain.to_string());
        assert!(e.to_string().contains(want), "`{chain}`: {e}");
    }
}

/// An annotation's placeholders are bound only when the statement reads
/// it: each statement's placeholders are 1, 2, … with none left over.
#[test]
fn unread_annotations_bind_nothing() {
    let cases: Vec<(TokenStream, usize)> = vec![
        (quote!(.annotate(a = F(int) + 1).values(pk)), 0),
        (
            quote!(.annotate(a = F(int) + 1, b = F(big) + 7).order_by(a).values(pk)),
            1,
        ),
        (
            quote!(.annotate(a = F(int) + 1, b = F(a) * 2).filter(b__gt = 10).values(pk)),
            3,
        ),
        (
            quote!(.annotate(a = F(int) + 1, b = F(big) * 2).values(b)),
            1,
        ),
        (
            quote!(.annotate(a = F(int) + 1, b = F(big) * 2).filter(pk__in = query!(Item.annotate(c = F(int) - 3).filter(c__gt = 0).values(pk)))),
            4,
        ),
    ];
    for (chain, n) in cases {
        let c =
            compile(&schema(), chain.clone()).unwrap_or_else(|e| panic!("`{chain}` failed: {e}"));
        for sql in [&c.sqlite, &c.postgres] {
            let highest = (1..=9)
                .filter(|k| sql.contains(&format!("?{k}")) || sql.contains(&format!("${k}")))
                .max()
                .unwrap_or(0);
            assert_eq!(highest, n, "`{chain}`: {sql}");
        }
    }
}

#[test]
fn functions() {
    let cases: Vec<(&str, TokenStream)> = vec![
        (
            "Article",
            quote!(.annotate(
                low = Lower(F(title)),
                up = Upper(F(author__name)),
                len = Length(F(title)),
                label = Concat(F(title), " by ", F(author__name)),
                who = Coalesce(F(editor__name), F(author__name)),
                big = Cast(F(rating), i64) * 2,
                as_text = Cast(F(rating), String),
                v = Value("x"),
            )),
        ),
        (
            "Article",
            quote!(.values(grade = Case(When(rating__gte = 4, then = "good"), When(rating__gte = 2, then = "fair"), default = "bad")).annotate(n = Count(pk))),
        ),
        (
            "Article",
            quote!(.aggregate(good = Sum(Case(When(rating__gte = 4, then = 1), default = 0)), n = Count(pk))),
        ),
    ];
    let mut out = String::new();
    for (root, chain) in cases {
        let c = compile_in(model(root), chain.clone())
            .unwrap_or_else(|e| panic!("{root} `{chain}` failed: {e}"));
        out.push_str(&format!(
            "{root} {chain}\n  sqlite:   {}\n  postgres: {}\n",
            c.sqlite, c.postgres
        ));
    }
    insta::assert_snapshot!("functions", out);
    let errors: Vec<(TokenStream, &str)> = vec![
        (
            quote!(.annotate(n = Lower(F(int)))),
            "`Lower(…)` takes text; this is `i32`",
        ),
        (
            quote!(.annotate(n = Length(F(text), F(text)))),
            "`Length(…)` takes one expression",
        ),
        (
            quote!(.annotate(n = Concat(F(text)))),
            "`Concat(…)` takes two expressions or more",
        ),
        (
            quote!(.annotate(n = Concat(F(text), F(int)))),
            "its expressions must have one type",
        ),
        (
            quote!(.annotate(n = Coalesce(x, y))),
            "`Coalesce(…)` needs a column to know its type",
        ),
        (
            quote!(.annotate(n = Cast(F(int), u8))),
            "`Cast(x, type)` takes an expression and one of",
        ),
        (
            quote!(.annotate(n = Cast(F(double), i32))),
            "gives different answers on SQLite and PostgreSQL",
        ),
        (
            quote!(.annotate(n = Value(x))),
            "`Value(…)` takes a literal",
        ),
        (
            quote!(.annotate(n = Value(1, 2))),
            "`Value(…)` takes one Rust value",
        ),
        (
            quote!(.annotate(n = When(int = 1, then = 2))),
            "`When(…)` goes inside `Case(…)`",
        ),
        (
            quote!(.annotate(n = Case(When(int = 1)))),
            "`When(…)` needs `then = value`",
        ),
        (
            quote!(.annotate(n = Case(When(then = 1)))),
            "`When(…)` needs a condition",
        ),
        (
            quote!(.annotate(n = Case(default = 1))),
            "`Case(…)` needs at least one `When(…)`",
        ),
        (
            quote!(.annotate(n = Case(5))),
            "`Case(…)` takes `When(conditions…, then = value)`",
        ),
        (
            quote!(.annotate(n = Case(When(int = 1, then = x)))),
            "`Case(…)` needs a column or a literal",
        ),
        (
            quote!(.annotate(n = Case(When(int = 1, then = 1), default = "a"))),
            "`Case(…)` values of `i64` and `String`",
        ),
    ];
    for (chain, want) in errors {
        let got = err(chain.clone());
        assert!(
            got.contains(want),
            "`{chain}`:\n  got:  {got}\n  want: {want}"
        );
    }
}

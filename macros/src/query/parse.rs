//! DSL tokens → [`QueryAst`].
//!
//! The chain after the model is valid Rust expression syntax, so syn parses
//! it as an expression (behind a placeholder receiver) and this module walks
//! that expression. Every error is spanned on the user's token.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Lit, RangeLimits, Token, UnOp};

use super::ast::*;
use crate::util::did_you_mean;
pub use crate::util::Errors;

/// Deeper nesting than this is refused (no stack overflow on hostile input).
pub const MAX_DEPTH: usize = 64;

pub(crate) const METHODS: &[&str] = &[
    "filter",
    "exclude",
    "order_by",
    "distinct",
    "select_for_update",
    "values",
    "values_list",
    "annotate",
    "aggregate",
    "select_related",
    "prefetch_related",
    "union",
    "intersection",
    "difference",
    "count",
    "exists",
    "first",
    "last",
    "latest",
    "earliest",
    "reverse",
    "all",
    "none",
    "get",
    "in_bulk",
    "create",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
];
const LATER: &[&str] = &["bulk_create", "only", "defer"];

/// Whether token groups nest deeper than `limit`, and where: iterative, and
/// stops at the first group past the limit, so any input is cheap to check.
fn too_deep(tokens: &TokenStream, limit: usize) -> Option<Span> {
    let mut stack: Vec<(proc_macro2::token_stream::IntoIter, usize)> =
        vec![(tokens.clone().into_iter(), 0)];
    while let Some((iter, level)) = stack.last_mut() {
        let level = *level;
        match iter.next() {
            Some(TokenTree::Group(g)) => {
                if level + 1 > limit {
                    return Some(g.span());
                }
                stack.push((g.stream().into_iter(), level + 1));
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    None
}

/// Parses the tokens that follow the model: `.filter(…)…` or `, a = 1, …`.
pub fn parse_chain(chain: TokenStream) -> syn::Result<QueryAst> {
    if let Some(span) = too_deep(&chain, MAX_DEPTH) {
        return Err(syn::Error::new(
            span,
            format!("query nested more than {MAX_DEPTH} levels deep"),
        ));
    }
    let mut iter = chain.clone().into_iter().peekable();
    let shorthand = matches!(iter.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ',');
    let mut errors = Errors::default();
    if shorthand {
        let rest: TokenStream = iter.skip(1).collect();
        let args =
            syn::parse::Parser::parse2(Punctuated::<Expr, Token![,]>::parse_terminated, rest)?;
        let conds = parse_conds(&args, &mut errors);
        let span = args.span();
        return errors.finish(QueryAst {
            ops: vec![Op::Filter {
                negate: false,
                conds,
                span,
            }],
            row: None,
        });
    }
    if chain.is_empty() {
        return Ok(QueryAst {
            ops: Vec::new(),
            row: None,
        });
    }
    match iter.peek() {
        Some(TokenTree::Punct(p)) if p.as_char() == '.' => {}
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {}
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                "expected `.filter(…)`, another QuerySet method, a slice `[a..b]`, or `, field = value` after the model",
            ))
        }
        None => {}
    }
    // A Python slice step (`[0..10:2]`) is not Rust syntax: say what it is
    // before syn reports "expected `]`", and parse the rest without it.
    let chain = strip_slice_steps(chain, &mut errors);
    let expr: Expr = match syn::parse2(quote!(__dunder_model #chain)) {
        Ok(expr) => expr,
        Err(e) => {
            errors.push(e);
            return errors.finish(QueryAst {
                ops: Vec::new(),
                row: None,
            });
        }
    };
    let mut ops = Vec::new();
    let mut row = None;
    let mut cur = &expr;
    // `… as RowStruct`: the rows are built as the user's struct.
    if let Expr::Cast(c) = cur {
        match &*c.ty {
            syn::Type::Path(p) if p.qself.is_none() => row = Some(p.path.clone()),
            other => errors.push(syn::Error::new(
                other.span(),
                "`as` names the struct the rows are built as: a struct with a field per value, e.g. `… .values(title, n = Count(tags)) as TitleCount`",
            )),
        }
        cur = &c.expr;
    }
    loop {
        match cur {
            Expr::MethodCall(m) => {
                if let Some(op) = method_op(m, &mut errors) {
                    ops.push(op);
                }
                cur = &m.receiver;
            }
            Expr::Index(ix) => {
                if let Some(s) = slice(&ix.index, &mut errors) {
                    ops.push(Op::Slice(s));
                }
                cur = &ix.expr;
            }
            Expr::Path(p) if p.path.is_ident("__dunder_model") => break,
            Expr::Field(f) => {
                errors.push(syn::Error::new(
                    f.member.span(),
                    "expected a method call: QuerySet methods take parentheses, e.g. `.distinct()`",
                ));
                cur = &f.base;
            }
            Expr::Call(c) => {
                errors.push(syn::Error::new(c.span(), "expected `.method(…)`"));
                break;
            }
            other => {
                errors.push(syn::Error::new(
                    other.span(),
                    "expected a chain of QuerySet methods: `.filter(…)`, `.exclude(…)`, `.order_by(…)`, …",
                ));
                break;
            }
        }
    }
    ops.reverse();
    errors.finish(QueryAst { ops, row })
}

/// Removes the step of every slice `[a..b:step]` at the top level of the
/// chain, with an error spanned on it: Django refuses steps too ("Step ...
/// is not supported"), and LIMIT/OFFSET cannot skip rows.
fn strip_slice_steps(chain: TokenStream, errors: &mut Errors) -> TokenStream {
    chain
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
                let tokens: Vec<TokenTree> = g.stream().into_iter().collect();
                let mut i = 0;
                let mut colon = None;
                while i < tokens.len() {
                    if let TokenTree::Punct(p) = &tokens[i] {
                        if p.as_char() == ':' {
                            // `::` of a path inside a bound is not a step.
                            let path_sep = p.spacing() == proc_macro2::Spacing::Joint
                                && matches!(tokens.get(i + 1), Some(TokenTree::Punct(q)) if q.as_char() == ':');
                            if path_sep {
                                i += 2;
                                continue;
                            }
                            colon = Some(i);
                            break;
                        }
                    }
                    i += 1;
                }
                let Some(colon) = colon else {
                    return TokenTree::Group(g);
                };
                let step: TokenStream = tokens[colon..].iter().cloned().collect();
                errors.push(syn::Error::new_spanned(
                    step,
                    "slices with a step (`[a..b:step]`) are not supported (Django raises on them too): a slice becomes LIMIT/OFFSET, which cannot skip rows",
                ));
                let kept: TokenStream = tokens[..colon].iter().cloned().collect();
                let mut group = proc_macro2::Group::new(Delimiter::Bracket, kept);
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other,
        })
        .collect()
}

fn method_op(m: &syn::ExprMethodCall, errors: &mut Errors) -> Option<Op> {
    let name = m.method.to_string();
    let span = m.method.span();
    if let Some(t) = &m.turbofish {
        errors.push(syn::Error::new(
            t.span(),
            "QuerySet methods take no type arguments",
        ));
    }
    let no_args = |errors: &mut Errors| {
        if let Some(a) = m.args.first() {
            errors.push(syn::Error::new(
                a.span(),
                format!("`.{name}()` takes no arguments"),
            ));
        }
    };
    Some(match name.as_str() {
        "filter" | "exclude" => Op::Filter {
            negate: name == "exclude",
            conds: parse_conds(&m.args, errors),
            span,
        },
        "order_by" => {
            let mut keys = Vec::new();
            for a in &m.args {
                match order_key(a) {
                    Ok(k) => keys.push(k),
                    Err(e) => errors.push(e),
                }
            }
            Op::OrderBy(keys, span)
        }
        "select_related" | "prefetch_related" => {
            let mut paths = Vec::new();
            for a in &m.args {
                match single_ident(a) {
                    Some(ident) => match parts(ident) {
                        Ok(p) => paths.push(p),
                        Err(e) => errors.push(e),
                    },
                    None => errors.push(syn::Error::new(
                        a.span(),
                        format!("`.{name}()` takes relation names, e.g. `.{name}(author, author__profile)`"),
                    )),
                }
            }
            if m.args.is_empty() {
                errors.push(syn::Error::new(
                    span,
                    format!("`.{name}()` needs the relations to load, e.g. `.{name}(author)`"),
                ));
            }
            Op::Related {
                prefetch: name == "prefetch_related",
                paths,
                span,
            }
        }
        "distinct" => {
            let mut fields = Vec::new();
            for a in &m.args {
                match single_ident(a).map(parts) {
                    Some(Ok(p)) => fields.push(p),
                    Some(Err(e)) => errors.push(e),
                    None => errors.push(syn::Error::new(
                        a.span(),
                        "`.distinct(…)` takes field paths (PostgreSQL's DISTINCT ON), e.g. `.distinct(author)`, or nothing",
                    )),
                }
            }
            Op::Distinct { fields, span }
        }
        "select_for_update" => Op::ForUpdate(for_update(m, errors)),
        "union" | "intersection" | "difference" => {
            let op = match name.as_str() {
                "union" => SetOp::Union,
                "intersection" => SetOp::Intersection,
                _ => SetOp::Difference,
            };
            let mut parts = Vec::new();
            let mut all = false;
            for a in &m.args {
                if let Some(sub) = subquery(a) {
                    match sub {
                        Ok(s) => parts.push(s),
                        Err(e) => errors.push(e),
                    }
                    continue;
                }
                match named(a) {
                    Some(n) if n.name.name == "all" && op == SetOp::Union => match &n.value {
                        Expr::Lit(syn::ExprLit {
                            lit: Lit::Bool(b), ..
                        }) => all = b.value,
                        other => errors.push(syn::Error::new(
                            other.span(),
                            "`all` takes `true` or `false`",
                        )),
                    },
                    _ => errors.push(syn::Error::new(
                        a.span(),
                        format!(
                            "`.{name}()` takes queries, `query!(Model.filter(…))`{}",
                            if op == SetOp::Union {
                                ", then `all = true` to keep duplicates"
                            } else {
                                ""
                            }
                        ),
                    )),
                }
            }
            if m.args.is_empty() {
                errors.push(syn::Error::new(
                    span,
                    format!("`.{name}()` needs the queries to combine with, e.g. `.{name}(query!(Article.filter(rating = 5)))`"),
                ));
            }
            Op::Combine {
                op,
                parts,
                all,
                span,
            }
        }
        "values" | "values_list" => values(m, name == "values_list", errors),
        "annotate" => {
            let items = named_args(m, errors);
            if m.args.is_empty() {
                errors.push(syn::Error::new(
                    span,
                    "`.annotate()` needs at least one `name = expression`, e.g. `.annotate(n = Count(tags))`",
                ));
            }
            Op::Annotate(items, span)
        }
        "aggregate" => {
            let items = named_args(m, errors);
            if m.args.is_empty() {
                errors.push(syn::Error::new(
                    span,
                    "`.aggregate()` needs at least one `name = Aggregate(…)`, e.g. `.aggregate(n = Count(pk))`",
                ));
            }
            Op::Terminal(TerminalAst::Aggregate(items, span))
        }
        "count" => {
            no_args(errors);
            Op::Terminal(TerminalAst::Count(span))
        }
        "exists" => {
            no_args(errors);
            Op::Terminal(TerminalAst::Exists(span))
        }
        "first" => {
            no_args(errors);
            Op::Terminal(TerminalAst::First(span))
        }
        "last" => {
            no_args(errors);
            Op::Terminal(TerminalAst::Last(span))
        }
        "reverse" => {
            no_args(errors);
            Op::Reverse(span)
        }
        "all" => {
            no_args(errors);
            Op::All(span)
        }
        "none" => {
            no_args(errors);
            Op::None(span)
        }
        "latest" | "earliest" => {
            let mut keys = Vec::new();
            for a in &m.args {
                match order_key(a) {
                    Ok(k) => keys.push(k),
                    Err(e) => errors.push(e),
                }
            }
            if m.args.is_empty() {
                errors.push(syn::Error::new(
                    span,
                    format!("`.{name}()` needs the fields to order by, e.g. `.{name}(published_date)` (a dunder model has no `get_latest_by`)"),
                ));
            }
            Op::Terminal(TerminalAst::Earliest {
                latest: name == "latest",
                keys,
                span,
            })
        }
        "get" => Op::Terminal(TerminalAst::Get(parse_conds(&m.args, errors), span)),
        "in_bulk" => {
            let mut ids = None;
            let mut field = None;
            for (i, a) in m.args.iter().enumerate() {
                match named(a) {
                    Some(n) if n.name.name == "field_name" => match single_ident(&n.value) {
                        Some(ident) => {
                            field = Some(Part {
                                name: crate::schema::unraw(ident),
                                span: ident.span(),
                            })
                        }
                        None => errors.push(syn::Error::new(
                            n.value.span(),
                            "`field_name` takes a field name: `field_name = slug`",
                        )),
                    },
                    Some(n) => errors.push(syn::Error::new(
                        n.name.span,
                        format!("`.in_bulk()` takes the keys, then `field_name = field`; `{}` is neither", n.name.name),
                    )),
                    None if i == 0 => ids = Some(Box::new(a.clone())),
                    None => errors.push(syn::Error::new(
                        a.span(),
                        "`.in_bulk()` takes the keys (an array, slice, `Vec` or iterator), then `field_name = field`",
                    )),
                }
            }
            Op::Terminal(TerminalAst::InBulk { ids, field, span })
        }
        "update" => {
            let mut assigns = Vec::new();
            for a in &m.args {
                match assign(a) {
                    Ok(x) => assigns.push(x),
                    Err(e) => errors.push(e),
                }
            }
            if m.args.is_empty() {
                errors.push(syn::Error::new(
                    span,
                    "`.update()` needs at least one `field = value`",
                ));
            }
            Op::Terminal(TerminalAst::Update(assigns, span))
        }
        "delete" => {
            no_args(errors);
            Op::Terminal(TerminalAst::Delete(span))
        }
        "create" => {
            let mut assigns = Vec::new();
            for a in &m.args {
                match assign(a) {
                    Ok(x) => assigns.push(x),
                    Err(e) => errors.push(e),
                }
            }
            Op::Terminal(TerminalAst::Create(assigns, span))
        }
        "get_or_create" | "update_or_create" => Op::Terminal(TerminalAst::GetOrCreate(Box::new(
            get_or_create(m, name == "update_or_create", errors),
        ))),
        "fetch_all" | "fetch_one" | "fetch_optional" | "run" | "try_for_each" | "iter" => {
            errors.push(syn::Error::new(
                span,
                format!(
                    "`.{name}()` runs a query: call it on what `query!` returns, e.g. `query!(Model.filter(…)).{name}(&conn)`"
                ),
            ));
            return None;
        }
        other => {
            let msg = if LATER.contains(&other) {
                format!(
                    "`.{other}()` is not supported by dunder yet; supported: {}",
                    METHODS.join(", ")
                )
            } else {
                let hint = did_you_mean(other, METHODS.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                format!(
                    "unknown QuerySet method `.{other}()`{hint} (supported: {})",
                    METHODS.join(", ")
                )
            };
            errors.push(syn::Error::new(span, msg));
            return None;
        }
    })
}

/// `.select_for_update(nowait = true, skip_locked = true, no_key = true,
/// of = (self, author))`.
fn for_update(m: &syn::ExprMethodCall, errors: &mut Errors) -> ForUpdateAst {
    let mut out = ForUpdateAst {
        nowait: false,
        skip_locked: false,
        no_key: false,
        of: None,
        span: m.method.span(),
    };
    for a in &m.args {
        let Some(n) = named(a) else {
            errors.push(syn::Error::new(
                a.span(),
                "`.select_for_update()` takes `nowait = true`, `skip_locked = true`, `no_key = true` or `of = (self, relation, …)`",
            ));
            continue;
        };
        let flag = |errors: &mut Errors| match &n.value {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Bool(b), ..
            }) => b.value,
            other => {
                errors.push(syn::Error::new(
                    other.span(),
                    format!("`{}` takes `true` or `false`", n.name.name),
                ));
                false
            }
        };
        match n.name.name.as_str() {
            "nowait" => out.nowait = flag(errors),
            "skip_locked" => out.skip_locked = flag(errors),
            "no_key" => out.no_key = flag(errors),
            "of" => {
                let items: Vec<&Expr> = match &n.value {
                    Expr::Tuple(t) => t.elems.iter().collect(),
                    Expr::Paren(p) => vec![&*p.expr],
                    other => vec![other],
                };
                let mut of = Vec::new();
                for item in items {
                    match item {
                        Expr::Path(p) if p.path.is_ident("self") => of.push(Vec::new()),
                        other => match single_ident(other).map(parts) {
                            Some(Ok(p)) => of.push(p),
                            Some(Err(e)) => errors.push(e),
                            None => errors.push(syn::Error::new(
                                other.span(),
                                "`of` names `self` (the query's model) and relations it selects, e.g. `of = (self, author)`",
                            )),
                        },
                    }
                }
                out.of = Some(of);
            }
            other => errors.push(syn::Error::new(
                n.name.span,
                format!(
                    "`.select_for_update()` has no option `{other}`: it takes `nowait`, `skip_locked`, `no_key` and `of`"
                ),
            )),
        }
    }
    out
}

/// `name = expression, …` (`.annotate(…)`, `.aggregate(…)`).
fn named_args(m: &syn::ExprMethodCall, errors: &mut Errors) -> Vec<Named> {
    let method = m.method.to_string();
    let mut out = Vec::new();
    for a in &m.args {
        match named(a) {
            Some(n) => out.push(n),
            None => errors.push(syn::Error::new(
                a.span(),
                format!("`.{method}()` takes `name = expression`, e.g. `.{method}(n = Count(tags))`: the name is how the value is read"),
            )),
        }
    }
    out
}

/// `name = expression`, the name one identifier.
fn named(e: &Expr) -> Option<Named> {
    let Expr::Assign(a) = e else {
        return None;
    };
    let ident = single_ident(&a.left)?;
    Some(Named {
        name: Part {
            name: crate::schema::unraw(ident),
            span: ident.span(),
        },
        value: (*a.right).clone(),
    })
}

/// `.values(path, name = expression, …)` /
/// `.values_list(path, …, flat = true)`.
fn values(m: &syn::ExprMethodCall, list: bool, errors: &mut Errors) -> Op {
    let method = m.method.to_string();
    let mut items = Vec::new();
    let mut flat: Option<Span> = None;
    for a in &m.args {
        if let Some(ident) = single_ident(a) {
            match parts(ident) {
                Ok(p) => items.push(ValuesItem::Path(p)),
                Err(e) => errors.push(e),
            }
            continue;
        }
        match named(a) {
            Some(n) if list && n.name.name == "flat" => match &n.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Bool(b), ..
                }) => {
                    if b.value {
                        flat = Some(n.name.span);
                    }
                }
                other => errors.push(syn::Error::new(
                    other.span(),
                    "`flat` takes `true` or `false`",
                )),
            },
            Some(n) => items.push(ValuesItem::Named(n)),
            // A tuple's values need no names (Django's positional
            // expressions of `values_list`).
            None if list && !matches!(a, Expr::Lit(_)) => {
                items.push(ValuesItem::Named(Named {
                    name: Part {
                        name: format!("__value{}", items.len()),
                        span: a.span(),
                    },
                    value: a.clone(),
                }))
            }
            None => errors.push(syn::Error::new(
                a.span(),
                format!("`.{method}()` takes field paths (`title`, `author__name`, `published_date__year`) or `name = expression`{}", if list { "" } else { " (an expression needs a name: `low = Lower(F(title))`)" }),
            )),
        }
    }
    let shape = match (list, flat) {
        (false, _) => Shape::Struct,
        (true, None) => Shape::Tuple,
        (true, Some(span)) => {
            if items.len() != 1 {
                errors.push(syn::Error::new(
                    span,
                    format!(
                        "`flat = true` takes exactly one field: this `.values_list()` has {}",
                        items.len()
                    ),
                ));
            }
            Shape::Flat
        }
    };
    if list && items.is_empty() {
        errors.push(syn::Error::new(
            m.method.span(),
            "`.values_list()` needs the fields to read, e.g. `.values_list(id, title)`",
        ));
    }
    Op::Values {
        shape,
        items,
        span: m.method.span(),
    }
}

/// The arguments of `get_or_create(…)` / `update_or_create(…)`: lookups,
/// then `defaults(…)` and (`update_or_create`) `create_defaults(…)`.
fn get_or_create(m: &syn::ExprMethodCall, update: bool, errors: &mut Errors) -> GetOrCreateAst {
    let method = if update {
        "update_or_create"
    } else {
        "get_or_create"
    };
    let mut out = GetOrCreateAst {
        update,
        lookups: Vec::new(),
        defaults: Vec::new(),
        create_defaults: None,
        span: m.method.span(),
    };
    let mut seen_defaults = false;
    for a in &m.args {
        let group = match a {
            Expr::Call(c) => single_ident(&c.func).map(|i| (i, c)),
            _ => None,
        };
        let Some((ident, call)) =
            group.filter(|(i, _)| *i == "defaults" || *i == "create_defaults")
        else {
            match cond(a) {
                Ok(c) => out.lookups.push(c),
                Err(e) => errors.push(e),
            }
            continue;
        };
        let is_create = ident == "create_defaults";
        if is_create && !update {
            errors.push(syn::Error::new(
                ident.span(),
                "`create_defaults(…)` belongs to `update_or_create`: `get_or_create` creates the row from the lookups and `defaults(…)`",
            ));
            continue;
        }
        let already = if is_create {
            out.create_defaults.is_some()
        } else {
            seen_defaults
        };
        if already {
            errors.push(syn::Error::new(
                ident.span(),
                format!("`{ident}(…)` is given twice in this `.{method}(…)`"),
            ));
            continue;
        }
        let mut assigns = Vec::new();
        for x in &call.args {
            match assign(x) {
                Ok(x) => assigns.push(x),
                Err(e) => errors.push(e),
            }
        }
        if is_create {
            out.create_defaults = Some(assigns);
        } else {
            seen_defaults = true;
            out.defaults = assigns;
        }
    }
    out
}

fn parse_conds(args: &Punctuated<Expr, Token![,]>, errors: &mut Errors) -> Vec<Cond> {
    let mut out = Vec::new();
    for a in args {
        match cond(a) {
            Ok(c) => out.push(c),
            Err(e) => errors.push(e),
        }
    }
    out
}

/// Splits `published_date__year__gte` into parts, each with the ident's span.
fn parts(ident: &syn::Ident) -> syn::Result<Vec<Part>> {
    let name = crate::schema::unraw(ident);
    let span = ident.span();
    let mut out = Vec::new();
    for piece in name.split("__") {
        if piece.is_empty() {
            return Err(syn::Error::new(
                span,
                format!("`{name}`: empty name between `__` separators"),
            ));
        }
        out.push(Part {
            name: piece.to_owned(),
            span,
        });
    }
    Ok(out)
}

fn single_ident(e: &Expr) -> Option<&syn::Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident(),
        _ => None,
    }
}

/// Whether an expression contains `|` or `&` at its top (the sign of
/// `a = 1 | b = 2` written without parentheses).
fn top_logic_op(e: &Expr) -> Option<&BinOp> {
    match e {
        Expr::Binary(b) if matches!(b.op, BinOp::BitOr(_) | BinOp::BitAnd(_)) => Some(&b.op),
        Expr::Binary(b) => top_logic_op(&b.left),
        _ => None,
    }
}

/// `query!(Model …)` (or `dunder::query!`) as a value: the subquery's
/// model and chain, parsed; `None` when `e` is not one.
pub(crate) fn subquery(e: &Expr) -> Option<syn::Result<SubqueryAst>> {
    let Expr::Macro(m) = e else {
        return None;
    };
    if m.mac
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .as_deref()
        != Some("query")
    {
        return None;
    }
    let span = m
        .mac
        .path
        .segments
        .last()
        .map(|s| s.ident.span())
        .unwrap_or_else(Span::call_site);
    let tokens: Vec<TokenTree> = m.mac.tokens.clone().into_iter().collect();
    let is_colon =
        |i: usize| matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':');
    let is_ident = |i: usize| matches!(tokens.get(i), Some(TokenTree::Ident(_)));
    let mut end = 0;
    if is_colon(0) && is_colon(1) {
        end = 2;
    }
    if !is_ident(end) {
        return Some(Err(syn::Error::new(
            span,
            "expected a model first in the subquery: `query!(Author.filter(…).values(pk))`",
        )));
    }
    end += 1;
    while is_colon(end) && is_colon(end + 1) && is_ident(end + 2) {
        end += 3;
    }
    let path: TokenStream = tokens[..end].iter().cloned().collect();
    let chain: TokenStream = tokens[end..].iter().cloned().collect();
    Some((|| {
        Ok(SubqueryAst {
            model: syn::parse2(path)?,
            ast: parse_chain(chain)?,
            span,
        })
    })())
}

pub(crate) fn cond(e: &Expr) -> syn::Result<Cond> {
    match e {
        Expr::Call(c)
            if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Exists")) =>
        {
            match (c.args.len(), c.args.first().and_then(subquery)) {
                (1, Some(sub)) => Ok(Cond::Exists(Box::new(sub?))),
                _ => Err(syn::Error::new(
                    c.span(),
                    "`Exists(…)` takes a subquery: `Exists(query!(Article.filter(author = OuterRef(pk))))`",
                )),
            }
        }
        Expr::Assign(a) => {
            if let Expr::Assign(inner) = &*a.right {
                let op = top_logic_op(&inner.left);
                let (span, sym) = match op {
                    Some(BinOp::BitOr(t)) => (t.span(), "|"),
                    Some(BinOp::BitAnd(t)) => (t.span(), "&"),
                    _ => (inner.eq_token.span(), "="),
                };
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`{sym}` binds tighter than `=`: wrap each condition in parentheses, e.g. `(a = 1) {sym} (b = 2)`"
                    ),
                ));
            }
            if let Some(op) = top_logic_op(&a.left) {
                let sym = if matches!(op, BinOp::BitOr(_)) { "|" } else { "&" };
                return Err(syn::Error::new(
                    op.span(),
                    format!("`{sym}` binds tighter than `=`: wrap each condition in parentheses, e.g. `(a = 1) {sym} (b = 2)`"),
                ));
            }
            let Some(ident) = single_ident(&a.left) else {
                return Err(syn::Error::new(
                    a.left.span(),
                    "expected a field lookup such as `title__icontains` on the left of `=`",
                ));
            };
            Ok(Cond::Leaf(LeafAst {
                parts: parts(ident)?,
                value: (*a.right).clone(),
            }))
        }
        Expr::Paren(p) => cond(&p.expr),
        Expr::Group(g) => cond(&g.expr),
        Expr::Unary(u) if matches!(u.op, UnOp::Not(_)) => Ok(Cond::Not(Box::new(cond(&u.expr)?))),
        Expr::Binary(b) => match b.op {
            BinOp::BitAnd(_) | BinOp::And(_) => {
                let mut items = Vec::new();
                for side in [&*b.left, &*b.right] {
                    match cond(side)? {
                        Cond::And(mut inner) => items.append(&mut inner),
                        c => items.push(c),
                    }
                }
                Ok(Cond::And(items))
            }
            BinOp::BitOr(_) | BinOp::Or(_) => {
                let mut items = Vec::new();
                for side in [&*b.left, &*b.right] {
                    match cond(side)? {
                        Cond::Or(mut inner) => items.append(&mut inner),
                        c => items.push(c),
                    }
                }
                Ok(Cond::Or(items))
            }
            BinOp::Eq(t) => Err(syn::Error::new(
                t.span(),
                "use `=` as in Django: `field = value`, or a lookup such as `field__gt = value`",
            )),
            BinOp::Ne(t) => Err(syn::Error::new(
                t.span(),
                "`!=` is not a lookup: write `!(field = value)` or use `.exclude(field = value)`",
            )),
            BinOp::Lt(_) | BinOp::Le(_) | BinOp::Gt(_) | BinOp::Ge(_) => Err(syn::Error::new(
                b.op.span(),
                "comparison operators are not lookups: write `field__lt = v`, `field__lte = v`, `field__gt = v` or `field__gte = v`",
            )),
            _ => Err(syn::Error::new(
                b.op.span(),
                "expected a condition `field__lookup = value`, combined with `&`, `|` and `!`",
            )),
        },
        other => {
            let hint = if single_ident(other).is_some() {
                ": a condition needs a value, e.g. `is_featured = true`"
            } else {
                ""
            };
            Err(syn::Error::new(
                other.span(),
                format!("expected a condition `field__lookup = value`{hint}"),
            ))
        }
    }
}

/// `field = value` of `.update(…)`.
fn assign(e: &Expr) -> syn::Result<Assign> {
    let Expr::Assign(a) = e else {
        return Err(syn::Error::new(
            e.span(),
            "expected `field = value` (the value may use `F(other_field)`)",
        ));
    };
    let Some(ident) = single_ident(&a.left) else {
        return Err(syn::Error::new(
            a.left.span(),
            "expected a field name on the left of `=`",
        ));
    };
    let mut ps = parts(ident)?;
    if ps.len() != 1 {
        return Err(syn::Error::new(
            ident.span(),
            "`.update()`, `.create()` and `defaults(…)` set fields of the model: lookups and related fields (`a__b`) cannot be set",
        ));
    }
    Ok(Assign {
        field: ps.remove(0),
        value: (*a.right).clone(),
    })
}

fn order_key(e: &Expr) -> syn::Result<OrderKey> {
    // `{expr}`: chosen at run time.
    if let Expr::Block(b) = e {
        if b.label.is_none() && b.attrs.is_empty() {
            if let [syn::Stmt::Expr(inner, None)] = b.block.stmts.as_slice() {
                return Ok(OrderKey {
                    desc: false,
                    parts: Vec::new(),
                    runtime: Some(Box::new(inner.clone())),
                });
            }
        }
        return Err(syn::Error::new(
            e.span(),
            "a key chosen at run time is one expression in braces: `{sort}`, where `sort` is a `dunder::Order<ModelField>`",
        ));
    }
    let (desc, inner) = match e {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => (true, &*u.expr),
        other => (false, other),
    };
    match single_ident(inner) {
        Some(ident) => Ok(OrderKey {
            desc,
            parts: parts(ident)?,
            runtime: None,
        }),
        None => Err(syn::Error::new(
            e.span(),
            "expected a field name, `-field` for descending order, or `{key}` for a key chosen at run time (a `dunder::Order<ModelField>`)",
        )),
    }
}

fn bound(e: &Expr) -> syn::Result<Bound> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) => i.base10_parse::<u64>().map(Bound::Lit),
            other => Err(syn::Error::new(other.span(), "a slice bound must be an integer")),
        },
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => Err(syn::Error::new(
            e.span(),
            "negative indexing is not supported (Django raises on it too): order the query the other way with `.order_by(-field)` instead",
        )),
        Expr::Paren(p) => bound(&p.expr),
        other => Ok(Bound::Expr(Box::new(other.clone()))),
    }
}

fn slice(index: &Expr, errors: &mut Errors) -> Option<SliceAst> {
    let Expr::Range(r) = index else {
        errors.push(syn::Error::new(
            index.span(),
            "index with a range: `[..10]`, `[5..10]` or `[5..]` (a single index is not supported)",
        ));
        return None;
    };
    if let RangeLimits::Closed(t) = r.limits {
        errors.push(syn::Error::new(
            t.span(),
            "use a half-open range `a..b`, as Python's slices are",
        ));
        return None;
    }
    let mut get = |b: &Option<Box<Expr>>| match b.as_deref().map(bound) {
        None => Some(None),
        Some(Ok(b)) => Some(Some(b)),
        Some(Err(e)) => {
            errors.push(e);
            None
        }
    };
    let start = get(&r.start);
    let stop = get(&r.end);
    Some(SliceAst {
        start: start?,
        stop: stop?,
        span: index.span(),
    })
}

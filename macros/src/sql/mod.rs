//! Plan → SQL text, a pure function of the plan and the dialect.

pub mod dialect;

use crate::plan::*;
pub use dialect::{Dialect, Postgres, Sqlite};

/// Quotes an identifier: `"name"`, with `"` doubled.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// One statement in both dialects.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sqlite: String,
    pub postgres: String,
}

impl Statement {
    pub fn of(plan: &Plan) -> Statement {
        Statement {
            sqlite: render(plan, &Sqlite),
            postgres: render(plan, &Postgres),
        }
    }
}

/// The statements of a `get_or_create` / `update_or_create` after its `get`.
/// Each numbers its own placeholders from 1; `*_params` say which of the
/// query's parameters (0-based; for `update`, the one past the last is the
/// primary key of the row found) each placeholder takes.
#[derive(Debug, Clone)]
pub struct GetOrCreateSql {
    pub get_params: Vec<usize>,
    pub update: Option<(Statement, Vec<usize>)>,
    pub insert: Statement,
    pub insert_strict: Statement,
    pub insert_params: Vec<usize>,
    /// Where each column of a created row comes from (both inserts).
    pub sources: Vec<crate::plan::Source>,
}

struct Renderer<'a> {
    plan: &'a Plan,
    d: &'a dyn Dialect,
}

/// Renders the plan's statement in dialect `d`.
pub fn render(plan: &Plan, d: &dyn Dialect) -> String {
    Renderer { plan, d }.statement()
}

impl Renderer<'_> {
    fn column(&self, col: &Col) -> String {
        if col.alias == ANNOTATION {
            // An annotation by name: its expression, inlined (PostgreSQL
            // cannot refer to a SELECT alias in WHERE or HAVING).
            return match self.plan.annotations.iter().find(|a| a.name == col.column) {
                Some(a) => self.expression(&a.expr),
                None => quote(&col.column),
            };
        }
        format!("{}.{}", quote(&col.alias), quote(&col.column))
    }

    /// What a row selects, in order: SQL, its alias, and whether it is an
    /// aggregate (not grouped by).
    fn row_items(&self) -> Vec<(String, Option<&str>, bool)> {
        let plan = self.plan;
        let base = &plan.from.base().alias;
        let mut items = Vec::new();
        let model = match plan.select {
            Select::Model => true,
            Select::Values(_) => false,
            Select::Count | Select::Exists => plan.outputs.is_empty(),
        };
        if model {
            for c in &plan.columns {
                items.push((self.column(&Col::new(base, c)), None, false));
            }
            let mut related = Vec::new();
            Selected::all_columns(&plan.related, &mut related);
            items.extend(related.iter().map(|c| (self.column(c), None, false)));
        }
        for o in &plan.outputs {
            let alias = o.alias.then_some(o.name.as_str());
            items.push((
                self.expression(&o.expr),
                alias,
                o.expr.is_aggregate(&plan.annotations),
            ));
        }
        for op in &plan.extra_select {
            let aggregate = Expression::Column(op.clone()).is_aggregate(&plan.annotations);
            items.push((self.operand(op, false), None, aggregate));
        }
        items
    }

    /// The SELECT list of a row.
    fn row_columns(&self) -> String {
        self.row_items()
            .into_iter()
            .map(|(sql, alias, _)| match alias {
                Some(a) => format!("{sql} AS {}", quote(a)),
                None => sql,
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `GROUP BY` of a query that aggregates (Django's `get_group_by`): the
    /// explicit keys, then every selected, ordering and HAVING expression
    /// that is not an aggregate, each once.
    fn group_by(&self) -> String {
        let plan = self.plan;
        let mut keys: Vec<String> = Vec::new();
        let mut add = |k: String| {
            if !keys.contains(&k) {
                keys.push(k);
            }
        };
        for e in &plan.group_by {
            if !e.is_aggregate(&plan.annotations) {
                add(self.expression(e));
            }
        }
        for (sql, _, aggregate) in self.row_items() {
            if !aggregate {
                add(sql);
            }
        }
        for o in &plan.order {
            if !Expression::Column(o.operand.clone()).is_aggregate(&plan.annotations) {
                add(self.operand(&o.operand, false));
            }
        }
        if let Some(h) = &plan.having {
            let mut operands = Vec::new();
            h.operands(&mut operands);
            for op in operands {
                let e = Expression::Column(op.clone());
                if !e.is_aggregate(&plan.annotations) {
                    add(self.operand(op, false));
                }
            }
        }
        keys.join(", ")
    }

    /// `"table" [AS "alias"] [JOIN …]*`.
    fn from(&self, from: &From) -> String {
        let mut sql = String::new();
        for t in &from.tables {
            if let Some(j) = &t.join {
                sql.push_str(match j.kind {
                    JoinKind::Inner => " INNER JOIN ",
                    JoinKind::Left => " LEFT OUTER JOIN ",
                });
            }
            sql.push_str(&quote(&t.table));
            if t.alias != t.table {
                sql.push(' ');
                sql.push_str(&quote(&t.alias));
            }
            if let Some(j) = &t.join {
                sql.push_str(&format!(
                    " ON ({} = {})",
                    self.column(&j.left),
                    self.column(&Col::new(&t.alias, &j.column))
                ));
            }
        }
        sql
    }

    /// ` LIMIT … OFFSET …` of a slice (empty: none).
    fn limit_offset(&self, slice: &Slice) -> String {
        let value = |v: &SliceValue| match v {
            SliceValue::Lit(n) => n.to_string(),
            SliceValue::Param(p) => self.d.slice_placeholder(*p),
        };
        self.d.limit_offset(
            slice.limit.as_ref().map(value),
            slice.offset.as_ref().map(value),
        )
    }

    /// `SELECT [DISTINCT] cols FROM … [WHERE …] [ORDER BY …] [LIMIT …]`
    fn select(&self, columns: &str, with_order: bool) -> String {
        let plan = self.plan;
        let mut sql = String::from("SELECT ");
        if !plan.distinct_on.is_empty() {
            // PostgreSQL only: the query never runs on SQLite (its type
            // says so), whose text keeps the same form.
            let keys: Vec<String> = plan
                .distinct_on
                .iter()
                .map(|o| self.operand(o, false))
                .collect();
            sql.push_str(&format!("DISTINCT ON ({}) ", keys.join(", ")));
        } else if plan.distinct {
            sql.push_str("DISTINCT ");
        }
        sql.push_str(columns);
        sql.push_str(" FROM ");
        sql.push_str(&self.from(&plan.from));
        if let Some(w) = &plan.filter {
            sql.push_str(" WHERE ");
            sql.push_str(&self.where_top(w));
        }
        if plan.grouped {
            let keys = self.group_by();
            if !keys.is_empty() {
                sql.push_str(" GROUP BY ");
                sql.push_str(&keys);
            }
        }
        if let Some(h) = &plan.having {
            sql.push_str(" HAVING ");
            sql.push_str(&self.where_top(h));
        }
        if with_order && !plan.order.is_empty() {
            sql.push_str(" ORDER BY ");
            // A key ordered by twice counts once (Django's `get_order_by`
            // drops repeats too): `order_by({key}, pk)` with `key` the pk.
            let mut seen: Vec<String> = Vec::new();
            let keys: Vec<String> = plan
                .order
                .iter()
                .filter_map(|o| {
                    let operand = self.operand(&o.operand, false);
                    if seen.contains(&operand) {
                        return None;
                    }
                    seen.push(operand.clone());
                    let dir = if o.desc { " DESC" } else { " ASC" };
                    let nulls = if o.operand.nullable {
                        self.d.nulls(o.desc)
                    } else {
                        ""
                    };
                    Some(format!("{operand}{dir}{nulls}"))
                })
                .collect();
            sql.push_str(&keys.join(", "));
        }
        sql.push_str(&self.limit_offset(&plan.slice));
        if let (Some(f), true) = (&plan.for_update, self.d.row_locks()) {
            sql.push_str(if f.no_key {
                " FOR NO KEY UPDATE"
            } else {
                " FOR UPDATE"
            });
            if !f.of.is_empty() {
                let of: Vec<String> = f.of.iter().map(|a| quote(a)).collect();
                sql.push_str(" OF ");
                sql.push_str(&of.join(", "));
            }
            if f.nowait {
                sql.push_str(" NOWAIT");
            } else if f.skip_locked {
                sql.push_str(" SKIP LOCKED");
            }
        }
        sql
    }

    fn statement(&self) -> String {
        let plan = self.plan;
        if let Some(write) = &plan.write {
            return self.write(write);
        }
        if let Some(c) = &plan.compound {
            return self.compound(c);
        }
        // Counting rows that are not the table's rows (distinct, sliced or
        // grouped) counts the rows of the query as a subquery.
        let simple = !plan.distinct && plan.slice.is_empty() && !plan.grouped;
        if let Some(sub) = &plan.subquery {
            return format!(
                "SELECT {} FROM ({}) {}",
                self.row_columns(),
                render(sub, self.d),
                quote(SUBQUERY)
            );
        }
        match plan.select {
            Select::Model | Select::Values(_) => self.select(&self.row_columns(), true),
            Select::Count if simple => self.select("COUNT(*)", false),
            Select::Count => format!(
                "SELECT COUNT(*) FROM ({}) AS \"subquery\"",
                self.select(&self.row_columns(), true)
            ),
            Select::Exists if simple => format!("SELECT EXISTS({})", self.select("1", false)),
            Select::Exists => {
                format!("SELECT EXISTS({})", self.select(&self.row_columns(), true))
            }
        }
    }

    /// `first UNION [ALL] second … [ORDER BY n …] [LIMIT …]`, counted or
    /// tested for a row as the plan's select says. A part with a slice of
    /// its own is `SELECT * FROM (…)` (SQLite takes no LIMIT in a part of a
    /// compound, nor parentheses); a change of operation wraps what came
    /// before, so `a.union(b).intersection(c)` is `(a ∪ b) ∩ c` on both
    /// backends (PostgreSQL's INTERSECT binds tighter than UNION, SQLite's
    /// does not).
    fn compound(&self, c: &Compound) -> String {
        let part = |p: &Plan, n: usize| {
            let sql = render(p, self.d);
            if p.slice.is_empty() {
                sql
            } else {
                format!("SELECT * FROM ({sql}) AS {}", quote(&format!("__part{n}")))
            }
        };
        let mut body = part(&c.first, 0);
        let mut last: Option<crate::query::ast::SetOp> = None;
        for (i, (op, all, p)) in c.rest.iter().enumerate() {
            if last.is_some_and(|l| l != *op) {
                body = format!(
                    "SELECT * FROM ({body}) AS {}",
                    quote(&format!("__combined{i}"))
                );
            }
            last = Some(*op);
            let keyword = match op {
                crate::query::ast::SetOp::Union if *all => " UNION ALL ",
                crate::query::ast::SetOp::Union => " UNION ",
                crate::query::ast::SetOp::Intersection => " INTERSECT ",
                crate::query::ast::SetOp::Difference => " EXCEPT ",
            };
            body.push_str(keyword);
            body.push_str(&part(p, i + 1));
        }
        let plan = self.plan;
        let sliced = !plan.slice.is_empty();
        let ordered = |mut sql: String| {
            if !c.order.is_empty() {
                let keys: Vec<String> = c
                    .order
                    .iter()
                    .map(|(pos, desc, nullable)| {
                        let dir = if *desc { " DESC" } else { " ASC" };
                        let nulls = if *nullable { self.d.nulls(*desc) } else { "" };
                        format!("{pos}{dir}{nulls}")
                    })
                    .collect();
                sql.push_str(" ORDER BY ");
                sql.push_str(&keys.join(", "));
            }
            sql.push_str(&self.limit_offset(&plan.slice));
            sql
        };
        match plan.select {
            Select::Count if sliced => {
                format!("SELECT COUNT(*) FROM ({}) AS \"subquery\"", ordered(body))
            }
            Select::Count => format!("SELECT COUNT(*) FROM ({body}) AS \"subquery\""),
            Select::Exists => format!("SELECT EXISTS({})", ordered(body)),
            Select::Model | Select::Values(_) => ordered(body),
        }
    }

    /// `UPDATE … SET …`, `DELETE FROM …` (with the WHERE of the plan) or
    /// `INSERT …`. A WHERE that joins other tables becomes
    /// `WHERE pk IN (SELECT pk FROM … JOIN … WHERE …)`, as Django writes it.
    fn write(&self, write: &Write) -> String {
        let table = quote(&self.plan.from.base().table);
        let returning = || {
            let cols: Vec<String> = self.plan.columns.iter().map(|c| quote(c)).collect();
            format!(" RETURNING {}", cols.join(", "))
        };
        let mut sql = match write {
            Write::Update(assignments) | Write::UpdateReturning(assignments) => {
                let sets: Vec<String> = assignments
                    .iter()
                    .map(|a| format!("{} = {}", quote(&a.column), self.stored(a)))
                    .collect();
                format!("UPDATE {table} SET {}", sets.join(", "))
            }
            Write::Delete => format!("DELETE FROM {table}"),
            Write::InsertIfAbsent(assignments, fill) | Write::Create(assignments, fill) => {
                let returning = || returning_clause(&fill.returning);
                if assignments.is_empty() {
                    // Nothing given can conflict (SQLite has no upsert
                    // after DEFAULT VALUES).
                    return format!("INSERT INTO {table} DEFAULT VALUES{}", returning());
                }
                let cols: Vec<String> = assignments.iter().map(|a| quote(&a.column)).collect();
                let vals: Vec<String> = assignments.iter().map(|a| self.stored(a)).collect();
                let on_conflict = if matches!(write, Write::InsertIfAbsent(..)) {
                    " ON CONFLICT DO NOTHING"
                } else {
                    ""
                };
                return format!(
                    "INSERT INTO {table} ({}) VALUES ({}){on_conflict}{}",
                    cols.join(", "),
                    vals.join(", "),
                    returning()
                );
            }
        };
        if let Some(w) = &self.plan.filter {
            sql.push_str(" WHERE ");
            if self.plan.from.has_joins() {
                let pk = Col::new(&self.plan.from.base().alias, &self.plan.pk_column);
                sql.push_str(&format!(
                    "{} IN (SELECT {} FROM {} WHERE {})",
                    self.column(&pk),
                    self.column(&pk),
                    self.from(&self.plan.from),
                    self.where_top(w)
                ));
            } else {
                sql.push_str(&self.where_top(w));
            }
        }
        if matches!(write, Write::UpdateReturning(_)) {
            sql.push_str(&returning());
        }
        sql
    }

    /// The value an assignment stores.
    fn stored(&self, a: &Assignment) -> String {
        match a.value {
            Expression::Null => "NULL".to_owned(),
            _ => self.d.store(self.expression(&a.value), a.decimal),
        }
    }

    fn expression(&self, e: &Expression) -> String {
        match e {
            Expression::Param(n, kind) => self.d.placeholder(*n, *kind, false),
            Expression::Null => "NULL".to_owned(),
            Expression::Column(op) => self.operand(op, false),
            Expression::Binary(l, '/', r) if is_decimal(l) || is_decimal(r) => self
                .d
                .decimal_divide(&self.expression(l), &self.expression(r)),
            Expression::Binary(l, op, r) => {
                format!("({} {op} {})", self.expression(l), self.expression(r))
            }
            Expression::Neg(x) => format!("(-{})", self.expression(x)),
            Expression::Aggregate(a) => {
                let arg = match &a.arg {
                    Some(e) => self.expression(e),
                    None => "*".to_owned(),
                };
                let distinct = if a.distinct { "DISTINCT " } else { "" };
                let mut sql = format!("{}({distinct}{arg})", a.func.sql());
                if let Some(f) = &a.filter {
                    sql.push_str(&format!(" FILTER (WHERE {})", self.where_top(f)));
                }
                let sql = self.d.aggregate_result(sql, a.func, a.kind);
                match &a.default {
                    Some(d) => format!("COALESCE({sql}, {})", self.expression(d)),
                    None => sql,
                }
            }
            Expression::Func(f) => self.func(f),
            Expression::Query(p, true) => self.exists(p),
            Expression::Query(p, false) => format!("({})", render(p, self.d)),
        }
    }

    fn func(&self, f: &Func) -> String {
        let list = |xs: &[Expression], sep: &str| {
            xs.iter()
                .map(|x| self.expression(x))
                .collect::<Vec<_>>()
                .join(sep)
        };
        match f {
            Func::Lower(x) => self.d.lower(&self.expression(x)),
            Func::Upper(x) => self.d.upper(&self.expression(x)),
            Func::Length(x) => format!("LENGTH({})", self.expression(x)),
            Func::Concat(xs) => {
                let parts: Vec<String> = xs
                    .iter()
                    .map(|x| format!("COALESCE({}, '')", self.expression(x)))
                    .collect();
                format!("({})", parts.join(" || "))
            }
            Func::Coalesce(xs) => format!("COALESCE({})", list(xs, ", ")),
            Func::Cast(x, kind) => {
                format!(
                    "CAST({} AS {})",
                    self.expression(x),
                    self.d.cast_type(*kind)
                )
            }
            Func::Case { whens, default } => {
                let mut sql = String::from("CASE");
                for (w, e) in whens {
                    sql.push_str(&format!(
                        " WHEN {} THEN {}",
                        self.where_top(w),
                        self.expression(e)
                    ));
                }
                if let Some(d) = default {
                    sql.push_str(&format!(" ELSE {}", self.expression(d)));
                }
                sql.push_str(" END");
                sql
            }
        }
    }

    /// `EXISTS(SELECT 1 FROM … WHERE …)` of a subquery.
    fn exists(&self, p: &Plan) -> String {
        format!(
            "EXISTS({})",
            Renderer { plan: p, d: self.d }.select("1", false)
        )
    }

    /// The top of a WHERE: an AND needs no parentheses there.
    fn where_top(&self, w: &Where) -> String {
        fn flatten<'w>(w: &'w Where, out: &mut Vec<&'w Where>) {
            match w {
                Where::And(items) if !items.is_empty() => {
                    items.iter().for_each(|i| flatten(i, out))
                }
                other => out.push(other),
            }
        }
        let mut items = Vec::new();
        flatten(w, &mut items);
        items
            .iter()
            .map(|i| self.where_(i, false))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Renders a condition. Under a NOT (`negated`), a leaf on a nullable
    /// column also requires the column to be NOT NULL, so that NOT(c) is the
    /// exact complement of c (Django's exclude semantics).
    fn where_(&self, w: &Where, negated: bool) -> String {
        match w {
            Where::And(items) | Where::Or(items) if items.is_empty() => {
                // An empty AND is true, an empty OR is false.
                if matches!(w, Where::And(_)) {
                    "1 = 1"
                } else {
                    "1 = 0"
                }
                .to_owned()
            }
            Where::And(items) if items.len() == 1 => self.where_(&items[0], negated),
            Where::Or(items) if items.len() == 1 => self.where_(&items[0], negated),
            Where::And(items) => format!(
                "({})",
                items
                    .iter()
                    .map(|i| self.where_(i, negated))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            ),
            Where::Or(items) => format!(
                "({})",
                items
                    .iter()
                    .map(|i| self.where_(i, negated))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
            Where::Not(inner) => {
                let body = match &**inner {
                    Where::And(items) if items.len() > 1 => items
                        .iter()
                        .map(|i| self.where_(i, true))
                        .collect::<Vec<_>>()
                        .join(" AND "),
                    Where::Leaf(_) | Where::In(_) | Where::Query(_) => {
                        let body = self.where_(inner, true);
                        // A guarded leaf is already one parenthesised group.
                        match body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
                            Some(b) if self.guarded(inner) => b.to_owned(),
                            _ => body,
                        }
                    }
                    other => self.where_(other, true),
                };
                format!("NOT ({body})")
            }
            Where::Leaf(leaf) => {
                let sql = self.leaf(leaf);
                if negated && self.guarded(w) {
                    // NOT(c) is the complement of c only where c is not
                    // NULL: every nullable column it reads must be there.
                    let mut cols = Vec::new();
                    if leaf.lhs.nullable {
                        cols.push(&leaf.lhs.col);
                    }
                    if let Some(rhs) = &leaf.rhs {
                        rhs.nullable_columns(&mut cols);
                    }
                    let guards: Vec<String> = cols
                        .iter()
                        .map(|c| format!(" AND {} IS NOT NULL", self.column(c)))
                        .collect();
                    format!("({sql}{})", guards.concat())
                } else {
                    sql
                }
            }
            Where::Query(q) => match &q.lhs {
                None => self.exists(&q.query),
                Some(lhs) => {
                    let col = self.operand(lhs, false);
                    let sql = format!("{col} IN ({})", render(&q.query, self.d));
                    if negated && lhs.nullable {
                        format!("({sql} AND {col} IS NOT NULL)")
                    } else {
                        sql
                    }
                }
            },
            Where::In(sub) => {
                let mut inner = format!(
                    "SELECT {} FROM {}",
                    self.column(&sub.select),
                    self.from(&sub.from)
                );
                let mut conds = Vec::new();
                if let Some(w) = &sub.filter {
                    conds.push(self.where_top(w));
                }
                if sub.not_null {
                    conds.push(format!("{} IS NOT NULL", self.column(&sub.select)));
                }
                if !conds.is_empty() {
                    inner.push_str(" WHERE ");
                    inner.push_str(&conds.join(" AND "));
                }
                let lhs = self.column(&sub.lhs);
                let sql = format!("{lhs} IN ({inner})");
                match (sub.lhs_nullable, sub.null_matches, negated) {
                    // No row to relate from matches a condition that holds
                    // without related rows…
                    (true, true, _) => format!("({sql} OR {lhs} IS NULL)"),
                    // …and no other: under a NOT, keep `NOT (NULL IN …)`
                    // from being NULL.
                    (true, false, true) => format!("({sql} AND {lhs} IS NOT NULL)"),
                    _ => sql,
                }
            }
        }
    }

    /// Whether a leaf needs `AND col IS NOT NULL` under a NOT.
    fn guarded(&self, w: &Where) -> bool {
        match w {
            Where::Leaf(leaf) => {
                let mut cols = Vec::new();
                if let Some(rhs) = &leaf.rhs {
                    rhs.nullable_columns(&mut cols);
                }
                (leaf.lhs.nullable || !cols.is_empty()) && !matches!(leaf.lookup, Lookup::IsNull(_))
            }
            // Both forms of a nullable left side are one parenthesised group.
            Where::In(sub) => sub.lhs_nullable,
            Where::Query(q) => q.lhs.as_ref().is_some_and(|l| l.nullable),
            _ => false,
        }
    }

    /// The operand with its transforms (all but the last when `drop_last`).
    fn operand(&self, op: &Operand, drop_last: bool) -> String {
        let col = self.column(&op.col);
        let n = op.transforms.len() - usize::from(drop_last && !op.transforms.is_empty());
        if n == 0 {
            return col;
        }
        let mut expr = self.d.transform_base(col, op.column_kind);
        for (t, input) in &op.transforms[..n] {
            expr = self.d.transform(*t, &expr, *input);
        }
        expr
    }

    fn leaf(&self, leaf: &Leaf) -> String {
        let d = self.d;
        let list = leaf.lookup == Lookup::In;
        let p: Vec<String> = leaf
            .params
            .iter()
            .map(|(n, kind)| d.placeholder(*n, *kind, list))
            .collect();
        let p0 = || match &leaf.rhs {
            Some(e) => self.expression(e),
            None => p.first().cloned().unwrap_or_default(),
        };
        if leaf.year_between {
            let lhs = self.operand(&leaf.lhs, true);
            return match leaf.lookup {
                Lookup::Exact => format!(
                    "{lhs} BETWEEN {} AND {}",
                    p0(),
                    p.get(1).cloned().unwrap_or_default()
                ),
                Lookup::Gt => format!("{lhs} > {}", p0()),
                Lookup::Gte => format!("{lhs} >= {}", p0()),
                Lookup::Lt => format!("{lhs} < {}", p0()),
                _ => format!("{lhs} <= {}", p0()),
            };
        }
        let lhs = self.operand(&leaf.lhs, false);
        match leaf.lookup {
            Lookup::Exact => format!("{lhs} = {}", p0()),
            Lookup::IExact => format!("{} = {}", d.upper(&lhs), d.upper(&p0())),
            Lookup::Contains => d.contains(&lhs, &p0()),
            Lookup::IContains => d.contains(&d.upper(&lhs), &d.upper(&p0())),
            Lookup::StartsWith => d.starts_with(&lhs, &p0()),
            Lookup::IStartsWith => d.starts_with(&d.upper(&lhs), &d.upper(&p0())),
            Lookup::EndsWith => d.ends_with(&lhs, &p0()),
            Lookup::IEndsWith => d.ends_with(&d.upper(&lhs), &d.upper(&p0())),
            Lookup::In => d.in_list(&lhs, &p0(), leaf.lhs.kind()),
            Lookup::Gt => format!("{lhs} > {}", p0()),
            Lookup::Gte => format!("{lhs} >= {}", p0()),
            Lookup::Lt => format!("{lhs} < {}", p0()),
            Lookup::Lte => format!("{lhs} <= {}", p0()),
            Lookup::Range => format!(
                "{lhs} BETWEEN {} AND {}",
                p0(),
                p.get(1).cloned().unwrap_or_default()
            ),
            Lookup::IsNull(true) => format!("{lhs} IS NULL"),
            Lookup::IsNull(false) => format!("{lhs} IS NOT NULL"),
            Lookup::Regex => d.regex(&lhs, &p0(), false),
            Lookup::IRegex => d.regex(&lhs, &p0(), true),
        }
    }
}

/// Whether an expression computes with a decimal (its kind, or a side's).
fn is_decimal(e: &Expression) -> bool {
    match e {
        Expression::Param(_, kind) => *kind == Kind::Decimal,
        Expression::Null => false,
        Expression::Column(op) => op.kind() == Kind::Decimal,
        Expression::Binary(l, _, r) => is_decimal(l) || is_decimal(r),
        Expression::Neg(x) => is_decimal(x),
        Expression::Aggregate(a) => a.kind == Kind::Decimal,
        Expression::Query(p, exists) => {
            !exists && p.outputs.first().is_some_and(|o| o.kind == Kind::Decimal)
        }
        Expression::Func(f) => match &**f {
            // A length or a cast has its own kind.
            Func::Length(_) => false,
            Func::Cast(_, kind) => *kind == Kind::Decimal,
            other => other.expressions().into_iter().any(is_decimal),
        },
    }
}

/// A column an INSERT of many rows writes: its name, kind, and precision
/// when it holds a decimal.
pub type InsertColumn = (String, Kind, Option<(u16, u16)>);

/// ` RETURNING "a", "b"`, or nothing when `returning` is empty.
fn returning_clause(returning: &[String]) -> String {
    if returning.is_empty() {
        return String::new();
    }
    let ret: Vec<String> = returning.iter().map(|c| quote(c)).collect();
    format!(" RETURNING {}", ret.join(", "))
}

/// `INSERT INTO table (columns) VALUES (…), … RETURNING returning`, `rows`
/// rows of placeholders numbered from 1 (SQLite's multi-row insert); no
/// `RETURNING` when `returning` is empty.
pub fn insert_rows(
    d: &dyn Dialect,
    table: &str,
    columns: &[InsertColumn],
    rows: usize,
    returning: &[String],
) -> String {
    let ret = returning_clause(returning);
    if columns.is_empty() {
        return format!("INSERT INTO {} DEFAULT VALUES{ret}", quote(table));
    }
    let cols: Vec<String> = columns.iter().map(|(c, ..)| quote(c)).collect();
    let mut n = 0;
    let values: Vec<String> = (0..rows)
        .map(|_| {
            let ps: Vec<String> = columns
                .iter()
                .map(|(_, k, decimal)| {
                    n += 1;
                    d.store(d.placeholder(n, *k, false), *decimal)
                })
                .collect();
            format!("({})", ps.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES {}{ret}",
        quote(table),
        cols.join(", "),
        values.join(", "),
    )
}

/// The SQLite INSERT of any number of rows in three parts: `INSERT INTO t
/// (cols) VALUES `, one row of `?` placeholders (numbered in order by
/// SQLite) to repeat with `, ` between, and ` RETURNING …` (empty when
/// `returning` is).
pub fn insert_rows_parts(
    table: &str,
    columns: &[InsertColumn],
    returning: &[String],
) -> (String, String, String) {
    let cols: Vec<String> = columns.iter().map(|(c, ..)| quote(c)).collect();
    let row: Vec<String> = columns
        .iter()
        .map(|(_, _, decimal)| Sqlite.store("?".to_owned(), *decimal))
        .collect();
    (
        format!("INSERT INTO {} ({}) VALUES ", quote(table), cols.join(", ")),
        format!("({})", row.join(", ")),
        returning_clause(returning),
    )
}

/// `INSERT INTO table (columns) SELECT * FROM UNNEST($1::type[], …) RETURNING
/// returning`: every row from one array per column (PostgreSQL); no
/// `RETURNING` when `returning` is empty.
pub fn insert_unnest(table: &str, columns: &[InsertColumn], returning: &[String]) -> String {
    let ret = returning_clause(returning);
    if columns.is_empty() {
        // Rows with no column given: as many as `$1` says, all defaults.
        return format!(
            "INSERT INTO {} SELECT FROM generate_series(1, $1::int8){ret}",
            quote(table),
        );
    }
    let cols: Vec<String> = columns.iter().map(|(c, ..)| quote(c)).collect();
    let arrays: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, k, _))| Postgres.placeholder(i + 1, *k, true))
        .collect();
    format!(
        "INSERT INTO {} ({}) SELECT * FROM UNNEST({}){ret}",
        quote(table),
        cols.join(", "),
        arrays.join(", "),
    )
}

/// The statements of a many-to-many field's related manager on its through
/// `table` (`source`: the column of the row's key, parameter 1; `target`:
/// the related keys, parameter 2, a list).
pub struct ManyToManyStatements {
    pub add: Statement,
    pub remove: Statement,
    pub keep_only: Statement,
    pub clear: Statement,
    pub set_postgres: String,
}

pub fn many_to_many(table: &str, source: &str, target: &str) -> ManyToManyStatements {
    let t = quote(table);
    let (s, d) = (quote(source), quote(target));
    let kind = Kind::I64;
    let per = |dl: &dyn Dialect| {
        let key = dl.placeholder(1, kind, false);
        let list = dl.placeholder(2, kind, true);
        let col = |c: &str| format!("{t}.{c}");
        let values = match dl.placeholder(1, kind, false).starts_with('?') {
            // SQLite's `rarray` has one column, `value`; an upsert after a
            // SELECT needs a WHERE.
            true => format!("SELECT {key}, \"value\" FROM rarray({list}) WHERE true"),
            false => format!("SELECT {key}, \"k\" FROM UNNEST({list}) AS \"k\""),
        };
        // Only a pair already there is skipped: any other conflict is an error.
        let add = format!("INSERT INTO {t} ({s}, {d}) {values} ON CONFLICT ({s}, {d}) DO NOTHING");
        let in_list = dl.in_list(&col(&d), &list, kind);
        let remove = format!("DELETE FROM {t} WHERE {} = {key} AND {in_list}", col(&s));
        let keep_only = format!(
            "DELETE FROM {t} WHERE {} = {key} AND NOT ({in_list})",
            col(&s)
        );
        let clear = format!("DELETE FROM {t} WHERE {} = {key}", col(&s));
        (add, remove, keep_only, clear)
    };
    let (a1, r1, k1, c1) = per(&Sqlite);
    let (a2, r2, k2, c2) = per(&Postgres);
    let set_postgres = format!("WITH \"removed\" AS ({k2}) {a2}");
    let st = |sqlite: String, postgres: String| Statement { sqlite, postgres };
    ManyToManyStatements {
        add: st(a1, a2),
        remove: st(r1, r2),
        keep_only: st(k1, k2),
        clear: st(c1, c2),
        set_postgres,
    }
}

#!/usr/bin/env python3
"""Django ORM reference oracle for dunder, with QuerySet-method cases.

A copy of the shared oracle (shared/conformance/oracle.py, Django 5.2) extended
with the case keys of QUERYSET.md: `none`, `distinct_fields`, `reverse`,
`combine` (union/intersection/difference), `then` (what follows the
combination) and `terminal` (count, exists, first, last, latest, earliest,
in_bulk). A case without them is evaluated exactly as by oracle.py.

Runs real Django (no project, no settings module: settings.configure) against a
SQLite file and/or a PostgreSQL database, seeds a fixed, deliberately awkward
dataset, and evaluates JSON-described filter cases, printing the primary keys
Django returns for each case (and, with --sql, the exact SQL + params Django
sent to the driver).

Subcommands (see README.md):
  seed     --sqlite PATH [--postgres URL]          create schema + insert dataset
  run      CASES.json --sqlite PATH | --postgres URL [--sql] [--no-seed] [-o OUT]
  schema   --sqlite PATH | --postgres URL           print Django's DDL
  dataset                                           print the dataset as JSON
  diff     A.json B.json                            cases whose answers differ

Case format (cases.json: {"cases": [ ... ]}):
  {"id": "unique_name", "model": "Article",
   "filter":  NODE or [NODE, ...],      # a list = chained .filter() calls
   "exclude": NODE or [NODE, ...],      # applied after all filters
   "distinct": true, "order_by": ["-rating", "id"], "slice": [start, stop],
   "note": "free text"}
  NODE  := {"lookup": VALUE, ...}       # kwargs, i.e. Q(**kwargs)
         | {"$and": [NODE, ...]} | {"$or": [NODE, ...]} | {"$not": NODE}
  VALUE := JSON scalar / null / list (for in, range)
         | {"$F": "field__path"}                                # F()
         | {"$op": "+|-|*|/", "lhs": VALUE, "rhs": VALUE}      # arithmetic
         | {"$date": "YYYY-MM-DD"} | {"$datetime": "YYYY-MM-DD HH:MM:SS[.ffffff]"}
         | {"$time": "HH:MM:SS[.ffffff]"} | {"$decimal": "1.23"}
         | {"$sub": {"model": M, "filter": NODE, "values": "field"}}  # subquery
  Plain strings are also accepted for date/datetime/time/decimal fields:
  Django parses them with the field's to_python().

Projection / aggregate cases (optional keys; a case with any of them answers
"rows" instead of "pks"; see README.md "Projection and aggregate cases"):
   "group_by": [field, ...]             # .values(*fields) BEFORE .annotate()
   "annotate": {name: ANN, ...}         # .annotate(**)
   "having":   NODE or [NODE, ...]      # .filter() calls AFTER .annotate()
   "values": [field, ...] | "values_list": [field, ...], "flat": true
                                        # final projection (after order_by)
   "aggregate": {name: AGG, ...}        # .aggregate(**): one row
  ANN   := AGG | VALUE ($F / $op)
  AGG   := {"$agg": "Count|Sum|Avg|Min|Max", "field": "path" | VALUE,
            "distinct": bool, "filter": NODE, "default": VALUE}
  Order: filter, exclude, group_by, annotate, having, distinct, order_by,
  values/values_list, slice, aggregate.
"""

import argparse
import datetime
import decimal
import functools
import json
import operator
import os
import sys
from urllib.parse import unquote, urlparse

SQLITE = "sqlite"
POSTGRES = "postgres"

_configured = False
MODELS = {}


# --------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------


def pg_settings_from_url(url):
    u = urlparse(url)
    if u.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"--postgres must be a postgres:// URL, got {url!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(u.path.lstrip("/")) or "postgres",
        "USER": unquote(u.username or ""),
        "PASSWORD": unquote(u.password or ""),
        "HOST": u.hostname or "",
        "PORT": str(u.port or ""),
    }


def configure(sqlite_path=None, pg_url=None, use_tz=False):
    """Configure Django with aliases 'sqlite' and/or 'postgres'.

    'default' is Django's dummy backend on purpose: every query in this
    oracle names its database explicitly with .using(alias).
    """
    global _configured
    if _configured:
        return
    import django
    from django.conf import settings

    # A real (installed) app is needed for reverse relations (related_name)
    # to be visible in lookups; register an in-memory module as that app so
    # that nothing has to be importable from disk.
    import types

    app_module = types.ModuleType("dunder_oracle")
    app_module.__file__ = os.path.abspath(__file__)
    sys.modules.setdefault("dunder_oracle", app_module)

    dbs = {"default": {}}
    if sqlite_path:
        dbs[SQLITE] = {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path}
    if pg_url:
        dbs[POSTGRES] = pg_settings_from_url(pg_url)
    settings.configure(
        DEBUG=False,
        DATABASES=dbs,
        INSTALLED_APPS=["dunder_oracle"],
        USE_TZ=use_tz,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()
    if use_tz:
        # case values are naive strings; Django interprets them in TIME_ZONE (UTC)
        import warnings

        warnings.filterwarnings("ignore", message=".*received a naive datetime")
    define_models()
    _configured = True


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------


def define_models():
    from django.db import models

    class Author(models.Model):
        name = models.CharField(max_length=100)
        email = models.CharField(max_length=254, null=True)
        born = models.DateField(null=True)

        class Meta:
            app_label = "dunder_oracle"
            db_table = "author"

    class Tag(models.Model):
        name = models.CharField(max_length=50)

        class Meta:
            app_label = "dunder_oracle"
            db_table = "tag"

    class Article(models.Model):
        title = models.CharField(max_length=200)
        content = models.TextField()
        published_date = models.DateField()
        published_at = models.DateTimeField(null=True)
        rating = models.IntegerField()
        score = models.FloatField(null=True)
        is_featured = models.BooleanField(default=False)
        start_time = models.TimeField(null=True)
        price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
        author = models.ForeignKey(
            Author, on_delete=models.CASCADE, related_name="articles"
        )
        editor = models.ForeignKey(
            Author,
            on_delete=models.SET_NULL,
            null=True,
            related_name="edited_articles",
        )
        tags = models.ManyToManyField(Tag, related_name="articles")

        class Meta:
            app_label = "dunder_oracle"
            db_table = "article"

    MODELS.update(Author=Author, Tag=Tag, Article=Article)
    return MODELS


# --------------------------------------------------------------------------
# dataset (deterministic; every awkward value is intentional)
# --------------------------------------------------------------------------

D = datetime.date
DT = datetime.datetime
T = datetime.time
DEC = decimal.Decimal

AUTHORS = [
    # id, name, email, born
    (1, "Alice", "alice@example.com", D(1980, 2, 29)),
    (2, "bob", None, None),
    (3, "Ünïcødé Ö", "UPPER@EXAMPLE.COM", D(1999, 12, 31)),
    (4, "O'Brien", "", D(2000, 1, 1)),
    (5, "100% _real_ \\ back", "percent%@x.org", D(1970, 1, 1)),
    (6, "ALICE", "alice2@example.com", D(2004, 2, 29)),
    (7, "Zed", None, D(2020, 12, 31)),  # has no articles
]

TAGS = [
    (1, "python"),
    (2, "Rust"),
    (3, "django_orm"),
    (4, "50%"),
    (5, ""),
    (6, "été"),
    (7, "unused"),  # on no article
    (8, "PYTHON"),
]

ARTICLE_COLUMNS = (
    "id title content published_date published_at rating score is_featured "
    "start_time price author editor tags"
).split()

ARTICLES = [
    (1, "Hello World", "First post. 100% fun", D(2020, 2, 29),
     DT(2020, 2, 29, 12, 30, 45), 5, 4.5, True, T(12, 30, 45), DEC("9.99"),
     1, 2, [1, 2]),
    (2, "hello world", "second\nline", D(2019, 12, 31),
     DT(2019, 12, 31, 23, 59, 59, 999999), 3, None, False, None, None,
     1, None, [1, 8]),
    (3, "50% off", "discount_code: A_B", D(2020, 1, 1),
     DT(2020, 1, 1, 0, 0, 0), 0, 0.0, False, T(0, 0, 0), DEC("0.00"),
     2, None, [4]),
    (4, "under_score", "path C:\\temp\\new", D(2021, 1, 3),
     DT(2021, 1, 3, 8, 15), -1, -2.5, True, T(23, 59, 59), DEC("10.10"),
     3, 1, [3, 4]),
    (5, "back\\slash", "", D(2018, 12, 31),
     None, 10, 2.5, False, T(6, 0), DEC("100.00"),
     5, 5, []),
    (6, "Ünïcødé Çafé", "naïve résumé", D(2024, 2, 29),
     DT(2024, 2, 29, 0, 0, 1), 4, 3.0, True, T(18, 45, 30, 250000), None,
     3, None, [6]),
    (7, "", "empty title", D(2022, 6, 15),
     DT(2022, 6, 15, 14, 0), 2, None, False, None, DEC("5.50"),
     4, 4, [5]),
    (8, "O'Reilly \"quoted\"", "it's", D(2023, 3, 31),
     DT(2023, 4, 1, 0, 0), 7, 7.25, False, T(9, 5, 7), DEC("1.00"),
     4, None, [1, 3]),
    (9, "MiXeD CaSe", "MIXED case content", D(2023, 10, 1),
     DT(2023, 9, 30, 23, 0), 1, 1000000.5, True, T(12, 0), DEC("99.99"),
     6, 3, [2]),
    (10, "%%", "__", D(2020, 12, 31),
     DT(2020, 12, 31, 23, 59, 59), 2147483647, 0.1, False,
     T(0, 0, 0, 1), DEC("0.01"),
     5, None, [4, 5]),
    (11, "Rust & Django", "regex: a+b*c?", D(2021, 7, 4),
     DT(2021, 7, 4, 7, 4), 5, None, False, None, None,
     6, 6, [2, 3]),
    (12, "trailing space ", "tab\there", D(2016, 2, 29),
     DT(2016, 2, 29, 2, 29), 3, 3.0, False, T(2, 29), DEC("2.90"),
     2, 1, [1, 2, 3]),
    (13, "NULL", "None", D(2000, 1, 1),
     DT(2000, 1, 1, 0, 0), -100, -0.5, False, T(0, 0), None,
     1, None, [8]),
    (14, "ß straße", "STRASSE", D(2017, 1, 1),
     DT(2017, 1, 1, 0, 0), 6, 6.0, False, None, DEC("3.33"),
     3, 3, [6]),
]


def seed(alias):
    """Drop and recreate the three tables (+ M2M table) and insert the dataset."""
    from django.conf import settings
    from django.core.management.color import no_style
    from django.db import connections, transaction

    Author, Tag, Article = MODELS["Author"], MODELS["Tag"], MODELS["Article"]
    conn = connections[alias]
    existing = set(conn.introspection.table_names())
    through = Article.tags.through
    with conn.schema_editor() as ed:
        for m in (Article, Tag, Author):
            if m._meta.db_table in existing:
                ed.delete_model(m)  # also drops the auto-created M2M table
        if through._meta.db_table in set(conn.introspection.table_names()):
            ed.delete_model(through)
        for m in (Author, Tag, Article):
            ed.create_model(m)  # Article also creates article_tags
    with transaction.atomic(using=alias):
        Author.objects.using(alias).bulk_create(
            [Author(id=i, name=n, email=e, born=b) for (i, n, e, b) in AUTHORS]
        )
        Tag.objects.using(alias).bulk_create([Tag(id=i, name=n) for (i, n) in TAGS])
        rows, links, link_id = [], [], 0
        for rec in ARTICLES:
            r = dict(zip(ARTICLE_COLUMNS, rec))
            if settings.USE_TZ and r["published_at"] is not None:
                r["published_at"] = r["published_at"].replace(tzinfo=datetime.timezone.utc)
            tags = r.pop("tags")
            r["author_id"] = r.pop("author")
            r["editor_id"] = r.pop("editor")
            rows.append(Article(**r))
            for t in tags:
                link_id += 1
                links.append(through(id=link_id, article_id=r["id"], tag_id=t))
        Article.objects.using(alias).bulk_create(rows)
        through.objects.using(alias).bulk_create(links)
        # explicit ids do not advance PostgreSQL identity sequences: reset them
        with conn.cursor() as cur:
            for sql in conn.ops.sequence_reset_sql(
                no_style(), [Author, Tag, Article, through]
            ):
                cur.execute(sql)


def dataset_json():
    def enc(v):
        if isinstance(v, (datetime.date, datetime.time, decimal.Decimal)):
            return str(v)  # datetime -> 'YYYY-MM-DD HH:MM:SS[.ffffff]'
        return v

    arts, links, link_id = [], [], 0
    for rec in ARTICLES:
        r = {k: enc(v) for k, v in zip(ARTICLE_COLUMNS, rec)}
        tags = r.pop("tags")
        r["author_id"] = r.pop("author")
        r["editor_id"] = r.pop("editor")
        arts.append(r)
        for t in tags:
            link_id += 1
            links.append({"id": link_id, "article_id": r["id"], "tag_id": t})
    return {
        "author": [
            {"id": i, "name": n, "email": e, "born": enc(b)}
            for (i, n, e, b) in AUTHORS
        ],
        "tag": [{"id": i, "name": n} for (i, n) in TAGS],
        "article": arts,
        "article_tags": links,
    }


def schema_sql(alias):
    from django.db import connections

    conn = connections[alias]
    with conn.schema_editor(collect_sql=True) as ed:
        for m in (MODELS["Author"], MODELS["Tag"], MODELS["Article"]):
            ed.create_model(m)
    return list(ed.collected_sql)


# --------------------------------------------------------------------------
# case evaluation
# --------------------------------------------------------------------------

OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def build_value(v, alias):
    from django.db.models import F

    if isinstance(v, list):
        return [build_value(x, alias) for x in v]
    if not isinstance(v, dict):
        return v
    if "$F" in v:
        return F(v["$F"])
    if "$op" in v:
        return OPS[v["$op"]](build_value(v["lhs"], alias), build_value(v["rhs"], alias))
    if "$date" in v:
        return datetime.date.fromisoformat(v["$date"])
    if "$datetime" in v:
        return datetime.datetime.fromisoformat(v["$datetime"])
    if "$time" in v:
        return datetime.time.fromisoformat(v["$time"])
    if "$decimal" in v:
        return decimal.Decimal(v["$decimal"])
    if "$sub" in v:
        s = v["$sub"]
        qs = MODELS[s["model"]].objects.using(alias).all()
        for node in as_list(s.get("filter")):
            qs = apply_node(qs, "filter", node, alias)
        return qs.values(s.get("values", "pk"))
    raise ValueError(f"unknown value form {v!r}")


def build_q(node, alias):
    from django.db.models import Q

    if set(node) == {"$and"}:
        return functools.reduce(operator.and_, (build_q(n, alias) for n in node["$and"]))
    if set(node) == {"$or"}:
        return functools.reduce(operator.or_, (build_q(n, alias) for n in node["$or"]))
    if set(node) == {"$not"}:
        return ~build_q(node["$not"], alias)
    return Q(**{k: build_value(v, alias) for k, v in node.items()})


def apply_node(qs, method, node, alias):
    if any(k.startswith("$") for k in node):
        return getattr(qs, method)(build_q(node, alias))
    # plain kwargs: call exactly as a user would, filter(**kwargs)
    return getattr(qs, method)(**{k: build_value(v, alias) for k, v in node.items()})


def as_list(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


AGGREGATES = ("Count", "Sum", "Avg", "Min", "Max")

# keys that turn a case into a projection/aggregate case (answer: "rows")
ROW_KEYS = ("group_by", "annotate", "having", "values", "values_list", "aggregate")


def build_aggregate(spec, alias):
    from django.db import models

    name = spec["$agg"]
    if name not in AGGREGATES:
        raise ValueError(f"unknown aggregate {name!r}")
    field = spec.get("field", "*")
    expr = field if isinstance(field, str) else build_value(field, alias)
    kwargs = {}
    if spec.get("distinct"):
        kwargs["distinct"] = True
    if spec.get("filter") is not None:
        kwargs["filter"] = build_q(spec["filter"], alias)
    if spec.get("default") is not None:
        kwargs["default"] = build_value(spec["default"], alias)
    return getattr(models, name)(expr, **kwargs)


def build_annotation(spec, alias):
    if isinstance(spec, dict) and "$agg" in spec:
        return build_aggregate(spec, alias)
    return build_value(spec, alias)


def is_row_case(case):
    return any(k in case for k in ROW_KEYS)


def build_queryset(case, alias):
    qs = MODELS[case["model"]].objects.using(alias).all()
    for node in as_list(case.get("filter")):
        qs = apply_node(qs, "filter", node, alias)
    for node in as_list(case.get("exclude")):
        qs = apply_node(qs, "exclude", node, alias)
    if case.get("group_by"):
        qs = qs.values(*case["group_by"])
    if case.get("annotate"):
        qs = qs.annotate(
            **{k: build_annotation(v, alias) for k, v in case["annotate"].items()}
        )
    for node in as_list(case.get("having")):
        qs = apply_node(qs, "filter", node, alias)
    if case.get("none"):
        qs = qs.none()
    if case.get("distinct_fields"):
        qs = qs.distinct(*case["distinct_fields"])
    elif case.get("distinct"):
        qs = qs.distinct()
    if case.get("order_by"):
        qs = qs.order_by(*case["order_by"])
    if case.get("reverse"):
        qs = qs.reverse()
    if "values" in case:
        qs = qs.values(*case["values"])
    elif "values_list" in case:
        qs = qs.values_list(*case["values_list"], flat=bool(case.get("flat")))
    if "slice" in case:
        start, stop = case["slice"]
        qs = qs[start:stop]
    return qs


def jsonable_value(v):
    """A result value as JSON: floats rounded to 6 decimals, dates, datetimes
    and times as ISO strings, decimals as strings."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        r = round(v, 6)
        return 0.0 if r == 0 else r  # no -0.0
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, dict):
        return {k: jsonable_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable_value(x) for x in v]
    raise TypeError(f"unexpected result value {v!r}")


def row_sort_key(row):
    """Total order on JSON rows for unordered results (NULL first, then
    numbers, then strings)."""

    def key(v):
        if v is None:
            return (0,)
        if isinstance(v, (bool, int, float)):
            return (1, v)
        if isinstance(v, str):
            return (2, v)
        return (3, json.dumps(v, sort_keys=True, ensure_ascii=False))

    if isinstance(row, dict):
        return tuple((k, key(v)) for k, v in row.items())
    if isinstance(row, list):
        return tuple(key(v) for v in row)
    return (key(row),)


def eval_rows(case, alias):
    qs = build_queryset(case, alias)
    if case.get("aggregate"):
        aggs = {k: build_annotation(v, alias) for k, v in case["aggregate"].items()}
        return [jsonable_value(qs.aggregate(**aggs))], False
    if "values" in case or "values_list" in case or case.get("group_by"):
        rows = [jsonable_value(r) for r in qs]
    else:  # model instances: the pk and every annotation
        names = list(case.get("annotate") or {})
        rows = [
            jsonable_value({"pk": o.pk, **{n: getattr(o, n) for n in names}})
            for o in qs
        ]
    ordered = bool(case.get("order_by"))
    return (rows if ordered else sorted(rows, key=row_sort_key)), ordered


def jsonable_param(p):
    if isinstance(p, datetime.datetime):
        return {"datetime": str(p)}
    if isinstance(p, datetime.date):
        return {"date": str(p)}
    if isinstance(p, datetime.time):
        return {"time": str(p)}
    if isinstance(p, decimal.Decimal):
        return {"decimal": str(p)}
    if isinstance(p, (list, tuple)):
        return [jsonable_param(x) for x in p]
    return p


class Capture:
    """execute_wrapper that records (sql, params) exactly as Django hands them
    to the DB-API cursor (before SQLite's %s -> ? rewrite)."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


# keys that make a case a QuerySet-method case (QUERYSET.md)
QS_KEYS = ("combine", "then", "terminal", "none", "distinct_fields", "reverse")
COMBINATORS = ("union", "intersection", "difference")


def is_qs_case(case):
    return any(k in case for k in QS_KEYS)


def build_combined(case, alias):
    """The first query (the case's own keys), combined with each `with`
    query in turn, then `then`'s values/values_list, filter, order_by,
    reverse and slice on the combined rows."""
    qs = build_queryset(case, alias)
    for step in case.get("combine") or []:
        op = step["op"]
        if op not in COMBINATORS:
            raise ValueError(f"unknown combinator {op!r}")
        part = {"model": case["model"], **step["with"]}
        other = build_queryset(part, alias)
        if op == "union":
            qs = qs.union(other, all=bool(step.get("all")))
        else:
            if step.get("all"):
                raise ValueError(f"{op} takes no `all`")
            qs = getattr(qs, op)(other)
    then = case.get("then") or {}
    if "values" in then:
        qs = qs.values(*then["values"])
    elif "values_list" in then:
        qs = qs.values_list(*then["values_list"], flat=bool(then.get("flat")))
    for node in as_list(then.get("filter")):
        qs = apply_node(qs, "filter", node, alias)
    if then.get("order_by"):
        qs = qs.order_by(*then["order_by"])
    if then.get("reverse"):
        qs = qs.reverse()
    if "slice" in then:
        start, stop = then["slice"]
        qs = qs[start:stop]
    return qs


def selects_values(case):
    then = case.get("then") or {}
    return any(k in d for d in (case, then) for k in ("values", "values_list"))


def one(obj, values):
    """A model instance as its pk; a values row as JSON."""
    if obj is None:
        return None
    return jsonable_value(obj) if values else obj.pk


def eval_qs(case, alias):
    """The answer of a QuerySet-method case: `pks` or `rows` (with `ordered`,
    Django's QuerySet.ordered), or `value` for a terminal."""
    qs = build_combined(case, alias)
    values = selects_values(case)
    term = case.get("terminal")
    if term is None:
        ordered = bool(qs.ordered)
        if values:
            rows = [jsonable_value(r) for r in qs]
            return {"rows": rows if ordered else sorted(rows, key=row_sort_key),
                    "ordered": ordered}
        pks = [o.pk for o in qs]
        return {"pks": pks if ordered else sorted(pks), "ordered": ordered}
    if term == "count":
        return {"value": qs.count()}
    if term == "exists":
        return {"value": qs.exists()}
    if term == "first":
        return {"value": one(qs.first(), values)}
    if term == "last":
        return {"value": one(qs.last(), values)}
    if isinstance(term, dict) and set(term) == {"latest"}:
        return {"value": one(qs.latest(*term["latest"]), values)}
    if isinstance(term, dict) and set(term) == {"earliest"}:
        return {"value": one(qs.earliest(*term["earliest"]), values)}
    if isinstance(term, dict) and "in_bulk" in term and set(term) <= {"in_bulk", "field_name"}:
        got = qs.in_bulk(term["in_bulk"], field_name=term.get("field_name", "pk"))
        pairs = [[jsonable_value(k), o.pk] for k, o in got.items()]
        return {"value": sorted(pairs, key=row_sort_key)}
    raise ValueError(f"unknown terminal {term!r}")


def run_case(case, alias, with_sql):
    from django.db import connections

    out = {}
    cap = Capture()
    try:
        with connections[alias].execute_wrapper(cap):
            if is_qs_case(case):
                out.update(eval_qs(case, alias))
            elif is_row_case(case):
                out["rows"], out["ordered"] = eval_rows(case, alias)
            else:
                qs = build_queryset(case, alias)
                pks = [obj.pk for obj in qs]
                ordered = bool(case.get("order_by"))
                out["pks"] = pks if ordered else sorted(pks)
                out["ordered"] = ordered
    except Exception as e:  # an error is an answer too (e.g. NotSupportedError)
        out["error"] = f"{type(e).__name__}: {e}".strip()
    if with_sql:
        stmts = cap.statements
        out["sql"] = [
            {"sql": s, "params": jsonable_param(list(p or []))} for s, p in stmts
        ]
        if not stmts and "error" not in out:
            out["sql_note"] = "no statement executed (EmptyResultSet)"
    return out


def server_info(alias):
    from django.db import connections

    conn = connections[alias]
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            cur.execute("select sqlite_version()")
            return {"vendor": "sqlite", "version": cur.fetchone()[0]}
        cur.execute(
            "select version(), datcollate, datctype from pg_database "
            "where datname = current_database()"
        )
        v, coll, ctype = cur.fetchone()
        return {"vendor": "postgresql", "version": v, "collate": coll, "ctype": ctype}


def run_cases(cases, alias, with_sql):
    import django

    results = {}
    for case in cases:
        if case["id"] in results:
            raise SystemExit(f"duplicate case id {case['id']}")
        results[case["id"]] = run_case(case, alias, with_sql)
    return {
        "backend": alias,
        "django": django.get_version(),
        "server": server_info(alias),
        "results": results,
    }


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def load_cases(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data["cases"] if isinstance(data, dict) else data


def cmd_diff(a_path, b_path):
    a = json.load(open(a_path, encoding="utf-8"))
    b = json.load(open(b_path, encoding="utf-8"))
    ra, rb = a["results"], b["results"]
    diffs = []
    for cid in ra:
        if cid not in rb:
            continue
        keys = ("pks", "rows", "value", "error")
        va = {k: ra[cid].get(k) for k in keys}
        vb = {k: rb[cid].get(k) for k in keys}
        if va != vb:
            diffs.append({"id": cid, a["backend"]: va, b["backend"]: vb})
    return diffs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def db_args(sp):
        sp.add_argument("--sqlite", metavar="PATH", help="SQLite database file")
        sp.add_argument("--postgres", metavar="URL",
                        help="postgres://user:pass@host:port/dbname")
        sp.add_argument("--use-tz", action="store_true",
                        help="USE_TZ=True (default False; TIME_ZONE is always UTC)")

    sp = sub.add_parser("seed")
    db_args(sp)
    sp = sub.add_parser("run")
    sp.add_argument("cases")
    db_args(sp)
    sp.add_argument("--sql", action="store_true", help="include executed SQL+params")
    sp.add_argument("--no-seed", action="store_true", help="do not (re)seed first")
    sp.add_argument("-o", "--out", help="write JSON here instead of stdout "
                    "(with both backends: OUT is a prefix, _sqlite/_postgres.json)")
    sp = sub.add_parser("schema")
    db_args(sp)
    sub.add_parser("dataset")
    sp = sub.add_parser("diff")
    sp.add_argument("a")
    sp.add_argument("b")
    args = p.parse_args(argv)

    def dump(obj, path=None):
        text = json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=False)
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        else:
            print(text)

    if args.cmd == "dataset":
        dump(dataset_json())
        return 0
    if args.cmd == "diff":
        diffs = cmd_diff(args.a, args.b)
        dump(diffs)
        return 0

    if not (args.sqlite or args.postgres):
        p.error("give --sqlite PATH and/or --postgres URL")
    configure(args.sqlite, args.postgres, use_tz=args.use_tz)
    aliases = [a for a, v in ((SQLITE, args.sqlite), (POSTGRES, args.postgres)) if v]

    if args.cmd == "seed":
        for a in aliases:
            seed(a)
            print(f"seeded {a}", file=sys.stderr)
        return 0
    if args.cmd == "schema":
        dump({a: schema_sql(a) for a in aliases})
        return 0
    if args.cmd == "run":
        cases = load_cases(args.cases)
        outs = {}
        for a in aliases:
            if not args.no_seed:
                seed(a)
            outs[a] = run_cases(cases, a, args.sql)
        if len(aliases) == 1:
            dump(outs[aliases[0]], args.out)
        elif args.out:
            for a in aliases:
                dump(outs[a], f"{args.out}_{a}.json")
        else:
            dump(outs)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())

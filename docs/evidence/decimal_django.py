# What Django 5.2 stores and answers for a DecimalField on SQLite and PostgreSQL
# (docs/ARCHITECTURE.md, "Decimals"). Run: python3 decimal_django.py sqlite|pg
# with Django from ../../../shared/conformance/requirements.txt; "pg" needs an
# empty database "decprobe" on 127.0.0.1:5432 (user postgres).
import sys, decimal, json, traceback
from decimal import Decimal as D
import django
from django.conf import settings
backend = sys.argv[1]
if backend == 'sqlite':
    import os
    if os.path.exists('/tmp/decprobe/p.sqlite3'): os.remove('/tmp/decprobe/p.sqlite3')
    db = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/decprobe/p.sqlite3"}
else:
    db = {"ENGINE": "django.db.backends.postgresql", "NAME": "decprobe", "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432"}
settings.configure(DATABASES={"default": db}, INSTALLED_APPS=[], USE_TZ=False, TIME_ZONE="UTC", DEFAULT_AUTO_FIELD="django.db.models.BigAutoField")
django.setup()
from django.db import models, connection, transaction
from django.db.models import F, Value, DecimalField, FloatField
class Item(models.Model):
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    score = models.FloatField(null=True)
    big = models.DecimalField(max_digits=30, decimal_places=10, null=True)
    class Meta:
        app_label = 'probe'
with connection.schema_editor() as se:
    se.delete_model(Item) if backend=='pg' and 'probe_item' in connection.introspection.table_names() else None
    se.create_model(Item)
def show(label, f):
    try:
        r = f()
        print(f"{label}: {r!r}")
    except Exception as e:
        print(f"{label}: RAISES {type(e).__name__}: {str(e).splitlines()[0]}")
def raw(sql):
    with connection.cursor() as c:
        c.execute(sql); return c.fetchall()
vals = ['9.99','100.00','100','-0.00','0.00','1.005','1.015','1.025','-1.005','999999.99','999999.995','1000000.00','0.001','0.005','-999999.99','5.5', '12345.6789']
ids = {}
for v in vals:
    def mk(v=v):
        with transaction.atomic():
            o = Item.objects.create(price=D(v))
        return o.pk
    try:
        ids[v] = mk()
    except Exception as e:
        print(f"create {v}: RAISES {type(e).__name__}: {str(e).splitlines()[0]}")
for v, pk in ids.items():
    if backend=='sqlite':
        st = raw(f"select typeof(price), price, quote(price) from probe_item where id={pk}")
    else:
        st = raw(f"select price::text from probe_item where id={pk}")
    show(f"stored {v}: {st}  read back", lambda: Item.objects.get(pk=pk).price)
# big values
for v in ['12345678901234567890.1234567891', '0.0000000001', '1234567890123.5', '0.1', '123456789012345.25']:
    try:
        with transaction.atomic():
            o = Item.objects.create(big=D(v))
        st = raw(f"select typeof(big), big, quote(big) from probe_item where id={o.pk}") if backend=='sqlite' else raw(f"select big::text from probe_item where id={o.pk}")
        print(f"big {v}: stored {st} read {Item.objects.get(pk=o.pk).big!r}  filter-exact finds {list(Item.objects.filter(big=D(v)).values_list('pk',flat=True))} (pk {o.pk})")
    except Exception as e:
        print(f"big {v}: RAISES {type(e).__name__}: {str(e).splitlines()[0]}")
# float assigned to decimal field
show("create price=1.1 (float)", lambda: Item.objects.get(pk=Item.objects.create(price=1.1).pk).price)
show("create price=2 (int)", lambda: Item.objects.get(pk=Item.objects.create(price=2).pk).price)
show("create price='3.3' (str)", lambda: Item.objects.get(pk=Item.objects.create(price='3.3').pk).price)
P = lambda qs: sorted([k for k,pk in ids.items() if pk in set(Item.objects.filter(**qs).values_list('pk', flat=True))])
show("price=5.5 (str)", lambda: P({'price':'5.5'}))
show("price=D(5.50)", lambda: P({'price':D('5.50')}))
show("price=D(1.005)", lambda: P({'price':D('1.005')}))
show("price=D(1.00)", lambda: P({'price':D('1.00')}))
show("price=D(1.01)", lambda: P({'price':D('1.01')}))
show("price=0 / -0", lambda: (P({'price':D('0')}), P({'price':D('-0')})))
show("price__gte=D(100)", lambda: P({'price__gte':D('100')}))
show("price__in", lambda: P({'price__in':[D('9.99'), D('100'), 5.5]}))
show("price__range", lambda: P({'price__range':(D('1'), D('10'))}))
show("price__endswith .00", lambda: P({'price__endswith':'.00'}))
show("price__contains 9", lambda: P({'price__contains':'9'}))
show("price=1.1 float", lambda: P({'price':1.1}))
show("price=5.5 float", lambda: P({'price':5.5}))
show("price__gt=float 1.005", lambda: P({'price__gt':1.005}))
# F mixing
Item.objects.filter(pk=ids['9.99']).update(score=3.0)
show("score__lt=F(price)", lambda: list(Item.objects.filter(score__lt=F('price')).values_list('pk',flat=True)))
show("price__gt=F(score)", lambda: list(Item.objects.filter(price__gt=F('score')).values_list('pk',flat=True)))
show("price__gt=F(score)*2", lambda: list(Item.objects.filter(price__gt=F('score')*2).values_list('pk',flat=True)))
show("price__gt=F(score)+F(price)", lambda: list(Item.objects.filter(price__gt=F('score')+F('price')).values_list('pk',flat=True)))
show("score__lt=F(price)*2", lambda: list(Item.objects.filter(score__lt=F('price')*2).values_list('pk',flat=True)))
show("score__lt=F(price)*2.0", lambda: list(Item.objects.filter(score__lt=F('price')*2.0).values_list('pk',flat=True)))
show("price__lt=F(price)*2.0", lambda: list(Item.objects.filter(price__lt=F('price')*2.0).values_list('pk',flat=True)))
show("price__lt=F(price)*D(1.5)", lambda: (str(Item.objects.filter(price__lt=F('price')*D('1.5')).query), list(Item.objects.filter(price__lt=F('price')*D('1.5')).values_list('pk',flat=True))))
show("annotate F(price)*2", lambda: [ (str(x),) for x in Item.objects.filter(pk=ids['9.99']).annotate(x=F('price')*2).values_list('x', flat=True)])
show("annotate F(price)*D(1.5)", lambda: [ x for x in Item.objects.filter(pk__in=[ids['9.99'], ids['100.00']]).annotate(x=F('price')*D('1.5')).values_list('x', flat=True)])
show("annotate F(price)/3", lambda: [ x for x in Item.objects.filter(pk__in=[ids['9.99'], ids['100.00']]).annotate(x=F('price')/3).values_list('x', flat=True)])
show("annotate F(price)+F(score)", lambda: [ x for x in Item.objects.filter(pk=ids['9.99']).annotate(x=F('price')+F('score')).values_list('x', flat=True)])
show("annotate F(price)*2.0", lambda: [ x for x in Item.objects.filter(pk=ids['9.99']).annotate(x=F('price')*2.0).values_list('x', flat=True)])
def upd(expr, pk):
    def f():
        with transaction.atomic():
            qs = Item.objects.filter(pk=pk)
            n = qs.update(price=expr)
        return Item.objects.get(pk=pk).price, (raw(f"select typeof(price), price from probe_item where id={pk}") if backend=='sqlite' else raw(f"select price::text from probe_item where id={pk}"))
    return f
show("update price=F*2 (9.99)", upd(F('price')*2, ids['9.99']))
show("update price=F*D(1.5) (9.99->19.98)", upd(F('price')*D('1.5'), ids['9.99']))
show("update price=F/3 (100)", upd(F('price')/3, ids['100.00']))
show("update price=F*2.0 float", upd(F('price')*2.0, ids['5.5']))
show("update price=F+F(score)", upd(F('price')+F('score'), ids['5.5']))
show("update price=F*10 overflow (999999.99)", upd(F('price')*10, ids['999999.99']))
show("update price=F(score)", upd(F('score'), ids['5.5']))
print("SQL update F*2:", connection.queries[-1:] if settings.DEBUG else '')
from django.db.models.sql import UpdateQuery
qs = Item.objects.filter(pk=1)
q = qs.query.chain(UpdateQuery); q.add_update_values({'price': F('price')*2})
print("SQL:", q.get_compiler(connection=connection).as_sql())
q = qs.query.chain(UpdateQuery); q.add_update_values({'price': F('price')*D('1.5')})
print("SQL:", q.get_compiler(connection=connection).as_sql())
print("SQL filter:", Item.objects.filter(price__gt=F('score')*2).query)
print("SQL filter2:", Item.objects.filter(price__lt=F('price')*D('1.5')).query)

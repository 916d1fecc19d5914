"""Export rows to an in-memory SQLite table and a CSV."""
import csv
import io
import sqlite3
from decimal import Decimal


def handle(event):
    db = sqlite3.connect(":memory:")
    db.execute("create table t (team text, amount text)")
    db.executemany("insert into t values (?, ?)", [(r["team"], str(r["amount"])) for r in event["rows"]])
    total = sum(Decimal(a) for (a,) in db.execute("select amount from t"))
    out = io.StringIO()
    csv.writer(out).writerows(db.execute("select * from t order by team"))
    return {"total": str(total), "csv": out.getvalue()}

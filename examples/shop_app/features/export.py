"""Order export for the back office: CSV, to S3 when a bucket is configured."""
import io

import boto3
import pandas as pd

ORDERS = [
    {"order": "o-1", "customer": "c-1", "total": 34.4, "country": "DE"},
    {"order": "o-2", "customer": "c-2", "total": 9.9, "country": "FR"},
    {"order": "o-3", "customer": "c-1", "total": 3.2, "country": "DE"},
]


def handle(request, config):
    frame = pd.DataFrame(ORDERS)
    summary = frame.groupby("country", as_index=False)["total"].sum()
    buf = io.StringIO()
    summary.to_csv(buf, index=False)
    if not config.export_bucket:
        return 200, {"csv": buf.getvalue()}
    key = f"exports/{request.customer}.csv"
    boto3.client("s3", region_name=config.region).put_object(Bucket=config.export_bucket, Key=key, Body=buf.getvalue())
    return 200, {"s3": f"s3://{config.export_bucket}/{key}"}

"""A Lambda-style service that imports everything eagerly: the "before" of LMMS.

Every library sits at module level, so every cold start pays for all of them,
although most requests are pings that need none. Nothing here touches the
network: requests only prepares requests, boto3 only signs URLs locally.
"""
import json
import logging
import os
import time

import boto3
import pandas as pd
import requests

from features import query, report, stream
from features.models import Record

logger = logging.getLogger()
logger.setLevel(logging.INFO)

BUCKET = os.environ.get("BUCKET", "heavy-app-uploads")

# Clients built at import time: a cost that moving the import alone cannot remove.
S3 = boto3.client(
    "s3",
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)
SESSION = requests.Session()
SESSION.headers.update({"User-Agent": "heavy-app/1.0"})


def fetch(event):
    """Build the outbound call for a proxied fetch (20% of requests)."""
    req = requests.Request("GET", event["url"], params=event.get("params"))
    prepared = SESSION.prepare_request(req)
    return {"url": prepared.url, "user_agent": prepared.headers["User-Agent"]}


def store_record(event):
    """Validate a record and sign an upload URL for it (7% of requests)."""
    record = Record.model_validate(event["record"])
    url = S3.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": record.key}, ExpiresIn=300
    )
    return {"key": record.key, "size": record.size, "signed": url.startswith("https://")}


def to_rows(frame: pd.DataFrame) -> list:
    """Flatten a summary frame for the JSON response."""
    return frame.to_dict("records")


def summarise(event):
    """Aggregate the event's rows (2% of requests)."""
    return {"rows": to_rows(report.summary_frame(event["rows"]))}


HANDLERS = {
    "fetch": fetch,
    "store": store_record,
    "query": query.handle,
    "stream": stream.handle,
    "report": summarise,
    "validate": Record.model_validate,
}


def lambda_handler(event, context):
    started = time.perf_counter()
    kind = event.get("type", "ping")
    if kind == "ping":
        body = {"pong": True, "region": os.environ.get("AWS_REGION", "local")}
    else:
        handler = HANDLERS.get(kind)
        if handler is None:
            return {"statusCode": 400, "body": json.dumps({"error": f"unknown type {kind!r}"})}
        body = handler(event)
        if kind == "validate":
            body = body.model_dump()
    logger.info("handled %s in %.2f ms", kind, (time.perf_counter() - started) * 1000)
    return {"statusCode": 200, "body": json.dumps(body)}

"""A stdlib-only Lambda-style app with every import at module level.

Most requests are pings; the features below each serve a minority of them,
yet every cold start pays for all their imports. `lmms profile` shows which.
"""
import json
import logging
import os
import time

from features import archive, fetch, notify, stream

logger = logging.getLogger()

HANDLERS = {
    "fetch": fetch.handle,
    "notify": notify.handle,
    "archive": archive.handle,
    "stream": stream.handle,
}


def lambda_handler(event, context):
    started = time.perf_counter()
    kind = event.get("type", "ping")
    if kind == "ping":
        body = {"pong": True, "region": os.environ.get("AWS_REGION", "local")}
    else:
        body = HANDLERS[kind](event)
    logger.info("handled %s in %.2f ms", kind, (time.perf_counter() - started) * 1000)
    return {"statusCode": 200, "body": json.dumps(body)}

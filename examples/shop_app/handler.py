"""Shop API: one Lambda function behind API Gateway, routed by `action`.

Every request is validated and reads the configuration; each feature serves
its share of the traffic (see events/).
"""
import importlib
import json
import logging

from config import CONFIG
from features import cart, checkout, export, search
from shop.validation import validator

logger = logging.getLogger()
logger.setLevel(CONFIG.log_level)

# Ranking is pluggable per deployment: the module is named in configuration.
recommender = importlib.import_module(CONFIG.recommender)


def _response(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def lambda_handler(event, context):
    action = event.get("action", "health")
    if action == "health":
        return _response(200, {"ok": True, "region": CONFIG.region})
    try:
        request = validator.validate(event)
    except validator.InvalidRequest as e:
        return _response(400, {"error": str(e)})
    if action == "cart":
        status, body = cart.handle(request, CONFIG)
    elif action == "search":
        status, body = search.handle(request, CONFIG, recommender)
    elif action == "checkout":
        status, body = checkout.handle(request, CONFIG)
    elif action == "export":
        status, body = export.handle(request, CONFIG)
    else:
        status, body = 404, {"error": f"unknown action {action!r}"}
    logger.info("%s -> %s", action, status)
    return _response(status, body)

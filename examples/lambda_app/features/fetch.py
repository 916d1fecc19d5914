"""Build an outbound HTTP request (no network)."""
import urllib.request


def handle(event):
    req = urllib.request.Request(event["url"], headers={"User-Agent": "lambda-app/1.0"})
    return {"url": req.full_url, "method": req.get_method()}

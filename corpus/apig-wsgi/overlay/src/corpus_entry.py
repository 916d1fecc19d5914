"""A WSGI app served on API Gateway through apig-wsgi, as its README shows."""
import json

from apig_wsgi import make_lambda_handler


def app(environ, start_response):
    body = json.dumps({"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


lambda_handler = make_lambda_handler(app)

"""JMESPath queries over the event payload (12% of requests)."""
import jmespath


def handle(event):
    return {"result": jmespath.search(event["expression"], event["data"])}

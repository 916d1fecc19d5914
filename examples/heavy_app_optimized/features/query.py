"""JMESPath queries over the event payload (12% of requests)."""


def handle(event):
    # jmespath: ~21–27 ms measured with the eager set alone, 12% of requests (T5).
    import jmespath

    return {"result": jmespath.search(event["expression"], event["data"])}

import json

import lambda_function


def call(event):
    response = lambda_function.lambda_handler(event, None)
    return response["statusCode"], json.loads(response["body"])


def test_ping_answers_without_features():
    status, body = call({"type": "ping"})
    assert status == 200 and body["pong"] is True


def test_fetch_prepares_request_with_session_headers():
    status, body = call({"type": "fetch", "url": "https://example.invalid/items", "params": {"q": "x"}})
    assert status == 200
    assert body["url"] == "https://example.invalid/items?q=x"
    assert body["user_agent"] == "heavy-app/1.0"


def test_query_runs_jmespath():
    status, body = call({"type": "query", "expression": "items[?n > `1`].n", "data": {"items": [{"n": 1}, {"n": 2}, {"n": 3}]}})
    assert status == 200 and body["result"] == [2, 3]


def test_store_validates_and_signs():
    status, body = call({"type": "store", "record": {"key": "a/b.txt", "size": 3, "tags": ["x"]}})
    assert status == 200
    assert body == {"key": "a/b.txt", "size": 3, "signed": True}


def test_store_rejects_invalid_record():
    import pydantic

    try:
        call({"type": "store", "record": {"key": "a", "size": "not a number"}})
    except pydantic.ValidationError:
        pass
    else:
        raise AssertionError("invalid record accepted")


def test_stream_frames_text():
    status, body = call({"type": "stream", "message": "hello"})
    assert status == 200 and body == {"frame_bytes": 11, "opcode": 1}


def test_report_sums_per_team():
    rows = [{"team": "b", "amount": 2}, {"team": "a", "amount": 1}, {"team": "b", "amount": 5}]
    status, body = call({"type": "report", "rows": rows})
    assert status == 200
    assert body["rows"] == [{"team": "a", "amount": 1}, {"team": "b", "amount": 7}]


def test_unknown_type_is_a_client_error():
    status, _ = call({"type": "nope"})
    assert status == 400


def test_validate_dispatches_to_the_model():
    status, body = call({"type": "validate", "key": "k", "size": 1})
    assert status == 200 and body == {"key": "k", "size": 1, "tags": []}

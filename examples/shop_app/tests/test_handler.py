import json

import handler


def call(event):
    r = handler.lambda_handler(event, None)
    return r["statusCode"], json.loads(r["body"])


def test_health_needs_no_validation():
    assert call({"action": "health"}) == (200, {"ok": True, "region": handler.CONFIG.region})


def test_cart_totals_include_the_country_tax():
    status, body = call({"action": "cart", "customer": "c-1", "country": "DE", "items": [{"sku": "sku-100", "quantity": 2}]})
    assert status == 200
    assert body == {"net": "19.80", "tax": "3.76", "total": "23.56", "currency": "EUR"}


def test_invalid_requests_are_rejected():
    status, body = call({"action": "cart", "customer": "", "items": []})
    assert status == 400


def test_search_ranks_by_popularity():
    assert call({"action": "search", "customer": "c-1", "query": "mug"}) == (200, {"results": ["red mug", "blue mug"]})


def test_checkout_reports_an_unreachable_provider():
    status, body = call({"action": "checkout", "customer": "c-1", "items": [{"sku": "sku-300"}]})
    assert status == 502
    assert body["error"].startswith("payment provider unavailable")


def test_export_returns_csv_without_a_bucket():
    status, body = call({"action": "export", "customer": "c-1"})
    assert status == 200
    assert body["csv"].splitlines() == ["country,total", "DE,37.6", "FR,9.9"]


def test_delivery_is_on_a_friday():
    from datetime import date

    from features import checkout

    assert checkout.delivery_date(date(2026, 12, 1)).weekday() == 4

"""The payment provider's API, over one pooled HTTP session per container."""
import requests

SESSION = requests.Session()
SESSION.headers.update({"User-Agent": "shop-app/1.0", "Accept": "application/json"})


class PaymentError(RuntimeError):
    pass


def charge(url, customer, amount, currency):
    try:
        r = SESSION.post(url, json={"customer": customer, "amount": amount, "currency": currency}, timeout=2)
        r.raise_for_status()
        return r.json()["id"]
    except requests.RequestException as e:
        raise PaymentError(f"payment provider unavailable: {type(e).__name__}") from None

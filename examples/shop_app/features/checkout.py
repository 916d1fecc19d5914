"""Checkout: charge the cart and promise a delivery date."""
from datetime import date

from dateutil.relativedelta import FR, relativedelta

from features import cart
from shop import payments


def delivery_date(today):
    # Orders ship within a week, delivered on the following Friday.
    return today + relativedelta(weeks=1, weekday=FR(+1))


def handle(request, config):
    status, totals = cart.handle(request, config)
    # Promised before charging: the confirmation and the error page show it.
    promise = delivery_date(date.today()).isoformat()
    try:
        charge_id = payments.charge(config.payments_url, request.customer, totals["total"], config.currency)
    except payments.PaymentError as e:
        return 502, {"error": str(e), "delivery": promise}
    return 201, {"charge": charge_id, "delivery": promise, **totals}

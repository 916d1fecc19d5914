"""Cart totals with tax for the customer's country."""
from decimal import Decimal

PRICES = {"sku-100": Decimal("9.90"), "sku-200": Decimal("24.50"), "sku-300": Decimal("3.20")}


def handle(request, config):
    net = sum((PRICES.get(i.sku, Decimal("0")) * i.quantity for i in request.items), Decimal("0"))
    tax = (net * config.tax_rate(request.country)).quantize(Decimal("0.01"))
    return 200, {"net": str(net), "tax": str(tax), "total": str(net + tax), "currency": config.currency}

"""Deployment configuration, built once per container from the environment."""
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Config:
    region: str
    currency: str
    log_level: str
    recommender: str
    payments_url: str
    export_bucket: str
    tax_rates: dict = field(default_factory=dict)

    def tax_rate(self, country):
        return self.tax_rates.get(country, Decimal("0"))


def load():
    rates = json.loads(os.environ.get("SHOP_TAX_RATES", '{"DE": "0.19", "FR": "0.20", "NL": "0.21"}'))
    return Config(
        region=os.environ.get("AWS_REGION", "eu-central-1"),
        currency=os.environ.get("SHOP_CURRENCY", "EUR"),
        log_level=os.environ.get("LOG_LEVEL", "WARNING"),
        recommender=os.environ.get("SHOP_RECOMMENDER", "plugins.popularity"),
        payments_url=os.environ.get("SHOP_PAYMENTS_URL", "http://127.0.0.1:9/charge"),
        export_bucket=os.environ.get("SHOP_EXPORT_BUCKET", ""),
        tax_rates={k: Decimal(v) for k, v in rates.items()},
    )


CONFIG = load()

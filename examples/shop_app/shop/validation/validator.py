"""The request envelope every action shares."""
from typing import List, Optional

from pydantic import BaseModel, Field, ValidationError


class InvalidRequest(ValueError):
    pass


class Item(BaseModel):
    sku: str = Field(min_length=3)
    quantity: int = Field(default=1, ge=1, le=99)


class Request(BaseModel):
    action: str
    customer: str = Field(min_length=1)
    country: str = Field(default="DE", min_length=2, max_length=2)
    items: List[Item] = []
    query: Optional[str] = None


def validate(event):
    try:
        return Request(**event)
    except ValidationError as e:
        raise InvalidRequest(e.errors()[0]["msg"]) from None

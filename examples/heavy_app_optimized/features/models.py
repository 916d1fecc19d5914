"""Request payload models (validated on 7% of requests)."""
from pydantic import BaseModel


class Record(BaseModel):
    key: str
    size: int
    tags: list[str] = []

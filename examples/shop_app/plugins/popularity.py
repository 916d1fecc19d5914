"""Rank products by a popularity score with exponential decay."""
import numpy as np

POPULARITY = {"red mug": 120, "blue mug": 80, "green teapot": 45, "espresso cups": 60, "tea strainer": 15, "milk jug": 30}


def rank(products):
    if not products:
        return []
    scores = np.log1p(np.array([POPULARITY.get(p, 0) for p in products], dtype=float))
    order = np.argsort(-scores, kind="stable")
    return [products[i] for i in order]

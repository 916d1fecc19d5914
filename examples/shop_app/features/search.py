"""Product search: match the query, then let the configured recommender rank."""
import difflib

CATALOGUE = ["red mug", "blue mug", "green teapot", "espresso cups", "tea strainer", "milk jug"]


def handle(request, config, recommender):
    query = (request.query or "").lower()
    hits = [p for p in CATALOGUE if query in p] or difflib.get_close_matches(query, CATALOGUE, n=3, cutoff=0.3)
    return 200, {"results": recommender.rank(hits)}

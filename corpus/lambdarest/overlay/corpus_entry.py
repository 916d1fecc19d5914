"""A REST handler on lambdarest's singleton dispatcher, as its README shows."""
from lambdarest import lambda_handler


@lambda_handler.handle("get", path="/items/<int:item_id>")
def get_item(event, item_id):
    return {"id": item_id}


@lambda_handler.handle("post", path="/items")
def create_item(event):
    return {"created": event["json"]["body"]}, 201

from acai_aws.apigateway.requirements import requirements


@requirements(
    auth_required=True,
    required_body={
        'type': 'object',
        'required': ['email', 'name'],
        'properties': {'email': {'type': 'string', 'format': 'email'}, 'name': {'type': 'string'}},
    },
)
def post(request, response):
    response.body = {'id': 'user-123', 'email': request.body['email'], 'name': request.body['name']}
    return response


def get(_request, response):
    response.body = {'users': []}
    return response

from acai_aws.apigateway.requirements import requirements


@requirements(required_route='/users/{user_id}')
def get(request, response):
    response.body = {'id': request.path_params['user_id']}
    return response

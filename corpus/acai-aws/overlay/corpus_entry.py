"""An API Gateway Lambda on acai_aws's directory router, as its README's quick start shows."""
from acai_aws.apigateway.router import Router


def authenticate(request, response, requirements):
    if request.headers.get('x-api-key') != 'secret-key':
        response.code = 401
        response.set_error('auth', 'Unauthorized')


# The router resolves `handlers` against the working directory, which is the project root under lmms and pytest.
router = Router(base_path='api/v1', handlers='corpus_handlers', with_auth=authenticate)
router.auto_load()


def handler(event, context):
    return router.route(event, context)

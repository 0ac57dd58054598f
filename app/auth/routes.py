"""Auth endpoints: thin views over app.auth.service and app.auth.sessions."""

from collections.abc import Callable

from flask import Response, after_this_request, current_app
from flask_jwt_extended import current_user, jwt_required, set_access_cookies, unset_jwt_cookies

from app.auth import schemas, service, sessions
from app.blueprint import ApiBlueprint, abort
from app.extensions import limiter
from app.models import User

auth_bp = ApiBlueprint("auth", __name__, url_prefix="/api/v1",
                       description="Register, log in, log out and the current user.")


def ip_limit() -> str:
    """Per-IP limit on credential endpoints."""
    return current_app.config["AUTH_RATE_LIMIT_PER_IP"]


def username_limit() -> str:
    """Per-username limit, against spreading guesses for one account over many IPs."""
    return current_app.config["AUTH_RATE_LIMIT_PER_USERNAME"]


def credential_endpoint(path: str) -> Callable[[Callable], Callable]:
    """Route POST `path` behind the per-IP and per-username limits, documenting their 429."""

    def decorate(view: Callable) -> Callable:
        limited = limiter.limit(ip_limit)(
            limiter.limit(username_limit, key_func=service.username_rate_key)(view))
        documented = auth_bp.alt_response(429, description="Too many attempts")(limited)
        return auth_bp.route(path, methods=["POST"])(documented)

    return decorate


def start_session(user: User) -> dict:
    """Session body for `user`; the same token is set as httpOnly cookie on the response."""
    token = sessions.create_session_token(user)

    @after_this_request
    def set_cookies(response: Response) -> Response:
        set_access_cookies(response, token)
        return response

    return {"user": user, "token": token}


@credential_endpoint("/register")
@auth_bp.arguments(schemas.RegisterSchema())
@auth_bp.response(201, schemas.SessionSchema)
@auth_bp.alt_response(409, description="Username already taken")
def register(payload: dict):
    """Create an account and start a session."""
    try:
        user = service.create_user(**payload)
    except service.UsernameTakenError:
        abort(409, "Username already taken", details={"username": ["Username already taken."]})
    return start_session(user)


@credential_endpoint("/login")
@auth_bp.arguments(schemas.LoginSchema())
@auth_bp.response(200, schemas.SessionSchema)
@auth_bp.alt_response(401, description="Invalid username or password")
def login(credentials: dict):
    """Check credentials and start a session."""
    user = service.authenticate(credentials["username"], credentials["password"])
    if user is None:
        abort(401, "Invalid username or password")
    return start_session(user)


@auth_bp.route("/logout", methods=["POST"])
@auth_bp.response(200, schemas.MessageSchema)
def logout():
    """End the cookie session. Bearer tokens simply stop being sent by the client."""

    @after_this_request
    def clear_cookies(response: Response) -> Response:
        unset_jwt_cookies(response)
        return response

    return {"message": "Logged out"}


@auth_bp.route("/me", methods=["GET"])
@jwt_required()
@auth_bp.response(200, schemas.MeSchema)
@auth_bp.alt_response(401, description="Not logged in")
def me():
    """Return the user the request is authenticated as."""
    return {"user": current_user}


@auth_bp.route("/demo", methods=["GET"])
@auth_bp.response(200, schemas.DemoCredentialsSchema)
@auth_bp.alt_response(404, description="No demo data loaded")
def demo():
    """Return the demo login while the seeded demo account still has the documented password."""
    credentials = service.demo_credentials()
    if credentials is None:
        abort(404, "No demo data loaded")
    return credentials

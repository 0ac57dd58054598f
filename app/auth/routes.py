"""Auth endpoints: thin views over app.auth.service and app.auth.sessions."""

from collections.abc import Callable

from flask import Response, after_this_request, current_app
from flask_jwt_extended import (
    current_user,
    get_current_user,
    get_jwt_identity,
    jwt_required,
    set_access_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_limiter.util import get_remote_address
from jwt import PyJWTError

from app.auth import schemas, service, sessions
from app.blueprint import ApiBlueprint, abort
from app.extensions import limiter
from app.models import User

auth_bp = ApiBlueprint("auth", __name__, url_prefix="/api/v1",
                       description="Register, log in, log out, the current user and their "
                                   "password.")


def ip_limit() -> str:
    """Per-IP limit on credential endpoints."""
    return current_app.config["AUTH_RATE_LIMIT_PER_IP"]


def username_limit() -> str:
    """Per-account limit (from one client address), against many guesses at one account."""
    return current_app.config["AUTH_RATE_LIMIT_PER_USERNAME"]


def signed_in_rate_key() -> str:
    """Return the rate-limit key for an account endpoint: the signed-in user, if any."""
    try:
        verify_jwt_in_request()
    except (JWTExtendedException, PyJWTError):
        return f"anonymous:{get_remote_address()}"  # answered 401 by the view anyway
    return f"user:{get_jwt_identity()}"


def signed_in_user_or_none() -> sessions.SessionUser | None:
    """The user a valid token (bearer or cookie) signs this request in as, else None."""
    try:
        verify_jwt_in_request(optional=True)
    except (JWTExtendedException, PyJWTError):
        return None
    return get_current_user()


def credential_endpoint(path: str, account_key: Callable[[], str] = service.username_rate_key
                        ) -> Callable[[Callable], Callable]:
    """Route POST `path` behind the per-IP and per-account limits, documenting their 429."""

    def decorate(view: Callable) -> Callable:
        limited = limiter.limit(ip_limit)(
            limiter.limit(username_limit, key_func=account_key)(view))
        documented = auth_bp.alt_response(429, description="Too many attempts")(limited)
        return auth_bp.route(path, methods=["POST"])(documented)

    return decorate


def start_session(user: User, signed_in_at: int | None = None, set_cookies: bool = True) -> dict:
    """Session body for `user`; the same token is set as httpOnly cookie on the response.

    `signed_in_at` continues a session (its absolute lifetime unchanged) instead of a new one.
    """
    token = sessions.create_session_token(user.id, signed_in_at)
    if token is None:  # a continued session that reached its absolute end meanwhile
        abort(401, "Session ended, please log in again")

    @after_this_request
    def set_session_cookies(response: Response) -> Response:
        if set_cookies:
            set_access_cookies(response, token)
        return response

    return {"user": user, "token": token}


def end_cookie_session() -> None:
    """Clear the session cookies on this request's response."""

    @after_this_request
    def clear_cookies(response: Response) -> Response:
        unset_jwt_cookies(response)
        return response


@credential_endpoint("/register")
@auth_bp.arguments(schemas.RegisterSchema())
@auth_bp.response(201, schemas.SessionSchema)
@auth_bp.alt_response(403, description="REGISTRATION is closed, or invite and no invitation "
                                       "came")
@auth_bp.alt_response(404, description="The invitation is unknown, used, revoked or expired")
@auth_bp.alt_response(409, description="Username already taken")
def register(payload: dict):
    """Create an account and start a session; with an invitation, join its project."""
    try:
        user = service.create_user(**payload)
    except service.WeakPasswordError as exc:
        abort(400, str(exc), details={"password": [str(exc)]})
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
    """End this session: its token (bearer or cookie) is revoked and the cookies cleared.

    Succeeds without a valid session too, since the client only wants to be signed out.
    """
    sessions.revoke_request_token()
    end_cookie_session()
    return {"message": "Logged out"}


@auth_bp.route("/logout/all", methods=["POST"])
@jwt_required()
@auth_bp.response(200, schemas.MessageSchema)
@auth_bp.alt_response(401, description="Not logged in")
def logout_everywhere():
    """Sign out everywhere: revoke every session of the user, this one included."""
    sessions.revoke_all_sessions(current_user.id)
    end_cookie_session()
    return {"message": "Signed out everywhere"}


@credential_endpoint("/me/password", account_key=signed_in_rate_key)
@jwt_required()
@auth_bp.arguments(schemas.ChangePasswordSchema())
@auth_bp.response(200, schemas.SessionSchema)
@auth_bp.alt_response(400, description="Wrong current password, or a weak new password")
@auth_bp.alt_response(401, description="Not logged in")
def change_password(payload: dict):
    """Change the password and sign out every other session; this one continues."""
    try:
        user = service.change_password(current_user.id, payload["current_password"],
                                       payload["new_password"])
    except service.WrongPasswordError:
        abort(400, "Current password is wrong",
              details={"currentPassword": ["Current password is wrong."]})
    except service.WeakPasswordError as exc:
        abort(400, str(exc), details={"newPassword": [str(exc)]})
    sessions.announce_stored_cutoff(user.id, user.sessions_valid_after)
    claims = sessions.current_session_claims()
    return start_session(user, sessions.signed_in_at(claims), sessions.is_cookie_session())


@auth_bp.route("/me", methods=["GET"])
@jwt_required()
@auth_bp.response(200, schemas.MeSchema)
@auth_bp.alt_response(401, description="Not logged in")
def me():
    """Return the user the request is authenticated as."""
    return {"user": current_user, "is_instance_admin": service.is_instance_admin(current_user.id)}


@auth_bp.route("/session", methods=["GET"])
@auth_bp.response(200, schemas.SessionStateSchema)
def session_state():
    """Return who the request is signed in as, or a null user: the dashboard's session probe.

    Being signed out is an answer here, not an error (GET /me answers it with a 401, which a
    browser logs as a failed request on every visit to the sign-in page). A missing,
    expired, revoked or otherwise invalid token reads as signed out.
    """
    return {"user": signed_in_user_or_none()}


@auth_bp.route("/demo", methods=["GET"])
@auth_bp.response(200, schemas.DemoCredentialsSchema)
@auth_bp.alt_response(204, description="No demo data loaded: no login to show")
def demo():
    """Return the demo login while the seeded demo account still has the documented password.

    Without one the answer is 204, not an error: the sign-in page asks on every visit, and
    a 404 would be a failed request in the browser's console on every instance without demo
    data.
    """
    credentials = service.demo_credentials()
    if credentials is None:
        return Response(status=204)
    return credentials

"""Project domain errors; app.errors maps them to HTTP statuses."""


class ProjectError(Exception):
    """A request about a project that cannot be answered as asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotSignedInError(ProjectError):
    """No valid session, share link or API token came with the request (401)."""


class ProjectNotFoundError(ProjectError):
    """No such project, or the caller may not know it exists (404, never 403, so slugs of
    other people's projects cannot be discovered).
    """


class RoleTooLowError(ProjectError):
    """A member asked for something their role does not allow (403)."""


class NotAllowedForReaderError(ProjectError):
    """A share link or API token asked for what only members may do (403)."""


class NotFoundError(ProjectError):
    """A member, invitation, key, share link or token the caller asked for does not exist
    in their project (or is not theirs) (404).
    """


class ConflictError(ProjectError):
    """The request contradicts the project's state: a slug or key name taken, the owner's
    role changed other than by a transfer, the self-tracking project deleted (409).
    """


class RegistrationClosedError(ProjectError):
    """REGISTRATION does not let this request create an account (403)."""

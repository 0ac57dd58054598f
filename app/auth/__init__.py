"""Registration, login, logout and the current user."""

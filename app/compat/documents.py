"""Documenting the dialects' error answers in the OpenAPI document."""

from collections.abc import Callable

from app.blueprint import ApiBlueprint


def document_errors(blueprint: ApiBlueprint, errors: dict[int, str]) -> Callable:
    """Document each {status: description} as an error answer of the view."""

    def decorate(view):
        for status, description in errors.items():
            view = blueprint.alt_response(status, description=description)(view)
        return view

    return decorate

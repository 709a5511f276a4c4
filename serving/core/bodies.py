"""JSON bodies read by hot routes themselves, validated as FastAPI would validate them.

A FastAPI body parameter and its dependencies cost tens of microseconds per request;
on a route a game calls once per frame (a frame posted, an action asked) that is a
large part of the answer. Such routes read the bytes, parse and validate them in one
pydantic pass, and document the body with :func:`documented_body`; errors are the
same 422 with ``("body", ...)`` locations.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

Body = TypeVar("Body", bound=BaseModel)


def parse_body(model: type[Body], body: bytes) -> Body:
    """The validated body; a 422 naming each failing field (``["body", ...]``) otherwise."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from None


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` describing a body the route reads itself.

    The model must be in the schema's components: another route takes it as a body.
    """
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}

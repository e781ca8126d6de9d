"""``/tickets/{ticket_id}/attachments``: upload a file (multipart), list them, download one.
Each route calls exactly one service; who sees which attachment is the services' rule.

The router's routes are :class:`~sladesk.api._uploads.UploadRoute`: a body past the upload
limit is refused (``413``) while it arrives; the route then holds the file to
``attachment_max_bytes`` exactly, before anything is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile, status

from sladesk import services
from sladesk.api._uploads import UploadRoute, too_large
from sladesk.api.deps import ActorDep, ClockDep, SettingsDep, UowDep
from sladesk.api.problems import PROBLEM_JSON, Problem
from sladesk.api.schemas import AttachmentPublic, Id
from sladesk.api.schemas.attachments import download_headers

router = APIRouter(prefix="/tickets", tags=["attachments"], route_class=UploadRoute)

_TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {
        "description": "The file is larger than `attachment_max_bytes`",
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
    }
}
_BYTES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The bytes, as an attachment, with the stored `Content-Type`",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/{ticket_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentPublic,
    responses=_TOO_LARGE,
)
def add_attachment(
    ticket_id: Id,
    file: Annotated[UploadFile, File(description="The file; its name and type are cleaned.")],
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    message_id: Annotated[
        Id | None, Form(description="Attach to this message of the ticket (default: the ticket)")
    ] = None,
) -> AttachmentPublic:
    """Attach a file to the ticket, or to one of its messages (contacts: a public one)."""
    limit = settings.attachment_max_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise too_large(limit)
    view = services.add_attachment(
        uow, clock, actor, ticket_id,
        filename=file.filename or "", content_type=file.content_type, content=content,
        message_id=message_id,
    )  # fmt: skip
    collection = request.url.replace(query="")
    response.headers["Location"] = f"{collection}/{view.id}"
    return AttachmentPublic.of(view, collection.path)


@router.get("/{ticket_id}/attachments", response_model=list[AttachmentPublic])
def list_attachments(
    ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep, request: Request
) -> list[AttachmentPublic]:
    """The ticket's attachments the caller may see, oldest first (no bytes)."""
    rows = services.list_attachments(uow, clock, actor, ticket_id)
    return [AttachmentPublic.of(a, request.url.path) for a in rows]


@router.get("/{ticket_id}/attachments/{attachment_id}", response_class=Response, responses=_BYTES)
def download_attachment(
    ticket_id: Id, attachment_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Response:
    """The bytes of one attachment, always as a download, never rendered."""
    found = services.get_attachment(uow, clock, actor, ticket_id, attachment_id)
    return Response(found.content, headers=download_headers(found.attachment))

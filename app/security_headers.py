"""Every answer's security headers, decided in this one place (issue 12).

The app has three areas with different needs, told apart by the path as the
session is (app.sessions):

- the studio (``/studio``): never framed, never cached, no referrer outside;
- the embeddable player (``/embed/``): framed by the origins the operator
  lists in ``EMBED_ALLOWED_ORIGINS`` (any when empty), as the README documents;
- the public site and everything else: framed only by itself.

Every answer gets ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``;
an HTML answer gets a Content-Security-Policy whose ``script-src`` is ``'self'``
alone, so no inline script or event handler ever runs (tests/app/security
walks every route for these). Flask-Talisman was not used: it sets one policy
for the app or per view, and the areas here differ by path and by config.

Feed polls answered ahead of Flask (app.public.feed_http) get the same
headers through :func:`answer_headers`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from app.sessions import uses_session
from media.storage import StorageError

EMBED_PREFIX = "/embed/"
ALWAYS = {"X-Content-Type-Options": "nosniff"}
REFERRER_POLICY = {
    # Studio addresses name shows and drafts: they stay on this site.
    "studio": "same-origin",
    "embed": "strict-origin-when-cross-origin",
    "site": "strict-origin-when-cross-origin",
}
FRAME_OPTIONS = {"studio": "DENY", "site": "SAMEORIGIN"}  # the embed's is its CSP alone


def init_security_headers(app: Flask) -> None:
    """Register the headers for every answer Flask gives, errors and static files included."""
    app.extensions["upload_origin"] = upload_origin(app.extensions.get("storage"))
    app.after_request(add_security_headers)


def area_of(path: str) -> str:
    if uses_session(path):
        return "studio"
    if path.startswith(EMBED_PREFIX):
        return "embed"
    return "site"


def answer_headers(path: str) -> dict[str, str]:
    """The headers every answer at ``path`` carries, whatever its type."""
    return {**ALWAYS, "Referrer-Policy": REFERRER_POLICY[area_of(path)]}


def add_security_headers(response: Response) -> Response:
    """Set the area's headers; a route's own stricter ``Referrer-Policy`` stays.

    The studio's cache rule is forced on its pages, as a page with a CSRF token
    or someone's drafts must not be kept; other studio answers (a cover image)
    may say ``private`` themselves.
    """
    area = area_of(request.path)
    headers = response.headers
    for name, value in answer_headers(request.path).items():
        headers.setdefault(name, value)
    # A 304 or 204 has no body; a 304 keeps the headers of the page it confirms.
    html = response.mimetype == "text/html" and response.status_code not in (204, 304)
    if area == "studio":
        if html:
            headers["Cache-Control"] = "no-store"
        else:
            headers.setdefault("Cache-Control", "no-store")
    if html:
        headers["Content-Security-Policy"] = content_security_policy(area)
        if area in FRAME_OPTIONS:
            headers["X-Frame-Options"] = FRAME_OPTIONS[area]
    return response


def content_security_policy(area: str) -> str:
    """The CSP of an HTML page in ``area``, with this app's settings."""
    return policy_for(
        area, current_app.config["EMBED_ALLOWED_ORIGINS"], current_app.extensions["upload_origin"]
    )


def policy_for(area: str, embed_origins: tuple[str, ...], upload_from: str | None) -> str:
    """The CSP of an HTML page in ``area``.

    Scripts and styles come only from this site. On the site and in the studio,
    pictures and audio may come from anywhere: artwork and media can be
    redirects to the storage's host (``MEDIA_DELIVERY=redirect``), and a
    person's picture is an address the producer typed. The studio's uploads go
    to the storage's own origin. The embed loads nothing but its own files and
    the audio, and only the allowed origins may frame it.

    >>> policy_for("embed", ("https://malmo.se",), None).split("; ")[0]
    'frame-ancestors https://malmo.se'
    >>> "script-src 'self';" in policy_for("studio", (), "https://s3.example")
    True
    """
    if area == "embed":
        ancestors = " ".join(embed_origins) if embed_origins else "*"
        return "; ".join(
            (
                f"frame-ancestors {ancestors}",
                "default-src 'none'",
                "script-src 'self'",
                # The theme's colours are one <style> block built from checked values.
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data:",  # data: for the empty favicon, which asks for nothing
                "media-src *",
                "base-uri 'none'",
                "form-action 'none'",
            )
        )
    uploads = f" {upload_from}" if upload_from and area == "studio" else ""
    ancestors = "'none'" if area == "studio" else "'self'"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src * data:",
            "media-src *",
            f"connect-src 'self'{uploads}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        )
    )


def upload_origin(storage: object) -> str | None:
    """The origin browsers send upload parts to: S3's, when parts go there directly.

    Presigning is local computation, so this makes no request; a storage that
    cannot presign (local disk, missing credentials) takes uploads on this site.
    """
    presign = getattr(storage, "presign_part", None)
    if presign is None:
        return None
    try:
        parts = urlsplit(presign("csp-origin", "csp-origin", 1))
    except StorageError:  # e.g. no credentials yet: the CSP then allows this site only
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None

"""PDF from the HTML of a printable page, so a page and its PDF never drift (R25 notices).

WeasyPrint lays the page out with pango; ``print.css`` beside this module names the CJK
faces fontconfig finds (Noto CJK or WenQuanYi) so Chinese shows as glyphs. Resources the
HTML refers to are fetched by :class:`StaticFilesOnly`: the portal's own static files, read
from disk, and nothing else. Notice texts are typed by users, so a fetch over the network
(or of a local file outside the static folders) would be a server-side request forgery.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, current_app, has_app_context, has_request_context, request
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

PRINT_STYLESHEET = Path(__file__).with_name("print.css")
#: the origin relative URLs resolve against when the caller names none (no request)
INTERNAL_BASE_URL = "http://portal.invalid/"
#: what RFC 5987 lets stand unescaped in an ext-value, beside letters, digits and "-._~"
RFC5987_ATTR_CHARS = "!#$&+^`|"


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint fetcher that serves the app's static files from disk, refusing the rest.

    A URL is served only when it is ``data:`` or an http(s) URL on the document's own
    origin whose path is one of the app's static routes (``static`` or ``<blueprint>.static``);
    anything else, another host, ``file:``, ``ftp:``, a page route, raises, and WeasyPrint
    leaves the resource out of the PDF with a warning. No request leaves the process.
    """

    def __init__(self, app: Flask | None, base_url: str) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self._app = app
        self._origin = urlsplit(base_url).netloc

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """The static file ``url`` names, or ``data:`` content; raise for anything else."""
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        path = self._static_file(url) if parts.scheme in ("http", "https") else None
        if path is None:
            log.warning("PDF rendering refused to fetch %s", url)
            raise ValueError(f"only the portal's static files are fetched, not {url}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": mime_type}
        )

    def _static_file(self, url: str) -> Path | None:
        """The file on disk behind a static route of the app on our origin, if any."""
        parts = urlsplit(url)
        if self._app is None or parts.netloc != self._origin:
            return None
        adapter = self._app.url_map.bind(parts.netloc)
        try:
            endpoint, args = adapter.match(unquote(parts.path), method="GET")
        except HTTPException:
            return None
        folder = self._static_folder(endpoint)
        found = safe_join(folder, args.get("filename", "")) if folder else None
        return Path(found) if found and Path(found).is_file() else None

    def _static_folder(self, endpoint: str) -> str | None:
        """The folder a static endpoint serves: the app's or a blueprint's."""
        assert self._app is not None
        if endpoint == "static":
            return self._app.static_folder
        blueprint, _, view = endpoint.rpartition(".")
        owner = self._app.blueprints.get(blueprint)
        return owner.static_folder if owner is not None and view == "static" else None


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Lay out ``html`` (a whole page, e.g. a rendered printable template) as a PDF.

    :param html: the document; its stylesheets (``<link>`` to the portal's static files)
        load from disk, anything remote is not fetched (see :class:`StaticFilesOnly`).
    :param base_url: the URL relative links resolve against: the request's root URL in a
        view; without one, an internal origin that only the static files answer on.
    :returns: the PDF's bytes.

    Runs inside an app context to find the static files; outside one the page renders
    with only the print stylesheet.
    """
    base = base_url or INTERNAL_BASE_URL
    app = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    fetcher = StaticFilesOnly(app, base)
    document = HTML(string=html, base_url=base, url_fetcher=fetcher)
    stylesheet = CSS(filename=str(PRINT_STYLESHEET), url_fetcher=fetcher)
    pdf: Any = document.write_pdf(stylesheets=[stylesheet])
    return bytes(pdf)


def pdf_response(html: str, filename: str) -> Response:
    """A Flask response with ``html`` as a PDF, shown inline and saved as ``filename``.

    The name may be Chinese: the Content-Disposition carries it RFC 5987-encoded
    (``filename*=UTF-8''...``) beside an ASCII fallback for old clients. Responses are
    private: a notice names people and must not sit in a shared cache.
    """
    base_url = request.url_root if has_request_context() else None
    response = Response(render_pdf(html, base_url=base_url), mimetype="application/pdf")
    names = {"filename": filename.encode("ascii", "replace").decode("ascii").replace("?", "_")}
    if names["filename"] != filename:
        names["filename*"] = "UTF-8''" + quote(filename, safe=RFC5987_ATTR_CHARS)
    response.headers.set("Content-Disposition", "inline", **names)
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""portal.documents.pdf without the portal: PDF out, Chinese as text, nothing fetched (R25).

A throwaway Flask app with one static folder stands in for the portal; no database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from portal.documents.pdf import StaticFilesOnly, render_pdf

NOTICE = """<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">
<title>处罚通知</title>{head}</head>
<body><h1>处罚通知 ZXCF-2026-000001</h1><p>责任人王建国罚款二百元。</p>{body}</body></html>"""


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(BytesIO(pdf))


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in _reader(pdf).pages)


def _font_names(pdf: bytes) -> set[str]:
    return {
        str(font.get_object()["/BaseFont"])
        for page in _reader(pdf).pages
        for font in page["/Resources"]["/Font"].values()
    }


@pytest.fixture
def static_app(tmp_path: Path) -> Flask:
    """A Flask app serving ``tmp_path/static`` at ``/static``, with a secret beside it."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "notice.css").write_text("h1 { color: #c00; }")
    (tmp_path / "secret.txt").write_text("not for the PDF")
    return Flask("pdf_test", static_folder=str(tmp_path / "static"))


@pytest.fixture
def remote_requests() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on localhost standing for any remote host; yields its URL and the
    paths it was asked for."""
    asked: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"h1 { color: red; }")

        def log_message(self, *args: object) -> None:
            """Quiet: the test reads ``asked``."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_r25_a_notice_renders_as_a_pdf_with_its_chinese_as_text_in_a_cjk_font() -> None:
    started = time.perf_counter()
    pdf = render_pdf(NOTICE.format(head="", body=""))
    seconds = time.perf_counter() - started
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "处罚通知 ZXCF-2026-000001" in text
    assert "责任人王建国罚款二百元。" in text
    # glyphs, not boxes: the print stylesheet's CJK face is embedded (subset-prefixed)
    assert any("CJK" in name or "WenQuanYi" in name for name in _font_names(pdf)), pdf
    # a one-page notice, fontconfig's first start included, on a shared 2-core machine
    assert seconds < 10


def test_remote_urls_in_the_html_are_never_fetched(
    remote_requests: tuple[str, list[str]], static_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    remote, asked = remote_requests
    head = f'<link rel="stylesheet" href="{remote}/evil.css">'
    body = (
        f'<img src="{remote}/latest/meta-data">'
        f'<img src="{remote.replace("127.0.0.1", "localhost")}/other-host">'
        '<img src="file:///etc/passwd">'
    )
    with static_app.app_context():
        pdf = render_pdf(NOTICE.format(head=head, body=body), base_url=f"{remote}/")
    assert pdf.startswith(b"%PDF-")
    assert asked == []
    assert caplog.text.count("PDF rendering refused to fetch") == 4


def test_the_fetcher_serves_only_the_apps_static_files(static_app: Flask) -> None:
    fetcher = StaticFilesOnly(static_app, "http://portal.example/")
    served = fetcher.fetch("http://portal.example/static/notice.css")
    assert served.read() == b"h1 { color: #c00; }"
    assert served.content_type == "text/css"
    for refused in (
        "http://portal.example/static/../secret.txt",
        "http://portal.example/static/%2e%2e/secret.txt",
        "http://portal.example/static/missing.css",
        "http://other.example/static/notice.css",
        "https://portal.example:8443/static/notice.css",
        f"file://{static_app.static_folder}/notice.css",
        "ftp://portal.example/static/notice.css",
    ):
        with pytest.raises(ValueError, match="only the portal's static files"):
            fetcher.fetch(refused)
    assert fetcher.fetch("data:text/css,p{}").read() == b"p{}"


def test_without_an_app_no_static_file_is_served() -> None:
    with pytest.raises(ValueError, match="only the portal's static files"):
        StaticFilesOnly(None, "http://portal.invalid/").fetch("http://portal.invalid/static/a.css")

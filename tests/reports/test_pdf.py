import socket
import threading
from io import BytesIO

import pytest
from pypdf import PdfReader

from reports.pdf import (
    ASSET_DIR,
    AssetFetcher,
    RefusedURL,
    RenderError,
    RenderTimeout,
    markdown_to_safe_html,
    render_pdf,
)


class Listener:
    """A real TCP server on 127.0.0.1 that records every connection it gets."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def test_listener_sees_a_real_connection(listener):
    socket.create_connection(("127.0.0.1", listener.port)).close()
    listener.close()
    assert listener.connections == 1


def test_fetcher_refuses_files_outside_the_asset_directory():
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch("file:///etc/passwd")


def test_fetcher_refuses_dot_dot_escapes_from_the_asset_directory():
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch((ASSET_DIR / ".." / ".." / ".." / "pyproject.toml").as_uri())


def test_fetcher_refuses_symlinks_leading_out_of_the_asset_directory(tmp_path):
    (tmp_path / "secret.css").write_text("body { color: red }")
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "link.css").symlink_to(tmp_path / "secret.css")
    with pytest.raises(RefusedURL):
        AssetFetcher(assets).fetch((assets / "link.css").as_uri())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://example.cn/logo.png",
        "ftp://127.0.0.1/x",
        "file://intranet-host/share/x.css",
    ],
)
def test_fetcher_refuses_network_urls(url):
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch(url)


def test_fetcher_serves_portal_assets_with_their_type():
    response = AssetFetcher().fetch((ASSET_DIR / "official.css").as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_fetcher_serves_data_urls():
    assert AssetFetcher().fetch("data:text/plain;base64,5rWL6K+V").read() == "测试".encode()


def test_rendering_reads_no_local_file_named_by_the_html():
    pdf = render_pdf(
        '<img src="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/passwd">'
        '<object data="file:///etc/passwd"></object><p>正文</p>',
        pdf_variant=None,
    )
    assert b"root:" not in pdf
    assert "正文" in PdfReader(BytesIO(pdf)).pages[0].extract_text()


def test_rendering_sends_no_request_for_html_or_css_urls(listener):
    base = f"http://127.0.0.1:{listener.port}"
    html = f"""
        <link rel="stylesheet" href="{base}/style.css">
        <style>
          @import url("{base}/import.css");
          @font-face {{ font-family: Evil; src: url("{base}/font.woff"); }}
          body {{ background: url("{base}/background.png"); font-family: Evil; }}
        </style>
        <img src="{base}/image.png"><iframe src="{base}/frame"></iframe>
        <svg><image href="{base}/svg.png" width="10" height="10"/></svg>
        <p style="list-style-image: url('{base}/bullet.png')">正文</p>
    """
    render_pdf(html, pdf_variant=None)
    listener.close()
    assert listener.connections == 0


def test_html_attachments_are_not_embedded():
    css = (ASSET_DIR / "official.css").as_uri()
    pdf = render_pdf(
        f'<link rel="attachment" href="{css}"><a rel="attachment" href="{css}">附件</a>',
        pdf_variant=None,
    )
    assert b"/EmbeddedFiles" not in pdf and b"/FileAttachment" not in pdf


def test_rendering_past_the_deadline_is_stopped():
    html = "<table>" + "<tr><td>很长的表格</td><td>内容</td></tr>" * 20000 + "</table>"
    with pytest.raises(RenderTimeout):
        render_pdf(html, timeout=0.05)


def test_failure_inside_the_worker_is_reported():
    with pytest.raises(RenderError, match="KeyError"):
        render_pdf("<p>正文</p>", pdf_variant="pdf/no-such-variant")


def test_embedded_record_needs_a_pdf_variant():
    with pytest.raises(ValueError, match="PDF variant"):
        render_pdf("<p>正文</p>", xmp=b"<x/>", pdf_variant=None)


def test_markdown_keeps_structure_and_drops_everything_active():
    html = markdown_to_safe_html(
        "# 标题\n\n**重点** [链接](http://127.0.0.1/)\n\n![图](file:///etc/passwd)\n\n"
        "<iframe src=x></iframe><svg onload=alert(1)></svg><form><input></form>"
    )
    assert "<strong>重点</strong>" in html and "链接" in html
    for forbidden in ("<a", "href", "<img", "<iframe", "<svg", "onload", "<form", "<input", "<h1"):
        assert forbidden not in html

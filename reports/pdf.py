"""Safe HTML → PDF rendering shared by every document the portal issues.

Documents mix our templates with text typed by users, so rendering assumes the
HTML is hostile: WeasyPrint may only read the portal's own assets and
``data:`` URLs, never the network or the rest of the file system, and a
rendering that runs away is killed at a deadline.
"""

from __future__ import annotations

import mimetypes
import multiprocessing
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

_TOP = Path(__file__).resolve().parent.parent
# The checkout's top-level templates/, or the copy an installed wheel carries in portal/.
TEMPLATES_DIR = next(path for path in (_TOP / "portal" / "templates", _TOP / "templates")
                     if path.is_dir())
ASSET_DIR = TEMPLATES_DIR / "reports" / "assets"
PDF_VARIANT = "pdf/a-3u"
DEFAULT_TIMEOUT = 60.0

# Enough structure for minutes and agreements; no links, images or styling,
# so user text can neither fetch anything nor restyle the official layout.
MARKDOWN_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "h3", "h4", "code", "pre"}
)


class RenderError(RuntimeError):
    """The document could not be rendered."""


class RenderTimeout(RenderError):
    """Rendering did not finish before its deadline and was stopped."""


class RefusedURL(ValueError):
    """A document tried to load something other than a portal asset."""


def __getattr__(name: str):
    # WeasyPrint takes a good part of a second to import: the fetcher class, which
    # derives from its URLFetcher, is made on first use, so commands that render
    # nothing start fast.
    if name == "AssetFetcher":
        return _asset_fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _asset_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves the files under one asset directory and ``data:`` URLs, nothing else.

        The parent class is kept for its ``data:`` decoding only; every other scheme
        is refused before urllib sees it, so no proxy, redirect or socket is involved.
        """

        def __init__(self, asset_dir: Path = ASSET_DIR) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
            self.asset_dir = Path(asset_dir).resolve()

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            scheme = url.partition(":")[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = self._asset_path(url)
                if path is not None:
                    content_type = (mimetypes.guess_type(path.name)[0]
                                    or "application/octet-stream")
                    return URLFetcherResponse(
                        path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
                    )
            raise RefusedURL(f"not a portal asset: {url[:200]}")

        def _asset_path(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return None
            # resolve() follows symlinks and "..", so a link planted in the asset
            # directory cannot point the renderer elsewhere.
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_relative_to(self.asset_dir) and path.is_file():
                return path
            return None

    return AssetFetcher


@dataclass(frozen=True, slots=True)
class RenderJob:
    html: str
    asset_dir: Path
    xmp: bytes | None
    pdf_variant: str | None


def render_pdf(
    html: str,
    *,
    xmp: bytes | None = None,
    asset_dir: Path = ASSET_DIR,
    pdf_variant: str | None = PDF_VARIANT,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """Render trusted-template HTML to PDF bytes.

    Relative URLs resolve against ``asset_dir``. ``xmp`` holds
    ``rdf:Description`` elements added to the document's XMP packet, which
    only PDF/A (or another ``pdf_variant``) output has. With a ``timeout`` the work
    runs in a child process that is killed at the deadline (raising
    :class:`RenderTimeout`); ``timeout=None`` renders in this process.
    """
    if xmp and not pdf_variant:
        raise ValueError("XMP metadata needs a PDF variant such as PDF/A")
    job = RenderJob(html, Path(asset_dir), xmp, pdf_variant)
    if _engine is not None:
        return _engine(job)
    if timeout is None:
        return _render(job)
    return run_in_worker(_render, job, timeout)


_engine = None


def use_engine(engine) -> None:
    """Render every document with ``engine(job: RenderJob) -> bytes`` instead of WeasyPrint
    (``None``: WeasyPrint again)."""
    global _engine
    _engine = engine


def layout(html: str, asset_dir: Path = ASSET_DIR, *, extra_css: str = ""):
    """``html`` laid out as a WeasyPrint document, unwritten, with nothing to embed.

    Several laid-out documents can be written as one PDF (``Document.copy``),
    which subsets the fonts once instead of once per document. ``extra_css``
    (the portal's own, never a user's) is a user stylesheet: only its
    ``!important`` rules win over the document's.
    """
    from weasyprint import CSS, HTML

    fetcher = _asset_fetcher_class()(asset_dir)
    base_url = Path(asset_dir).resolve().as_uri() + "/"
    stylesheets = [CSS(string=extra_css, url_fetcher=fetcher)] if extra_css else []
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        presentational_hints=False, stylesheets=stylesheets
    )
    # Files named by <link rel=attachment> or <a rel=attachment> would be
    # embedded in the PDF; a portal document never carries any.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document


def _render(job: RenderJob) -> bytes:
    document = layout(job.html, job.asset_dir)
    return document.write_pdf(
        pdf_variant=job.pdf_variant,
        presentational_hints=False,
        finisher=_xmp_extender(job.xmp) if job.xmp else None,
    )


def _xmp_extender(descriptions: bytes):
    # WeasyPrint's own xmp_metadata option appends a second rdf:RDF element,
    # which XMP readers (pyHanko included) ignore; so the descriptions are
    # put inside the first one once the packet has been built.
    def finish(document, pdf) -> None:
        reference = pdf.catalog["Metadata"]
        stream = pdf.objects[int(reference.split()[0])]
        packet = b"".join(stream.stream)
        end = packet.rindex(b"</rdf:RDF>")
        stream.stream = [packet[:end] + descriptions + packet[end:]]

    return finish


def run_in_worker(function, argument, timeout: float):
    """``function(argument)`` in a child process that is killed at the deadline.

    A thread cannot be stopped, so layout that never ends (or a pathological
    document) would pin a CPU for good; a child process can be killed.
    """
    import weasyprint  # noqa: F401 - once in this process, so every forked child has it

    context = _process_context()
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_worker_main, args=(sender, function, argument), daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            worker.kill()
            raise RenderTimeout(f"PDF rendering took longer than {timeout:g} s and was stopped")
        try:
            ok, payload = receiver.recv()
        except EOFError:
            worker.join()
            raise RenderError(f"PDF renderer exited with code {worker.exitcode}") from None
    finally:
        receiver.close()
        worker.join()
    if not ok:
        raise RenderError(payload)
    return payload


def _worker_main(sender, function, argument) -> None:
    try:
        result = (True, function(argument))
    except Exception as error:  # reported to the parent, which raises RenderError
        result = (False, f"{type(error).__name__}: {error}")
    sender.send(result)
    sender.close()


@cache
def _process_context():
    # fork reuses the already-imported WeasyPrint and loaded fonts, which keeps
    # the per-document cost low; other platforms pay for a fresh interpreter.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def markdown_to_safe_html(text: str) -> Markup:
    """Markdown typed by a user, as HTML restricted to :data:`MARKDOWN_TAGS`."""
    import markdown
    import nh3

    html = markdown.markdown(text or "", output_format="html")
    return Markup(nh3.clean(html, tags=set(MARKDOWN_TAGS), attributes={}, url_schemes=set()))


def qr_data_url(text: str) -> str:
    """A QR code of ``text`` as an SVG ``data:`` URL, for the fetcher to accept."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


@cache
def template_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The Jinja environment for ``templates/reports/``; autoescaping is always on."""
    environment = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(markdown=markdown_to_safe_html, cn_date=cn_date, cn_time=cn_time,
                               cn_clock=cn_clock, qr=qr_data_url)
    return environment


def cn_date(value: date | datetime | str | None, time_zone: str = "Asia/Shanghai") -> str:
    """``2026年3月5日``; a datetime is first converted to ``time_zone``; a string is an ISO
    date, as documents keep their dates in their signed content."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(time_zone))
    return f"{value.year}年{value.month}月{value.day}日"


def cn_time(value: datetime | None, time_zone: str = "Asia/Shanghai") -> str:
    """``2026年3月5日 14:30`` in ``time_zone``."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(time_zone))
    return f"{cn_date(local)} {local:%H:%M}"


def cn_clock(value: datetime | None, time_zone: str = "Asia/Shanghai") -> str:
    """``14:30`` in ``time_zone``, for times on a day the document already names."""
    if value is None:
        return ""
    return f"{value.astimezone(ZoneInfo(time_zone)):%H:%M}"

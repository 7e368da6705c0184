"""Smart doorplates (智慧门牌) for printing: A4 sheets of plates, then the list of which
plate goes to which address, village by village."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.pdf import DEFAULT_TIMEOUT, qr_data_url, render_pdf, template_environment

PLATES_PER_PAGE = 6
CALL_TO_ACTION = "扫码联系社区民警和网格员"


@dataclass(frozen=True, slots=True)
class Plate:
    number: str  # printed on the plate and in the list, e.g. MP000123
    village: str
    address: str
    url: str  # what the QR code opens


def doorplates_html(issuer: str, plates: Sequence[Plate]) -> str:
    pages = [plates[i:i + PLATES_PER_PAGE] for i in range(0, len(plates), PLATES_PER_PAGE)]
    villages: dict[str, list[Plate]] = {}
    for plate in plates:
        villages.setdefault(plate.village, []).append(plate)
    return template_environment().get_template("reports/doorplates.html").render(
        issuer=issuer, pages=pages, villages=villages, qr=qr_data_url,
        call_to_action=CALL_TO_ACTION)


def doorplates_pdf(issuer: str, plates: Sequence[Plate],
                   timeout: float | None = DEFAULT_TIMEOUT) -> bytes:
    if not plates:
        raise ValueError("no plates to print")
    return render_pdf(doorplates_html(issuer, plates), pdf_variant=None, timeout=timeout)

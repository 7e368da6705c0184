import subprocess

from portal.jobs import renders


def _run(*command, data: bytes | None = None) -> str:
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


def test_plate_pdf_prints_the_address_and_a_qr_code_to_the_doorplate_page(world, tmp_path,
                                                                         app):
    pdf = renders.BUILDERS["doorplates"](village=world.village.id)()
    path = tmp_path / "plates.pdf"
    path.write_bytes(pdf)
    text = _run("pdftotext", str(path), "-")
    assert "米山村一组12号" in text
    assert "扫码联系社区民警和网格员" in text
    assert "智慧门牌安装清单" in text and world.plate.number in text
    _run("pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path),
         str(tmp_path / "page"))
    decoded = _run("zbarimg", "-q", "--raw", str(tmp_path / "page-1.png")).split()
    assert decoded == [app.config["PORTAL_BASE_URL"] + f"/d/{world.plate.token}"]

"""Puts the top-level templates/, migrations/ and examples/ inside the ``portal`` package of a
built wheel and compiles the translation catalogues into it.

The repository keeps those directories at its top (the design's layout); an installed portal
finds them under ``portal/`` instead (see portal/config.py). Everything else is declared in
pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CARRIED = ("templates", "migrations", "examples")


class BuildWithData(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout itself
        package = Path(self.build_lib) / "portal"
        for name in CARRIED:
            target = package / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / name, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        _compile_catalogues(package / "translations")


def _compile_catalogues(translations: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in translations.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


setup(cmdclass={"build_py": BuildWithData})

"""Enums whose members read as words in the reader's language."""

from __future__ import annotations

import enum
import sys


class Labelled(enum.Enum):
    """Each member's label is looked up, when shown, in the ``LABELS`` mapping of the module
    that defines the enum: the labels are lazy translations, kept beside the enums they name."""

    @property
    def label(self) -> str:
        return str(sys.modules[type(self).__module__].LABELS[self])

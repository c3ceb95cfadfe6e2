"""Display names, in the reader's language, of the initiatives register's stored codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "initiative": _l("Initiative (sáng kiến)"),
    "model": _l("Model (mô hình)"),
    "research": _l("Research topic (đề tài)"),
}

LEVEL_LABELS = {
    "unit": _l("Unit level (cấp cơ sở)"),
    "province": _l("Province or ministry level"),
    "national": _l("National level"),
}

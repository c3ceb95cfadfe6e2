"""Display names, in the reader's language, of the people feature's stored codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SEX_LABELS = {"male": _l("Male"), "female": _l("Female")}

# Vietnamese names first: they are what people write on a registration form.
TITLE_LABELS = {
    "advanced_worker": _l("Lao động tiên tiến (advanced worker)"),
    "grassroots_fighter": _l("Chiến sĩ thi đua cơ sở (grassroots emulation fighter)"),
    "provincial_fighter": _l("Chiến sĩ thi đua cấp tỉnh (provincial emulation fighter)"),
}

# Positions offered as suggestions (chức vụ); any other text is accepted as entered.
POSITIONS = (
    "Bí thư",
    "Phó Bí thư",
    "Chủ tịch",
    "Phó Chủ tịch",
    "Giám đốc",
    "Phó Giám đốc",
    "Trưởng ban",
    "Phó Trưởng ban",
    "Chánh Văn phòng",
    "Trưởng phòng",
    "Phó Trưởng phòng",
    "Kế toán trưởng",
    "Chuyên viên",
    "Nhân viên",
)

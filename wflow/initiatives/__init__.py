"""The register of initiatives, models and research topics (sáng kiến, mô hình, đề tài)."""

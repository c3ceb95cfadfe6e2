"""The API documentation page speaks the reader's language; the OpenAPI document stays English."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from tests.conftest import submit

# language: (a heading of the page, an operation's summary, a schema's description)
SHOWN = {
    "vi": ("Các thao tác", "Việc cần làm của tôi", "Mọi phản hồi lỗi của API."),
    "fr": ("Opérations", "Mes tâches", "Toute réponse d'erreur de l'API."),
    "hu": ("Műveletek", "Teendőim", "Az API minden hibaválasza."),
}


def _prose(doc: dict[str, Any]) -> set[str]:
    """Return the document's sentences people read: summaries and descriptions."""
    found = {doc["info"]["description"]}
    for item in doc["paths"].values():
        for spec in item.values():
            found |= {spec["summary"], spec["description"]}
            found |= {r["description"] for r in spec["responses"].values()}
    for schema in doc["components"]["schemas"].values():
        found.add(schema.get("description", ""))
        found |= {p.get("description", "") for p in schema.get("properties", {}).values()}
    return {text for text in found if len(text) > 3}  # "OK" is a word of other texts too


@pytest.mark.parametrize("language", sorted(SHOWN))
def test_docs__the_page_speaks_the_reader_s_language(client: FlaskClient, language: str) -> None:
    submit(client, "/locale", {"locale": language, "next": "/api/v1/docs"}, page="/login")
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    heading, summary, schema = SHOWN[language]
    assert f'<h2 id="ops-title">{heading}</h2>' in html
    assert f"<strong>{escape(summary)}</strong>" in html
    assert str(escape(schema)) in html
    # every sentence of the document is translated; paths and field names stay as they are
    english = _prose(client.get("/api/v1/openapi.json").get_json())
    untranslated = sorted(text for text in english if str(escape(text)) in html)
    assert untranslated == []
    assert "<code>GET /api/v1/tasks</code>" in html and "<td><code>lock_version</code></td>" in html


def test_docs__the_document_itself_stays_english(client: FlaskClient) -> None:
    submit(client, "/locale", {"locale": "fr", "next": "/login"}, page="/login")
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["paths"]["/api/v1/tasks"]["get"]["summary"] == "My inbox"
    assert "<strong>Mes tâches</strong>" in client.get("/api/v1/docs").get_data(as_text=True)

"""The prose of the API documentation page as messages to translate: a Babel extractor that
reads it where the OpenAPI document takes it from (operation summaries and docstrings, schema
docstrings and field descriptions, error texts), and the page's translation of a document.

The OpenAPI document itself stays in English (programs read it); only the page people read
speaks their language. babel.cfg runs `extract` on wflow/api/**.py, with `schemas = yes` on
the module whose classes are the document's schemas.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

Message = tuple[int, Any, Any, Any]  # line, function, message, comments (Babel's order)
DOCUMENTED_KEYS = ("summary", "description")


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Any,  # babel._PyOptions: the section's options
) -> Iterator[Message]:
    """Yield the module's gettext calls, then the documentation texts it holds."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    tree = ast.parse(fileobj.read())
    for lineno, text in _doc_texts(tree, schemas=options.get("schemas") == "yes"):
        yield lineno, None, text, ["API documentation page"]


def _doc_texts(tree: ast.Module, *, schemas: bool) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and _documented(node, schemas):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.lineno, doc
        elif isinstance(node, ast.keyword) and node.arg in DOCUMENTED_KEYS:
            yield from _constant(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in DOCUMENTED_KEYS:
                    yield from _constant(value)
        elif isinstance(node, ast.Assign) and _named(node, "ERROR_TEXT"):
            for value in getattr(node.value, "values", []):
                yield from _constant(value)


def _documented(node: ast.ClassDef | ast.FunctionDef, schemas: bool) -> bool:
    """Tell whether the docstring reaches the document: a schema class or an operation."""
    if isinstance(node, ast.ClassDef):
        return schemas
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "operation"
        for d in node.decorator_list
    )


def _named(node: ast.Assign, name: str) -> bool:
    return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)


def _constant(node: ast.expr) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        yield node.lineno, node.value


def translate_document(doc: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
    """Return the OpenAPI document with its prose (never names, paths or codes) translated."""

    def text(value: Any) -> Any:
        # gettext("") would answer the catalogue's header
        return gettext(inspect.cleandoc(value)) if isinstance(value, str) and value else value

    doc["info"]["description"] = text(doc["info"]["description"])
    for item in doc["paths"].values():
        for spec in item.values():
            spec["summary"], spec["description"] = text(spec["summary"]), text(spec["description"])
            for response in spec["responses"].values():
                response["description"] = text(response["description"])
    for schema in doc["components"]["schemas"].values():
        if "description" in schema:
            schema["description"] = text(schema["description"])
        for prop in schema.get("properties", {}).values():
            if "description" in prop:
                prop["description"] = text(prop["description"])
    return doc

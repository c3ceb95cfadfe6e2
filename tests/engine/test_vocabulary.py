"""The YAML vocabulary: state tags, the `start:` section, roles and participants read from data.

Every rule is checked on a small workflow broken one line at a time (line numbers matter),
and the four real workflows carry the tags the domain's lists of state names stand for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.flows import Journal, make_registry
from wflow.engine import TAGS, DataRef, Definition, Registry, Start, data_values
from wflow.engine.errors import DefinitionError, DefinitionProblem
from wflow.engine.loader import load_directory, parse_definition

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
L = "label: {vi: Nhãn, en: Label, fr: Étiquette, hu: Címke}"

BASE = f"""\
name: mini
version: 1
label: {{vi: Nhỏ, en: Mini, fr: Mini, hu: Mini}}
initial: draft
tags:
  reviewing: the parties review the year
start:
  roles: [secretariat, {{role: unit_head_of, from: parties}}]
  scope: unit
  require: [title, parties]
  guards: [two_parties]
states:
  draft:
    {L}
    tags: [editable, reviewing]
  signing:
    {L}
    tags: [signing]
    participation: {{who: {{resolver: unit_heads, from: parties}}, act: sign, complete: all, on_complete: all_signed}}
  done:
    {L}
    tags: [in_force]
    final: true
transitions:
  - {{trigger: open_signing, source: draft, dest: signing, roles: [{{role: unit_head_of, from: parties}}], {L}}}
  - {{trigger: all_signed, source: signing, dest: done, system: true, {L}}}
"""  # noqa: E501
PATH = "workflows/mini.yaml"


def registry() -> Registry:
    """Return the test registry: roles, the data role `unit_head_of`, `unit_heads`…"""
    return make_registry(Journal())


def parse(text: str) -> Definition:
    """Parse `text` as workflows/mini.yaml."""
    return parse_definition(text, PATH, registry())


def problems_of(text: str) -> list[DefinitionProblem]:
    """Return the problems found in `text` (failing when there are none)."""
    with pytest.raises(DefinitionError) as caught:
        parse(text)
    return caught.value.problems


def variant(*edits: tuple[str, str]) -> str:
    """Return BASE with each (old, new) edit applied once; each `old` must occur in BASE."""
    text = BASE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def one(found: list[DefinitionProblem], line: int, *words: str, fix: str = "") -> DefinitionProblem:
    """Return the problem at `line` whose message holds every word and whose fix holds `fix`."""
    hits = [p for p in found if p.line == line and all(w in p.message for w in words)
            and fix in p.fix and p.fix]  # fmt: skip
    assert hits, f"no problem at line {line} with {words} / {fix!r} in:\n" + "\n".join(
        map(str, found)
    )
    return hits[0]


# ---------------------------------------------------------------- parsing


def test_vocabulary__base_parses_every_new_key() -> None:
    defn = parse(BASE)
    assert defn.start == Start(
        scope="unit", roles=("secretariat",), data_roles=(DataRef("unit_head_of", "parties"),),
        require=("title", "parties"), guards=("two_parties",), line=8,
    )  # fmt: skip
    assert defn.own_tags == {"reviewing": "the parties review the year"}
    assert defn.states["draft"].tags == frozenset({"editable", "reviewing"})
    part = defn.states["signing"].participation
    assert part is not None and (part.who, part.who_from) == ("unit_heads", "parties")
    opening = defn.transitions[0]
    assert opening.roles == () and opening.data_roles == (DataRef("unit_head_of", "parties"),)
    assert str(opening.data_roles[0]) == "unit_head_of(parties)"


def test_vocabulary__tag_lookups() -> None:
    defn = parse(BASE)
    assert defn.tagged("editable") == {"draft"} and defn.tagged("reviewing") == {"draft"}
    assert defn.tagged("final") == {"done"}  # implied by `final: true`, never written
    assert defn.tagged("in_force") == {"done"} and defn.tagged("counted") == frozenset()
    assert defn.tagged("no_such_tag") == frozenset()
    assert defn.has_tag("done", "final") and defn.has_tag("signing", "signing")
    assert not defn.has_tag("draft", "final") and not defn.has_tag("signing", "editable")
    with pytest.raises(KeyError):
        defn.has_tag("nowhere", "editable")


def test_vocabulary__every_key_is_optional() -> None:
    text = variant(
        ("tags:\n  reviewing: the parties review the year\n", ""),
        ("    tags: [editable, reviewing]\n", ""),
        ("    tags: [signing]\n", ""),
        ("    tags: [in_force]\n", ""),
        ("start:\n  roles: [secretariat, {role: unit_head_of, from: parties}]\n"
         "  scope: unit\n  require: [title, parties]\n  guards: [two_parties]\n", ""),
    )  # fmt: skip
    defn = parse(text)
    assert defn.start is None and defn.own_tags == {}
    assert all(st.tags == frozenset() for st in defn.states.values())
    assert defn.tagged("final") == {"done"}


def test_vocabulary__start_roles_may_be_empty_and_require_guards_optional() -> None:
    text = variant(
        ("  roles: [secretariat, {role: unit_head_of, from: parties}]\n", "  roles: []\n"),
        ("  require: [title, parties]\n  guards: [two_parties]\n", ""),
        ("  scope: unit", "  scope: council"),
    )
    assert parse(text).start == Start(scope="council", line=8)


def test_vocabulary__data_values() -> None:
    assert data_values([3, 5]) == (3, 5) and data_values((1,)) == (1,)
    assert data_values(None) == () and data_values(7) == (7,) and data_values("x") == ("x",)
    assert data_values([]) == ()


# ---------------------------------------------------------------- tags


def test_vocabulary__unknown_tag_suggests_the_closest() -> None:
    found = problems_of(variant(("tags: [editable, reviewing]", "tags: [editabel, reviewing]")))
    one(found, 15, "unknown tag `editabel` on state `draft`", fix="did you mean `editable`?")


def test_vocabulary__unknown_tag_suggests_a_declared_tag() -> None:
    found = problems_of(variant(("tags: [editable, reviewing]", "tags: [editable, reveiwing]")))
    problem = one(found, 15, "unknown tag `reveiwing`", fix="did you mean `reviewing`?")
    assert "top-level `tags:`" in problem.fix


def test_vocabulary__unknown_tag_on_its_own_line() -> None:
    one_per_line = "    tags:\n      - signing\n      - vote"
    found = problems_of(variant(("    tags: [signing]", one_per_line)))
    one(found, 20, "unknown tag `vote`", fix="did you mean `voting`?")


def test_vocabulary__final_is_never_written_as_a_tag() -> None:
    on_final = problems_of(variant(("tags: [in_force]", "tags: [in_force, final]")))
    one(on_final, 22, "tag `final` is never written", fix="remove `final` from `tags`")
    on_other = problems_of(variant(("tags: [signing]", "tags: [final]")))
    one(on_other, 18, "`final: true` implies it", fix="write `final: true`")


def test_vocabulary__tags_must_be_a_list_of_names() -> None:
    found = problems_of(variant(("tags: [signing]", "tags: signing")))
    one(found, 18, "`tags` must be a list of names")
    twice = problems_of(variant(("tags: [signing]", "tags: [signing, signing]")))
    one(twice, 18, "`signing` is listed twice", fix="list it once")


def test_vocabulary__declared_tags() -> None:
    builtin = problems_of(variant(("  reviewing: the", "  editable: the")))
    one(builtin, 6, "`editable` is a built-in tag", fix="remove `editable`")
    unused = problems_of(variant(("tags: [editable, reviewing]", "tags: [editable]")))
    one(unused, 6, "tag `reviewing` is declared but no state carries it", fix="tags: [reviewing]")
    empty = problems_of(variant(("  reviewing: the parties review the year", "  reviewing: ''")))
    one(empty, 6, "the meaning of tag `reviewing` must be a non-empty text")
    wrong = problems_of(variant(("tags:\n  reviewing: the parties review the year", "tags: [x]")))
    one(wrong, 5, "`tags` must be a mapping of tag names to their meaning")


def test_vocabulary__built_in_tags_are_documented() -> None:
    readme = (WORKFLOWS / "README.md").read_text(encoding="utf-8")
    for tag in TAGS:
        assert f"| `{tag}` |" in readme, tag


# ---------------------------------------------------------------- start


def test_vocabulary__start_unknown_key_and_missing_scope() -> None:
    found = problems_of(variant(("  scope: unit", "  scopes: unit")))
    one(found, 9, "unknown key `scopes` in `start`", fix="did you mean `scope`?")
    one(found, 8, "`start` has no `scope` (required)", fix="scope:")


def test_vocabulary__start_scope_vocabulary() -> None:
    found = problems_of(variant(("  scope: unit", "  scope: region")))
    one(found, 9, "scope must be one of unit, block, council", fix="scope: unit")


def test_vocabulary__start_roles_are_required() -> None:
    found = problems_of(
        variant(("  roles: [secretariat, {role: unit_head_of, from: parties}]\n", ""))
    )
    one(found, 8, "`start` has no `roles` (required)")


def test_vocabulary__start_unknown_role_and_guard() -> None:
    found = problems_of(
        variant(("roles: [secretariat,", "roles: [secretariatt,"), ("[two_parties]", "[two]"))
    )
    one(found, 8, "unknown role `secretariatt`", fix="did you mean `secretariat`?")
    one(found, 11, "unknown guard `two`", fix="registry.guard")


def test_vocabulary__start_require_must_be_names() -> None:
    found = problems_of(variant(("require: [title, parties]", "require: title")))
    one(found, 10, "`require` must be a list of names")


# ---------------------------------------------------------------- roles read from data

START_ROLE = "{role: unit_head_of, from: parties}]\n  scope"  # the data role of `start`
OPEN_ROLE = "[{role: unit_head_of, from: parties}], label"  # the one of `open_signing`


def test_vocabulary__data_role_needs_its_key() -> None:
    found = problems_of(variant((START_ROLE, "unit_head_of]\n  scope")))
    one(found, 8, "role `unit_head_of` reads the instance's data",
        fix="{role: unit_head_of, from: <data key>}")  # fmt: skip


def test_vocabulary__plain_role_takes_no_key() -> None:
    found = problems_of(variant((OPEN_ROLE, "[{role: unit_head, from: parties}], label")))
    one(found, 25, "role `unit_head` does not read the instance's data",
        fix="write `unit_head` alone")  # fmt: skip


def test_vocabulary__unknown_data_role() -> None:
    found = problems_of(variant((START_ROLE, "{role: unit_heads_of, from: parties}]\n  scope")))
    one(found, 8, "unknown data role `unit_heads_of`", fix="did you mean `unit_head_of`?")


def test_vocabulary__data_role_item_needs_role_and_from() -> None:
    found = problems_of(variant((OPEN_ROLE, "[{role: unit_head_of}], label")))
    one(found, 25, "has no `from` (required)")
    bad_key = problems_of(variant(("from: parties}], label", "from: Parties}], label")))
    one(bad_key, 25, "`from` (a data key) `Parties` is not a valid name")


def test_vocabulary__only_data_roles_is_enough_to_fire() -> None:
    assert parse(BASE).transitions[0].roles == ()  # no "nobody could fire it"


def test_vocabulary__system_transition_lists_no_data_role() -> None:
    found = problems_of(
        variant(
            (
                "dest: done, system: true,",
                "dest: done, system: true, roles: [{role: unit_head_of, from: parties}],",
            )
        )
    )
    one(found, 26, "system transition `all_signed` lists roles", fix="remove `roles`")


# ---------------------------------------------------------------- participants read from data


def test_vocabulary__plain_resolver_takes_no_key() -> None:
    found = problems_of(variant(("{resolver: unit_heads,", "{resolver: member_heads,")))
    one(found, 19, "resolver `member_heads` does not read the instance's data",
        fix="write `who: member_heads`")  # fmt: skip


def test_vocabulary__data_resolver_needs_its_key() -> None:
    found = problems_of(variant(("{resolver: unit_heads, from: parties}", "unit_heads")))
    one(found, 19, "resolver `unit_heads` reads the instance's data",
        fix="who: {resolver: unit_heads, from: <data key>}")  # fmt: skip


def test_vocabulary__unknown_data_resolver() -> None:
    found = problems_of(variant(("{resolver: unit_heads,", "{resolver: unit_head,")))
    one(found, 19, "unknown data resolver `unit_head`", fix="did you mean `unit_heads`?")


def test_vocabulary__who_mapping_needs_resolver_and_from() -> None:
    found = problems_of(variant(("{resolver: unit_heads, from: parties}", "{from: parties}")))
    one(found, 19, "`who` has no `resolver` (required)")
    typo = problems_of(
        variant(("{resolver: unit_heads, from: parties}", "{resolver: unit_heads, form: parties}"))
    )
    one(typo, 19, "unknown key `form` in `who`", fix="did you mean `from`?")


# ---------------------------------------------------------------- the real workflows


def real() -> dict[str, Definition]:
    """Return the four workflows of workflows/, loaded with the app's registry."""
    from tests.engine.registry_fixture import domain_registry

    return load_directory(WORKFLOWS, domain_registry())


# The states each tag the domain code asks for stands for (it once listed these names itself:
# review EDITABLE, GRADING and DONE, scoreboard COUNTED, plan EDITABLE and ANSWERABLE, pact
# and nomination DEAD, and the single states the services and views compared with).
EXPECTED = {
    ("review", "editable"): {"open", "late", "returned"},
    ("review", "done"): {"accepted", "locked"},
    ("review", "counted"): {"accepted", "locked"},
    ("review", "approved"): {"accepted"},  # publish_period locks these
    ("review", "published"): {"locked"},
    ("review", "grading"): {"under_review"},
    ("review", "overdue"): {"late"},
    ("plan", "editable"): {"draft", "revision", "returned"},
    ("plan", "answerable"): {"consultation", "revision", "returned"},
    ("plan", "commentable"): {"consultation"},
    ("plan", "approved"): {"approved"},
    ("plan", "published"): {"published"},
    ("plan", "dropped"): {"cancelled"},
    ("pact", "signing"): {"signing"},
    ("pact", "in_force"): {"in_force"},
    ("pact", "dropped"): {"withdrawn"},
    ("nomination", "approved"): {"approved"},
    ("nomination", "decided"): {"decided", "revoked"},
    ("nomination", "editable"): {"dossier"},
    ("nomination", "voting"): {"block_vote", "council_vote"},
    ("nomination", "dropped"): {"rejected", "withdrawn", "returned"},
    ("nomination", "forwarded"): {"proposed_up"},
    ("nomination", "block_voting"): {"block_vote"},
    ("nomination", "council_voting"): {"council_vote"},
    ("nomination", "examining"): {"secretariat_review"},
    ("nomination", "revoked"): {"revoked"},
}


@pytest.mark.parametrize(("workflow", "tag"), sorted(EXPECTED))
def test_vocabulary__real_workflows_carry_the_domain_lists(workflow: str, tag: str) -> None:
    assert real()[workflow].tagged(tag) == EXPECTED[(workflow, tag)]


def test_vocabulary__real_workflows_declare_how_they_start() -> None:
    defs = real()
    starts = {name: d.start for name, d in defs.items()}
    assert all(s is not None for s in starts.values())
    plan, pact, review, nomination = (starts[n] for n in ("plan", "pact", "review", "nomination"))
    assert plan is not None and (plan.scope, plan.roles) == ("block", ("block_leader",))
    assert pact is not None and (pact.scope, pact.roles) == ("block", ("block_leader",))
    assert review is not None and (review.scope, review.roles) == ("unit", ())  # tick opens them
    assert nomination is not None and nomination.scope == "block"
    assert set(nomination.roles) == {"block_leader", "secretariat", "unit_member"}


def test_vocabulary__a_role_listed_twice() -> None:
    found = problems_of(variant(("roles: [secretariat,", "roles: [secretariat, secretariat,")))
    one(found, 8, "`secretariat` is listed twice in `roles` of `start`", fix="list it once")
    twice = "{role: unit_head_of, from: parties}, {role: unit_head_of, from: parties}], label"
    found = problems_of(variant((OPEN_ROLE[1:], twice)))
    one(found, 25, "`unit_head_of(parties)` is listed twice", fix="list it once")

"""Tests of the definition loader and validator: every rule names its line and its fix."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from tests.engine.registry_fixture import ROLES, domain_registry
from wflow.engine.definition import Completion, Definition
from wflow.engine.errors import DefinitionError, DefinitionProblem
from wflow.engine.loader import check_files, load_directory, parse_definition
from wflow.engine.registry import Registry
from wflow.engine.yamlread import DurationError, parse_duration, parse_fraction

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
BROKEN = Path(__file__).parent / "fixtures" / "broken.yaml"

# A small valid workflow; the tests below break one line at a time (line numbers matter).
BASE = """\
name: mini
version: 1
label: {vi: Nhỏ, en: Mini, fr: Mini, hu: Mini}
initial: draft
states:
  draft:
    label: {vi: Nháp, en: Draft, fr: Brouillon, hu: Vázlat}
  signing:
    label: {vi: Đang ký, en: Signing, fr: Signature, hu: Aláírás}
    participation: {who: block_member_heads, act: sign, refuse: decline, complete: all, on_complete: all_signed, on_refuse: declined}
    deadline: {after: P21D, fire: expire, remind_before: [P3D, P1D]}
  done:
    label: {vi: Xong, en: Done, fr: Fini, hu: Kész}
    final: true
transitions:
  - {trigger: open_signing, source: draft, dest: signing, roles: [block_leader], label: {vi: Mở, en: Open, fr: Ouvrir, hu: Nyit}}
  - {trigger: all_signed, source: signing, dest: done, system: true, label: {vi: Đủ, en: Signed, fr: Signé, hu: Kész}}
  - {trigger: declined, source: signing, dest: draft, system: true, label: {vi: Từ chối, en: Declined, fr: Refusé, hu: Elutasítva}}
  - {trigger: expire, source: signing, dest: draft, system: true, label: {vi: Hết hạn, en: Expired, fr: Expiré, hu: Lejárt}}
"""  # noqa: E501
LABEL = "label: {vi: Nhãn, en: Label, fr: Étiquette, hu: Címke}"
PATH = "workflows/mini.yaml"


def parse(text: str, registry: Registry | None = None) -> Definition:
    """Parse `text` as workflows/mini.yaml with the domain registry."""
    return parse_definition(text, PATH, registry or domain_registry())


def problems_of(text: str, registry: Registry | None = None) -> list[DefinitionProblem]:
    """Return the problems found in `text` (failing when there are none)."""
    with pytest.raises(DefinitionError) as caught:
        parse(text, registry)
    return caught.value.problems


def variant(*edits: tuple[str, str]) -> str:
    """Return BASE with each (old, new) edit applied; each `old` must occur in BASE."""
    text = BASE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def add_transition(line: str) -> str:
    """Return BASE with one more transition appended (it lands on line 20)."""
    return BASE + f"  - {line}\n"


def add_state(line: str) -> str:
    """Return BASE with one more state inserted after `done` (it lands on line 15)."""
    return variant(("    final: true\n", f"    final: true\n{line}\n"))


def one(found: list[DefinitionProblem], line: int, *words: str, fix: str = "") -> DefinitionProblem:
    """Return the problem at `line` whose message holds every word and whose fix holds `fix`."""
    hits = [
        p
        for p in found
        if p.line == line and all(w in p.message for w in words) and fix in p.fix and p.fix
    ]
    assert hits, f"no problem at line {line} with {words} / fix {fix!r} in:\n" + "\n".join(
        map(str, found)
    )
    return hits[0]


# ---------------------------------------------------------------- happy paths


def test_loader__base_parses_into_typed_frozen_definition() -> None:
    defn = parse(BASE)
    assert (defn.name, defn.version, defn.initial) == ("mini", 1, "draft")
    assert defn.path == PATH and defn.source == BASE
    signing = defn.states["signing"]
    assert signing.line == 8 and defn.transitions[0].line == 16
    assert signing.participation is not None
    assert signing.participation.complete == Completion(kind="all")
    assert signing.deadline is not None
    assert signing.deadline.after == timedelta(days=21)
    assert signing.deadline.remind_before == (timedelta(days=3), timedelta(days=1))
    assert defn.transitions[0].sources == ("draft",) and defn.transitions[0].roles == (
        "block_leader",
    )
    assert defn.label.get("hu") == "Mini" and defn.states["done"].final


@pytest.mark.parametrize("name", ["plan", "pact", "review", "nomination"])
def test_loader__real_workflow_parses(name: str) -> None:
    path = WORKFLOWS / f"{name}.yaml"
    defn = parse_definition(path.read_text(encoding="utf-8"), str(path), domain_registry())
    assert defn.name == name and defn.version >= 1
    for state in defn.states.values():  # every label is really translated
        assert state.label.vi and state.label.en and state.label.fr and state.label.hu
    used_roles = {r for t in defn.transitions for r in t.roles}
    assert used_roles <= set(ROLES)
    who = {s.participation.who for s in defn.states.values() if s.participation}
    registry = domain_registry()
    assert who <= set(registry.resolvers)
    assert {g for t in defn.transitions for g in t.guards} <= set(registry.guards)
    assert {e for t in defn.transitions for e in t.effects} <= set(registry.effects)


def test_loader__real_workflows_need_the_registry() -> None:
    path = WORKFLOWS / "pact.yaml"
    found = problems_of(path.read_text(encoding="utf-8"), Registry())
    assert any("unknown role `block_leader`" in p.message for p in found)
    assert any("unknown resolver `pact_signatories`" in p.message for p in found)


def test_loader__pact_matches_the_issue() -> None:
    defs = load_directory(WORKFLOWS, domain_registry())
    assert set(defs) == {"plan", "pact", "review", "nomination", "programme", "campaign",
                         "adhoc_award", "award_decision", "inspection"}  # fmt: skip
    signing = defs["pact"].states["signing"]
    p = signing.participation
    assert p is not None and signing.deadline is not None
    assert (p.who, p.act, p.refuse, p.on_complete, p.on_refuse) == (
        "pact_signatories",
        "sign",
        "decline",
        "all_signed",
        "declined",
    )
    assert p.require_refuse == ("reason",) and p.complete.kind == "all"
    # issue 5: the deadline is a date the service computes from the block's rules (signing_days)
    assert signing.deadline.at == "signing_until" and signing.deadline.fire == "expire"
    assert signing.deadline.remind_before == (timedelta(days=3), timedelta(days=1))
    assert p.guards == ("signed_document",)  # the act names the PDF the head just signed


def test_loader__nomination_votes_match_the_issue() -> None:
    nomination = load_directory(WORKFLOWS, domain_registry())["nomination"]
    block = nomination.states["block_vote"].participation
    council = nomination.states["council_vote"].participation
    assert block is not None and council is not None
    # the thresholds come from the award and the block's rules: the closing guards count
    assert block.complete == Completion("manual") == council.complete
    assert block.on_complete is None and council.on_refuse is None
    assert block.secret and council.secret and block.abstain == "vote_abstain"
    closing = {t.trigger: t.guards for t in nomination.transitions if "block_vote" in t.sources}
    assert closing == {"block_approved": ("block_vote_passed",),
                       "block_rejected": ("block_vote_failed",)}  # fmt: skip
    revoke = next(t for t in nomination.transitions if t.trigger == "revoke")
    assert revoke.sources == ("decided",) and revoke.require == ("reason",)
    deadline = nomination.states["secretariat_review"].deadline
    assert deadline is not None and deadline.after == timedelta(days=35)


def test_loader__review_deadline_reads_a_date_from_data() -> None:
    review = load_directory(WORKFLOWS, domain_registry())["review"]
    deadline = review.states["open"].deadline
    assert deadline is not None and deadline.at == "due_date" and deadline.after is None
    returns = [t for t in review.transitions if t.trigger.startswith("return")]
    assert returns and all(t.require == ("reason",) for t in returns)


def test_loader__plan_consultation_deadline_fires_close_consultation() -> None:
    plan = load_directory(WORKFLOWS, domain_registry())["plan"]
    deadline = plan.states["consultation"].deadline
    assert deadline is not None and deadline.fire == "close_consultation"
    close = next(t for t in plan.transitions if t.trigger == "close_consultation")
    assert close.system and close.sources == ("consultation",)
    assert plan.states["draft"].label.vi == "Dự thảo"


# ---------------------------------------------------------------- YAML and structure


def test_loader__yaml_syntax_error_names_its_line() -> None:
    found = problems_of(variant(("initial: draft", "initial: [draft")))
    assert len(found) == 1 and "YAML syntax error" in found[0].message
    assert found[0].line in (4, 5) and "indentation" in found[0].fix


def test_loader__unquoted_star_gets_a_quoting_fix() -> None:
    found = problems_of(add_transition(f"{{trigger: stop, source: *, dest: done, {LABEL}}}"))
    assert found[0].line == 20 and '"*"' in found[0].fix


def test_loader__empty_file() -> None:
    one(problems_of(""), 1, "empty", fix="name, version")


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "suggestion"),
    [
        ("initial: draft", "intial: draft", 4, "intial", "initial"),
        ("    final: true", "    finale: true", 14, "finale", "final"),
        ("on_refuse: declined}", "on_refuse: declined, secrets: true}", 10, "secrets", "secret"),
        ("fire: expire,", "fire: expire, remind: [P1D],", 11, "remind", "remind_before"),
        ("roles: [block_leader], label", "role: [block_leader], label", 16, "role", "roles"),
        ("{vi: Nháp, en: Draft,", "{vi: Nháp, eng: Draft, en: Draft,", 7, "eng", "en"),
    ],
)
def test_loader__unknown_key_suggests_the_closest(
    old: str, new: str, line: int, key: str, suggestion: str
) -> None:
    found = problems_of(variant((old, new)))
    one(found, line, f"unknown key `{key}`", fix=f"did you mean `{suggestion}`?")


def test_loader__unknown_key_without_close_match_lists_the_keys() -> None:
    found = problems_of(variant(("    final: true", "    final: true\n    colour: red")))
    one(found, 15, "unknown key `colour`", fix="`participation`")


def test_loader__duplicate_yaml_key_is_reported() -> None:
    found = problems_of(variant(("version: 1\n", "version: 1\nversion: 2\n")))
    one(found, 3, "`version` appears twice", fix="keep only one")


def test_loader__duplicate_state_is_reported() -> None:
    found = problems_of(add_state(f"  draft:\n    {LABEL}"))
    one(found, 15, "state `draft` is declared twice", fix="merge")


@pytest.mark.parametrize(
    ("remove", "line", "key"),
    [
        ("initial: draft\n", 1, "initial"),
        ("version: 1\n", 1, "version"),
        ("dest: signing, ", 16, "dest"),
        ("trigger: expire, ", 19, "trigger"),
    ],
)
def test_loader__missing_required_key(remove: str, line: int, key: str) -> None:
    found = problems_of(variant((remove, "")))
    one(found, line, f"has no `{key}` (required)", fix=f"add `{key}:")


def test_loader__transition_label_is_required() -> None:
    found = problems_of(
        add_transition("{trigger: stop, source: draft, dest: done, roles: [admin]}")
    )
    one(found, 20, "no `label`", fix="label: {vi: …, en: …, fr: …, hu: …}")


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("version: 1", "version: one", 2, "positive whole number"),
        ("version: 1", "version: 0", 2, "positive whole number"),
        ("version: 1", 'version: "1"', 2, "positive whole number"),
        ("    final: true", "    final: maybe", 14, "true or false"),
        ("roles: [block_leader]", "roles: block_leader", 16, "list of names"),
        ("initial: draft", "initial: [draft]", 4, "must be a name, not a list"),
        ("source: draft, dest: signing", "source: 3, dest: signing", 16, "must be a name"),
        ("initial: draft", "initial: Draft Now", 4, "not a valid name"),
        ("{vi: Nháp, en: Draft,", "{vi: 5, en: Draft,", 7, "non-empty text"),
    ],
)
def test_loader__wrong_types(old: str, new: str, line: int, words: str) -> None:
    found = problems_of(variant((old, new)))
    one(found, line, words)


def test_loader__states_must_be_a_non_empty_mapping() -> None:
    text = "states: []\ntransitions:" + BASE.split("transitions:")[1]
    one(problems_of(BASE.split("states:")[0] + text), 5, "mapping of at least one state")


def test_loader__transitions_must_be_a_list() -> None:
    text = BASE.split("transitions:")[0] + "transitions: {open: draft}\n"
    one(problems_of(text), 15, "must be a list", fix="transitions:")


def test_loader__label_needs_all_four_locales() -> None:
    found = problems_of(variant((", hu: Vázlat}", "}")))
    problem = one(found, 7, "no `hu` text", fix="vi, en, fr and hu")
    assert "state `draft`" in problem.message


def test_loader__name_must_equal_the_file_stem() -> None:
    found = problems_of(variant(("name: mini", "name: maxi")))
    one(found, 1, "differs from the file name `mini`", fix="name: mini")


def test_loader__stored_text_is_not_held_to_a_file_name() -> None:
    text = variant(("name: mini", "name: maxi"))
    defn = parse_definition(text, "workflows/maxi.yaml (stored v1)", domain_registry())
    assert defn.name == "maxi" and defn.path == "workflows/maxi.yaml (stored v1)"


# ---------------------------------------------------------------- states and graph


def test_loader__unknown_initial_state() -> None:
    one(problems_of(variant(("initial: draft", "initial: drafts"))), 4, "`drafts`", fix="`draft`")


def test_loader__final_initial_state() -> None:
    found = problems_of(variant(("initial: draft", "initial: done")))
    one(found, 4, "initial state `done` is final", fix="non-final")


def test_loader__unknown_source_and_dest() -> None:
    found = problems_of(variant(("source: draft, dest: signing", "source: drat, dest: sining")))
    one(found, 16, "unknown source state `drat`", fix="did you mean `draft`?")
    one(found, 16, "unknown destination state `sining`", fix="did you mean `signing`?")


def test_loader__unknown_source_in_a_list_names_the_item_line() -> None:
    found = problems_of(
        add_transition(
            f"trigger: stop\n    source:\n      - draft\n      - nowhere\n"
            f"    dest: done\n    roles: [admin]\n    {LABEL}"
        )
    )
    one(found, 23, "unknown source state `nowhere`")


def test_loader__star_source_means_every_non_final_state() -> None:
    defn = parse(
        add_transition(f'{{trigger: stop, source: "*", dest: done, roles: [admin], {LABEL}}}')
    )
    assert [t.trigger for t in defn.transitions_from("draft")][-1] == "stop"
    assert defn.transitions_from("done") == ()


def test_loader__star_must_stand_alone() -> None:
    found = problems_of(
        add_transition(
            f'{{trigger: stop, source: [draft, "*"], dest: done, roles: [admin], {LABEL}}}'
        )
    )
    one(found, 20, "`*` must stand alone", fix='source: "*"')


def test_loader__unreachable_state() -> None:
    found = problems_of(
        add_state(f"  orphan:\n    {LABEL}")
        + f"  - {{trigger: leave, source: orphan, dest: done, roles: [admin], {LABEL}}}\n"
    )
    one(found, 15, "`orphan` cannot be reached", fix="dest: orphan")
    assert not any("no way out" in p.message for p in found)


def test_loader__state_without_way_out() -> None:
    found = problems_of(
        add_state(f"  stuck:\n    {LABEL}")
        + f"  - {{trigger: go, source: draft, dest: stuck, roles: [admin], {LABEL}}}\n"
        + f"  - {{trigger: ping, source: stuck, dest: stuck, roles: [admin], {LABEL}}}\n"
    )
    one(found, 15, "`stuck` has no way out", fix="final: true")
    assert not any("cannot be reached" in p.message for p in found)


def test_loader__final_state_with_outgoing_transition() -> None:
    found = problems_of(
        add_transition(f"{{trigger: reopen, source: done, dest: draft, roles: [admin], {LABEL}}}")
    )
    one(found, 20, "leaves final state `done`", fix="remove `done` from the source")


def test_loader__final_state_with_a_deadline() -> None:
    found = problems_of(
        variant(("    final: true", "    final: true\n    deadline: {after: P1D, fire: expire}"))
    )
    one(found, 15, "final state `done` has a deadline", fix="remove `deadline`")


def test_loader__self_loop_on_a_system_trigger_is_allowed() -> None:
    text = variant(("fire: expire,", "fire: nudge,")) + (
        f"  - {{trigger: nudge, source: signing, dest: signing, system: true, {LABEL}}}\n"
    )
    assert parse(text).transitions[-1].dest == "signing"


def test_loader__duplicate_trigger_and_source() -> None:
    found = problems_of(
        add_transition(
            f"{{trigger: open_signing, source: draft, dest: done, roles: [admin], {LABEL}}}"
        )
    )
    one(found, 20, "`open_signing` from state `draft` is already declared on line 16", fix="merge")


def test_loader__duplicate_through_star() -> None:
    found = problems_of(
        add_transition(
            f'{{trigger: open_signing, source: "*", dest: done, roles: [admin], {LABEL}}}'
        )
    )
    one(found, 20, "from state `draft` is already declared on line 16")


def test_loader__same_trigger_system_and_manual() -> None:
    found = problems_of(
        add_transition(f"{{trigger: declined, source: draft, dest: done, roles: [admin], {LABEL}}}")
    )
    one(found, 20, "is a system trigger in one transition and not in another", fix="different")


# ---------------------------------------------------------------- roles and registry


def test_loader__manual_transition_without_roles() -> None:
    found = problems_of(variant(("roles: [block_leader], ", "")))
    one(found, 16, "nobody could fire it", fix="roles: [...]")


def test_loader__system_transition_with_roles() -> None:
    found = problems_of(
        variant(("dest: done, system: true,", "dest: done, system: true, roles: [admin],"))
    )
    one(found, 17, "lists roles", fix="remove `roles`")


def test_loader__unknown_role_suggests_a_close_one() -> None:
    found = problems_of(variant(("roles: [block_leader]", "roles: [block_leadr]")))
    one(found, 16, "unknown role `block_leadr`", fix="did you mean `block_leader`?")


def test_loader__unknown_guard_and_effect() -> None:
    registry = domain_registry()
    registry.guard("has_pdf")(lambda ctx: True)
    found = problems_of(
        variant(
            ("roles: [block_leader],", "roles: [block_leader], guards: [has_pfd], effects: [seal],")
        ),
        registry,
    )
    one(found, 16, "unknown guard `has_pfd`", fix="did you mean `has_pdf`?")
    one(found, 16, "unknown effect `seal`", fix="registry.effect")


def test_loader__registered_guard_and_effect_pass() -> None:
    registry = domain_registry()
    registry.guard("has_pdf")(lambda ctx: True)
    registry.effect("seal")(lambda ctx: None)
    text = variant(
        ("roles: [block_leader],", "roles: [block_leader], guards: [has_pdf], effects: [seal],")
    )
    t = parse(text, registry).transitions[0]
    assert (t.guards, t.effects) == (("has_pdf",), ("seal",))


def test_loader__unknown_resolver() -> None:
    found = problems_of(variant(("who: block_member_heads", "who: block_member_head")))
    one(found, 10, "unknown resolver `block_member_head`", fix="did you mean `block_member_heads`?")


# ---------------------------------------------------------------- participation


def test_loader__participation_needs_a_completion_rule() -> None:
    found = problems_of(variant(("complete: all, ", "")))
    one(found, 10, "has no completion rule `complete`", fix="complete: all")


def test_loader__participation_trigger_must_not_be_a_transition() -> None:
    found = problems_of(
        add_transition(
            f"{{trigger: sign, source: signing, dest: done, roles: [unit_head], {LABEL}}}"
        )
    )
    one(found, 20, "`sign` is a participation trigger of state `signing`", fix="remove this")


def test_loader__on_complete_needs_a_transition() -> None:
    found = problems_of(variant(("on_complete: all_signed", "on_complete: everyone_signed")))
    one(found, 10, "fires `everyone_signed`", "no transition", fix="system: true")


def test_loader__on_refuse_must_leave_the_state() -> None:
    found = problems_of(
        variant(("trigger: declined, source: signing", "trigger: declined, source: draft"))
    )
    one(found, 10, "no `declined` transition has `signing` as its source", fix="add `signing`")


def test_loader__fired_trigger_must_be_system() -> None:
    found = problems_of(variant(("dest: done, system: true,", "dest: done, roles: [admin],")))
    one(found, 10, "`all_signed`", "not `system: true`", fix="system: true")


def test_loader__deadline_fire_needs_a_transition() -> None:
    found = problems_of(variant(("fire: expire", "fire: expired")))
    one(found, 11, "fires `expired`", fix="trigger: expired")


def test_loader__refusable_participation_needs_on_refuse() -> None:
    found = problems_of(variant((", on_refuse: declined}", "}")))
    one(found, 10, "can fail but has no `on_refuse`", fix="on_refuse:")


PART = (
    "{who: block_member_heads, act: sign, refuse: decline, complete: all, "
    "on_complete: all_signed, on_refuse: declined}"
)


def test_loader__manual_participation_takes_no_outcome_triggers() -> None:
    both = PART.replace("complete: all,", "complete: manual,")
    found = problems_of(BASE.replace(PART, both))
    assert any("`on_complete` does not apply to `complete: manual`" in p.message for p in found)
    assert any("`on_refuse` does not apply to `complete: manual`" in p.message for p in found)
    bare = "{who: block_member_heads, act: sign, refuse: decline, complete: manual}"
    part = parse(BASE.replace(PART, bare)).states["signing"].participation
    assert part is not None and part.complete == Completion("manual") and part.on_complete is None


def test_loader__participation_needs_on_complete_unless_manual() -> None:
    found = problems_of(BASE.replace(PART, PART.replace(" on_complete: all_signed,", "")))
    assert any("has no `on_complete` (required)" in p.message for p in found)


def test_loader__require_refuse_needs_refuse() -> None:
    found = problems_of(
        variant(
            ("refuse: decline, ", ""), (", on_refuse: declined}", ", require_refuse: [reason]}")
        )
    )
    one(found, 10, "`require_refuse` without a `refuse`", fix="refuse: decline")


def test_loader__participation_triggers_must_differ() -> None:
    found = problems_of(variant(("refuse: decline", "refuse: sign")))
    one(found, 10, "both name trigger `sign`", fix="its own name")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("complete: any", Completion("any")),
        ("complete: {at_least: 3}", Completion("at_least", count=3)),
        ('complete: {at_least: "2/3"}', Completion("at_least", fraction=Fraction(2, 3))),
        ('complete: {at_least: "90%"}', Completion("at_least", fraction=Fraction(9, 10))),
        (
            'complete: {at_least: "2/3"}, quorum: "2/3", of: present',
            Completion("at_least", None, Fraction(2, 3), Fraction(2, 3), "present"),
        ),
        ('complete: all, quorum: "50%"', Completion("all", quorum=Fraction(1, 2))),
    ],
)
def test_loader__completion_forms(rule: str, expected: Completion) -> None:
    signing = parse(variant(("complete: all", rule))).states["signing"]
    assert signing.participation is not None and signing.participation.complete == expected


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("complete: most", "`complete` must be"),
        ("complete: {at_least: 0}", "at_least must be a fraction"),
        ('complete: {at_least: "3/2"}', "at_least must be a fraction"),
        ('complete: {at_least: "120%"}', "at_least must be a fraction"),
        ('complete: all, quorum: "0/3"', "quorum must be a fraction"),
        ("complete: all, of: present", "`of` only applies"),
        ("complete: {at_most: 2}", "unknown key `at_most`"),
    ],
)
def test_loader__bad_completion_rules(rule: str, words: str) -> None:
    one(problems_of(variant(("complete: all", rule))), 10, words)


def test_loader__order_must_be_parallel_or_sequential() -> None:
    found = problems_of(variant(("complete: all,", "complete: all, order: random,")))
    one(found, 10, "order must be one of parallel, sequential", fix="order: parallel")


# ---------------------------------------------------------------- durations and deadlines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P21D", timedelta(days=21)),
        ("PT12H", timedelta(hours=12)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P2W", timedelta(weeks=2)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("PT45S", timedelta(seconds=45)),
    ],
)
def test_loader__parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["21D", "P", "PT", "P1DT", "P1.5D", "p1d", "P1W2D", "P0D", ""])
def test_loader__parse_duration_rejects(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P1Y2M3D", "P2MT1H"])
def test_loader__months_and_years_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert "months" in str(caught.value) and "P30D" in caught.value.fix


def test_loader__parse_fraction() -> None:
    assert parse_fraction("2/3") == Fraction(2, 3)
    assert parse_fraction("90%") == Fraction(9, 10)
    assert parse_fraction("66.5%") == Fraction(133, 200)
    for bad in ("0", "1/0", "4/3", "abc", "0%"):
        with pytest.raises(ValueError):
            parse_fraction(bad)


def test_loader__deadline_duration_in_months() -> None:
    found = problems_of(variant(("after: P21D", "after: P1M")))
    one(found, 11, "months", fix="P30D")


def test_loader__deadline_bad_duration() -> None:
    one(problems_of(variant(("after: P21D", "after: 21 days"))), 11, "not an ISO-8601", fix="P21D")


def test_loader__reminder_not_shorter_than_deadline() -> None:
    found = problems_of(variant(("remind_before: [P3D, P1D]", "remind_before: [P30D]")))
    one(found, 11, "reminder P30D is not shorter", fix="shorter than `after`")


def test_loader__deadline_takes_after_or_at() -> None:
    both = problems_of(variant(("after: P21D,", "after: P21D, at: due_date,")))
    one(both, 11, "either `after` or `at`, not both")
    neither = problems_of(variant(("after: P21D, ", "")))
    one(neither, 11, "neither `after` nor `at`", fix="at: due_date")


def test_loader__deadline_at_a_data_key() -> None:
    deadline = parse(variant(("after: P21D", "at: due_date"))).states["signing"].deadline
    assert deadline is not None and deadline.at == "due_date" and deadline.after is None


# ---------------------------------------------------------------- files and errors


def test_loader__all_problems_are_collected_with_their_lines() -> None:
    found = check_files([BROKEN], domain_registry())
    lines = {p.line for p in found}
    assert {3, 4, 9, 12, 13, 23, 26, 30, 34, 37} <= lines
    assert all(p.path == str(BROKEN) and p.fix for p in found)
    one(found, 23, "unknown role `unit_haed`", fix="did you mean `unit_head`?")
    one(found, 37, "unknown key `lable`", fix="did you mean `label`?")


def test_loader__error_prints_one_problem_per_line() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(BROKEN.read_text(encoding="utf-8"), "broken.yaml", domain_registry())
    printed = str(caught.value).splitlines()
    assert len(printed) == len(caught.value.problems) >= 10
    assert printed[0].startswith("broken.yaml:3: version must be a positive whole number — ")


def test_loader__problem_format() -> None:
    problem = DefinitionProblem("a.yaml", 7, "bad thing", "do this")
    assert str(problem) == "a.yaml:7: bad thing — do this"
    assert str(DefinitionError([problem, DefinitionProblem("a.yaml", 2, "x", "y")])) == (
        "a.yaml:2: x — y\na.yaml:7: bad thing — do this"
    )


def test_loader__load_directory_collects_every_file(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(variant(("initial: draft", "initial: nope")), "utf-8")
    (tmp_path / "broken.yaml").write_text(BROKEN.read_text(encoding="utf-8"), "utf-8")
    (tmp_path / "old.yml").write_text(BASE, "utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_directory(tmp_path, domain_registry())
    paths = {Path(p.path).name for p in caught.value.problems}
    assert paths == {"mini.yaml", "broken.yaml", "old.yml"}


def test_loader__load_directory_returns_definitions_by_name(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(BASE, "utf-8")
    assert list(load_directory(tmp_path, domain_registry())) == ["mini"]


def test_loader__load_directory_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="not a directory"):
        load_directory(tmp_path / "nope", domain_registry())


def test_loader__check_files_flags_duplicate_names(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "mini.yaml").write_text(BASE, "utf-8")
    paths = [tmp_path / "a" / "mini.yaml", tmp_path / "b" / "mini.yaml"]
    found = check_files(paths, domain_registry())
    assert len(found) == 1
    one(found, 1, "workflow `mini` is also defined in", fix="one file")
    assert found[0].path == str(paths[1])


def test_loader__check_files_never_raises(tmp_path: Path) -> None:
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    found = check_files([tmp_path / "missing.yaml", binary], domain_registry())
    assert [p.line for p in found] == [0, 0]
    assert all("cannot read the file" in p.message for p in found)


def test_loader__check_files_on_the_real_workflows_is_clean() -> None:
    assert check_files(sorted(WORKFLOWS.glob("*.yaml")), domain_registry()) == []

"""AI literacy (KI-Führerschein, AI Act Art. 4): modules, quizzes, completions, gate.

Modules are Markdown files in ``governance/training/`` with TOML front matter
between ``+++`` lines (slug, title, version, valid_months, pass_mark and the
``[[quiz]]`` questions). A completion counts while it has not expired and was
made for the module's current *major* version: fixing a typo (1.0 -> 1.1) keeps
certificates valid, a material change (1.x -> 2.0) requires the module again.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from markdown_it import MarkdownIt

from aktenkundig.core.models import Tenant
from aktenkundig.governance.models import TrainingCompletion

TRAINING_DIR = Path(__file__).resolve().parent / "training"


class LiteracyError(ValueError):
    """Bad quiz input or unknown module (message is user-facing)."""


@dataclass(frozen=True)
class QuizQuestion:
    question: str
    options: tuple[str, ...]
    answer: int
    explanation: str


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    version: str
    valid_months: int
    pass_mark: float
    order: int
    body: str
    quiz: tuple[QuizQuestion, ...]

    @property
    def major(self) -> str:
        return self.version.split(".", 1)[0]


@dataclass(frozen=True)
class QuizResult:
    score: float
    passed: bool
    wrong: tuple[int, ...]


def _parse(path: Path) -> Module:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("+++\n"):
        raise ValueError(f"{path.name}: Kopfteil (+++ ... +++) fehlt")
    head, body = text[4:].split("\n+++\n", 1)
    meta = tomllib.loads(head)
    quiz = tuple(
        QuizQuestion(q["question"], tuple(q["options"]), int(q["answer"]), q.get("explanation", ""))
        for q in meta.get("quiz", [])
    )
    for q in quiz:
        if not 0 <= q.answer < len(q.options):
            raise ValueError(f"{path.name}: Antwortindex außerhalb der Optionen: {q.question}")
    return Module(
        slug=meta["slug"], title=meta["title"], version=str(meta["version"]),
        valid_months=int(meta.get("valid_months", 24)),
        pass_mark=float(meta.get("pass_mark", 0.75)),
        order=int(meta.get("order", 99)), body=body.strip(), quiz=quiz,
    )


@lru_cache(maxsize=1)
def modules() -> tuple[Module, ...]:
    return tuple(sorted((_parse(p) for p in TRAINING_DIR.glob("*.md")), key=lambda m: m.order))


def get_module(slug: str) -> Module:
    for module in modules():
        if module.slug == slug:
            return module
    raise LiteracyError(f"Das Schulungsmodul „{slug}“ gibt es nicht.")


_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def render(module: Module, tenant: Tenant | None = None) -> str:
    """The module as HTML (raw HTML in the source is escaped, not passed through)."""
    body = module.body
    if tenant is not None and "{{ richtlinie }}" in body:
        body = body.replace("{{ richtlinie }}", policy_markdown(tenant))
    return _markdown.render(body)


def policy_markdown(tenant: Tenant) -> str:
    """The tenant's KI-Richtlinie as a Markdown table, for the Richtlinie module."""
    from aktenkundig.accounts.models import Role
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.governance.features import FEATURES
    from aktenkundig.governance.models import FeaturePolicy

    lines = [
        "| Funktion | erlaubt | Rollen | höchste Schutzstufe | erst selbst entscheiden |",
        "|---|---|---|---|---|",
    ]
    for policy in FeaturePolicy.objects.filter(tenant=tenant).order_by("feature"):
        spec = FEATURES.get(policy.feature)
        if spec is None:
            continue
        allowed = "nein" if (not policy.allowed or policy.killed) else "ja"
        labels = dict(Role.choices)
        roles = ", ".join(str(labels.get(r, r)) for r in policy.allowed_roles) or "alle"
        level = AccessLevel(policy.max_data_level).label
        lines.append(
            f"| {spec.name} | {allowed} | {roles} | {level} | "
            f"{'ja' if policy.decide_first else 'nein'} |"
        )
    return "\n".join(lines)


def grade(module: Module, answers: dict[int, Any]) -> QuizResult:
    if not module.quiz:
        return QuizResult(1.0, True, ())
    wrong = []
    for index, question in enumerate(module.quiz):
        raw = answers.get(index)
        if raw is None or raw == "":
            raise LiteracyError(f"Bitte beantworten Sie Frage {index + 1}.")
        try:
            chosen = int(raw)
        except (TypeError, ValueError):
            raise LiteracyError(f"Ungültige Antwort auf Frage {index + 1}.") from None
        if chosen != question.answer:
            wrong.append(index)
    score = 1 - len(wrong) / len(module.quiz)
    return QuizResult(round(score, 4), score >= module.pass_mark, tuple(wrong))


def submit_quiz(user: Any, tenant: Tenant, slug: str, answers: dict[int, Any]
                ) -> tuple[QuizResult, TrainingCompletion]:
    """Grade the quiz and keep the attempt (passed or not)."""
    module = get_module(slug)
    result = grade(module, answers)
    now = timezone.now()
    completion = TrainingCompletion.objects.create(
        tenant=tenant, user=user, module=module.slug, module_version=module.version,
        score=result.score, passed=result.passed, completed_at=now,
        expires_at=now + dt.timedelta(days=round(module.valid_months * 30.44)),
    )
    return result, completion


def valid_modules(user: Any, tenant: Tenant, now: dt.datetime | None = None) -> set[str]:
    """Slugs of the modules the user currently holds a valid certificate for."""
    now = now or timezone.now()
    current = {m.slug: m.major for m in modules()}
    held = set()
    for slug, version in TrainingCompletion.objects.filter(
        user=user, tenant=tenant, passed=True, expires_at__gt=now
    ).values_list("module", "module_version"):
        if current.get(slug) == version.split(".", 1)[0]:
            held.add(slug)
    return held


def missing_modules(user: Any, tenant: Tenant, required: list[str] | tuple[str, ...]
                    ) -> list[Module]:
    if not required:
        return []
    held = valid_modules(user, tenant)
    by_slug = {m.slug: m for m in modules()}
    return [by_slug[s] for s in required if s not in held and s in by_slug]


@dataclass(frozen=True)
class UnitRow:
    unit: str
    members: int
    per_module: dict[str, int]  # module slug -> members with a valid certificate
    complete: int  # members holding every module


def report(tenant: Tenant, now: dt.datetime | None = None) -> list[UnitRow]:
    """Per organisational unit: how many members hold which certificate."""
    from aktenkundig.accounts.models import Membership

    now = now or timezone.now()
    current = {m.slug: m.major for m in modules()}
    held: dict[int, set[str]] = defaultdict(set)
    for user_id, slug, version in TrainingCompletion.objects.filter(
        tenant=tenant, passed=True, expires_at__gt=now
    ).values_list("user_id", "module", "module_version"):
        if current.get(slug) == version.split(".", 1)[0]:
            held[user_id].add(slug)
    units: dict[str, list[int]] = defaultdict(list)
    for user_id, unit in Membership.objects.filter(tenant=tenant).values_list("user_id", "unit"):
        units[unit or "—"].append(user_id)
    rows = []
    for unit in sorted(units):
        members = units[unit]
        per_module = {slug: sum(1 for u in members if slug in held[u]) for slug in current}
        complete = sum(1 for u in members if set(current) <= held[u])
        rows.append(UnitRow(unit, len(members), per_module, complete))
    return rows

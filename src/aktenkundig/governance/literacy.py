"""AI literacy (KI-Führerschein, AI Act Art. 4): modules, quizzes, completions, gate.

Modules are Markdown files in ``governance/training/`` with TOML front matter
between ``+++`` lines (slug, title, version, valid_months, pass_mark and the
``[[quiz]]`` questions). A completion counts while it has not expired and was
made for the module's current *major* version: fixing a typo (1.0 -> 1.1) keeps
certificates valid, a material change (1.x -> 2.0) requires the module again.

Translations live in ``training/<language>/`` (e.g. ``training/en/``) under the
same file names. The German module is the source of truth: slug, version, order,
validity, pass mark and the quiz's shape and answer indexes come from it, so a
quiz passed in English counts exactly like one passed in German (completions
are keyed by slug and version only). A translation is checked against its German
module when it is loaded and refused if it drifted; a module without a
translation is shown in German.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from aktenkundig.core.models import Tenant
from aktenkundig.governance.models import TrainingCompletion

TRAINING_DIR = Path(__file__).resolve().parent / "training"
SOURCE_LANGUAGE = "de"


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
    # Language of title, body and quiz texts: a module without a translation keeps
    # "de" under the English interface, so the page can mark it (lang attribute).
    language: str = SOURCE_LANGUAGE

    @property
    def major(self) -> str:
        return self.version.split(".", 1)[0]


@dataclass(frozen=True)
class QuizResult:
    score: float
    passed: bool
    wrong: tuple[int, ...]


def _parse(path: Path, language: str = SOURCE_LANGUAGE) -> Module:
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
        order=int(meta.get("order", 99)), body=body.strip(), quiz=quiz, language=language,
    )


POLICY_PLACEHOLDER = "{{ richtlinie }}"


def _check_translation(name: str, source: Module, translation: Module) -> None:
    """Refuse a translation that is not the same module as its German original.

    Grading uses the German answer indexes, so a translation with reordered options
    or a missing question would mark right answers wrong (or wrong ones right). A
    version that differs means the German text changed and the translation was not
    reviewed since.
    """
    problems = []
    for field in ("version", "order", "valid_months", "pass_mark"):
        if getattr(source, field) != getattr(translation, field):
            problems.append(f"{field} {getattr(translation, field)!r} statt "
                            f"{getattr(source, field)!r}")
    if len(source.quiz) != len(translation.quiz):
        problems.append(f"{len(translation.quiz)} Quizfragen statt {len(source.quiz)}")
    for number, (original, translated) in enumerate(zip(source.quiz, translation.quiz,
                                                        strict=False), start=1):
        if len(original.options) != len(translated.options):
            problems.append(f"Frage {number}: {len(translated.options)} Antwortoptionen "
                            f"statt {len(original.options)}")
        if original.answer != translated.answer:
            problems.append(f"Frage {number}: richtige Antwort {translated.answer} "
                            f"statt {original.answer}")
        if bool(original.explanation) != bool(translated.explanation):
            problems.append(f"Frage {number}: Erläuterung "
                            f"{'fehlt' if original.explanation else 'zu viel'}")
        if not translated.question.strip() or not all(o.strip() for o in translated.options):
            problems.append(f"Frage {number}: leerer Text")
    if (POLICY_PLACEHOLDER in source.body) != (POLICY_PLACEHOLDER in translation.body):
        problems.append(f"Platzhalter {POLICY_PLACEHOLDER} fehlt oder ist zu viel")
    if problems:
        raise ValueError(f"{name}: Übersetzung passt nicht zum deutschen Modul "
                         f"„{source.slug}“: " + "; ".join(problems))


def _language(language: str | None) -> str:
    """The training language for an interface language ("en-gb" -> "en"); languages
    the installation does not offer fall back to German."""
    code = (language or get_language() or SOURCE_LANGUAGE).split("-", 1)[0].lower()
    offered = {c.split("-", 1)[0].lower() for c, _name in settings.LANGUAGES}
    return code if code in offered else SOURCE_LANGUAGE


def has_language(module: Module, language: str | None = None) -> bool:
    """Whether ``module`` is in ``language`` (default: the active one), not a German
    fallback."""
    return module.language == _language(language)


def modules(language: str | None = None) -> tuple[Module, ...]:
    """The modules in ``language`` (default: the active interface language), in
    course order; German where a module has no translation."""
    return _modules(_language(language))


@lru_cache(maxsize=8)  # one entry per offered language (keys come from _language)
def _modules(language: str) -> tuple[Module, ...]:
    source = tuple(sorted((_parse(p) for p in TRAINING_DIR.glob("*.md")),
                          key=lambda m: m.order))
    directory = TRAINING_DIR / language
    if language == SOURCE_LANGUAGE or not directory.is_dir():
        return source
    by_slug = {m.slug: m for m in source}
    translated: dict[str, Module] = {}
    for path in sorted(directory.glob("*.md")):
        name = f"{language}/{path.name}"
        module = _parse(path, language)
        original = by_slug.get(module.slug)
        if original is None:
            raise ValueError(f"{name}: kein deutsches Modul „{module.slug}“ zu dieser "
                             "Übersetzung")
        if module.slug in translated:
            raise ValueError(f"{name}: Modul „{module.slug}“ ist doppelt übersetzt")
        _check_translation(name, original, module)
        translated[module.slug] = module
    return tuple(translated.get(m.slug, m) for m in source)


def get_module(slug: str, language: str | None = None) -> Module:
    for module in modules(language):
        if module.slug == slug:
            return module
    raise LiteracyError(f"Das Schulungsmodul „{slug}“ gibt es nicht.")


_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def render(module: Module, tenant: Tenant | None = None) -> str:
    """The module as HTML (raw HTML in the source is escaped, not passed through)."""
    body = module.body
    if tenant is not None and POLICY_PLACEHOLDER in body:
        body = body.replace(POLICY_PLACEHOLDER, policy_markdown(tenant))
    return _markdown.render(body)


def policy_markdown(tenant: Tenant) -> str:
    """The tenant's KI-Richtlinie as a Markdown table, for the Richtlinie module, in the
    active interface language (role and protection level names are translated labels)."""
    from aktenkundig.accounts.models import Role
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.governance.features import FEATURES
    from aktenkundig.governance.models import FeaturePolicy

    yes, no = _("ja"), _("nein")
    header = (_("Funktion"), _("erlaubt"), _("Rollen"), _("höchste Schutzstufe"),
              _("erst selbst entscheiden"))
    lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|---|"]
    for policy in FeaturePolicy.objects.filter(tenant=tenant).order_by("feature"):
        spec = FEATURES.get(policy.feature)
        if spec is None:
            continue
        allowed = no if (not policy.allowed or policy.killed) else yes
        labels = dict(Role.choices)
        roles = ", ".join(str(labels.get(r, r)) for r in policy.allowed_roles) or _("alle")
        level = AccessLevel(policy.max_data_level).label
        lines.append(
            f"| {spec.name} | {allowed} | {roles} | {level} | "
            f"{yes if policy.decide_first else no} |"
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
    """Grade the quiz and keep the attempt (passed or not).

    Always against the German module: it holds the answer indexes and the version the
    completion is recorded for, whatever language the quiz was shown in."""
    module = get_module(slug, SOURCE_LANGUAGE)
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
    current = {m.slug: m.major for m in modules(SOURCE_LANGUAGE)}
    held = set()
    for slug, version in TrainingCompletion.objects.filter(
        user=user, tenant=tenant, passed=True, expires_at__gt=now
    ).values_list("module", "module_version"):
        if current.get(slug) == version.split(".", 1)[0]:
            held.add(slug)
    return held


def missing_modules(user: Any, tenant: Tenant, required: list[str] | tuple[str, ...],
                    language: str | None = None) -> list[Module]:
    """Required modules the user holds no valid certificate for, in ``language``
    (default: the active one) so their titles can be shown to the user."""
    if not required:
        return []
    held = valid_modules(user, tenant)
    by_slug = {m.slug: m for m in modules(language)}
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
    current = {m.slug: m.major for m in modules(SOURCE_LANGUAGE)}
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

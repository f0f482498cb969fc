"""AI Act risk classification: a short questionnaire that proposes a risk class.

The questions follow Regulation (EU) 2024/1689: Art. 5 (prohibited practices),
Annex III (areas relevant to public administration), the Art. 6(3) exceptions
(with the profiling rule of Art. 6(3) last subparagraph) and Art. 50
(transparency). The result is a *proposal* with written reasoning; the
responsible person confirms or changes it in the register entry.

Application dates are data (``data/ai_act.toml``, or the file named by
``AKTENKUNDIG_AI_ACT_DATES``), never constants in code.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from aktenkundig import config
from aktenkundig.governance.models import RiskCategory

BUNDLED_DATES = Path(__file__).resolve().parent / "data" / "ai_act.toml"


@dataclass(frozen=True)
class Question:
    key: str
    group: str  # prohibited, annex_iii, exception, profiling, transparency
    text: str
    reference: str


QUESTIONS: tuple[Question, ...] = (
    Question("p_social_scoring", "prohibited",
             _("Bewertet das System Menschen nach ihrem Sozialverhalten oder ihrer "
               "Persönlichkeit, mit Nachteilen in anderen Zusammenhängen (Social Scoring)?"),
             "Art. 5 Abs. 1 lit. c"),
    Question("p_manipulation", "prohibited",
             _("Beeinflusst das System Menschen unterschwellig oder nutzt es Schwächen "
               "(Alter, Behinderung, soziale Lage) aus, sodass ihnen Schaden droht?"),
             "Art. 5 Abs. 1 lit. a, b"),
    Question("p_predictive_policing", "prohibited",
             _("Sagt das System allein aufgrund von Profilen oder Persönlichkeitsmerkmalen "
               "vorher, ob jemand eine Straftat begehen wird?"),
             "Art. 5 Abs. 1 lit. d"),
    Question("p_biometric", "prohibited",
             _("Erkennt das System Emotionen am Arbeitsplatz, ordnet es Menschen nach "
               "biometrischen Daten sensiblen Merkmalen zu oder legt es Gesichtsdatenbanken "
               "durch ungezieltes Auslesen an?"),
             "Art. 5 Abs. 1 lit. e, f, g"),
    Question("a_public_benefits", "annex_iii",
             _("Entscheidet oder bereitet das System vor, ob jemand öffentliche Leistungen "
               "erhält, behält, zurückzahlen muss oder ob sie gekürzt werden?"),
             "Anhang III Nr. 5 lit. a"),
    Question("a_migration", "annex_iii",
             _("Wird es bei Migration, Asyl oder Grenzkontrolle eingesetzt (z. B. Prüfung "
               "von Anträgen, Risikobewertung von Personen)?"),
             "Anhang III Nr. 7"),
    Question("a_employment", "annex_iii",
             _("Wird es bei Personalauswahl, Beförderung, Kündigung, Aufgabenverteilung "
               "oder Leistungsbewertung von Beschäftigten eingesetzt?"),
             "Anhang III Nr. 4"),
    Question("a_education", "annex_iii",
             _("Entscheidet es über Zugang zu Bildung oder bewertet es Lernergebnisse?"),
             "Anhang III Nr. 3"),
    Question("a_emergency", "annex_iii",
             _("Bewertet oder priorisiert es Notrufe oder Einsätze von Rettungsdienst, "
               "Polizei oder Feuerwehr?"),
             "Anhang III Nr. 5 lit. d"),
    Question("a_law_enforcement", "annex_iii",
             _("Wird es für Strafverfolgung, Ordnungswidrigkeitenverfahren mit "
               "Personenbewertung oder in der Justiz eingesetzt?"),
             "Anhang III Nr. 6, 8"),
    Question("a_biometrics", "annex_iii",
             _("Identifiziert oder kategorisiert es Menschen anhand biometrischer Daten?"),
             "Anhang III Nr. 1"),
    Question("a_critical_infrastructure", "annex_iii",
             _("Ist es Sicherheitsbauteil kritischer Infrastruktur (Wasser, Strom, Verkehr)?"),
             "Anhang III Nr. 2"),
    Question("profiling", "profiling",
             _("Erstellt das System Profile natürlicher Personen (bewertet persönliche "
               "Aspekte wie Leistung, wirtschaftliche Lage, Verhalten)?"),
             "Art. 6 Abs. 3 UAbs. 3"),
    Question("exc_narrow_procedural", "exception",
             _("Erledigt es nur eine eng begrenzte Verfahrensaufgabe (z. B. eingehende "
               "Post einer Stelle zuordnen, Dubletten finden)?"),
             "Art. 6 Abs. 3 lit. a"),
    Question("exc_improve_human", "exception",
             _("Verbessert es nur das Ergebnis einer bereits abgeschlossenen menschlichen "
               "Tätigkeit (z. B. Sprache eines Bescheidentwurfs glätten)?"),
             "Art. 6 Abs. 3 lit. b"),
    Question("exc_patterns", "exception",
             _("Erkennt es nur Muster oder Abweichungen in früheren Entscheidungen, ohne "
               "die menschliche Bewertung ohne Prüfung zu ersetzen?"),
             "Art. 6 Abs. 3 lit. c"),
    Question("exc_preparatory", "exception",
             _("Erledigt es nur eine vorbereitende Aufgabe (z. B. Unterlagen finden, "
               "Angaben aus Formularen zur Prüfung vorschlagen)?"),
             "Art. 6 Abs. 3 lit. d"),
    Question("art50_interaction", "transparency",
             _("Sprechen Menschen direkt mit dem System (Chatbot) oder erzeugt es Texte, "
               "Bilder oder Töne, die veröffentlicht werden?"),
             "Art. 50 Abs. 1, 2, 4"),
)
QUESTION_KEYS = frozenset(q.key for q in QUESTIONS)


@dataclass(frozen=True)
class Classification:
    category: str  # a RiskCategory value
    reasoning: list[str]
    registration_required: bool  # Art. 49 EU database (incl. Art. 49(2) exempted systems)
    fria_required: bool  # Art. 27

    @property
    def rationale(self) -> str:
        return "\n".join(f"- {line}" for line in self.reasoning)


@lru_cache(maxsize=4)
def _load_dates(path: str) -> dict[str, dt.date]:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    dates = data.get("dates", {})
    for key, value in dates.items():
        if not isinstance(value, dt.date):
            raise ValueError(f"{path}: {key} muss ein Datum sein (JJJJ-MM-TT), nicht {value!r}")
    return dict(dates)


def legal_dates() -> dict[str, dt.date]:
    """The AI Act application dates in force for this installation."""
    configured = config.get("AKTENKUNDIG_AI_ACT_DATES")
    return _load_dates(configured or str(BUNDLED_DATES))


def applies(obligation: str, on: dt.date | None = None) -> bool:
    """Whether the obligation named in the dates file applies on ``on`` (default today)."""
    on = on or dt.date.today()
    return on >= legal_dates()[obligation]


def _yes(answers: dict, key: str) -> bool:
    return bool(answers.get(key))


def _day(date: dt.date) -> str:
    """Dates in the reasoning as people read them (it is published in the register)."""
    return date.strftime("%d.%m.%Y")


def validate_answers(answers: dict) -> dict[str, bool]:
    unknown = set(answers) - QUESTION_KEYS
    if unknown:
        raise ValueError(f"Unbekannte Fragen im Fragebogen: {', '.join(sorted(unknown))}")
    return {key: bool(value) for key, value in answers.items()}


def classify(answers: dict[str, bool]) -> Classification:
    """Propose a risk class for the answers, with reasoning citing the articles."""
    answers = validate_answers(answers)
    by_key = {q.key: q for q in QUESTIONS}
    dates = legal_dates()

    def cite(key: str) -> str:
        return f"{by_key[key].reference}: {by_key[key].text}"

    prohibited = [q.key for q in QUESTIONS if q.group == "prohibited" and _yes(answers, q.key)]
    if prohibited:
        reasoning = [str(_("Verbotene Praxis – der Einsatz ist unzulässig:"))]
        reasoning += [cite(key) for key in prohibited]
        reasoning.append(
            str(_("Verbot gilt seit %(date)s.")) % {"date": _day(dates["prohibitions"])}
        )
        return Classification(RiskCategory.PROHIBITED.value, reasoning, False, False)

    areas = [q.key for q in QUESTIONS if q.group == "annex_iii" and _yes(answers, q.key)]
    exceptions = [q.key for q in QUESTIONS if q.group == "exception" and _yes(answers, q.key)]
    transparency = _yes(answers, "art50_interaction")
    reasoning: list[str] = []
    if areas:
        reasoning.append(str(_("Einsatz in einem Bereich nach Anhang III:")))
        reasoning += [cite(key) for key in areas]
        if _yes(answers, "profiling"):
            reasoning.append(cite("profiling"))
            reasoning.append(
                str(_("Profiling natürlicher Personen: die Ausnahmen des Art. 6 Abs. 3 "
                      "greifen nicht; das System gilt immer als hochriskant."))
            )
            high = True
        elif exceptions:
            reasoning += [cite(key) for key in exceptions]
            reasoning.append(
                str(_("Ausnahme nach Art. 6 Abs. 3: kein erhebliches Risiko, weil das "
                      "Ergebnis menschliche Entscheidungen nicht wesentlich beeinflusst. "
                      "Die Einschätzung ist zu dokumentieren (Art. 6 Abs. 4) und das System "
                      "trotzdem in der EU-Datenbank zu registrieren (Art. 49 Abs. 2)."))
            )
            high = False
        else:
            reasoning.append(str(_("Keine Ausnahme nach Art. 6 Abs. 3 trifft zu.")))
            high = True
        if high:
            reasoning.append(
                str(_("Hochrisiko-Pflichten ab %(date)s: Grundrechte-Folgenabschätzung "
                      "(Art. 27), Registrierung in der EU-Datenbank (Art. 49), menschliche "
                      "Aufsicht und Protokollierung (Art. 26)."))
                % {"date": _day(dates["high_risk_annex_iii"])}
            )
            return Classification(RiskCategory.HIGH.value, reasoning, True, True)
        if transparency:
            reasoning.append(_transparency_line(dates))
            return Classification(RiskCategory.LIMITED.value, reasoning, True, False)
        return Classification(RiskCategory.MINIMAL.value, reasoning, True, False)

    reasoning.append(str(_("Kein Bereich nach Anhang III und keine verbotene Praxis.")))
    if exceptions:
        reasoning += [cite(key) for key in exceptions]
    if transparency:
        reasoning.append(_transparency_line(dates))
        return Classification(RiskCategory.LIMITED.value, reasoning, False, False)
    reasoning.append(
        str(_("Minimales Risiko; es gelten die KI-Kompetenzpflicht (Art. 4) seit %(date)s "
              "und die KI-Richtlinie der Behörde."))
        % {"date": _day(dates["prohibitions"])}
    )
    return Classification(RiskCategory.MINIMAL.value, reasoning, False, False)


def _transparency_line(dates: dict[str, dt.date]) -> str:
    return str(
        _("Transparenzpflicht (Art. 50): Menschen müssen erkennen, dass sie mit einer KI "
          "sprechen bzw. dass Inhalte KI-erzeugt sind; gilt ab %(date)s.")
    ) % {"date": _day(dates["transparency"])}

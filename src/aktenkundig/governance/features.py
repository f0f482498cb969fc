"""aktenkundig's own AI features, and how their register drafts are pre-filled.

The keys are what other apps pass to ``governance.policy.check_feature``:

* ``assistant``: staff assistant answering from the authority's documents;
* ``citizen``: the public citizen chatbot;
* ``inbox``: routing of incoming mail (Posteingang) to the responsible unit;
* ``forms``: extracting fields from submitted forms;
* ``language``: language services (Einfache Sprache, translation);
* ``speech``: subtitles for uploaded audio and video (offline speech recognition);
* ``speech_live``: live subtitles of public meetings, corrected by a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CORE_MODULES = (
    "grundlagen", "halluzinationen", "automatisierungsbias", "datenschutz", "richtlinie",
)


@dataclass(frozen=True)
class Feature:
    key: str
    name: str
    public: bool  # used by citizens without an account
    oversight: bool  # produces suggestions a person decides on
    draft: dict[str, str] = field(default_factory=dict)
    risk_answers: dict[str, bool] = field(default_factory=dict)
    # False: oversight.decide asks for a reason only when a person overrides the
    # suggestion (a scan centre confirming hundreds of letters an hour cannot type a
    # reason for each; issue #12). Overrides always need one.
    reason_to_accept: bool = True


_COMMON = {
    "model_description": (
        "Textsuche mit Sprachmodell-Einbettungen (multilingual-e5-small) über die "
        "Dokumente der Behörde; optional ein Sprachmodell, das nur aus den gefundenen "
        "Textstellen formuliert. Ohne Sprachmodell werden Textstellen wörtlich angezeigt."
    ),
    "provider": "aktenkundig (Open Source, EUPL-1.2), betrieben von der Behörde selbst",
    "performance_monitoring": (
        "Jede Nutzung wird manipulationssicher protokolliert. Übernahme- und "
        "Abweichungsquoten werden je Organisationseinheit ausgewertet."
    ),
}

FEATURES: dict[str, Feature] = {
    "assistant": Feature(
        key="assistant",
        name="KI-Assistent für Beschäftigte",
        public=False,
        oversight=False,
        draft={
            **_COMMON,
            "short_description": (
                "Beschäftigte stellen Fragen. Das Programm sucht passende Stellen in den "
                "Dokumenten der Behörde und zeigt sie mit Quelle an. Steht die Antwort "
                "nicht in den Dokumenten, sagt es das."
            ),
            "purpose": "Schneller die richtige Vorschrift, Satzung oder Vorlage finden.",
            "expected_benefit": "Weniger Suchzeit; Antworten immer mit nachprüfbarer Quelle.",
            "data_sources": "Satzungen, Dienstanweisungen, Vorlagen und Akten der Behörde.",
            "human_intervention": (
                "Die Antworten sind Hinweise. Entscheidungen trifft immer ein Mensch, der "
                "die angegebene Quelle prüft."
            ),
            "objection_procedure": (
                "Das Programm entscheidet nicht über Bürgerinnen und Bürger. Gegen "
                "Entscheidungen der Behörde gelten die üblichen Rechtsbehelfe."
            ),
        },
        risk_answers={"art50_interaction": False, "exc_preparatory": True},
    ),
    "citizen": Feature(
        key="citizen",
        name="Bürger-Chatbot",
        public=True,
        oversight=False,
        draft={
            **_COMMON,
            "short_description": (
                "Ein Chat auf der Internetseite beantwortet Fragen zu Leistungen der "
                "Behörde. Er nutzt nur öffentliche Texte und nennt die Quelle. Sie "
                "sprechen mit einem Computerprogramm, nicht mit einem Menschen."
            ),
            "purpose": "Auskunft rund um die Uhr zu Zuständigkeiten, Unterlagen und Fristen.",
            "expected_benefit": "Weniger Anrufe mit Standardfragen; schnellere Auskunft.",
            "data_sources": "Nur als öffentlich markierte Sammlungen (Schutzstufe offen).",
            "human_intervention": (
                "Der Chatbot trifft keine Entscheidungen und nimmt keine Anträge an. "
                "Die Antworten verweisen auf die zuständige Stelle."
            ),
            "objection_procedure": (
                "Hinweise auf falsche Antworten nimmt der allgemeine Kontakt der Behörde "
                "entgegen."
            ),
        },
        risk_answers={"art50_interaction": True},
    ),
    "inbox": Feature(
        key="inbox",
        name="Posteingang: Zuordnung eingehender Post",
        public=False,
        oversight=True,
        draft={
            **_COMMON,
            "short_description": (
                "Das Programm schlägt vor, welche Stelle ein eingegangenes Schreiben "
                "bearbeiten soll. Ein Mensch prüft den Vorschlag und entscheidet."
            ),
            "purpose": "Eingehende Post schneller an die zuständige Stelle weiterleiten.",
            "expected_benefit": "Kürzere Durchlaufzeiten in der Poststelle.",
            "data_sources": "Text eingehender Schreiben; Zuständigkeiten laut Geschäftsverteilung.",
            "human_intervention": (
                "Jeder Vorschlag wird von einer Person bestätigt oder geändert, mit "
                "Begründung. Ein Teil wird verdeckt ein zweites Mal geprüft."
            ),
            "objection_procedure": (
                "Die Zuordnung ist ein interner Verfahrensschritt; sie entscheidet nicht "
                "über ein Anliegen."
            ),
        },
        risk_answers={"exc_narrow_procedural": True},
        reason_to_accept=False,
    ),
    "forms": Feature(
        key="forms",
        name="Formularauslese",
        public=False,
        oversight=True,
        draft={
            **_COMMON,
            "short_description": (
                "Das Programm liest Angaben aus eingereichten Formularen aus und trägt "
                "sie als Vorschlag ein. Eine Person prüft jede Angabe."
            ),
            "purpose": "Abtippen von Formularen sparen.",
            "expected_benefit": "Weniger Tippfehler und schnellere Erfassung.",
            "data_sources": "Eingereichte Formulare (Scan oder PDF).",
            "human_intervention": (
                "Jede ausgelesene Angabe wird von einer Person bestätigt oder korrigiert."
            ),
            "objection_procedure": (
                "Gegen Entscheidungen, die auf den Angaben beruhen, gelten die üblichen "
                "Rechtsbehelfe."
            ),
        },
        risk_answers={"exc_preparatory": True},
    ),
    "language": Feature(
        key="language",
        name="Sprachdienste: Einfache Sprache und Übersetzung",
        public=False,
        oversight=True,
        draft={
            **_COMMON,
            "model_description": (
                "Ein Sprachmodell schreibt Texte in Einfacher oder Leichter Sprache um "
                "oder übersetzt sie (oder ein Übersetzungsserver der Behörde). Ein "
                "Prüfprogramm ohne KI misst die Verständlichkeit und prüft, ob alle "
                "Zahlen, Daten, Fristen, Namen und Paragrafen erhalten sind."
            ),
            "short_description": (
                "Beschäftigte lassen Schreiben verständlicher formulieren oder übersetzen. "
                "Das Programm zeigt, welche Angaben fehlen. Eine Person prüft jeden Text, "
                "bevor er veröffentlicht oder verschickt wird."
            ),
            "purpose": "Verständliche Bescheide und Informationen in mehreren Sprachen.",
            "expected_benefit": "Weniger Rückfragen; Informationen für mehr Menschen.",
            "data_sources": "Texte, die Beschäftigte eingeben; Glossar der Behörde.",
            "human_intervention": (
                "Jede Umformulierung und jede Übersetzung wird von einer Person geprüft "
                "und freigegeben. Übersetzungen sind als maschinell übersetzt markiert."
            ),
            "objection_procedure": (
                "Maßgeblich ist immer der Originaltext. Gegen Entscheidungen gelten die "
                "üblichen Rechtsbehelfe."
            ),
        },
        risk_answers={"exc_preparatory": True},
    ),
    "speech": Feature(
        key="speech",
        name="Untertitel für Audio und Video",
        public=False,
        oversight=True,
        draft={
            **_COMMON,
            "model_description": (
                "Spracherkennung Whisper base (OpenAI, MIT-Lizenz) mit faster-whisper, "
                "offline auf dem Server der Behörde. Eine Stimmerkennung (Silero VAD) und "
                "ein Filter für bekannte Fehlausgaben verhindern erfundenen Text in Stille. "
                "Optional, wenn der Betrieb es einrichtet: ein OpenAI-kompatibler "
                "Transkriptionsserver für Aufnahmen bis zu einer festgelegten Schutzstufe, "
                "und ein Entwurf der Niederschrift durch das konfigurierte Sprachmodell "
                "(als KI-generiert gekennzeichnet)."
            ),
            "short_description": (
                "Beschäftigte laden eine Video- oder Tondatei hoch und erhalten Untertitel "
                "(WebVTT, SRT) und ein Transkript zum Prüfen. Eine Person korrigiert sie im "
                "Editor, bevor sie veröffentlicht werden."
            ),
            "purpose": "Barrierefreie Videos und Aufzeichnungen (BITV 2.0).",
            "expected_benefit": "Untertitel in Minuten statt Stunden; mehr barrierefreie Inhalte.",
            "data_sources": "Video- und Tondateien, die Beschäftigte hochladen.",
            "human_intervention": (
                "Die Untertitel sind ein Entwurf. Eine Person prüft und korrigiert sie vor "
                "der Veröffentlichung; die automatische Fassung bleibt daneben gespeichert. "
                "Die hochgeladene Datei wird nach einer festgelegten Frist gelöscht."
            ),
            "objection_procedure": (
                "Das Programm entscheidet nicht über Bürgerinnen und Bürger. Gegen "
                "Entscheidungen der Behörde gelten die üblichen Rechtsbehelfe."
            ),
        },
        risk_answers={"exc_preparatory": True},
    ),
    "speech_live": Feature(
        key="speech_live",
        name="Live-Untertitel für Sitzungen",
        public=False,
        oversight=True,
        draft={
            **_COMMON,
            "model_description": (
                "Spracherkennung Whisper base (OpenAI, MIT-Lizenz) mit faster-whisper, "
                "offline auf dem Server der Behörde, fortlaufend über die letzten "
                "Sekunden Ton; nur Wörter, die zwei Erkennungsläufe übereinstimmend "
                "liefern, werden angezeigt. Stimmerkennung (Silero VAD) und ein Filter "
                "für bekannte Fehlausgaben verhindern erfundenen Text in Stille."
            ),
            "short_description": (
                "Während einer öffentlichen Sitzung erscheint das Gesprochene nach wenigen "
                "Sekunden als Untertitel auf dem Saalbildschirm und auf Mobiltelefonen. "
                "Eine Schriftdolmetscherin oder ein Beschäftigter korrigiert Namen und "
                "Begriffe, auf Wunsch bevor eine Zeile erscheint."
            ),
            "purpose": "Teilhabe hörgeschädigter Menschen an öffentlichen Sitzungen (BITV 2.0).",
            "expected_benefit": "Untertitel für jede öffentliche Sitzung, nicht nur für einzelne.",
            "data_sources": (
                "Ton der Sitzung (Mikrofon oder Saalanlage); eine Begriffsliste aus der "
                "Tagesordnung. Der Ton wird nicht gespeichert."
            ),
            "human_intervention": (
                "Eine Person verfolgt den Text, korrigiert Zeilen und gibt sie frei "
                "(optional mit Verzögerung). Die Anzeige sagt, dass die Untertitel "
                "automatisch erzeugt werden und Fehler enthalten können."
            ),
            "objection_procedure": (
                "Maßgeblich ist die Niederschrift der Sitzung. Das Programm entscheidet "
                "nicht über Bürgerinnen und Bürger."
            ),
        },
        risk_answers={"exc_preparatory": True},
    ),
}


def get_feature(key: str) -> Feature | None:
    return FEATURES.get(key)

"""Which language a citizen writes in, and the few sentences we say in it.

Detection uses lingua (offline, n-gram models bundled in the wheel) restricted
to the languages the chatbot supports, so that a short German question is not
mistaken for Dutch. Very short or ambiguous messages ("ok", "Hallo") keep the
language the conversation already has, else German.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

DEFAULT_LANGUAGE = "de"

# code -> (lingua language, name in that language, text direction)
SUPPORTED: dict[str, tuple[Language, str, str]] = {
    "de": (Language.GERMAN, "Deutsch", "ltr"),
    "en": (Language.ENGLISH, "English", "ltr"),
    "tr": (Language.TURKISH, "Türkçe", "ltr"),
    "ar": (Language.ARABIC, "العربية", "rtl"),
    "uk": (Language.UKRAINIAN, "Українська", "ltr"),
    "ru": (Language.RUSSIAN, "Русский", "ltr"),
    "pl": (Language.POLISH, "Polski", "ltr"),
    "ro": (Language.ROMANIAN, "Română", "ltr"),
    "fr": (Language.FRENCH, "Français", "ltr"),
    "es": (Language.SPANISH, "Español", "ltr"),
}
_BY_LINGUA = {lingua: code for code, (lingua, _name, _dir) in SUPPORTED.items()}
MIN_LETTERS = 4
MIN_CONFIDENCE = 0.5
# A whole question ("Do I have to register my dog?": English 0.47, German 0.12) may
# fall short of MIN_CONFIDENCE yet leave no doubt: a clear lead over the runner-up
# counts too, from this many words on (greetings like "Hello" stay undecided).
MIN_LEAD = 3.0
MIN_LEAD_WORDS = 4

_detector: LanguageDetector | None = None
_lock = threading.Lock()


def detector() -> LanguageDetector:
    """The shared detector; its models load on first use (about a second)."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = (
                    LanguageDetectorBuilder.from_languages(*_BY_LINGUA)
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


@dataclass(frozen=True)
class Detection:
    code: str
    confidence: float
    fallback: bool


def detect_language(text: str, fallback: str = DEFAULT_LANGUAGE) -> Detection:
    """The ISO 639-1 code of ``text``'s language, one of ``SUPPORTED``."""
    if fallback not in SUPPORTED:
        fallback = DEFAULT_LANGUAGE
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return Detection(fallback, 0.0, True)
    values = detector().compute_language_confidence_values(text)
    if not values or not _clear(values, text):
        return Detection(fallback, values[0].value if values else 0.0, True)
    code = _BY_LINGUA[values[0].language]
    if code == "de":
        frame = _frame_language(text)
        if frame is not None:
            return frame
    return Detection(code, values[0].value, False)


_WORD = re.compile(r"\w+", re.UNICODE)


def _clear(values, text: str) -> bool:
    top = values[0].value
    if top >= MIN_CONFIDENCE:
        return True
    runner_up = values[1].value if len(values) > 1 else 0.0
    return len(_WORD.findall(text)) >= MIN_LEAD_WORDS and top >= MIN_LEAD * runner_up


def _frame_language(text: str) -> Detection | None:
    """The language of the sentence around the German nouns, when it is not German.

    Citizens name things by their German names, because that is what the letters
    and signs say: "How much is the Hundesteuer?", "Hundesteuer ne kadar?". One
    long German compound outweighs every short English or Turkish word for an
    n-gram model, so the question is read as German. German nouns are capitalised;
    the words left when capitalised words are dropped ("much is the", "ne kadar")
    are the frame of the sentence, and their language is the citizen's. A German
    frame („hoch ist die“) stays German.
    """
    words = [w for w in _WORD.findall(text) if w == "I" or not w[:1].isupper()]
    if len(words) < 2:
        return None
    values = detector().compute_language_confidence_values(" ".join(words))
    if not values:
        return None
    code = _BY_LINGUA[values[0].language]
    if code == "de":
        return None
    return Detection(code, values[0].value, False)


def direction(code: str) -> str:
    return SUPPORTED.get(code, SUPPORTED[DEFAULT_LANGUAGE])[2]


def language_name(code: str) -> str:
    return SUPPORTED.get(code, SUPPORTED[DEFAULT_LANGUAGE])[1]


# Shown under an extractive (German) answer when no language model can translate.
GERMAN_ONLY_NOTE: dict[str, str] = {
    "en": "This answer is in German: it quotes the official documents word for word.",
    "tr": "Bu yanıt Almancadır: resmi belgelerden kelimesi kelimesine alıntı yapar.",
    "ar": "هذه الإجابة باللغة الألمانية: فهي تقتبس الوثائق الرسمية حرفيًا.",
    "uk": "Ця відповідь німецькою мовою: вона дослівно цитує офіційні документи.",
    "ru": "Этот ответ на немецком языке: он дословно цитирует официальные документы.",
    "pl": "Ta odpowiedź jest po niemiecku: cytuje dosłownie oficjalne dokumenty.",
    "ro": "Acest răspuns este în limba germană: citează textual documentele oficiale.",
    "fr": "Cette réponse est en allemand : elle cite mot pour mot les documents officiels.",
    "es": "Esta respuesta está en alemán: cita textualmente los documentos oficiales.",
}

# The polite answer to insults, in the citizen's language.
POLITE_REFUSAL: dict[str, str] = {
    "de": "Ich beantworte gern Ihre Fragen an die Verwaltung. Bitte formulieren Sie "
    "Ihre Nachricht ohne beleidigende Ausdrücke.",
    "en": "I am happy to answer your questions about the administration. Please "
    "rephrase your message without offensive language.",
    "tr": "Yönetimle ilgili sorularınızı memnuniyetle yanıtlarım. Lütfen mesajınızı "
    "saldırgan ifadeler kullanmadan yeniden yazın.",
    "ar": "يسعدني الإجابة عن أسئلتك حول الإدارة. يرجى إعادة صياغة رسالتك دون عبارات مسيئة.",
    "uk": "Я охоче відповім на ваші запитання щодо адміністрації. Будь ласка, "
    "сформулюйте повідомлення без образливих висловів.",
    "ru": "Я с удовольствием отвечу на ваши вопросы об администрации. Пожалуйста, "
    "сформулируйте сообщение без оскорбительных выражений.",
    "pl": "Chętnie odpowiem na pytania dotyczące administracji. Proszę sformułować "
    "wiadomość bez obraźliwych słów.",
    "ro": "Răspund cu plăcere la întrebările despre administrație. Vă rugăm să "
    "reformulați mesajul fără expresii jignitoare.",
    "fr": "Je réponds volontiers à vos questions sur l'administration. Merci de "
    "reformuler votre message sans propos offensants.",
    "es": "Con gusto respondo a sus preguntas sobre la administración. Por favor, "
    "reformule su mensaje sin expresiones ofensivas.",
}

# When nothing in the public documents answers the question.
NO_ANSWER: dict[str, str] = {
    "de": "Dazu habe ich in den öffentlichen Informationen keine Antwort gefunden. "
    "Sie können Ihre Frage an einen Menschen weitergeben.",
    "en": "I found no answer to this in the public information. You can pass your "
    "question on to a person.",
    "tr": "Kamuya açık bilgilerde buna bir yanıt bulamadım. Sorunuzu bir çalışana iletebilirsiniz.",
    "ar": "لم أجد إجابة على ذلك في المعلومات العامة. يمكنك تحويل سؤالك إلى موظف.",
    "uk": "Я не знайшов відповіді на це у відкритій інформації. Ви можете передати "
    "запитання співробітнику.",
    "ru": "Я не нашёл ответа на это в открытой информации. Вы можете передать вопрос сотруднику.",
    "pl": "Nie znalazłem odpowiedzi w informacjach publicznych. Możesz przekazać "
    "pytanie pracownikowi.",
    "ro": "Nu am găsit un răspuns în informațiile publice. Puteți transmite "
    "întrebarea unui angajat.",
    "fr": "Je n'ai pas trouvé de réponse dans les informations publiques. Vous pouvez "
    "transmettre votre question à une personne.",
    "es": "No encontré respuesta en la información pública. Puede trasladar su "
    "pregunta a una persona.",
}


def text_for(table: dict[str, str], code: str) -> str:
    return table.get(code) or table.get("en") or table[DEFAULT_LANGUAGE]


# Under every answer: who gives binding information.
BINDING_NOTE: dict[str, str] = {
    "de": "Verbindliche Auskünfte gibt nur die zuständige Stelle:",
    "en": "Only the responsible office can give binding information:",
    "tr": "Bağlayıcı bilgiyi yalnızca yetkili birim verebilir:",
    "ar": "لا تقدم المعلومات الملزمة إلا الجهة المختصة:",
    "uk": "Обов'язкову інформацію надає лише відповідальна установа:",
    "ru": "Обязательную информацию даёт только ответственное учреждение:",
    "pl": "Wiążących informacji udziela wyłącznie właściwy urząd:",
    "ro": "Informații obligatorii oferă doar biroul responsabil:",
    "fr": "Seul le service compétent donne des informations qui font foi :",
    "es": "Solo la oficina competente ofrece información vinculante:",
}

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

# When no contact is configured: the same sentence, without a colon that leads nowhere.
BINDING_NOTE_NO_CONTACT: dict[str, str] = {
    "de": "Verbindliche Auskünfte gibt nur die zuständige Stelle der Verwaltung.",
    "en": "Only the responsible office of the administration can give binding information.",
    "tr": "Bağlayıcı bilgiyi yalnızca idarenin yetkili birimi verebilir.",
    "ar": "لا تقدم المعلومات الملزمة إلا الجهة المختصة في الإدارة.",
    "uk": "Обов'язкову інформацію надає лише відповідальна установа адміністрації.",
    "ru": "Обязательную информацию даёт только ответственное учреждение администрации.",
    "pl": "Wiążących informacji udziela wyłącznie właściwy urząd administracji.",
    "ro": "Informații obligatorii oferă doar biroul responsabil al administrației.",
    "fr": "Seul le service compétent de l'administration donne des informations qui font foi.",
    "es": "Solo la oficina competente de la administración ofrece información vinculante.",
}

# The answer to „Ich möchte mit einem Menschen sprechen“: the hand-over opens below.
HANDOVER_OFFER: dict[str, str] = {
    "de": "Gern gebe ich Ihr Anliegen an die Mitarbeitenden weiter. Bitte sagen Sie uns "
    "unten, wie wir Sie erreichen können.",
    "en": "I will gladly pass your request on to our staff. Please tell us below how we "
    "can reach you.",
    "tr": "Talebinizi memnuniyetle çalışanlarımıza iletirim. Lütfen aşağıda size nasıl "
    "ulaşabileceğimizi belirtin.",
    "ar": "يسعدني تحويل طلبك إلى موظفينا. يرجى إخبارنا أدناه كيف يمكننا التواصل معك.",
    "uk": "Я охоче передам ваше звернення співробітникам. Будь ласка, вкажіть нижче, як "
    "з вами зв'язатися.",
    "ru": "Я охотно передам ваш запрос сотрудникам. Пожалуйста, укажите ниже, как с вами "
    "связаться.",
    "pl": "Chętnie przekażę Twoją sprawę pracownikom. Podaj poniżej, jak możemy się z Tobą "
    "skontaktować.",
    "ro": "Transmit cu plăcere solicitarea dvs. angajaților. Vă rugăm să ne spuneți mai jos "
    "cum vă putem contacta.",
    "fr": "Je transmets volontiers votre demande à nos agents. Indiquez-nous ci-dessous "
    "comment vous joindre.",
    "es": "Con gusto paso su solicitud a nuestro personal. Indíquenos abajo cómo podemos "
    "contactarle.",
}

# Asking for a person, in the supported languages (lower case, matched as substrings
# of the lower-cased message). Short on purpose: a wrong match only offers the form.
_HUMAN_PATTERNS = [
    r"\b(mit|einem?|eine[rn]?) (echten )?(menschen?|mitarbeiter\w*|sachbearbeiter\w*|person)\b.*"
    r"\b(sprechen|reden|verbinden|schreiben|kontakt)",
    r"\b(menschen?|mitarbeiter\w*|sachbearbeiter\w*) (sprechen|erreichen)",
    r"\b(talk|speak|chat|connect)\b.*\b(human|person|someone|staff|agent|employee)\b",
    r"\b(human|real person|staff member|agent) please\b",
    r"\b(insan|çalışan|yetkili|memur)\w*( ile| biriyle)? (konuş|görüş)",
    r"(التحدث|أتحدث|اتحدث|التواصل).*(إنسان|انسان|موظف|شخص)",
    r"(поговорити|зв'язатися|розмовляти).*(людин|працівник|співробітник|оператор)",
    r"(поговорить|связаться|говорить).*(человек|сотрудник|оператор)",
    r"\b(porozmawiać|rozmawiać).*(człowiek|pracownik|konsultant)",
    r"\b(vorbesc|vorbi).*(om|persoană|angajat|operator)",
    r"\b(parler|discuter).*(humain|personne|agent|conseiller)",
    r"\b(hablar|contactar).*(humano|persona|agente|empleado)",
]
_HUMAN = re.compile("|".join(f"(?:{p})" for p in _HUMAN_PATTERNS), re.IGNORECASE)


def wants_human(text: str) -> bool:
    """Whether the citizen asks to talk to a person instead of the assistant."""
    return bool(_HUMAN.search(text.lower()))


# The chat's own words around an answer, in the citizen's language (the page's
# other text follows the browser's language through Django's translations).
LABELS: dict[str, dict[str, str]] = {
    "de": {"assistant": "KI-Assistent", "generated": "automatisch erzeugter Text",
           "selected": "automatisch ausgewählte Textstellen", "sources": "Quellen",
           "page": "S.", "helpful": "War das hilfreich?", "yes": "Ja", "no": "Nein",
           "you": "Sie", "human": "Mit einem Menschen sprechen",
           "thanks": "Danke für Ihre Rückmeldung."},
    "en": {"assistant": "AI assistant", "generated": "automatically generated text",
           "selected": "automatically selected passages", "sources": "Sources",
           "page": "p.", "helpful": "Was this helpful?", "yes": "Yes", "no": "No",
           "you": "You", "human": "Talk to a person",
           "thanks": "Thank you for your feedback."},
    "tr": {"assistant": "Yapay zekâ asistanı", "generated": "otomatik oluşturulan metin",
           "selected": "otomatik seçilen metin bölümleri", "sources": "Kaynaklar",
           "page": "s.", "helpful": "Bu yardımcı oldu mu?", "yes": "Evet", "no": "Hayır",
           "you": "Siz", "human": "Bir çalışanla konuşun",
           "thanks": "Geri bildiriminiz için teşekkürler."},
    "ar": {"assistant": "مساعد الذكاء الاصطناعي", "generated": "نص مُنشأ تلقائيًا",
           "selected": "مقاطع مختارة تلقائيًا", "sources": "المصادر", "page": "ص.",
           "helpful": "هل كان هذا مفيدًا؟", "yes": "نعم", "no": "لا", "you": "أنت",
           "human": "التحدث مع موظف",
           "thanks": "شكرًا على ملاحظاتك."},
    "uk": {"assistant": "ШІ-асистент", "generated": "автоматично створений текст",
           "selected": "автоматично вибрані уривки", "sources": "Джерела", "page": "с.",
           "helpful": "Чи було це корисно?", "yes": "Так", "no": "Ні", "you": "Ви",
           "human": "Поговорити з людиною",
           "thanks": "Дякуємо за відгук."},
    "ru": {"assistant": "ИИ-ассистент", "generated": "автоматически созданный текст",
           "selected": "автоматически выбранные фрагменты", "sources": "Источники",
           "page": "с.", "helpful": "Это было полезно?", "yes": "Да", "no": "Нет",
           "you": "Вы", "human": "Поговорить с человеком",
           "thanks": "Спасибо за отзыв."},
    "pl": {"assistant": "Asystent AI", "generated": "tekst wygenerowany automatycznie",
           "selected": "automatycznie wybrane fragmenty", "sources": "Źródła", "page": "s.",
           "helpful": "Czy to było pomocne?", "yes": "Tak", "no": "Nie", "you": "Ty",
           "human": "Porozmawiaj z pracownikiem",
           "thanks": "Dziękujemy za opinię."},
    "ro": {"assistant": "Asistent AI", "generated": "text generat automat",
           "selected": "pasaje selectate automat", "sources": "Surse", "page": "p.",
           "helpful": "V-a fost de folos?", "yes": "Da", "no": "Nu", "you": "Dvs.",
           "human": "Vorbiți cu un angajat",
           "thanks": "Vă mulțumim pentru feedback."},
    "fr": {"assistant": "Assistant IA", "generated": "texte généré automatiquement",
           "selected": "passages sélectionnés automatiquement", "sources": "Sources",
           "page": "p.", "helpful": "Cette réponse vous a-t-elle aidé ?", "yes": "Oui",
           "no": "Non", "you": "Vous", "human": "Parler à une personne",
           "thanks": "Merci pour votre avis."},
    "es": {"assistant": "Asistente de IA", "generated": "texto generado automáticamente",
           "selected": "pasajes seleccionados automáticamente", "sources": "Fuentes",
           "page": "p.", "helpful": "¿Le ha sido útil?", "yes": "Sí", "no": "No",
           "you": "Usted", "human": "Hablar con una persona",
           "thanks": "Gracias por su opinión."},
}  # fmt: skip


def label(code: str, key: str) -> str:
    return LABELS.get(code, LABELS[DEFAULT_LANGUAGE]).get(key) or LABELS[DEFAULT_LANGUAGE][key]

"""The KI-Führerschein in English: every module is translated, a translation is the same
module as its German original (grading uses the German answer indexes), a drifted
translation cannot ship, and a quiz passed in English counts like one passed in German."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from aktenkundig.governance import literacy
from aktenkundig.governance.apps import check_training_modules
from aktenkundig.governance.models import TrainingCompletion


@pytest.fixture(autouse=True)
def _back_to_german():
    """The test client leaves the last request's language active in this thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def training_copy(tmp_path, monkeypatch):
    """A writable copy of the shipped modules, loaded instead of them."""
    copy = tmp_path / "training"
    shutil.copytree(literacy.TRAINING_DIR, copy)
    monkeypatch.setattr(literacy, "TRAINING_DIR", copy)
    literacy._modules.cache_clear()
    yield copy
    literacy._modules.cache_clear()  # the next test loads the shipped files again


def test_every_module_has_an_english_translation_of_the_same_shape():
    german, english = literacy.modules("de"), literacy.modules("en")
    german_files = sorted(p.name for p in literacy.TRAINING_DIR.glob("*.md"))
    assert german_files and sorted(
        p.name for p in (literacy.TRAINING_DIR / "en").glob("*.md")) == german_files
    assert [m.slug for m in english] == [m.slug for m in german]
    for de, en in zip(german, english, strict=True):
        assert en.language == "en" and de.language == "de", de.slug
        for field in ("slug", "version", "order", "valid_months", "pass_mark"):
            assert getattr(en, field) == getattr(de, field), (de.slug, field)
        assert en.title != de.title and en.body != de.body, de.slug
        assert en.body.startswith("# "), de.slug
        assert ("{{ richtlinie }}" in en.body) == ("{{ richtlinie }}" in de.body), de.slug
        assert len(en.quiz) == len(de.quiz), de.slug
        for number, (q_de, q_en) in enumerate(zip(de.quiz, en.quiz, strict=True), start=1):
            where = f"{de.slug} Frage {number}"
            assert len(q_en.options) == len(q_de.options), where
            assert q_en.answer == q_de.answer, where
            assert q_en.question != q_de.question, where  # translated, not copied
            assert bool(q_en.explanation) == bool(q_de.explanation), where
            assert not re.search(r"[äöüÄÖÜß]", q_en.question + "".join(q_en.options)), where


def test_the_system_check_passes_for_the_shipped_modules():
    assert check_training_modules() == []


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "problem"), [
    ('version = "1.0"', 'version = "2.0"', "version"),
    ("answer = 1", "answer = 0", "richtige Antwort"),
    ('"Nothing"]', '"Nothing", "Everything"]', "Antwortoptionen"),
    ("\n[[quiz]]", "\n[[quiz]]\nquestion = 'Extra?'\noptions = ['a', 'b']\nanswer = 0\n\n[[quiz]]",
     "Quizfragen"),
])
def test_a_drifted_translation_is_refused(training_copy, old, new, problem):
    # 03-automatisierungsbias has all four patterns: answer = 1 is its question 2.
    _edit(training_copy / "en" / "03-automatisierungsbias.md", old, new)
    with pytest.raises(ValueError, match=f"Übersetzung passt nicht.*{problem}"):
        literacy.modules("en")
    assert literacy.modules("de")  # the German course is unaffected
    errors = check_training_modules()
    assert [e.id for e in errors] == ["governance.E001"]
    assert "automatisierungsbias" in errors[0].msg


def test_a_translation_without_german_module_is_refused(training_copy):
    _edit(training_copy / "en" / "02-halluzinationen.md", 'slug = "halluzinationen"',
          'slug = "halluzination"')
    with pytest.raises(ValueError, match="kein deutsches Modul"):
        literacy.modules("en")


def test_a_module_without_translation_is_shown_in_german(training_copy, client, tenant,
                                                          clerk):
    (training_copy / "en" / "05-richtlinie.md").unlink()
    english = {m.slug: m for m in literacy.modules("en")}
    assert english["richtlinie"].language == "de" and english["grundlagen"].language == "en"
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/governance/schulung/richtlinie/").content.decode()
    assert '<article lang="de">' in html and "Die KI-Richtlinie Ihrer Behörde" in html
    html = client.get("/governance/schulung/grundlagen/").content.decode()
    assert "<article>" in html


def test_course_page_in_english(client, tenant, clerk):
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for de, en in zip(literacy.modules("de"), literacy.modules("en"), strict=True):
        html = client.get(f"/governance/schulung/{de.slug}/").content.decode()
        assert 'lang="en"' in html and "Short quiz" in html, de.slug
        assert en.title in html, de.slug
        for q_de, q_en in zip(de.quiz, en.quiz, strict=True):
            assert _escaped(q_en.question) in html, (de.slug, q_en.question)
            assert _escaped(q_de.question) not in html, (de.slug, q_de.question)
            assert all(_escaped(option) in html for option in q_en.options), de.slug
    overview = client.get("/governance/schulung/").content.decode()
    assert all(_escaped(m.title) in overview for m in literacy.modules("en"))
    assert "<td>not yet passed</td>" in overview and "<td>public</td>" not in overview


def test_policy_module_in_english_names_roles_and_levels(client, tenant, clerk, live):
    from aktenkundig.accounts.models import Role
    from aktenkundig.governance.models import FeaturePolicy

    live("assistant")
    FeaturePolicy.objects.filter(tenant=tenant, feature="assistant").update(
        allowed_roles=[Role.STAFF, Role.AI_OFFICER])
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/governance/schulung/richtlinie/").content.decode()
    assert "<th>highest protection level</th>" in html and "<th>allowed</th>" in html
    # Human labels, not the stored slugs or the German names.
    assert "ki_beauftragte" not in html and "beschaeftigte" not in html
    assert "<td>Staff, AI officer</td>" in html and "KI-Beauftragte" not in html
    assert "höchste Schutzstufe" not in html


def _escaped(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


def test_quiz_passed_in_english_counts_in_german(client, tenant, clerk):
    module = literacy.get_module("grundlagen", "en")
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    wrong = {f"q{i}": (q.answer + 1) % len(q.options) for i, q in enumerate(module.quiz)}
    html = client.post("/governance/schulung/grundlagen/", wrong).content.decode()
    # The explanation of a wrong answer is the English one.
    assert module.quiz[0].explanation and _escaped(module.quiz[0].explanation) in html
    right = {f"q{i}": q.answer for i, q in enumerate(module.quiz)}
    html = client.post("/governance/schulung/grundlagen/", right, follow=True).content.decode()
    assert "Passed – the module has been added to your AI licence." in html
    completion = TrainingCompletion.objects.get(user=clerk, passed=True)
    german = literacy.get_module("grundlagen", "de")
    assert (completion.module, completion.module_version) == (german.slug, german.version)
    assert literacy.valid_modules(clerk, tenant) == {"grundlagen"}

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    overview = client.get("/governance/schulung/").content.decode()
    rows = dict(re.findall(r'schulung/([a-z]+)/">.*?</th>\s*<td>[^<]*</td><td>([^<]+)</td>',
                           overview, flags=re.S))
    assert rows["grundlagen"] == "bestanden"
    assert rows["datenschutz"] == "offen" and list(rows.values()).count("bestanden") == 1

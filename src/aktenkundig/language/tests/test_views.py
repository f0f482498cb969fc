"""The pages: checker marks for every member (no gate: no AI), simplify offered
only when the gate and a model allow it, glossary editing by role, review and
publish per tenant and only when every segment is approved."""

from __future__ import annotations

from aktenkundig.accounts.models import Role
from aktenkundig.core.models import AccessLevel
from aktenkundig.language import services
from aktenkundig.language.models import GlossaryTerm, Translation
from aktenkundig.language.tests.test_checker import HARD


def test_check_page_marks_findings_without_any_gate(client, staff_member):
    # ``tenant`` has only the assistant registered: the checker still works.
    client.force_login(staff_member)
    GlossaryTerm.objects.create(tenant=staff_member.membership.tenant, term="Mitwirkungspflicht",
                                explanation="Was Sie selbst tun müssen.")
    response = client.post("/sprachdienste/", {"text": HARD, "action": "check"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<mark class="finding finding-kompositum">Kostenübernahmeerklärung</mark>' in html
    assert "Fachbegriff</strong>: „Mitwirkungspflichten“ – Fachbegriff: Was Sie selbst" in html
    assert 'id="simplify-unavailable"' in html
    assert 'value="simplify"' not in html


def test_simplify_is_explained_away_without_a_model(client, staff_member, language_tenant,
                                                    monkeypatch):
    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    client.force_login(staff_member)
    html = client.get("/sprachdienste/").content.decode()
    assert "Es ist kein Sprachmodell für diese Schutzstufe eingerichtet" in html


def test_glossary_editing_needs_the_role_and_stays_in_the_tenant(client, staff_member,
                                                                 subject_admin, stranger):
    client.force_login(staff_member)
    assert client.post("/sprachdienste/glossar/", {"term": "Bürgergeld"}).status_code == 403
    client.force_login(subject_admin)
    client.post("/sprachdienste/glossar/", {"term": "Bürgergeld", "explanation": "Geld zum Leben",
                                      "tr_en": "citizen's income"})
    term = GlossaryTerm.objects.get(term="Bürgergeld")
    assert term.translations == {"en": "citizen's income"}
    client.post("/sprachdienste/glossar/", {"id": term.pk, "term": "Bürgergeld", "keep": "on"})
    term.refresh_from_db()
    assert term.keep and term.translations == {}
    client.force_login(stranger)
    client.post("/sprachdienste/glossar/", {"delete": term.pk})
    assert GlossaryTerm.objects.filter(pk=term.pk).exists()
    assert "Bürgergeld" not in client.get("/sprachdienste/glossar/").content.decode()


def _review(tenant, user, level=AccessLevel.OFFEN) -> Translation:
    result = services.TranslateResult(
        "Hello. World.", "en",
        [services.SegmentResult("Hallo.", "Hello.", "machine"),
         services.SegmentResult("Welt.", "World.", "memory")], "test", 1, 1)
    return services.create_review(result, tenant=tenant, source_text="Hallo.\n\nWelt.",
                                  title="Test", user=user, data_level=level)


def test_review_publish_only_when_approved(client, staff_member, stranger):
    item = _review(staff_member.membership.tenant, staff_member)
    client.force_login(stranger)
    assert client.get(item.get_absolute_url()).status_code == 404
    assert client.post(f"{item.get_absolute_url()}veroeffentlichen/").status_code == 404
    client.force_login(staff_member)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "maschinell übersetzt" in page and "disabled" in page
    client.post(f"{item.get_absolute_url()}veroeffentlichen/")
    item.refresh_from_db()
    assert item.status == Translation.Status.REVIEW
    client.post(f"{item.get_absolute_url()}abschnitt/0/", {"target": "Hello!"})
    client.post(f"{item.get_absolute_url()}veroeffentlichen/")
    item.refresh_from_db()
    assert item.status == Translation.Status.REVIEW
    client.post(f"{item.get_absolute_url()}abschnitt/1/", {"target": "World."})
    client.post(f"{item.get_absolute_url()}veroeffentlichen/")
    item.refresh_from_db()
    assert item.status == Translation.Status.PUBLISHED
    assert item.published_text == "Hello!\n\nWorld."
    assert item.segments.get(position=0).origin == "human"


def test_review_respects_clearance(client, make_user, tenant):
    low = make_user("leser", tenant, [Role.STAFF], clearance=AccessLevel.OFFEN)
    item = _review(tenant, None, level=AccessLevel.VERTRAULICH)
    client.force_login(low)
    assert client.get(item.get_absolute_url()).status_code == 404


def test_translate_page_is_gated(client, staff_member):
    client.force_login(staff_member)
    response = client.get("/sprachdienste/uebersetzen/")
    assert response.status_code == 403
    assert "Zum Verständlichkeitscheck" in response.content.decode()


def test_translate_page_creates_a_review(client, staff_member, language_tenant, libretranslate,
                                         monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_BACKEND", "libretranslate")
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_URL", libretranslate.url)
    client.force_login(staff_member)
    response = client.post("/sprachdienste/uebersetzen/", {
        "text": "Hallo Welt\n\nDer Antrag", "target": "en", "fmt": "text", "data_level": "0"})
    item = Translation.objects.get(tenant=language_tenant)
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    assert [s.target for s in item.segments.all()] == ["hello world", "the application"]
    # A confidential text is refused for this server (its level is 'offen').
    response = client.post("/sprachdienste/uebersetzen/", {
        "text": "Geheim", "target": "en", "fmt": "text", "data_level": "1"})
    assert "nicht für Daten der Schutzstufe" in response.content.decode()
    assert Translation.objects.filter(tenant=language_tenant).count() == 1


def test_pages_in_english(client, staff_member, language_tenant):
    from django.conf import settings

    client.force_login(staff_member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post("/sprachdienste/", {"text": HARD}).content.decode()
    assert "Check comprehensibility" in html and "Your text with marked passages" in html
    assert "Verständlichkeit prüfen" not in html
    # Target languages are named in the reader's language, not in German.
    html = client.get("/sprachdienste/uebersetzen/").content.decode()
    assert ">Turkish<" in html and "Persian (Farsi)" in html
    assert "Türkisch" not in html and "Englisch" not in html


def test_simplify_offered_with_register_entry_and_model(client, staff_member, language_tenant,
                                                        monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    client.force_login(staff_member)
    html = client.get("/sprachdienste/").content.decode()
    assert 'value="simplify"' in html and 'id="simplify-unavailable"' not in html
    # The server is down: the page says so and still shows the check.
    html = client.post("/sprachdienste/", {"text": HARD, "action": "simplify",
                                           "data_level": "1"}).content.decode()
    assert '<mark class="finding' in html and 'class="message error"' in html

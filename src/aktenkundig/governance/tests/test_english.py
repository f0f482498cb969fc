"""The governance pages in English are English (issue #9, point 8): every string of
the interface is translated. What the authority wrote (register entries, the names
of its AI uses, the training modules' text) stays as written and is removed before
the check."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from aktenkundig.governance import oversight, policy
from aktenkundig.governance.features import FEATURES
from aktenkundig.governance.models import RegisterEntry
from aktenkundig.governance.tests.conftest import pass_all_modules

GERMAN_WORDS = re.compile(
    r"\b(der|die|das|und|nicht|Sie|ist|für|mit|oder|eine|einen|wird|werden|noch|zur|zum|"
    r"bitte|Bitte|keine|Keine|alle|Alle|Funktion|Eintrag|Fassung|Prüf\w*)\b"
)


@pytest.fixture(autouse=True)
def _back_to_german():
    """The test client runs requests in this thread; LocaleMiddleware leaves the last
    request's language active. Later tests expect the installation default."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


def _visible_text(page: str, content: set[str]) -> str:
    for pattern in (r"<script.*?</script>", r"<textarea.*?</textarea>", r"<article.*?</article>",
                    r'\svalue="[^"]*"', r'<option value="de"[^>]*>[^<]*</option>'):
        page = re.sub(pattern, " ", page, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    for item in sorted(filter(None, content), key=len, reverse=True):
        text = text.replace(item, " ")
    return re.sub(r"\s+", " ", text)


def test_governance_pages_are_english_in_english(client, tenant, editor, officer, clerk,
                                                 admin_user, live):
    live("assistant")
    live("citizen")
    pass_all_modules(clerk, tenant)
    live("inbox")
    item = oversight.propose(tenant, "inbox", suggestion="Amt 32", case_ref="AZ-1",
                             subject="Antrag")
    policy.kill(tenant, "citizen", admin_user, reason="Wartung")
    entry = RegisterEntry.objects.get(tenant=tenant, feature="assistant")
    content = {spec.name for spec in FEATURES.values()} | {tenant.name, "Amt 32", "AZ-1",
                                                          "Antrag", "Wartung"}
    for e in RegisterEntry.objects.filter(tenant=tenant):
        values = [str(v) for v in e.published.data.values() if v] if e.published else []
        content |= {line.strip() for v in values for line in v.splitlines()}

    client.force_login(admin_user)
    client.post("/sprache/", {"language": "en", "next": "/"})
    pages = {}
    for user, urls in (
        (officer, ["/governance/register/", f"/governance/register/{entry.pk}/",
                   f"/governance/register/{entry.pk}/risiko/", "/governance/dashboard/",
                   "/governance/protokoll/", "/governance/richtlinie/assistant/",
                   "/governance/schulung/", "/governance/schulung/grundlagen/",
                   "/governance/zweitpruefung/", f"/governance/{tenant.slug}/ki-register/",
                   f"/governance/{tenant.slug}/ki-register/assistant/"]),
        (admin_user, ["/governance/schalter/"]),
        (clerk, [f"/governance/aufsicht/{item.pk}/"]),
    ):
        client.force_login(user)
        client.post("/sprache/", {"language": "en", "next": "/"})
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            pages[url] = response.content.decode()
    client.force_login(officer)
    client.post("/sprache/", {"language": "en", "next": "/"})
    pages["verify"] = client.post("/governance/protokoll/").content.decode()
    pages["quiz"] = client.post("/governance/schulung/grundlagen/", {
        "q0": 0, "q1": 1, "q2": 2, "q3": 1}).content.decode()

    assert 'lang="en"' in pages["/governance/register/"]
    assert "Chain intact" in pages["verify"] and "This answer was not correct." in pages["quiz"]
    for url, page in pages.items():
        text = _visible_text(page, content)
        german = sorted(set(re.findall(r"\S*[äöüÄÖÜß]\S*", text))
                        | set(GERMAN_WORDS.findall(text)))
        assert not german, f"{url}: {german}\n{text[:3000]}"


@pytest.mark.parametrize("language", ["de", "en"])
def test_catalog_is_complete(language):
    import subprocess
    from pathlib import Path

    from aktenkundig import governance

    po = Path(governance.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
    stats = subprocess.run(["msgfmt", "--statistics", "-o", "/dev/null", str(po)],
                           capture_output=True, text=True, check=True).stderr
    assert "untranslated" not in stats and "fuzzy" not in stats, stats

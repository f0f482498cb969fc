"""web.responses.attachment: the one way downloads build their header."""

from __future__ import annotations

from aktenkundig.web.responses import attachment


def test_plain_name_and_text_charset():
    response = attachment("a;b\n", "ki-register-musterstadt.csv", "text/csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ki-register-musterstadt.csv"'


def test_binary_type_has_no_charset_and_inline_shows():
    assert attachment(b"%PDF", "f.pdf", "application/pdf")["Content-Type"] == "application/pdf"
    assert attachment("[]", "r.json", "application/json", inline=True)[
        "Content-Disposition"] == 'inline; filename="r.json"'


def test_path_separators_and_control_characters_do_not_reach_the_header():
    header = attachment("x", "../Sitzung\r\n2026/Protokoll.txt", "text/plain")[
        "Content-Disposition"]
    assert header == 'attachment; filename=".._Sitzung__2026_Protokoll.txt"'

import pytest

from aktenkundig.search.analyzer import analyze, analyzer, fold, highlight
from aktenkundig.search.lexicon import CompoundSplitter


def terms(text: str) -> set[str]:
    return set(analyze(text))


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Hundesteuersatzung", {"hund", "steu", "satzung"}),
        ("Abfallwirtschaftsbetrieb", {"abfall", "wirtschaft", "betrieb"}),
        ("Verwaltungsgebührensatzung", {"gebuhr", "satzung"}),
        ("Straßenreinigungssatzung", {"strass", "reinig", "satzung"}),
        ("Kreistagssitzung", {"kreis", "tag", "sitzung"}),
    ],
)
def test_compounds_index_the_whole_word_and_its_parts(word, parts):
    found = analyze(word)
    assert parts <= set(found)
    # the whole word comes first, so an exact query still matches best
    assert found[0] == analyzer()._stemmer.stemWord(fold(word))


def test_compound_part_query_matches_the_compound():
    _whole, *parts = analyze("Hundesteuer")
    assert parts and set(parts) <= terms("Hundesteuersatzung der Gemeinde")
    assert "satzung" in terms("Satzungen")


def test_plain_words_are_not_split():
    assert analyze("Haus") == ["haus"]
    assert analyze("Gemeinde") == ["gemeind"]


def test_splitter_keeps_a_word_that_is_more_frequent_than_its_parts():
    splitter = CompoundSplitter({"kindergarten": 500, "kinder": 20, "garten": 10})
    assert splitter.split("kindergarten") == ("kindergarten",)
    splitter = CompoundSplitter({"kindergarten": 2, "kinder": 20, "garten": 10})
    assert splitter.split("kindergarten") == ("kinder", "garten")


def test_umlauts_and_sharp_s_are_normalised_consistently():
    assert analyze("Gebühren") == analyze("Gebuehren") == analyze("GEBÜHREN")
    assert analyze("Straße") == analyze("Strasse")
    assert fold("Übergröße") == "uebergroesse"
    assert fold("Café") == "cafe"


def test_stemming_and_stopwords():
    assert analyze("die Satzungen der Gemeinden") == analyze("Satzung Gemeinde")
    assert analyze("und oder aber") == []


def test_paragraph_references_stay_whole():
    assert {"p35", "p35vwvfg", "vwvfg"} <= terms("nach § 35 VwVfG")
    assert {"p35", "p35vwvfg"} <= terms("§ 35 Abs. 1 Satz 2 VwVfG")
    assert {"p3", "p4"} <= terms("§§ 3, 4")
    assert {"p3bgb", "p4bgb", "p7abgb"} <= terms("§§ 3, 4 und 7a BGB")
    assert {"p22sgbii", "sgbii", "sgb"} <= terms("§ 22 SGB II")
    # a different paragraph of the same law is a different term
    assert "p36vwvfg" not in terms("§ 35 VwVfG")


def test_article_references():
    assert {"art3", "art3gg", "gg"} <= terms("Art. 3 GG")
    assert {"art3", "art3gg"} <= terms("Artikel 3 Abs. 1 GG")


def test_drucksache_and_aktenzeichen():
    assert {"drs18x10449", "18x10449"} <= terms("Drucksache 18/10449")
    assert {"drs18x10449"} <= terms("BT-Drs. 18/10449")
    assert "32x1x123x24" in terms("Az. 32.1-123/24")
    assert "32x1x123x24" in terms("Aktenzeichen 32.1-123/24")
    assert "1k234x21" in terms("Urteil vom Gericht, 1 K 234/21")


def test_dates_in_any_common_form_meet():
    expected = {"d20240301", "2024"}
    assert expected <= terms("am 01.03.2024")
    assert expected <= terms("am 1.3.2024")
    assert expected <= terms("am 1. März 2024")
    assert expected <= terms("2024-03-01")
    assert "d20240229" not in terms("am 01.03.2024")


def test_amounts_in_euro():
    assert {"eur1234x50", "1234"} <= terms("1.234,50 €")
    assert {"eur1234x50"} <= terms("EUR 1234,50")
    assert {"eur30", "30"} <= terms("30,00 Euro")
    assert {"eur30"} <= terms("30 €")
    assert "eur12" in terms("12,-- EUR")


def test_terms_are_plain_ascii_words():
    for term in analyze("Über § 35 VwVfG, 1.234,50 €, am 1. März 2024, Az. 32.1-123/24 – Café"):
        assert term.isalnum() and term.isascii() and term == term.lower()


def test_highlight_wraps_matching_words():
    query = analyzer().query_terms("Hundesteuer § 35 VwVfG")
    marked = highlight("Die Hundesteuersatzung gilt nach § 35 VwVfG, nicht § 36 VwVfG.", query)
    assert "«Hundesteuersatzung»" in marked
    assert "«§ 35 VwVfG»" in marked
    assert "«§ 36" not in marked


def test_analyzer_is_fast():
    import time

    text = "Die Gebühren nach § 5 der Abfallwirtschaftssatzung betragen 12,50 € je Monat. " * 2000
    start = time.perf_counter()
    analyze(text)
    assert time.perf_counter() - start < 1.0  # 24,000 words

from aktenkundig.inbox import understanding

LETTER = """Fatma Yilmaz
Lindenweg 3
12345 Musterhausen

Ihr Zeichen: Az.: 63-2026/0412
Kassenzeichen 4711-0815-22
Steuernummer 123/456/78901, Kindergeldnummer 123FK456789

Betreff: Widerspruch gegen den Bescheid vom 3. März 2026
Ich bitte um Verlängerung der Frist."""


def test_sender_references_and_deadline_words():
    found = understanding.facts(LETTER)
    assert found["sender"] == "Fatma Yilmaz, Lindenweg 3, 12345 Musterhausen"
    refs = found["references"]
    assert refs["Aktenzeichen"] == ["63-2026/0412"]
    assert refs["Kassenzeichen"] == ["4711-0815-22"]
    assert refs["Steuernummer"] == ["123/456/78901"]
    assert refs["Kindergeldnummer"] == ["123FK456789"]
    assert found["deadline_words"] == ["Frist", "Widerspruch"]


def test_a_letter_without_any_of_it():
    assert understanding.facts("Guten Tag, ein schöner Tag.") == {
        "sender": "", "references": {}, "deadline_words": []}

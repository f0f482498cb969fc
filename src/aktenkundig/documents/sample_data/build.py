"""Build the binary sample documents of the fictional "Gemeinde Musterhausen".

The Markdown and HTML samples are written by hand; the text PDF (Hundesteuersatzung)
and the Word document (Abfallgebührensatzung) are generated here from the text
below, and the results are committed. Run from the repository root:

    python src/aktenkundig/documents/sample_data/build.py

Needs fpdf2 (test extra), python-docx and the DejaVu fonts (fonts-dejavu-core).
All content is written for the project; persons and places are fictional.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent / "musterhausen"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# Fixed so that rebuilding gives the same bytes (and the same sha256).
CREATED = datetime(2024, 3, 12, 10, 0, 0)

HUNDESTEUER_TITLE = "Satzung über die Erhebung der Hundesteuer in der Gemeinde Musterhausen"
# ("h", text) heading, ("p", text) paragraph, ("page", "") page break.
HUNDESTEUER = [
    ("h", HUNDESTEUER_TITLE),
    ("p", "(Hundesteuersatzung) vom 12. März 2024"),
    (
        "p",
        "Aufgrund der Gemeindeordnung und des Kommunalabgabengesetzes hat der Gemeinderat "
        "der Gemeinde Musterhausen in seiner Sitzung am 12. März 2024 folgende Satzung "
        "beschlossen:",
    ),
    ("h", "§ 1 Steuergegenstand"),
    ("p", "(1) Die Gemeinde Musterhausen erhebt die Hundesteuer nach dieser Satzung."),
    (
        "p",
        "(2) Gegenstand der Steuer ist das Halten von Hunden, die älter als drei Monate "
        "sind, im Gemeindegebiet. Kann das Alter eines Hundes nicht nachgewiesen werden, "
        "so ist davon auszugehen, dass der Hund älter als drei Monate ist.",
    ),
    ("h", "§ 2 Steuerpflicht"),
    (
        "p",
        "(1) Steuerpflichtig ist die Halterin oder der Halter eines Hundes. Halterin oder "
        "Halter ist, wer einen Hund in den eigenen Haushalt oder Wirtschaftsbetrieb "
        "aufgenommen hat.",
    ),
    (
        "p",
        "(2) Halten mehrere Personen gemeinsam einen oder mehrere Hunde, so sind sie "
        "Gesamtschuldner. Alle in einem Haushalt gehaltenen Hunde gelten als von den "
        "Haushaltsmitgliedern gemeinsam gehalten.",
    ),
    ("h", "§ 3 Beginn und Ende der Steuerpflicht"),
    (
        "p",
        "(1) Die Steuerpflicht beginnt mit dem ersten Tag des Kalendermonats, der auf den "
        "Beginn der Haltung folgt, frühestens mit dem ersten Tag des Monats, in dem der Hund "
        "drei Monate alt wird.",
    ),
    (
        "p",
        "(2) Die Steuerpflicht endet mit Ablauf des Kalendermonats, in dem die Hundehaltung "
        "beendet wird, der Hund verstirbt oder die Halterin oder der Halter wegzieht.",
    ),
    ("page", ""),
    ("h", "§ 4 Erhebungszeitraum"),
    (
        "p",
        "Die Steuer wird als Jahressteuer erhoben. Erhebungszeitraum ist das Kalenderjahr. "
        "Beginnt oder endet die Steuerpflicht im Laufe des Jahres, wird die Steuer anteilig "
        "nach Monaten festgesetzt.",
    ),
    ("h", "§ 5 Steuersatz"),
    ("p", "(1) Die Steuer beträgt im Kalenderjahr"),
    ("p", "1. für den ersten Hund 96,00 Euro,"),
    ("p", "2. für den zweiten Hund 144,00 Euro,"),
    ("p", "3. für jeden weiteren Hund 180,00 Euro."),
    (
        "p",
        "(2) Abweichend von Absatz 1 beträgt die Steuer für gefährliche Hunde "
        "(Kampfhunde) im Kalenderjahr 600,00 Euro für den ersten und 900,00 Euro für jeden "
        "weiteren gefährlichen Hund.",
    ),
    (
        "p",
        "(3) Gefährliche Hunde sind Hunde, deren Gefährlichkeit nach dem Landesrecht "
        "vermutet wird oder im Einzelfall durch die Ordnungsbehörde festgestellt wurde, "
        "insbesondere Pitbull-Terrier, American Staffordshire Terrier, Staffordshire "
        "Bullterrier und Bullterrier sowie deren Kreuzungen untereinander oder mit anderen "
        "Hunden.",
    ),
    (
        "p",
        "(4) Hunde, für die eine Steuerbefreiung nach § 6 gewährt wird, werden bei der "
        "Berechnung der Zahl der Hunde nicht mitgezählt; ermäßigt besteuerte Hunde gelten "
        "als erste Hunde.",
    ),
    ("h", "§ 6 Steuerbefreiungen"),
    ("p", "Auf Antrag ist Steuerbefreiung zu gewähren für das Halten von"),
    (
        "p",
        "1. Blindenführhunden und Assistenzhunden, die für schwerbehinderte Menschen "
        "unentbehrlich sind,",
    ),
    (
        "p",
        "2. Hunden, die aus einem Tierheim in Musterhausen aufgenommen wurden, für die "
        "Dauer von zwölf Monaten nach der Aufnahme,",
    ),
    (
        "p",
        "3. Diensthunden von Polizei, Zoll und Bundeswehr, deren Unterhalt überwiegend aus "
        "öffentlichen Mitteln bestritten wird.",
    ),
    ("page", ""),
    ("h", "§ 7 Steuerermäßigungen"),
    ("p", "(1) Die Steuer ist auf Antrag um die Hälfte zu ermäßigen für"),
    (
        "p",
        "1. Hunde, die von Personen gehalten werden, die Bürgergeld, Sozialhilfe oder "
        "Leistungen nach dem Asylbewerberleistungsgesetz beziehen, für einen Hund,",
    ),
    (
        "p",
        "2. Rettungshunde, die eine Prüfung nach der Prüfungsordnung einer anerkannten "
        "Rettungshundeorganisation bestanden haben und für den Katastrophenschutz zur "
        "Verfügung stehen,",
    ),
    (
        "p",
        "3. Hunde, die zur Bewachung von Gebäuden gehalten werden, die mehr als 500 Meter "
        "vom nächsten bewohnten Gebäude entfernt liegen.",
    ),
    ("p", "(2) Für gefährliche Hunde im Sinne von § 5 Absatz 3 wird keine Ermäßigung gewährt."),
    ("p", "(3) Die Ermäßigung gilt ab dem Kalendermonat, der auf die Antragstellung folgt."),
    ("h", "§ 8 Festsetzung und Fälligkeit"),
    (
        "p",
        "(1) Die Steuer wird durch Bescheid festgesetzt. Der Bescheid gilt auch für die "
        "folgenden Jahre, solange sich Bemessungsgrundlagen und Steuerbetrag nicht ändern.",
    ),
    (
        "p",
        "(2) Die Steuer wird am 1. Juli eines jeden Jahres mit dem Jahresbetrag fällig. Auf "
        "Antrag kann sie in Vierteljahresbeträgen zum 15. Februar, 15. Mai, 15. August und "
        "15. November entrichtet werden.",
    ),
    (
        "p",
        "(3) Beginnt die Steuerpflicht im Laufe des Jahres, wird die Steuer einen Monat "
        "nach Bekanntgabe des Bescheides fällig.",
    ),
    ("h", "§ 9 Anzeigepflichten"),
    (
        "p",
        "(1) Wer einen Hund anschafft oder mit einem Hund zuzieht, hat dies innerhalb von "
        "zwei Wochen der Gemeinde schriftlich oder elektronisch anzuzeigen.",
    ),
    (
        "p",
        "(2) Das Ende der Hundehaltung, der Tod des Hundes und der Wegzug sind ebenfalls "
        "innerhalb von zwei Wochen anzuzeigen.",
    ),
    ("page", ""),
    ("h", "§ 10 Hundesteuermarken"),
    (
        "p",
        "(1) Für jeden angemeldeten Hund wird eine Hundesteuermarke ausgegeben, die im "
        "Eigentum der Gemeinde bleibt.",
    ),
    (
        "p",
        "(2) Die Halterin oder der Halter hat die Hundesteuermarke dem Hund außerhalb des "
        "Hauses oder des umfriedeten Grundbesitzes sichtbar anzulegen. Eine verlorene Marke "
        "wird gegen eine Gebühr von 5,00 Euro ersetzt.",
    ),
    ("h", "§ 11 Ordnungswidrigkeiten"),
    (
        "p",
        "Ordnungswidrig handelt, wer vorsätzlich oder leichtfertig entgegen § 9 einen Hund "
        "nicht oder nicht rechtzeitig anmeldet oder abmeldet oder entgegen § 10 Absatz 2 "
        "die Hundesteuermarke nicht anlegt. Die Ordnungswidrigkeit kann mit einer Geldbuße "
        "bis zu 10.000 Euro geahndet werden.",
    ),
    ("h", "§ 12 Inkrafttreten"),
    (
        "p",
        "Diese Satzung tritt am 1. April 2024 in Kraft. Gleichzeitig tritt die "
        "Hundesteuersatzung vom 9. Dezember 2010 außer Kraft.",
    ),
    ("p", "Musterhausen, den 12. März 2024"),
    ("p", "Anna Schmidt, Bürgermeisterin"),
]

ABFALL_TITLE = "Satzung über die Erhebung von Gebühren für die Abfallentsorgung"
ABFALL = [
    ("title", ABFALL_TITLE),
    ("p", "(Abfallgebührensatzung) der Gemeinde Musterhausen vom 5. Dezember 2023"),
    (
        "p",
        "Aufgrund der Gemeindeordnung, des Kommunalabgabengesetzes und der "
        "Abfallwirtschaftssatzung hat der Gemeinderat am 5. Dezember 2023 folgende Satzung "
        "beschlossen:",
    ),
    ("h", "§ 1 Gebührenpflicht"),
    (
        "p",
        "(1) Für die Benutzung der öffentlichen Einrichtung Abfallentsorgung erhebt die "
        "Gemeinde Musterhausen Benutzungsgebühren.",
    ),
    (
        "p",
        "(2) Gebührenpflichtig ist die Eigentümerin oder der Eigentümer des an die "
        "Abfallentsorgung angeschlossenen Grundstücks. Erbbauberechtigte und "
        "Wohnungseigentümergemeinschaften stehen Eigentümern gleich.",
    ),
    ("h", "§ 2 Gebührenmaßstab"),
    (
        "p",
        "(1) Die Gebühr für Restabfall bemisst sich nach Zahl und Größe der zugelassenen "
        "Restabfallbehälter und nach der Häufigkeit der Leerung. Jedem Haushalt steht "
        "mindestens ein Restabfallvolumen von 15 Litern je Person und Woche zur Verfügung.",
    ),
    (
        "p",
        "(2) Die Gebühr für Bioabfall bemisst sich nach Zahl und Größe der Biotonnen. "
        "Wer Bioabfälle vollständig selbst kompostiert, wird auf Antrag von der Biotonne "
        "befreit.",
    ),
    ("h", "§ 3 Gebührensätze"),
    (
        "p",
        "(1) Die Jahresgebühren ergeben sich aus dem Gebührenverzeichnis in der Anlage zu "
        "dieser Satzung.",
    ),
    (
        "p",
        "(2) Für die Abholung von Sperrmüll wird für die ersten beiden Abholungen je "
        "Haushalt und Kalenderjahr keine Gebühr erhoben. Jede weitere Abholung kostet "
        "25,00 Euro.",
    ),
    (
        "p",
        "(3) Für zusätzliche Restabfallsäcke, die neben dem Behälter bereitgestellt werden, "
        "ist eine Gebühr von 6,00 Euro je Sack zu entrichten. Die Säcke sind im Bürgerbüro "
        "erhältlich.",
    ),
    ("h", "§ 4 Entstehung und Fälligkeit"),
    (
        "p",
        "(1) Die Gebührenschuld entsteht am 1. Januar eines jeden Jahres für das "
        "Kalenderjahr, bei Beginn der Gebührenpflicht im Laufe des Jahres mit dem ersten "
        "Tag des folgenden Monats.",
    ),
    (
        "p",
        "(2) Die Gebühr wird durch Bescheid festgesetzt und ist zu je einem Viertel am "
        "15. Februar, 15. Mai, 15. August und 15. November fällig.",
    ),
    ("h", "§ 5 Inkrafttreten"),
    ("p", "Diese Satzung tritt am 1. Januar 2024 in Kraft."),
    ("h", "Anlage: Gebührenverzeichnis"),
    (
        "table",
        [
            ["Behälter", "Leerung", "Jahresgebühr"],
            ["Restabfallbehälter 60 Liter", "14-täglich", "132,00 Euro"],
            ["Restabfallbehälter 80 Liter", "14-täglich", "168,00 Euro"],
            ["Restabfallbehälter 120 Liter", "14-täglich", "240,00 Euro"],
            ["Restabfallbehälter 240 Liter", "14-täglich", "468,00 Euro"],
            ["Restabfallbehälter 1.100 Liter", "wöchentlich", "3.960,00 Euro"],
            ["Biotonne 120 Liter", "14-täglich", "72,00 Euro"],
            ["Biotonne 240 Liter", "14-täglich", "132,00 Euro"],
        ],
    ),
]


def hundesteuer_pdf() -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_title(HUNDESTEUER_TITLE)
    pdf.set_author("Gemeinde Musterhausen")
    pdf.set_creation_date(CREATED)
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    for kind, text in HUNDESTEUER:
        if kind == "page":
            pdf.add_page()
        elif kind == "h":
            pdf.set_font("DejaVu", "B", 12)
            pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        else:
            pdf.set_font("DejaVu", "", 10.5)
            pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
    (HERE / "satzungen" / "hundesteuersatzung.pdf").write_bytes(bytes(pdf.output()))


def abfall_docx() -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = ABFALL_TITLE
    document.core_properties.author = "Gemeinde Musterhausen"
    document.core_properties.created = CREATED
    document.core_properties.modified = CREATED
    document.core_properties.last_modified_by = "Gemeinde Musterhausen"
    for kind, content in ABFALL:
        if kind == "title":
            document.add_heading(content, level=0)
        elif kind == "h":
            document.add_heading(content, level=2)
        elif kind == "table":
            table = document.add_table(rows=0, cols=len(content[0]))
            table.style = "Table Grid"
            for row in content:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
        else:
            document.add_paragraph(content)
    path = HERE / "satzungen" / "abfallgebuehrensatzung.docx"
    document.save(str(path))
    _normalise_zip_times(path)


def _normalise_zip_times(path: Path) -> None:
    """Rewrite a zip container with fixed timestamps, so rebuilding is reproducible."""
    import io
    import zipfile

    source = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 3, 12, 10, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    source.close()
    path.write_bytes(buffer.getvalue())


if __name__ == "__main__":
    hundesteuer_pdf()
    abfall_docx()
    print("sample documents written to", HERE)

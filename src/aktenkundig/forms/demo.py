"""The demo's part of the Formularerkennung (called by ``aktenkundig demo``).

The sample Gemeinde Musterhausen registers its own Hundesteuer-Anmeldung (a
form written for the project, ``samples/``) and the demo ships a filled scan of
it (``samples/hundesteuer-scan.jpg``) to upload on the Formulare page.
"""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"
NAME = "hundesteuer"


def setup(tenant) -> str:
    from aktenkundig.forms import services

    form_type, created = services.register(
        tenant, NAME, (SAMPLES / "hundesteuer.pdf").read_bytes(),
        overrides=(SAMPLES / "hundesteuer.toml").read_text("utf-8"),
        title="Anmeldung zur Hundesteuer (Musterhausen)")
    state = "registriert" if created else "bereit"
    return (f"Formular „{form_type.title}“ {state}; ein ausgefüllter Scan zum Ausprobieren: "
            f"{SAMPLES / 'hundesteuer-scan.jpg'}")


def waive_literacy(tenant, officer) -> None:
    """Like the assistant in the demo: the demo login has no KI-Führerschein."""
    from aktenkundig.governance import policy

    if policy.get_policy(tenant, "forms").required_modules:
        policy.update_policy(tenant, "forms", officer, required_modules=[])

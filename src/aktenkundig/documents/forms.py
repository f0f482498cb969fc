"""Forms of the document library (web layer only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import AccessLevel, Collection


class CollectionForm(forms.ModelForm):
    units = forms.CharField(
        label=_("Nur für diese Organisationseinheiten"),
        required=False,
        help_text=_("Kommagetrennt, z. B. „Amt 32, Amt 50“. Leer: für alle Einheiten."),
    )

    class Meta:
        model = Collection
        fields = ["name", "description", "access_level", "is_public"]
        # The model's help text is English (a German one would need a migration).
        help_texts = {
            "is_public": _("Nur Sammlungen mit der Schutzstufe „offen“ können öffentlich sein."),
        }

    def __init__(self, *args, max_level: int = AccessLevel.OFFEN, **kwargs):
        super().__init__(*args, **kwargs)
        # Only levels the person is cleared for are offered (and accepted: the
        # field validates against its choices); the service checks again.
        self.max_level = int(max_level)
        self.fields["access_level"].choices = [
            (value, label) for value, label in AccessLevel.choices if value <= self.max_level
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_public") and cleaned.get("access_level") != AccessLevel.OFFEN:
            self.add_error(
                "is_public",
                _("Nur Sammlungen mit der Schutzstufe „offen“ dürfen öffentlich sein."),
            )
        return cleaned

    def unit_list(self) -> list[str]:
        return sorted({u.strip() for u in self.cleaned_data["units"].split(",") if u.strip()})

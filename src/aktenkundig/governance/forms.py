"""Forms of the governance pages (German labels come from the model fields)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from aktenkundig.accounts.models import Role
from aktenkundig.governance import register, risk
from aktenkundig.governance.literacy import Module, modules
from aktenkundig.governance.models import FeaturePolicy, RegisterEntry


class RegisterEntryForm(forms.ModelForm):
    website = forms.URLField(
        label=RegisterEntry._meta.get_field("website").verbose_name, required=False,
        assume_scheme="https", max_length=200,
    )

    class Meta:
        model = RegisterEntry
        fields = [name for name in register.CONTENT_FIELDS
                  if name not in {"feature", "risk_answers", "risk_category", "risk_rationale"}]
        fields += ["risk_category", "risk_rationale"]
        # The model's help texts are English (changing them would need a migration);
        # the form shows German ones, translated like every other string.
        help_texts = {
            "short_description": _("In einfacher Sprache (Sprachniveau B1), für Bürgerinnen "
                                   "und Bürger."),
        }
        # <input type="date"> shows only ISO dates (its value is always YYYY-MM-DD,
        # whatever the browser displays). With the German default format the stored
        # date was rendered as "02.12.2027", which the browser discards: the field
        # looked empty and saving the unchanged form erased the date.
        widgets = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for name in ("begin_date", "end_date", "next_review_date")
        }


    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Browsers submit text areas with CRLF line ends (HTML spec); stored texts have
        # LF. Without normalising, every multi-line field of an unchanged entry counted
        # as changed, and saving it sent an approved entry back to draft.
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.to_python = _unix_newlines(field.to_python)


def _unix_newlines(to_python):
    def convert(value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return to_python(value)

    return convert


class RiskQuestionnaireForm(forms.Form):
    def __init__(self, *args, initial_answers: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        initial_answers = initial_answers or {}
        for question in risk.QUESTIONS:
            self.fields[question.key] = forms.BooleanField(
                label=question.text, required=False, help_text=question.reference,
                initial=bool(initial_answers.get(question.key)),
            )


class PolicyForm(forms.ModelForm):
    allowed_roles = forms.MultipleChoiceField(
        label=_("erlaubte Rollen (keine Auswahl: alle)"), choices=Role.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    required_modules = forms.MultipleChoiceField(
        label=_("erforderliche Schulungsmodule"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allowed_backends = forms.CharField(
        label=_("erlaubte Modell-Backends (kommagetrennt, leer: alle)"), required=False,
    )

    class Meta:
        model = FeaturePolicy
        fields = ["allowed", "allowed_roles", "max_data_level", "allowed_backends",
                  "required_modules", "decide_first", "second_review_share", "override_floor",
                  "shift_threshold", "audit_content"]
        help_texts = {
            "decide_first": _("Beschäftigte halten ihre eigene Einschätzung fest, bevor sie "
                              "den KI-Vorschlag sehen."),
            "second_review_share": _("Anteil zwischen 0 und 1, z. B. 0,02 für 2 %."),
            "override_floor": _("Liegt die Abweichungsquote darunter, warnt die Aufsicht vor "
                                "ungeprüftem Übernehmen."),
            "shift_threshold": _("Anteil zwischen 0 und 1, z. B. 0,15 für 15 Prozentpunkte."),
            "audit_content": _("Leer: die Voreinstellung der Installation "
                               "(AKTENKUNDIG_AUDIT_CONTENT)."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["required_modules"].choices = [(m.slug, m.title) for m in modules()]
        self.initial["allowed_backends"] = ", ".join(self.instance.allowed_backends or [])
        for name in ("second_review_share", "override_floor", "shift_threshold"):
            self.fields[name].validators += [MinValueValidator(0), MaxValueValidator(1)]
            self.fields[name].widget.attrs.update(min=0, max=1, step="any")

    def clean_allowed_backends(self) -> list[str]:
        raw = self.cleaned_data.get("allowed_backends") or ""
        return [part.strip() for part in raw.split(",") if part.strip()]


class OwnAssessmentForm(forms.Form):
    assessment = forms.CharField(label=_("Ihre eigene Einschätzung"), max_length=2000)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[("accept", _("Vorschlag übernehmen")), ("override", _("anders entscheiden"))],
        widget=forms.RadioSelect,
    )
    final_value = forms.CharField(
        label=_("Ihre Entscheidung (nur wenn Sie anders entscheiden)"), required=False,
        max_length=2000,
    )
    reason = forms.CharField(
        label=_("Begründung (Pflicht, auch beim Übernehmen)"), widget=forms.Textarea,
        max_length=4000,
    )


class SecondReviewForm(forms.Form):
    value = forms.CharField(label=_("Ihre Entscheidung"), max_length=2000)
    reason = forms.CharField(label=_("Begründung"), widget=forms.Textarea, max_length=4000)


class KillForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Abschaltung"), max_length=500,
        error_messages={"required": _("Bitte geben Sie einen Grund für die Abschaltung an. "
                                      "Er wird den Beschäftigten angezeigt und protokolliert.")},
    )


class QuizForm(forms.Form):
    def __init__(self, module: Module, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for index, question in enumerate(module.quiz):
            self.fields[f"q{index}"] = forms.TypedChoiceField(
                label=f"{index + 1}. {question.question}", coerce=int, widget=forms.RadioSelect,
                choices=list(enumerate(question.options)),
                error_messages={"required": _("Bitte beantworten Sie diese Frage.")},
            )

    def answers(self) -> dict[int, int]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}

    def mark_wrong(self, module: Module, wrong: tuple[int, ...]) -> None:
        """Show at each wrongly answered question that it was wrong, and why (the
        explanation of the module, where it has one), next to the question itself."""
        for index in wrong:
            question = module.quiz[index]
            text = _("Diese Antwort war nicht richtig.")
            if question.explanation:
                text = f"{text} {question.explanation}"
            self.add_error(f"q{index}", text)

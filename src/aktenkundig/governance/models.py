"""Governance records: AI register, KI-Richtlinie, audit chain, oversight, training.

Domain logic lives in the service modules (``register``, ``risk``, ``audit``,
``oversight``, ``literacy``, ``policy``); these models only hold state and
guard the invariants that must hold whoever writes (immutable versions,
append-only audit records).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import AccessLevel, Tenant


class ImmutableError(RuntimeError):
    """A record that must never change was about to be changed or deleted."""


class WriteOnceModel(models.Model):
    """A row that is inserted once and then never saved again nor deleted."""

    immutable_message = "Dieser Eintrag ist unveränderlich."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ImmutableError(self.immutable_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(self.immutable_message)


# --------------------------------------------------------------------------- register


class EntryStatus(models.TextChoices):
    """Lifecycle status of an AI use (as in the Algoritmeregister)."""

    PLANNED = "planned", _("geplant")
    PILOT = "pilot", _("Pilotbetrieb")
    IN_USE = "in_use", _("im Einsatz")
    RETIRED = "retired", _("außer Betrieb")


LIVE_STATUSES = (EntryStatus.PILOT.value, EntryStatus.IN_USE.value)


class RiskCategory(models.TextChoices):
    UNCLASSIFIED = "unclassified", _("noch nicht eingestuft")
    MINIMAL = "minimal", _("minimales Risiko")
    LIMITED = "limited", _("begrenztes Risiko (Transparenzpflichten, Art. 50)")
    HIGH = "high", _("Hochrisiko (Art. 6, Anhang III)")
    PROHIBITED = "prohibited", _("verbotene Praxis (Art. 5)")


class WorkflowState(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("zur Freigabe vorgelegt")
    APPROVED = "approved", _("freigegeben und veröffentlicht")


class RegisterEntry(models.Model):
    """The working copy of one AI use of a tenant; published versions are separate."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="ai_entries")
    feature = models.CharField(
        _("aktenkundig-Funktion"),
        max_length=40,
        blank=True,
        help_text=_("Key of the aktenkundig feature this entry governs; empty for other AI uses."),
    )
    slug = models.SlugField(_("Kürzel"), max_length=100)
    name = models.CharField(_("Name"), max_length=200)
    short_description = models.TextField(
        _("Kurzbeschreibung in einfacher Sprache"), help_text=_("Plain language (B1).")
    )
    purpose = models.TextField(_("Zweck"), blank=True)
    expected_benefit = models.TextField(_("Erwarteter Nutzen"), blank=True)
    organisation = models.CharField(_("Organisation"), max_length=200, blank=True)
    responsible_unit = models.CharField(_("Verantwortliche Stelle"), max_length=200, blank=True)
    contact = models.CharField(_("Kontakt"), max_length=300, blank=True)
    website = models.URLField(_("Weitere Informationen (URL)"), blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=EntryStatus.choices, default=EntryStatus.PLANNED
    )
    begin_date = models.DateField(_("Im Einsatz seit"), null=True, blank=True)
    end_date = models.DateField(_("Außer Betrieb seit"), null=True, blank=True)
    risk_category = models.CharField(
        _("Risikoklasse (KI-Verordnung)"),
        max_length=20,
        choices=RiskCategory.choices,
        default=RiskCategory.UNCLASSIFIED,
    )
    risk_rationale = models.TextField(_("Begründung der Risikoklasse"), blank=True)
    risk_answers = models.JSONField(_("Antworten Risiko-Fragebogen"), default=dict, blank=True)
    risk_proposal = models.CharField(
        _("Vorschlag des Fragebogens"), max_length=20, choices=RiskCategory.choices, blank=True
    )
    legal_basis = models.TextField(_("Rechtsgrundlage"), blank=True)
    processing_record = models.CharField(
        _("Verzeichnis von Verarbeitungstätigkeiten (VVT)"), max_length=500, blank=True
    )
    dpia = models.CharField(_("Datenschutz-Folgenabschätzung (DSFA)"), max_length=500, blank=True)
    fria = models.CharField(
        _("Grundrechte-Folgenabschätzung (Art. 27)"), max_length=500, blank=True
    )
    impact_assessment_note = models.TextField(
        _("Folgenabschätzungen: Erläuterung oder warum keine"), blank=True
    )
    eu_database_reference = models.CharField(
        _("Registrierung in der EU-Datenbank (Art. 49)"), max_length=200, blank=True
    )
    data_sources = models.TextField(_("Datenquellen"), blank=True)
    model_description = models.TextField(_("Modell und Methode"), blank=True)
    provider = models.CharField(_("Anbieter"), max_length=300, blank=True)
    human_intervention = models.TextField(_("Menschliche Aufsicht"), blank=True)
    objection_procedure = models.TextField(_("Widerspruch und Beschwerde"), blank=True)
    performance_monitoring = models.TextField(_("Leistung und Überwachung"), blank=True)
    risks = models.TextField(_("Risiken und Gegenmaßnahmen"), blank=True)
    next_review_date = models.DateField(_("Nächste Überprüfung"), null=True, blank=True)

    state = models.CharField(
        _("Bearbeitungsstand"),
        max_length=20,
        choices=WorkflowState.choices,
        default=WorkflowState.DRAFT,
    )
    editors = models.JSONField(
        default=list, blank=True, help_text="User ids who changed the entry since its last approval"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    published = models.ForeignKey(
        "RegisterVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("KI-Register-Eintrag")
        verbose_name_plural = _("KI-Register-Einträge")
        ordering = ["tenant", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="register_unique_slug"),
            models.UniqueConstraint(
                fields=["tenant", "feature"],
                condition=~models.Q(feature=""),
                name="register_one_entry_per_feature",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RegisterVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError("Veröffentlichte Fassungen des KI-Registers sind unveränderlich.")

    def delete(self):
        raise ImmutableError("Veröffentlichte Fassungen des KI-Registers sind unveränderlich.")


class RegisterVersion(WriteOnceModel):
    """One approved, published version of an entry. Never changed, never deleted."""

    immutable_message = "Veröffentlichte Fassungen des KI-Registers sind unveränderlich."

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(RegisterEntry, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=EntryStatus.choices)
    risk_category = models.CharField(max_length=20, choices=RiskCategory.choices)
    data = models.JSONField(help_text="All register fields as published")
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField()

    objects = RegisterVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("veröffentlichte Fassung")
        verbose_name_plural = _("veröffentlichte Fassungen")
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="register_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number}"



# --------------------------------------------------------------------------- KI-Richtlinie


class AuditContent(models.TextChoices):
    HASH = "hash", _("nur Prüfsumme (SHA-256)")
    PSEUDONYMISED = "pseudonymised", _("pseudonymisierter Text")


class FeaturePolicy(models.Model):
    """The tenant's KI-Richtlinie for one feature, plus its kill switch."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="ai_policies")
    feature = models.CharField(_("Funktion"), max_length=40)
    allowed = models.BooleanField(_("laut KI-Richtlinie erlaubt"), default=True)
    allowed_roles = models.JSONField(
        _("erlaubte Rollen"),
        default=list,
        blank=True,
        help_text=_("Empty: every member of the authority."),
    )
    max_data_level = models.IntegerField(
        _("höchste Schutzstufe der Daten"),
        choices=AccessLevel.choices,
        default=AccessLevel.VERTRAULICH,
    )
    allowed_backends = models.JSONField(
        _("erlaubte Modell-Backends"),
        default=list,
        blank=True,
        help_text=_("Empty: every configured backend."),
    )
    required_modules = models.JSONField(
        _("erforderliche Schulungsmodule"), default=list, blank=True
    )
    decide_first = models.BooleanField(
        _("erst selbst entscheiden"),
        default=False,
        help_text=_("Staff record their own assessment before the AI suggestion is shown."),
    )
    second_review_share = models.FloatField(
        _("Anteil verdeckter Zweitprüfungen"), default=0.02
    )
    override_floor = models.FloatField(
        _("Mindest-Abweichungsquote"),
        default=0.03,
        help_text=_("Below this override rate an alert warns of rubber-stamping."),
    )
    shift_threshold = models.FloatField(
        _("Alarm bei Änderung der Abweichungsquote um"), default=0.15
    )
    audit_content = models.CharField(
        _("Protokollierung von Ein- und Ausgaben"),
        max_length=20,
        choices=AuditContent.choices,
        blank=True,
        help_text=_("Empty: the installation default (AKTENKUNDIG_AUDIT_CONTENT)."),
    )
    killed = models.BooleanField(_("sofort abgeschaltet"), default=False)
    killed_reason = models.TextField(_("Grund der Abschaltung"), blank=True)
    killed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    killed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("KI-Richtlinie für eine Funktion")
        verbose_name_plural = _("KI-Richtlinie")
        ordering = ["tenant", "feature"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "feature"], name="policy_unique_feature")
        ]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.feature}"


# --------------------------------------------------------------------------- audit log


class AuditHead(models.Model):
    """The end of a tenant's chain; its row lock serialises appends."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.tenant_id}@{self.seq}"


class AuditRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError("Das Protokoll ist nur fortschreibbar (append-only).")

    def delete(self):
        raise ImmutableError(
            "Das Protokoll ist nur fortschreibbar; alte Einträge entfernt nur "
            "`aktenkundig audit prune` mit signiertem Prüfpunkt."
        )


class AuditRecord(WriteOnceModel):
    """One link of the chain.

    ``body`` is the canonical JSON of everything recorded and is what the hash
    covers (together with tenant, sequence number and the predecessor's hash).
    It is a text column on purpose: PostgreSQL's jsonb would re-serialise it.
    The other columns duplicate fields of the body for indexed look-ups;
    verification checks that they agree.
    """

    immutable_message = "Das Protokoll ist nur fortschreibbar (append-only)."

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField()
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    feature = models.CharField(max_length=40, blank=True)
    case_ref = models.CharField(max_length=200, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["tenant", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="audit_unique_seq")
        ]
        indexes = [
            models.Index(fields=["tenant", "case_ref"], name="audit_case"),
            models.Index(fields=["tenant", "created_at"], name="audit_time"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}#{self.seq}"



class AuditCheckpoint(models.Model):
    """A signed statement 'record ``seq`` of this tenant had hash ``hash``'.

    Written when old records are pruned (the remaining chain starts from it)
    and on demand; the HMAC key lives outside the database.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=20, default="manual")
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["tenant", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="audit_checkpoint_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}@{self.seq}"


# --------------------------------------------------------------------------- oversight


class Decision(models.TextChoices):
    PENDING = "pending", _("offen")
    ACCEPTED = "accepted", _("übernommen")
    OVERRIDDEN = "overridden", _("abweichend entschieden")


class SecondReview(models.TextChoices):
    NONE = "none", _("keine")
    PENDING = "pending", _("ausstehend")
    DONE = "done", _("erledigt")


class OversightItem(models.Model):
    """One AI suggestion and what a person made of it."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    feature = models.CharField(max_length=40)
    unit = models.CharField(max_length=200, blank=True)
    model_version = models.CharField(max_length=200, blank=True)
    case_ref = models.CharField(max_length=200, blank=True, db_index=True)
    subject = models.CharField(_("Vorgang"), max_length=300, blank=True)
    suggestion = models.JSONField(_("KI-Vorschlag"))
    confidence = models.FloatField(_("Konfidenz"), null=True, blank=True)
    evidence = models.JSONField(_("Belege"), default=list, blank=True)
    decide_first = models.BooleanField(default=False)
    own_assessment = models.JSONField(_("eigene Einschätzung"), null=True, blank=True)
    own_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    own_assessed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    final_value = models.JSONField(_("Entscheidung"), null=True, blank=True)
    reason = models.TextField(_("Begründung"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    time_spent_ms = models.PositiveIntegerField(null=True, blank=True)
    second_review = models.CharField(
        max_length=20, choices=SecondReview.choices, default=SecondReview.NONE
    )
    second_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_review_outcome = models.CharField(
        max_length=20, choices=Decision.choices, blank=True
    )
    second_review_value = models.JSONField(null=True, blank=True)
    second_review_reason = models.TextField(blank=True)
    second_reviewed_at = models.DateTimeField(null=True, blank=True)
    disagreement = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("KI-Vorschlag mit Prüfung")
        verbose_name_plural = _("KI-Vorschläge mit Prüfung")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "feature", "decided_at"], name="oversight_feature"),
            models.Index(fields=["tenant", "second_review"], name="oversight_second"),
        ]

    def __str__(self) -> str:
        return f"{self.feature}: {self.subject or self.pk}"


# --------------------------------------------------------------------------- literacy


class TrainingCompletion(models.Model):
    """A passed (or failed) quiz of one training module."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    module = models.CharField(max_length=100)
    module_version = models.CharField(max_length=40)
    score = models.FloatField()
    passed = models.BooleanField()
    completed_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Schulungsnachweis")
        verbose_name_plural = _("Schulungsnachweise")
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["user", "module"], name="training_user_module")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.module} {self.module_version}"

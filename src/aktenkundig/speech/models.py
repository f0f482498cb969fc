"""A subtitle job: one uploaded file, transcribed in the background, then
corrected by a person in the editor.

The recogniser's cues are kept as they came (``cues``, and the VTT/SRT/text made
from them); a person's corrections are a separate list (``corrected_cues``), so
that what the machine said and what a person decided stay apart — the exports
use the corrected list once there is one. The upload itself is personal data
(the voices of a meeting or an interview): it stays in the data directory only
as long as the editor needs it to play the recording, at most
AKTENKUNDIG_SPEECH_KEEP_MEDIA_DAYS days (0: deleted right after recognition),
and the owner can delete it at any time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import AccessLevel


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("In der Warteschlange")
    RUNNING = "running", _("Wird erkannt")
    DONE = "done", _("Fertig")
    FAILED = "failed", _("Fehlgeschlagen")


class SubtitleJob(models.Model):
    tenant = models.ForeignKey("core.Tenant", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=255)
    data_level = models.PositiveSmallIntegerField(choices=AccessLevel.choices,
                                                  default=AccessLevel.INTERN)
    status = models.CharField(max_length=10, choices=JobStatus.choices,
                              default=JobStatus.QUEUED)
    error = models.TextField(blank=True)
    duration = models.FloatField(default=0)
    progress = models.FloatField(default=0)  # 0..1, share of the audio decoded so far
    vtt = models.TextField(blank=True)
    srt = models.TextField(blank=True)
    text = models.TextField(blank=True)
    upload_path = models.CharField(max_length=500, blank=True)  # the recording, while kept
    # [{"start": s, "end": s, "lines": [...], "confidence": 0..1}], as recognised
    cues = models.JSONField(default=list, blank=True)
    # the same shape, edited by a person ("edited": true on changed cues); null: none yet
    corrected_cues = models.JSONField(null=True, blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    minutes = models.TextField(blank=True)  # the AI-generated Niederschrift draft
    minutes_model = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return self.filename

"""A subtitle job: one uploaded file, transcribed in the background.

Only the results are kept (cues as VTT and SRT, the plain text). The upload itself
lies in the data directory only until the background task has read it: audio of
a meeting or an interview is personal data, and nothing in this slice needs it
afterwards.
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
    upload_path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return self.filename

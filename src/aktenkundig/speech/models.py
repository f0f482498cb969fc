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


class LiveStatus(models.TextChoices):
    READY = "ready", _("Bereit")
    LIVE = "live", _("Läuft")
    ENDED = "ended", _("Beendet")


def new_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class LiveSession(models.Model):
    """A live-subtitled meeting: the audience reads it through ``token`` (a link that
    is the only secret: no account, no cookie), staff feed and correct it.

    ``release_delay`` > 0 holds each line for that many seconds, so a
    Schriftdolmetscher can correct names before the hall's screen shows them; 0
    shows lines as soon as they are recognised. ``store_audio`` stays False: the
    audio of a council meeting is personal data and nothing here needs it later."""

    tenant = models.ForeignKey("core.Tenant", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=200)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    status = models.CharField(max_length=10, choices=LiveStatus.choices,
                              default=LiveStatus.READY)
    terms = models.TextField(blank=True)  # Terms.parse format, e.g. from the agenda
    speakers = models.JSONField(default=list, blank=True)  # names to label lines with
    release_delay = models.PositiveSmallIntegerField(default=0)  # seconds; 0 = immediate
    store_audio = models.BooleanField(default=False)
    # the AI-generated Niederschrift draft, kept so that it survives a reload and
    # can be downloaded; made only after the session has ended
    minutes = models.TextField(blank=True)
    minutes_model = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class LiveLine(models.Model):
    """One committed caption: recognised text with word timings and marks for the
    corrector (``words``: ``[{"text", "start", "end", "p"}]``, ``p`` the word's
    probability), released to the audience or held."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="lines")
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()
    confidence = models.FloatField(default=1.0)
    words = models.JSONField(default=list, blank=True)
    speaker = models.CharField(max_length=120, blank=True)
    released = models.BooleanField(default=False)
    corrected = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "index"]
        constraints = [models.UniqueConstraint(fields=["session", "index"],
                                               name="speech_liveline_unique_index")]

    def __str__(self) -> str:
        return self.text[:60]

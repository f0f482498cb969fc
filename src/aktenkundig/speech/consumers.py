"""WebSockets of live subtitles (Django Channels).

* ``/ws/speech/live/<id>/ingest``: a staff member's browser (or the hall's audio
  PC) sends binary frames of 16 kHz mono int16 PCM. Authenticated by the session
  cookie; the tenant, the KI-Register gate and the kill switch are checked at
  connect and every few seconds while it runs. Decoding runs in a worker thread
  (a decode takes a second or two of CPU; on the event loop it would stall every
  socket of the process).
* ``/ws/speech/live/<id>/correct``: the corrector's view: all lines (held ones
  too) with word marks; accepts ``{"action": "edit", "index", "text", "speaker"}``
  and ``{"action": "release", "index"?}``.
* ``/ws/speech/live/<token>/audience``: public and read-only; released lines only.
  No cookie is needed or read.

Lines reach sockets in the same process through the channel layer at once. The
audience and corrector sockets also look in the database every
``POLL_S`` seconds, so that with several server processes (and the default
in-memory channel layer, which does not cross processes) nobody misses a line;
a shared channel layer makes that instant too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import close_old_connections, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aktenkundig.speech import live
from aktenkundig.speech.transcribe import SAMPLE_RATE

logger = logging.getLogger(__name__)

POLL_S = 1.0
GATE_CHECK_S = 3.0
CLOSE_REFUSED = 4403
CLOSE_NOT_FOUND = 4404
_running: set[int] = set()  # sessions with an ingest in this process
_running_lock = threading.Lock()


def _language(scope) -> str:
    """The language the user's pages are shown in (language cookie, else the
    browser's Accept-Language), as Django's LocaleMiddleware decides it for a
    request: a socket's refusals and errors reach the same person in the same
    language as the page that opened it."""
    headers = {name.decode("latin-1").lower(): value.decode("latin-1")
               for name, value in scope.get("headers", [])}
    request = SimpleNamespace(COOKIES=scope.get("cookies", {}),
                              META={"HTTP_ACCEPT_LANGUAGE": headers.get("accept-language", "")},
                              path_info=scope.get("path", "/"))
    return translation.get_language_from_request(request)


class _InUserLanguage:
    """Handles every socket event with the user's language active (a consumer has
    no LocaleMiddleware in front of it)."""

    async def dispatch(self, message) -> None:
        with translation.override(_language(self.scope)):
            await super().dispatch(message)


def _staff_group(session_id: int) -> str:
    return f"live-{session_id}-staff"


def _audience_group(session_id: int) -> str:
    return f"live-{session_id}-audience"


@database_sync_to_async
def _staff_session(user, session_id: int):
    """(membership, session) for a logged-in member of the session's tenant."""
    from aktenkundig.accounts.services import membership_of

    if not getattr(user, "is_authenticated", False):
        return None, None
    membership = membership_of(user)
    if membership is None:
        return None, None
    return membership, (live.visible_sessions(membership).select_related("tenant")
                        .filter(pk=session_id).first())


async def _not_found(consumer) -> None:
    # Accepted, then closed with 4404: a refused handshake reaches the browser as
    # a bare 1006, and the page would keep retrying a link that cannot work.
    await consumer.accept()
    await consumer.close(code=CLOSE_NOT_FOUND)


class _LinesSocket(_InUserLanguage, AsyncWebsocketConsumer):
    """Shared by the corrector and the audience: group messages plus a database
    poll for lines changed by another process."""

    staff = False
    session = None

    async def start_lines(self) -> None:
        self.since = timezone.now()
        await self.channel_layer.group_add(self.group, self.channel_name)
        for line in await self.initial_lines():
            await self.send(text_data=json.dumps(line))
        self.poller = asyncio.ensure_future(self.poll())

    async def poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                lines = await self.changed_lines()
            except Exception:  # a database hiccup must not end the socket
                logger.exception("live subtitles: poll failed")
                continue
            for line in lines:
                await self.send(text_data=json.dumps(line))

    @database_sync_to_async
    def changed_lines(self) -> list[dict]:
        query = self.session.lines.filter(updated_at__gte=self.since)
        if not self.staff:
            query = query.filter(released=True)
        self.since = timezone.now() - timedelta(seconds=POLL_S)  # overlap: no gaps
        return [live.payload(line, staff=self.staff) for line in query.order_by("index")]

    async def live_line(self, event) -> None:
        await self.send(text_data=json.dumps(event["line"]))

    async def live_state(self, event) -> None:
        await self.send(text_data=json.dumps(event["state"]))

    async def disconnect(self, code) -> None:
        if getattr(self, "poller", None):
            self.poller.cancel()
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)


class AudienceConsumer(_LinesSocket):
    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        self.session = await database_sync_to_async(live.by_token)(token)
        if self.session is None:
            await _not_found(self)
            return
        decision = await database_sync_to_async(live.still_allowed)(self.session)
        await self.accept()
        if not decision:
            await self.send(text_data=json.dumps({"type": "stopped"}))
            await self.close(code=CLOSE_REFUSED)
            return
        self.group = _audience_group(self.session.pk)
        await self.start_lines()

    @database_sync_to_async
    def initial_lines(self) -> list[dict]:
        last = self.session.lines.filter(released=True).order_by("-index").first()
        return [live.payload(last, staff=False)] if last else []

    async def receive(self, text_data=None, bytes_data=None) -> None:
        return  # read-only


class CorrectConsumer(_LinesSocket):
    staff = True

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.membership, self.session = await _staff_session(
            user, self.scope["url_route"]["kwargs"]["session_id"])
        if self.session is None:
            await _not_found(self)
            return
        decision = await database_sync_to_async(live.gate)(user, self.session.tenant)
        await self.accept()
        if not decision:
            await self.send(text_data=json.dumps({"type": "error", "message": decision.reason}))
            await self.close(code=CLOSE_REFUSED)
            return
        self.group = _staff_group(self.session.pk)
        await self.start_lines()

    @database_sync_to_async
    def initial_lines(self) -> list[dict]:
        lines = list(self.session.lines.order_by("-index")[:200])[::-1]
        return [live.payload(line, staff=True) for line in lines]

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            command = json.loads(text_data or "")
            action = command.get("action")
            if action == "edit":
                changed = [await database_sync_to_async(live.edit_line)(
                    self.session, int(command["index"]), text=command.get("text"),
                    speaker=command.get("speaker"))]
            elif action == "release":
                index = command.get("index")
                changed = await database_sync_to_async(live.release)(
                    self.session, None if index is None else int(index))
            else:
                raise ValueError(_("Unbekannter Befehl."))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            await self.send(text_data=json.dumps({"type": "error", "message": str(error)}))
            return
        await broadcast(self.channel_layer, self.session.pk, changed)


async def broadcast(layer, session_id: int, lines) -> None:
    for line in lines:
        await layer.group_send(_staff_group(session_id), {
            "type": "live.line", "line": live.payload(line, staff=True)})
        if line.released:
            await layer.group_send(_audience_group(session_id), {
                "type": "live.line", "line": live.payload(line, staff=False)})


class IngestConsumer(_InUserLanguage, AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        self.worker, self.stopping = None, False
        self.membership, self.session = await _staff_session(
            user, self.scope["url_route"]["kwargs"]["session_id"])
        if self.session is None:
            await _not_found(self)
            return
        await self.accept()
        with _running_lock:
            busy = self.session.pk in _running
            if not busy:
                _running.add(self.session.pk)
        if busy:
            await self.refuse(_("Für diese Sitzung läuft bereits eine Erkennung."))
            return
        try:
            await database_sync_to_async(live.start)(self.session, user)
        except live.Refused as error:
            with _running_lock:
                _running.discard(self.session.pk)
            await self.refuse(str(error))
            return
        self.audio: queue.Queue = queue.Queue()
        self.received, self.connected_at = 0, time.monotonic()
        self.worker = threading.Thread(
            target=self.work, args=(asyncio.get_running_loop(), user, translation.get_language()),
            name=f"live-{self.session.pk}", daemon=True)
        self.worker.start()
        await self.send(text_data=json.dumps({"type": "started"}))

    async def refuse(self, message: str) -> None:
        self.stop_worker()  # the server need not report a close the app initiated
        await self.send(text_data=json.dumps({"type": "error", "message": message}))
        await self.close(code=CLOSE_REFUSED)

    def stop_worker(self) -> None:
        if getattr(self, "worker", None) is not None and not self.stopping:
            self.stopping = True
            self.audio.put(None)  # the worker finishes the last words, audits, exits

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.worker is None or self.stopping or not bytes_data:
            return
        if len(bytes_data) > live.MAX_FRAME_BYTES:
            await self.refuse(_("Zu große Audiodaten: höchstens zwei Sekunden je Nachricht."))
            return
        # Audio arrives at the pace it is spoken. A client sending far more (a
        # replay at full speed, or an attack) would pile up decoding work: refused.
        self.received += len(bytes_data) // 2
        spoken = time.monotonic() - self.connected_at
        if self.received > (spoken + live.AUDIO_AHEAD_S) * SAMPLE_RATE * live.AUDIO_RATE_FACTOR:
            await self.refuse(_("Es kommen mehr Audiodaten als in Echtzeit gesprochen werden."))
            return
        self.audio.put(bytes_data)

    async def disconnect(self, code) -> None:
        self.stop_worker()

    # -- the worker thread ---------------------------------------------------

    def work(self, loop, user, language: str) -> None:
        with translation.override(language):  # a thread starts without the socket's
            self._work(loop, user)

    def _work(self, loop, user) -> None:
        from aktenkundig.speech.streaming import StreamingDecoder, step

        def send(coroutine) -> None:
            asyncio.run_coroutine_threadsafe(coroutine, loop)

        session, count, reason = self.session, 0, "closed"
        decoder = None
        try:
            decoder = StreamingDecoder(live.terms_of(session))
            checked, done = time.monotonic(), False
            while not done:
                lines, done = step(decoder, self.audio)
                stored = live.add_lines(session, lines) + live.release_due(session)
                count += len(lines)
                if stored:
                    send(broadcast(self.channel_layer, session.pk, stored))
                if not done and time.monotonic() - checked > GATE_CHECK_S:
                    checked = time.monotonic()
                    decision = live.still_allowed(session)
                    if not decision:
                        reason = "killed"
                        send(self.refuse(decision.reason))
                        break
        except Exception:
            reason = "failed"
            logger.exception("live subtitles: recognition failed")
            send(self.refuse(_("Die Erkennung ist fehlgeschlagen.")))
        finally:
            with _running_lock:
                _running.discard(session.pk)
            try:
                live.stop(session, user, seconds=decoder.now if decoder else 0.0,
                          lines=count, reason=reason)
            finally:
                close_old_connections()
                connection.close()

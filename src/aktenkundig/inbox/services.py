"""The Posteingang's domain logic: organisation, intake, routing, decisions, training.

Views, the API, the CLI and the consumers are thin: they call these functions.

Rules kept here, not in callers
===============================

* **Tenant isolation**: every lookup filters by the tenant; a model is trained on one
  tenant's confirmed items and only routes that tenant's items.
* **Learning only from people**: :func:`train_from_confirmed` reads items whose
  ``human_confirmed`` is set by :func:`decide`; automatic routings never are.
* **Governance**: a suggestion is shown only while ``governance.policy`` allows the
  ``inbox`` feature (kill switch, KI-Register, KI-Richtlinie); otherwise the item waits
  for a person without any AI suggestion. Automatic pass-through additionally needs the
  tenant's ``auto_route`` switch and a measured threshold. Every intake, suggestion
  and decision is written to the audit chain.
* **Nothing vanishes**: a file that cannot be read becomes an item with status
  "nicht lesbar" and a reason, in the same queue.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktenkundig import config
from aktenkundig.core.models import Tenant
from aktenkundig.documents import services as documents
from aktenkundig.documents.extract import KINDS, ExtractionError, detect_kind, extract
from aktenkundig.governance import audit, oversight, policy
from aktenkundig.inbox import routing, signals, understanding
from aktenkundig.inbox.models import (
    DEFAULT_TYPES,
    DocumentType,
    InboxSettings,
    Item,
    RoutingModel,
    Status,
    Unit,
)

logger = logging.getLogger(__name__)

FEATURE = "inbox"
SYSTEM = "inbox"


class InboxError(ValueError):
    """Bad input; the message is for people (German)."""


# --------------------------------------------------------------------------- organisation


def ensure_defaults(tenant: Tenant) -> None:
    """The issue's default document types, created once per tenant (editable later)."""
    if not DocumentType.objects.filter(tenant=tenant).exists():
        DocumentType.objects.bulk_create(
            DocumentType(tenant=tenant, name=name) for name in DEFAULT_TYPES
        )


def settings_for(tenant: Tenant) -> InboxSettings:
    return InboxSettings.objects.get_or_create(tenant=tenant)[0]


GVP_COLUMNS = ("code", "name", "description", "keywords", "deputy", "delivery")
_GVP_ALIASES = {
    "kürzel": "code", "kuerzel": "code", "oe": "code", "bezeichnung": "name",
    "aufgaben": "description", "beschreibung": "description", "stichwörter": "keywords",
    "stichwoerter": "keywords", "vertretung": "deputy", "zustellung": "delivery",
}
MAX_CSV_BYTES = 2 * 1024 * 1024


@transaction.atomic
def import_plan(tenant: Tenant, data: bytes | str, *, user=None) -> tuple[int, int]:
    """Import a Geschäftsverteilungsplan (CSV; ``;`` or ``,``; header with code, name,
    description, keywords, deputy, delivery — German headers accepted). Existing units
    (same code) are updated. Returns (created, updated). All or nothing."""
    if isinstance(data, bytes):
        if len(data) > MAX_CSV_BYTES:
            raise InboxError(_("Die Datei ist zu groß (höchstens 2 MB)."))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = data.decode("cp1252")
    try:
        dialect = csv.Sniffer().sniff(data[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";"
    reader = csv.DictReader(io.StringIO(data), dialect=dialect)
    header = {name: _GVP_ALIASES.get((name or "").strip().lower(), (name or "").strip().lower())
              for name in reader.fieldnames or []}
    if "code" not in header.values() or "name" not in header.values():
        raise InboxError(_("Die Tabelle braucht die Spalten „Kürzel“ (code) und „Name“."))
    rows = []
    for number, raw in enumerate(reader, start=2):
        row = {header[k]: (v or "").strip() for k, v in raw.items() if k in header}
        if not row.get("code") or not row.get("name"):
            raise InboxError(_("Zeile %(n)d: Kürzel und Name fehlen.") % {"n": number})
        rows.append(row)
    created = updated = 0
    for row in rows:
        _unit, was_created = Unit.objects.update_or_create(
            tenant=tenant, code=row["code"][:40],
            defaults={"name": row["name"][:200], "description": row.get("description", ""),
                      "keywords": row.get("keywords", ""),
                      "delivery": row.get("delivery", "")[:500]},
        )
        created += was_created
        updated += not was_created
    for row in rows:  # deputies after all units exist
        if row.get("deputy"):
            deputy = Unit.objects.filter(tenant=tenant, code=row["deputy"]).first()
            if deputy is None:
                raise InboxError(_("Vertretung „%(code)s“ gibt es nicht.")
                                 % {"code": row["deputy"]})
            Unit.objects.filter(tenant=tenant, code=row["code"]).update(deputy=deputy)
    audit.log_data_event(tenant, user=user, system_actor="" if user else SYSTEM,
                         action="inbox.plan_imported",
                         details={"created": created, "updated": updated})
    return created, updated


def check_delivery(target: str) -> str:
    """A unit's delivery target: empty (queue only), ``mailto:``, ``https://`` (``http://``
    only to this machine), or an absolute folder path. Anything else is refused."""
    from urllib.parse import urlsplit

    target = (target or "").strip()
    if not target:
        return ""
    if target.startswith("mailto:") and "@" in target:
        return target
    if target.startswith(("https://", "http://")):
        parts = urlsplit(target)
        if parts.scheme == "https" and parts.hostname:
            return target
        if parts.hostname in {"127.0.0.1", "localhost", "::1"}:
            return target
        raise InboxError(_("Webhooks nur über https (http nur an diesen Rechner)."))
    if target.startswith("/"):
        return target
    raise InboxError(_("Zustellung: leer, mailto:…, https://… oder ein absoluter Ordnerpfad."))


@transaction.atomic
def save_unit(tenant: Tenant, user, *, code: str, name: str, description: str = "",
              keywords: str = "", deputy: str = "", delivery: str = "",
              active: bool = True) -> Unit:
    """Create or change one unit (web form); audited with before and after."""
    code, name = (code or "").strip()[:40], (name or "").strip()[:200]
    if not code or not name:
        raise InboxError(_("Kürzel und Name sind nötig."))
    deputy_unit = None
    if deputy:
        deputy_unit = Unit.objects.filter(tenant=tenant, code=deputy).exclude(code=code).first()
        if deputy_unit is None:
            raise InboxError(_("Vertretung „%(code)s“ gibt es nicht.") % {"code": deputy})
    unit = Unit.objects.filter(tenant=tenant, code=code).first()
    before = None if unit is None else {"name": unit.name, "delivery": unit.delivery,
                                        "deputy": unit.deputy_id, "active": unit.active}
    unit = unit or Unit(tenant=tenant, code=code)
    unit.name, unit.description, unit.keywords = name, description, keywords
    unit.deputy, unit.delivery, unit.active = deputy_unit, check_delivery(delivery), active
    unit.save()
    audit.log_data_event(tenant, user=user, action="inbox.unit_saved",
                         details={"unit": code, "before": before,
                                  "after": {"name": name, "delivery": unit.delivery,
                                            "deputy": unit.deputy_id, "active": active}})
    return unit


@transaction.atomic
def add_type(tenant: Tenant, user, name: str) -> DocumentType:
    name = (name or "").strip()[:100]
    if not name:
        raise InboxError(_("Bitte einen Namen für die Dokumentart angeben."))
    kind, _created = DocumentType.objects.get_or_create(tenant=tenant, name=name)
    audit.log_data_event(tenant, user=user, action="inbox.type_added", details={"name": name})
    return kind


# --------------------------------------------------------------------------- models


def active_model(tenant: Tenant, target: str = RoutingModel.Target.UNIT) -> RoutingModel | None:
    return RoutingModel.objects.filter(tenant=tenant, target=target, active=True).first()


_loaded: dict[int, routing.Router] = {}


def load_router(model: RoutingModel) -> routing.Router:
    """The fitted router of a stored version (cached per row: versions never change)."""
    router = _loaded.get(model.pk)
    if router is None:
        router = routing.Router.from_bytes(model.blob)
        if len(_loaded) >= 4:  # bounded memory: a unit and a type model of a few tenants
            _loaded.pop(next(iter(_loaded)))
        _loaded[model.pk] = router
    return router


@transaction.atomic
def store_model(tenant: Tenant, router: routing.Router, *, target: str = "unit",
                source: str = "", n_items: int = 0, user=None) -> RoutingModel:
    """Save a fitted router as the next version and make it the active one."""
    last = (RoutingModel.objects.select_for_update().filter(tenant=tenant, target=target)
            .order_by("-version").first())
    RoutingModel.objects.filter(tenant=tenant, target=target, active=True).update(active=False)
    model = RoutingModel.objects.create(
        tenant=tenant, target=target, version=(last.version + 1) if last else 1,
        created_by=user, source=source[:200], n_items=n_items, labels=router.labels,
        evaluation=router.evaluation.as_json() if router.evaluation else {},
        threshold=router.threshold, blob=router.to_bytes(), active=True,
    )
    audit.log_data_event(tenant, user=user, system_actor="" if user else SYSTEM,
                         action="inbox.model_trained",
                         details={"model": model.label, "n_items": n_items,
                                  "evaluation": model.evaluation})
    return model


def train(tenant: Tenant, texts: Sequence[str], labels: Sequence[str], *, target: str = "unit",
          source: str = "", user=None) -> RoutingModel:
    """Fit and store a new version from (text, label) pairs decided by people."""
    pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True)
             if (t or "").strip() and (lab or "").strip()]
    if len(pairs) < 4:
        raise InboxError(_("Zu wenige bestätigte Beispiele zum Trainieren."))
    try:
        router = routing.Router.fit([t for t, _l in pairs], [lab for _t, lab in pairs])
    except ValueError as error:
        raise InboxError(str(error)) from error
    return store_model(tenant, router, target=target, source=source, n_items=len(pairs),
                       user=user)


def train_from_confirmed(tenant: Tenant, *, user=None) -> RoutingModel:
    """Retrain from this tenant's items a person decided on — never from automatic
    routings or pending suggestions (the model must not learn its own output)."""
    rows = list(Item.objects.filter(tenant=tenant, human_confirmed=True, unit__isnull=False)
                .values_list("text", "unit__code"))
    return train(tenant, [t for t, _c in rows], [c for _t, c in rows],
                 source="bestätigte Eingänge", user=user)


def train_types_from_confirmed(tenant: Tenant, *, user=None) -> RoutingModel:
    """The document-type model, from the types people set on confirmed items."""
    rows = list(Item.objects.filter(tenant=tenant, human_confirmed=True,
                                    doc_type__isnull=False)
                .values_list("text", "doc_type__name"))
    return train(tenant, [t for t, _n in rows], [n for _t, n in rows], target="type",
                 source="bestätigte Eingänge", user=user)


@transaction.atomic
def rollback(tenant: Tenant, version: int, *, target: str = "unit", user=None) -> RoutingModel:
    """Make an earlier version the active one again (the later ones stay stored)."""
    model = RoutingModel.objects.filter(tenant=tenant, target=target, version=version).first()
    if model is None:
        raise InboxError(_("Diese Modellversion gibt es nicht."))
    RoutingModel.objects.filter(tenant=tenant, target=target, active=True).update(active=False)
    model.active = True
    model.save(update_fields=["active"])
    audit.log_data_event(tenant, user=user, system_actor="" if user else SYSTEM,
                         action="inbox.model_rollback", details={"model": model.label})
    return model


# --------------------------------------------------------------------------- classifying


def classify(tenant: Tenant, texts: Sequence[str]) -> tuple[list[routing.Suggestion],
                                                            RoutingModel | None]:
    """Suggestions from the tenant's active model; cold start from unit descriptions when
    there is none (shown as such, always abstaining)."""
    model = active_model(tenant)
    if model is not None:
        return load_router(model).predict(texts), model
    units = {u.code: u.profile() for u in Unit.objects.filter(tenant=tenant, active=True)}
    if not units:
        return [routing.Suggestion(None, 0.0, True, [], cold_start=True) for _ in texts], None
    from aktenkundig.search.embedding import get_encoder

    return routing.cold_start(texts, units, get_encoder()), None


def similar_confirmed(tenant: Tenant, router: routing.Router, text: str, *,
                      limit: int = 3, pool: int = 500) -> list[dict]:
    """The most similar items people confirmed (evidence a person can check)."""
    rows = list(Item.objects.filter(tenant=tenant, human_confirmed=True)
                .order_by("-decided_at").values("pk", "title", "text", "unit__code")[:pool])
    if not rows:
        return []
    X = router.features.transform([r["text"] for r in rows])
    q = router.features.transform([text])
    sims = (X @ q.T).toarray().ravel()
    order = sims.argsort()[::-1][:limit]
    return [{"item": rows[i]["pk"], "title": rows[i]["title"][:200],
             "unit": rows[i]["unit__code"], "similarity": round(float(sims[i]), 3)}
            for i in order if sims[i] > 0]


# --------------------------------------------------------------------------- intake


@dataclass
class Incoming:
    data: bytes
    name: str
    channel: str
    source: str = ""
    source_key: str = ""


def _store_original(data: bytes, sha256: str, kind: str | None) -> str:
    """Content-addressed under ``inbox/`` (separate from documents' originals, whose
    clean-up only knows documents)."""
    suffix = KINDS[kind][0] if kind in KINDS else ".bin"
    name = f"inbox/{sha256}{suffix}"
    if default_storage.exists(name) and default_storage.size(name) == len(data):
        return name
    return default_storage.save(name, ContentFile(data))


def personal_data(tenant: Tenant, text: str) -> dict[str, int]:
    """Which kinds of personal data the privacy layer finds in the letter, and how
    often (counts only: the values stay in the text, which is access-controlled)."""
    from aktenkundig.privacy.detection import detect

    counts: dict[str, int] = {}
    for entity in detect(text[:20000], tenant):
        counts[entity.type] = counts.get(entity.type, 0) + 1
    return dict(sorted(counts.items()))


def receive(tenant: Tenant, incoming: Incoming, *, user=None) -> Item:
    """Take one incoming file: OCR/extract with the documents pipeline, store the
    original, suggest unit and type, and either route it (only where allowed) or put it
    into the queue. Returns the committed item."""
    ensure_defaults(tenant)
    if incoming.source_key:
        seen = Item.objects.filter(tenant=tenant, channel=incoming.channel,
                                   source_key=incoming.source_key).first()
        if seen is not None:
            return seen  # idempotent: a file or mail taken twice is one item
    data = incoming.data
    sha256 = hashlib.sha256(data).hexdigest()
    item = Item(tenant=tenant, received_at=timezone.now(), channel=incoming.channel,
                source=incoming.source[:500], source_key=incoming.source_key[:200],
                original_name=incoming.name[:300], sha256=sha256)
    kind = None
    try:
        if len(data) > documents.max_bytes():
            raise ExtractionError(documents.too_large_message(len(data)))
        kind = detect_kind(data, incoming.name)
        extracted = extract(data, incoming.name,
                            ocr_languages=config.get("AKTENKUNDIG_OCR_LANGUAGES"),
                            ocr_limits=documents.ocr_limits())
        item.text = extracted.text
        item.evidence = {"personal_data": personal_data(tenant, item.text)}
        item.title = (extracted.title or "")[:500]
        item.mime_type = extracted.mime_type
        item.page_count = extracted.page_count
    except Exception as error:  # any unreadable scan lands in the queue with a reason
        item.status = Status.FAILED
        item.error = documents.failure_reason(error) or _("Die Datei kann nicht gelesen werden.")
    if len(data) <= documents.max_bytes():
        item.original.name = _store_original(data, sha256, kind)
    with transaction.atomic():
        item.save()
        audit.log_data_event(
            tenant, user=user, system_actor="" if user else SYSTEM, action="inbox.received",
            details={"item": item.pk, "channel": item.channel, "sha256": sha256,
                     "name": item.original_name, "status": item.status},
        )
    if item.status != Status.FAILED:
        suggest(item)
        _announce(item)
    return item


def _announce(item: Item) -> None:
    """Tell the other intake steps (see :mod:`inbox.signals`); a failing step is
    logged, the item stays as it is."""
    for receiver, result in signals.item_received.send_robust(sender=Item, item=item):
        if isinstance(result, Exception):
            logger.error("inbox step %s failed for item %s: %s", getattr(receiver, "__name__",
                         receiver), item.pk, result, exc_info=result)


def add_evidence(item: Item, key: str, value) -> None:
    """Let another intake step attach what it found (e.g. a recognised form) to the
    item, for the item page; only this key of the evidence is written."""
    with transaction.atomic():
        fresh = Item.objects.select_for_update().get(pk=item.pk, tenant=item.tenant)
        fresh.evidence = {**fresh.evidence, key: value}
        fresh.save(update_fields=["evidence"])
    item.evidence = fresh.evidence


def suggest(item: Item) -> Item:
    """Attach the model's suggestion (if the feature is allowed) and route automatically
    where the tenant allows it and the measured precision is reached."""
    tenant = item.tenant
    allowed = policy.feature_enabled(tenant, FEATURE)
    if not allowed:
        item.evidence = {**item.evidence, "refused": allowed.reason}
        item.save(update_fields=["evidence"])
        return item
    started = timezone.now()
    (suggestion,), model = classify(tenant, [item.text])
    best = suggestion.candidates[0][0] if suggestion.candidates else None
    unit = Unit.objects.filter(tenant=tenant, code=best).first() if best else None
    evidence: dict = {**item.evidence, "cold_start": suggestion.cold_start,
                      "facts": understanding.facts(item.text)}
    if model is not None and best:
        router = load_router(model)
        evidence["terms"] = router.decisive_terms(item.text, best)
        evidence["similar"] = similar_confirmed(tenant, router, item.text)
        evidence["threshold"] = model.threshold
    item.suggested_unit = unit
    item.unit_probability = suggestion.probability if best else None
    item.abstained = suggestion.abstained
    item.cold_start = suggestion.cold_start
    item.candidates = [{"label": lab, "probability": round(p, 4)}
                       for lab, p in suggestion.candidates]
    item.evidence = evidence
    item.model_version = model
    type_model = active_model(tenant, RoutingModel.Target.TYPE)
    if type_model is not None:  # no cold start for types: only a measured model suggests
        (kind,) = load_router(type_model).predict([item.text])
        best_type = kind.candidates[0][0]
        item.suggested_type = DocumentType.objects.filter(tenant=tenant, name=best_type).first()
        item.type_probability = kind.probability if item.suggested_type else None
        evidence["type_model"] = type_model.label
    version = model.label if model else "inbox-cold-start"
    with transaction.atomic():
        if unit is not None:
            item.oversight = oversight.propose(
                tenant, FEATURE, suggestion={"unit": unit.code},
                confidence=min(max(item.unit_probability or 0.0, 0.0), 1.0),
                evidence=evidence.get("terms", []), case_ref=f"inbox-{item.pk}",
                subject=item.title[:300], unit=unit.code, model_version=version,
            )
        auto = (unit is not None and not suggestion.abstained and model is not None
                and settings_for(tenant).auto_route)
        if auto:
            item.status = Status.ROUTED
            item.unit = unit
        item.save()
        audit.log_ai_interaction(
            tenant, feature=FEATURE, backend="local", model="tfidf-linearsvm",
            model_version=version, input_text=item.text[:5000],
            output_text=unit.code if unit else "",
            latency_ms=(timezone.now() - started).total_seconds() * 1000,
            case_ref=f"inbox-{item.pk}", system_actor=SYSTEM,
            extra={"probability": item.unit_probability, "abstained": item.abstained,
                   "auto_routed": auto, "cold_start": item.cold_start},
        )
    if auto:
        deliver(item)
    return item


# --------------------------------------------------------------------------- decisions


def decide(item: Item, user, *, unit_code: str, type_name: str = "", reason: str = "") -> Item:
    """A person's decision: confirm the suggestion or reassign (a reason is required
    only for reassigning). Goes through governance.oversight when there is a
    suggestion; marks the item as human-confirmed (training data)."""
    from aktenkundig.accounts.services import membership_of

    membership = membership_of(user)
    if membership is None or membership.tenant_id != item.tenant_id:
        raise PermissionError(_("Dieser Eingang gehört nicht zu Ihrer Behörde."))
    unit = Unit.objects.filter(tenant=item.tenant, code=unit_code).first()
    if unit is None:
        raise InboxError(_("Diese Organisationseinheit gibt es nicht."))
    doc_type = None
    if type_name:
        doc_type = DocumentType.objects.filter(tenant=item.tenant, name=type_name).first()
        if doc_type is None:
            raise InboxError(_("Diese Dokumentart gibt es nicht."))
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk, tenant=item.tenant)
        if item.human_confirmed:
            raise InboxError(_("Über diesen Eingang ist schon entschieden."))
        accept = item.suggested_unit_id == unit.pk
        governed = item.oversight_id is not None and bool(
            policy.check_feature(user, item.tenant, FEATURE))
        if governed:
            try:
                oversight.decide(item.oversight, user, accept=accept, reason=reason,
                                 final_value=None if accept else {"unit": unit.code})
            except oversight.OversightError as error:
                raise InboxError(str(error)) from error
        else:
            # no AI suggestion, or the feature was switched off (kill switch) or is not
            # allowed for this person since: the work goes on without AI — a manual
            # decision, audited as such
            audit.log_human_action(item.tenant, user=user, action="inbox.assigned",
                                   feature=FEATURE, case_ref=f"inbox-{item.pk}",
                                   details={"item": item.pk, "unit": unit.code})
        item.unit = unit
        item.doc_type = doc_type or item.doc_type
        item.status = Status.CONFIRMED
        item.decided_by = user
        item.decided_at = timezone.now()
        item.human_confirmed = True
        item.save()
    deliver(item)
    return item


#: the most items one batch confirmation takes (one page of the queue)
MAX_BATCH = 200


def batch_confirmable(item: Item) -> bool:
    """May this item be confirmed together with others, without opening it?

    Only where a person could equally have let the machine route it: a measured model
    (no cold start) above its measured threshold (not abstained), the feature allowed.
    Items sampled for decide-first stay out: there the person must judge before seeing
    the suggestion, which a batch cannot do (countermeasure against automation bias).
    """
    return (item.status == Status.WAITING and not item.human_confirmed
            and item.suggested_unit_id is not None and not item.abstained
            and not item.cold_start and item.oversight is not None
            and oversight.suggestion_visible(item.oversight))


def confirm_batch(tenant: Tenant, user, item_ids: Iterable[int]) -> tuple[int, list[str]]:
    """Confirm the suggestions of several items at once (the queue's batch view). Each
    one is a decision of its own through :func:`decide` (oversight, audit, delivery);
    items that may not be batch-confirmed, or were decided meanwhile, are skipped with
    a reason. Returns (confirmed, problems)."""
    ids = list(dict.fromkeys(int(pk) for pk in item_ids))[:MAX_BATCH]
    items = (Item.objects.filter(tenant=tenant, pk__in=ids)
             .select_related("suggested_unit", "suggested_type", "oversight"))
    done, problems = 0, []
    for item in items:
        if not batch_confirmable(item):
            problems.append(_("%(item)s: bitte einzeln entscheiden.") % {
                "item": item.title or item.original_name or item.pk})
            continue
        try:
            decide(item, user, unit_code=item.suggested_unit.code,
                   type_name=item.suggested_type.name if item.suggested_type else "")
        except (InboxError, PermissionError) as error:
            problems.append(f"{item.title or item.pk}: {error}")
        else:
            done += 1
    return done, problems


def deliver(item: Item) -> None:
    """Hand the item to its unit: the unit's queue in the web app always; the unit's
    external target (webhook, folder) through inbox.delivery, retried with backoff."""
    from aktenkundig.inbox import delivery

    audit.log_data_event(item.tenant, system_actor=SYSTEM, action="inbox.delivered",
                         details={"item": item.pk, "unit": item.unit.code if item.unit else None,
                                  "target": "queue"})
    scheduled = delivery.schedule(item)
    if scheduled is not None:
        delivery.attempt(scheduled)


# --------------------------------------------------------------------------- boundaries


def _pdf_of(item: Item) -> bytes:
    if item.mime_type != "application/pdf" or not item.original.name:
        raise InboxError(_("Nur PDF-Scans lassen sich teilen oder zusammenführen."))
    with default_storage.open(item.original.name, "rb") as handle:
        return handle.read()


def _replace(tenant: Tenant, old: list[Item], parts: list[bytes], user, action: str) -> list[Item]:
    """Retire undecided items and take ``parts`` in as new ones (read, OCR, suggestion
    again: the text of a letter changed, so must the suggestion)."""
    current = Item.objects.filter(tenant=tenant, pk__in=[i.pk for i in old])
    if len(current) != len(old) or any(i.human_confirmed or i.status == Status.ROUTED
                                       for i in current):  # as stored now, not as passed
        raise InboxError(_("Über einen dieser Eingänge ist schon entschieden."))
    first = old[0]
    new = [receive(tenant, Incoming(part, f"{first.original_name.rsplit('.', 1)[0]}-{n}.pdf",
                                    first.channel, source=f"{first.source} · {action}"),
                   user=user)
           for n, part in enumerate(parts, start=1)]
    with transaction.atomic():
        for item in old:
            if item.oversight_id is not None:  # never decided: withdrawn with the item
                item.oversight.delete()
            item.delete()
        audit.log_data_event(tenant, user=user, action=f"inbox.{action}",
                             details={"old": [i.pk for i in old], "new": [i.pk for i in new]})
    return new


def split_item(item: Item, user, *, after_page: int) -> list[Item]:
    """A person moves a boundary into a letter: pages 1..after_page and the rest become
    two items."""
    from aktenkundig.inbox import splitting

    data = _pdf_of(item)
    pages = item.page_count or 0
    if not 1 <= after_page < pages:
        raise InboxError(_("Bitte eine Seite zwischen 1 und %(n)d wählen.") % {"n": pages - 1})
    parts = splitting.split_pdf(data, [splitting.Segment(list(range(after_page)), ""),
                                       splitting.Segment(list(range(after_page, pages)), "")])
    return _replace(item.tenant, [item], parts, user, "geteilt")


def merge_items(first: Item, second: Item, user) -> Item:
    """A person removes a boundary: two letters of one batch become one item."""
    import io

    import pypdfium2 as pdfium

    if first.tenant_id != second.tenant_id:
        raise PermissionError(_("Dieser Eingang gehört nicht zu Ihrer Behörde."))
    target = pdfium.PdfDocument.new()
    for item in (first, second):
        source = pdfium.PdfDocument(_pdf_of(item))
        target.import_pages(source)
        source.close()
    buffer = io.BytesIO()
    target.save(buffer)
    target.close()
    return _replace(first.tenant, [first, second], [buffer.getvalue()], user,
                    "zusammengeführt")[0]


# --------------------------------------------------------------------------- escalation


def escalate(tenant: Tenant, *, hours: int = 48) -> int:
    """Items waiting longer than ``hours`` whose suggested unit has a deputy are put in
    front of the deputy (the suggestion moves to the deputy; the original unit stays in
    the evidence). Returns how many. Audited as a system step, not a decision."""
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    waiting = (Item.objects.filter(tenant=tenant, status=Status.WAITING, received_at__lte=cutoff,
                                   suggested_unit__deputy__isnull=False)
               .exclude(evidence__has_key="escalated_from")
               .select_related("suggested_unit__deputy"))
    count = 0
    for item in waiting:
        original = item.suggested_unit
        with transaction.atomic():
            item.evidence = {**item.evidence, "escalated_from": original.code}
            item.suggested_unit = original.deputy
            item.save(update_fields=["evidence", "suggested_unit"])
            audit.log_data_event(tenant, system_actor=SYSTEM, action="inbox.escalated",
                                 details={"item": item.pk, "from": original.code,
                                          "to": original.deputy.code, "hours": hours})
        count += 1
    return count


# --------------------------------------------------------------------------- queue


def queue(tenant: Tenant, *, unit: str = "", doc_type: str = "", abstained: bool | None = None,
          older_than_hours: int | None = None, status: Iterable[str] = (Status.WAITING,
                                                                        Status.FAILED)):
    items = Item.objects.filter(tenant=tenant, status__in=list(status)).select_related(
        "suggested_unit", "suggested_type")
    if unit:
        items = items.filter(suggested_unit__code=unit)
    if doc_type:
        items = items.filter(suggested_type__name=doc_type)
    if abstained is not None:
        items = items.filter(abstained=abstained)
    if older_than_hours:
        items = items.filter(received_at__lte=timezone.now()
                             - dt.timedelta(hours=older_than_hours))
    return items.order_by("received_at", "pk")

"""Delivery of committed records to the specialist system (webhook).

Why signed: the receiving system must know the record comes from this
installation and was not changed on the way — the HMAC-SHA256 of
``timestamp.body`` with the form type's secret, in ``X-Aktenkundig-Signature``
(the timestamp in ``X-Aktenkundig-Timestamp`` lets the receiver refuse replays).
``X-Aktenkundig-Delivery`` (the submission id) lets it ignore duplicates, which
retries can produce when an answer is lost.

Why retries: specialist systems are down for maintenance at night. A failed
delivery (connection error, timeout, HTTP 5xx or 429) is retried with growing
pauses; 4xx other than 429 is not retried (the receiver refused the record and a
person must look). Every attempt is counted on the submission, the last error
kept, and success or final failure audited.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.utils import timezone

from aktenkundig.forms.models import Submission

ATTEMPTS = 4
PAUSES = (1.0, 4.0, 15.0)  # seconds before the 2nd, 3rd, 4th attempt
TIMEOUT = 10.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def deliver(submission: Submission, *, pauses: tuple[float, ...] | None = None,
            sleep=time.sleep) -> bool:
    """POST the committed record; True when the receiver accepted it (2xx)."""
    pauses = PAUSES if pauses is None else pauses
    import httpx

    from aktenkundig.forms import services
    from aktenkundig.governance import audit

    form_type = submission.form_type
    if not form_type.webhook_url or submission.status != Submission.Status.COMMITTED:
        return False
    body = json.dumps(services.record(submission), ensure_ascii=False,
                      sort_keys=True).encode()
    ok = False
    error = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            sleep(pauses[min(attempt - 1, len(pauses) - 1)])
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Aktenkundig-Timestamp": timestamp,
            "X-Aktenkundig-Delivery": str(submission.pk),
            "X-Aktenkundig-Signature": signature(form_type.webhook_secret, timestamp, body),
        }
        submission.delivery_attempts += 1
        try:
            response = httpx.post(form_type.webhook_url, content=body, headers=headers,
                                  timeout=TIMEOUT, follow_redirects=False)
        except httpx.HTTPError as problem:
            error = f"{type(problem).__name__}: {str(problem)[:200]}"
            continue
        if 200 <= response.status_code < 300:
            ok, error = True, ""
            break
        error = f"HTTP {response.status_code}"
        if response.status_code < 500 and response.status_code != 429:
            break  # refused: retrying will not help
    submission.delivery_error = error[:300]
    if ok:
        submission.delivered_at = timezone.now()
    submission.save(update_fields=["delivery_attempts", "delivery_error", "delivered_at"])
    audit.log_data_event(
        submission.tenant, action="forms.webhook", system_actor="forms-webhook",
        details={"submission": submission.pk, "ok": ok, "attempts": submission.delivery_attempts,
                 "error": error[:100]},
    )
    return ok

"""Form recognition as a step of the Posteingang (forms.intake): a form arriving in the
inbox becomes a submission waiting for review, a letter stays a letter, and the kill
switch of the forms feature leaves intake untouched. Real OCR, real recogniser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aktenkundig.forms.models import Submission
from aktenkundig.forms.tests.conftest import VALUES, filled, scan
from aktenkundig.governance import policy
from aktenkundig.inbox import services as inbox
from aktenkundig.inbox.models import Status
from aktenkundig.testing.accounts import approve_assistant
from aktenkundig.testing.pdf import text_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def both_features(tenant, registered):
    approve_assistant(tenant, "inbox")
    approve_assistant(tenant, "forms")
    return tenant


def receive(tenant, data: bytes, name: str):
    return inbox.receive(tenant, inbox.Incoming(data, name, "upload"))


def test_a_scanned_form_in_the_inbox_waits_for_review_and_is_linked(
        both_features, blank, sample_schema, client, staff_member):
    item = receive(both_features, scan(filled(blank, sample_schema), angle=1.0), "scan.jpg")
    submission = Submission.objects.get(tenant=both_features, inbox_item=item)
    assert submission.status == Submission.Status.OPEN and submission.source == "scan"
    assert submission.result["fields"]["Name"]["value"] == VALUES["Name"]
    assert submission.oversight_item is not None  # a person decides, as for uploads
    item.refresh_from_db()
    assert item.status != Status.FAILED  # it is still a letter in the queue, too
    assert item.evidence["form"]["submission"] == submission.pk
    client.force_login(staff_member)
    page = client.get(reverse("inbox:item", args=[item.pk])).content.decode()
    assert "Formular erkannt: hundesteuer" in page
    assert f'href="{reverse("forms:review", args=[submission.pk])}"' in page
    # recognising the same item again creates nothing new
    from aktenkundig.forms import intake

    assert intake.recognise(item) == submission.pk
    assert Submission.objects.filter(inbox_item=item).count() == 1


def test_a_filled_pdf_in_the_inbox_is_read_exactly(both_features, blank, sample_schema):
    item = receive(both_features, filled(blank, sample_schema), "antrag.pdf")
    submission = Submission.objects.get(inbox_item=item)
    assert submission.source == "acroform"
    assert submission.result["fields"]["IBAN"]["confidence"] == 1


def test_a_letter_is_no_form_and_gets_no_submission(both_features):
    letter = text_pdf([["Sehr geehrte Damen und Herren,",
                        "ich widerspreche dem Bescheid vom 3. Mai."]])
    item = receive(both_features, letter, "brief.pdf")
    assert item.status != Status.FAILED
    assert not Submission.objects.filter(inbox_item=item).exists()
    assert "form" not in item.evidence


def test_kill_switch_of_forms_leaves_intake_alone(both_features, blank, sample_schema,
                                                  ai_officer):
    policy.kill(both_features, "forms", ai_officer, reason="Test")
    item = receive(both_features, filled(blank, sample_schema), "antrag.pdf")
    assert item.pk and item.status != Status.FAILED
    assert not Submission.objects.filter(inbox_item=item).exists()


def test_forms_of_one_tenant_are_not_recognised_for_another(both_features, other_tenant,
                                                            blank, sample_schema):
    approve_assistant(other_tenant, "inbox")
    approve_assistant(other_tenant, "forms")
    item = receive(other_tenant, filled(blank, sample_schema), "antrag.pdf")
    assert not Submission.objects.filter(inbox_item=item).exists()
    assert not Submission.objects.filter(tenant=other_tenant).exists()

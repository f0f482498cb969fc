from django import template

from aktenkundig.citizen.language import (
    BINDING_NOTE,
    BINDING_NOTE_NO_CONTACT,
    direction,
    text_for,
)
from aktenkundig.citizen.language import label as _label

register = template.Library()


@register.filter
def binding_note(language: str) -> str:
    return text_for(BINDING_NOTE, language)


@register.filter
def binding_note_no_contact(language: str) -> str:
    return text_for(BINDING_NOTE_NO_CONTACT, language)


@register.filter
def text_direction(language: str) -> str:
    return direction(language)


@register.filter
def label(language: str, key: str) -> str:
    """One of the chat's own words in the citizen's language: ``{{ language|label:"sources" }}``."""
    return _label(language, key)

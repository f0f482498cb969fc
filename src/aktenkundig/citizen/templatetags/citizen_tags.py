from django import template

from aktenkundig.citizen.language import BINDING_NOTE, direction, text_for

register = template.Library()


@register.filter
def binding_note(language: str) -> str:
    return text_for(BINDING_NOTE, language)


@register.filter
def text_direction(language: str) -> str:
    return direction(language)

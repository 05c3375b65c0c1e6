"""``{% slot "name" arg ... %}``: where a page shows what a higher app fills in (see ``portal.slots``)."""

from django import template

from portal.slots import slot_render

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name: str, *args):
    return slot_render(name, context, *args)

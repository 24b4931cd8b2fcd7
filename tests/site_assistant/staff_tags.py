"""A custom block tag for tests: ``{% if_staff %}…{% endif_staff %}`` (a condition the
template source cannot read)."""

from django import template

register = template.Library()


class IfStaffNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        user = context.get("user")
        return self.nodelist.render(context) if getattr(user, "is_staff", False) else ""


@register.tag("if_staff")
def if_staff(parser, token):
    nodelist = parser.parse(("endif_staff",))
    parser.delete_first_token()
    return IfStaffNode(nodelist)

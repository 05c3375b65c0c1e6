"""Pages of the approvals app: the clerk's desk."""

from django.shortcuts import render

from departments.decorators import membership_required
from departments.selectors import membership_list
from portal.selectors import message_list


@membership_required()
def staff_desk(request):
    """Render the clerk's desk: the user's posts and the latest messages for them."""
    context = {
        "memberships": membership_list(user=request.user),
        "latest_messages": message_list(user=request.user)[:10],
    }
    return render(request, "approvals/staff_desk.html", context)

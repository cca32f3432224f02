"""Saved replies, the desk's reply templates: written only here, for the admin and the demo.

The template check is the model's `clean` (`disputes.replies.validate_template`), so the admin
form shows it as a field error before anything is saved; `saved_reply_save` runs it again with
every other model check, for callers without a form. Posting a filled-in reply is an ordinary
`message_post`: a saved reply grants nothing a typed message would not.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from disputes import policies
from disputes.models import SavedReply
from echo_disputes.errors import InvalidInput, NotFound

EDITABLE = ["title", "body", "visibility", "active"]


@transaction.atomic
def saved_reply_save(*, actor: User, reply: SavedReply) -> SavedReply:
    """Create `reply` (no pk) or store its edited fields, stamping who and when."""
    policies.saved_replies_require_manage(actor)
    now = timezone.now()
    creating = reply.pk is None
    if creating:
        reply.created_at, reply.created_by = now, actor
    elif not SavedReply.objects.select_for_update().filter(pk=reply.pk).exists():
        raise NotFound(_("Saved reply not found."), code="saved_reply_not_found")
    reply.updated_at, reply.updated_by = now, actor
    try:
        reply.full_clean()
    except ValidationError as error:
        raise InvalidInput(
            _("The saved reply is not valid."),
            details={field: list(messages) for field, messages in error.message_dict.items()},
        ) from None
    try:
        # A savepoint: the same title saved at the same moment by another agent passes the
        # check above and meets the unique index here.
        with transaction.atomic():
            if creating:
                reply.save(force_insert=True)
            else:
                reply.save(update_fields=[*EDITABLE, "updated_at", "updated_by"])
    except IntegrityError:
        taken = _("A saved reply with this title already exists.")
        raise InvalidInput(taken, details={"title": [taken]}) from None
    return reply


@transaction.atomic
def saved_reply_delete(*, actor: User, reply_id: int) -> None:
    policies.saved_replies_require_manage(actor)
    SavedReply.objects.filter(pk=reply_id).delete()

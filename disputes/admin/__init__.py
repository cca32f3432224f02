"""The support desk (docs/design.md §9): the dispute queue, the dispute page, bulk actions and
the dashboard.

Nothing here assigns a status or edits the thread: every field is read-only, there is no add or
delete, `save_model` writes nothing, and the forms and actions call `disputes.services`, which
check `disputes.policies` again. A refused move comes back as a DomainError and is shown as an
admin error message. Access is `accounts.policies.is_support_staff`, not Django's model
permissions (see `disputes.admin.base`).

`queue` is the changelist and its actions, `dispute_page` the change view, `filters`, `forms`,
`dashboard` and `export` what they say, `history` the thread and event-log lists, `order_inline`
the disputes on the order admin page, `saved_replies` the reply templates and the dispute page's
picker. This module only registers.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from disputes.admin.history import DisputeEventAdmin, MessageAdmin
from disputes.admin.queue import DisputeAdmin
from disputes.admin.saved_replies import SavedReplyAdmin
from disputes.models import Dispute, DisputeEvent, Message, SavedReply

admin.site.site_header = _("ECHO Disputes · support desk")
# The queue has nine columns; the app sidebar squeezed the deadline and activity columns out of a
# 1280 px screen. Breadcrumbs and the index page still link every model.
admin.site.enable_nav_sidebar = False
admin.site.site_title = _("ECHO support desk")
admin.site.index_title = _("Back office")

admin.site.register(Dispute, DisputeAdmin)
admin.site.register(Message, MessageAdmin)
admin.site.register(DisputeEvent, DisputeEventAdmin)
admin.site.register(SavedReply, SavedReplyAdmin)

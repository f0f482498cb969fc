"""Extension point of the Posteingang: other apps add steps to intake without the inbox
knowing them.

``item_received`` is sent once for every item that was read (not for unreadable scans),
after it is committed and has its routing suggestion. The forms app listens to recognise
official forms among the letters; a records system could listen to file them. The inbox
sends it with ``send_robust``: a failing step is logged and never loses the letter, which
is already stored and waiting in the queue.
"""

from __future__ import annotations

from django.dispatch import Signal

#: ``sender=Item, item=<the committed Item>``
item_received = Signal()

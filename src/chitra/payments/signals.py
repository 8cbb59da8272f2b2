"""What the payments context tells the contexts above it (DESIGN §5: it never imports them;
they listen)."""

from django.dispatch import Signal

# Sent inside the closing transaction, with ``cycle_id`` and ``actor``: a listener's failure
# undoes the close (the month's figures are counted as it closes, or it does not close).
cycle_closed = Signal()

# Sent once status files' transaction has committed, with ``cycle_ids`` (a sorted list: the
# cycles of the lines about our items, when the files moved any item): the figures of a cycle
# being reconciled are counted again, in the background. Never inside the files' transaction:
# a listener's failure is logged and undoes nothing (the files are in).
statuses_applied = Signal()

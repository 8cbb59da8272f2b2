"""What the payments context tells the contexts above it (DESIGN §5: it never imports them;
they listen)."""

from django.dispatch import Signal

# Sent inside the closing transaction, with ``cycle_id`` and ``actor``: a listener's failure
# undoes the close (the month's figures are counted as it closes, or it does not close).
cycle_closed = Signal()

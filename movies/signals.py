"""Signals the mirror sends; derived data elsewhere (the recommendation index) listens."""

from django.dispatch import Signal

# Sent once after a bulk change to the catalog commits (a sync, a details refresh, the demo load),
# never per movie. Receivers must be cheap: queue work, don't do it. A receiver that could not queue its
# work (the broker is down) handles that itself and returns one sentence saying so, else None; the
# commands print it.
catalog_changed = Signal()

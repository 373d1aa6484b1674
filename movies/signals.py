"""Signals the mirror sends; derived data elsewhere (the recommendation index) listens."""

from django.dispatch import Signal

# Sent once after a bulk change to the catalog commits (a sync, a details refresh, the demo load),
# never per movie. Receivers must be cheap: queue work, don't do it.
catalog_changed = Signal()

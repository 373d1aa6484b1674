"""Signals of the recommendations app, so that the modules sending them need not import the task module
(which imports them): `apps.ready` wires the receivers."""

from django.dispatch import Signal

# A request found the current index behind the catalog (sent at most once per check interval): queue a rebuild.
index_stale = Signal()

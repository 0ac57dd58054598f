"""Signals between domains, so a listener need not import the code that sends them."""

from blinker import Namespace

ouroboard_signals = Namespace()

# Sent after every commit that stored events, with events=[row, ...]; analytics listens to
# refresh its caches and live streams.
events_stored = ouroboard_signals.signal("events-stored")

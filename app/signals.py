"""Signals between domains, so a listener need not import the code that sends them."""

from blinker import Namespace

ouroboard_signals = Namespace()

# Sent after every commit that stored events, with events=[row, ...]; analytics listens to
# refresh its caches and live streams.
events_stored = ouroboard_signals.signal("events-stored")

# Sent after every commit that changed a person (traits, ids, or their events' stamped
# demographics), with project_id=...; analytics listens to drop answers that counted them.
people_changed = ouroboard_signals.signal("people-changed")

# Sent after a new account is stored, with user=User; projects listens to give the first
# account the instance and (in development and demo mode) new ones the self-tracking project.
user_registered = ouroboard_signals.signal("user-registered")

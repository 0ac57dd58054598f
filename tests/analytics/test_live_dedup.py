"""The live hub delivers a message id once, and remembers a bounded number of ids."""

from app.analytics.live import HISTORY_LENGTH, LiveHub


def test_a_message_id_is_delivered_once_and_old_ids_are_forgotten(app):
    hub = LiveHub(app)
    hub.deliver(1, ["signup"], 1, message_id="first")
    hub.deliver(1, ["signup"], 1, message_id="first")  # its echo through Redis
    assert hub.latest_seq == 1
    remembered = HISTORY_LENGTH * 4
    for number in range(remembered):
        hub.deliver(1, ["page_view"], 1, message_id=f"m{number}")
    assert hub.latest_seq == 1 + remembered
    assert len(hub.seen_ids) == len(hub.seen_id_set) == remembered
    hub.deliver(1, ["signup"], 1, message_id="first")  # forgotten by now: delivered again
    hub.deliver(1, ["page_view"], 1, message_id=f"m{remembered - 1}")  # still known
    assert hub.latest_seq == 2 + remembered

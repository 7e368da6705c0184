"""The declared domain events: each has its documentation and someone listening."""

from blinker import NamedSignal

from portal import signals, wiring


def _declared() -> dict[str, NamedSignal]:
    return {name: value for name, value in vars(signals).items()
            if isinstance(value, NamedSignal)}


def test_every_signal_says_what_it_means_and_who_sends_it():
    for name, signal in _declared().items():
        assert signal.__doc__ and "Sender:" in signal.__doc__, name


def test_every_signal_has_a_receiver_connected_at_start_up(app):
    silent = [name for name, signal in _declared().items() if not signal.receivers]
    assert not silent, f"declared but nobody listens: {silent}"


def test_connecting_again_adds_no_second_receiver(app):
    before = {name: len(signal.receivers) for name, signal in _declared().items()}
    wiring.connect()
    assert {name: len(signal.receivers) for name, signal in _declared().items()} == before

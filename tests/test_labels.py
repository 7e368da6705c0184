"""Every stored value the portal shows reads as words, in Chinese and in English."""

import pytest
from flask_babel import force_locale

import portal.models  # noqa: F401 - every model module, so every labelled enum exists
from portal.labels import Labelled
from scheduling import reminders


def _labelled() -> list[type[Labelled]]:
    found, queue = [], list(Labelled.__subclasses__())
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue += cls.__subclasses__()
    return found


def test_the_portals_labelled_enums_are_all_found():
    names = {cls.__name__ for cls in _labelled()}
    assert {"Category", "Status", "ConferenceState", "Answer", "Role", "OrgKind", "JobState",
            "VersionStatus", "OutboxStatus", "VoteChoice", "AgreementState"} <= names


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_member_of_every_labelled_enum_has_a_label(app, locale):
    with app.test_request_context(), force_locale(locale):
        for cls in _labelled():
            for member in cls:
                label = member.label
                assert label and label != member.value, (cls.__name__, member)
                if locale == "zh_CN":
                    assert any("\u4e00" <= ch <= "\u9fff" for ch in label), (member, label)


@pytest.mark.parametrize("library, portal_name", [
    (reminders.ConferenceState, "ConferenceState"), (reminders.Answer, "Answer")])
def test_the_scheduling_library_knows_the_same_states_and_answers(library, portal_name):
    """The library cannot import the portal; what it plans from must be the portal's values."""
    from portal.conferences import models

    assert [m.value for m in library] == [m.value for m in getattr(models, portal_name)]

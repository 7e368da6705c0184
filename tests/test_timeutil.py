"""Dates and times read the same on every page: 2026年12月4日（星期五）14:30–16:30（北京时间）."""

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from portal.timeutil import format_day, format_moment, format_span, zone_label

# 14:30 and 16:30 in Beijing on Friday 4 December 2026.
STARTS = datetime(2026, 12, 4, 6, 30, tzinfo=UTC)
ENDS = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)


@pytest.fixture
def chinese(app):
    with app.test_request_context(), force_locale("zh_CN"):
        yield


def test_a_meeting_on_one_day_names_the_day_once(chinese):
    assert format_span(STARTS, ENDS, "Asia/Shanghai") == (
        "2026年12月4日（星期五）14:30–16:30（北京时间）")


def test_a_meeting_over_two_days_names_both(chinese):
    ends = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    assert format_span(STARTS, ends, "Asia/Shanghai") == (
        "2026年12月4日（星期五）14:30 – 2026年12月5日（星期六）09:00（北京时间）")


def test_an_instant_reads_in_the_same_shape(chinese):
    assert format_moment(STARTS, "Asia/Shanghai") == "2026年12月4日（星期五）14:30（北京时间）"
    assert format_day(date(2026, 12, 4)) == "2026年12月4日（星期五）"


def test_other_zones_keep_their_name_and_their_own_clock(chinese):
    assert zone_label("Europe/Berlin") == "Europe/Berlin"
    assert format_moment(STARTS, "Europe/Berlin") == "2026年12月4日（星期五）07:30（Europe/Berlin）"


def test_english_reads_naturally(app):
    with app.test_request_context(), force_locale("en"):
        assert format_span(STARTS, ENDS, "Asia/Shanghai") == (
            "Fri 4 Dec 2026, 14:30–16:30 (Beijing time)")


def test_every_page_filter_uses_the_one_format(chinese, app):
    render = app.jinja_env.from_string(
        "{{ a|localtime('full') }}|{{ a|localtime }}|{{ a|timespan(b) }}|{{ none|localtime }}")
    full, short, span, empty = render.render(a=STARTS, b=ENDS).split("|")
    assert full == short == "2026年12月4日（星期五）14:30（北京时间）"
    assert span == "2026年12月4日（星期五）14:30–16:30（北京时间）" and empty == "—"

"""Numbers and dates beyond what the database holds are "not found" or "not valid"."""

import pytest

from portal.bounds import MAX_ID, page_number, record_id
from portal.orgs.models import Role


@pytest.mark.parametrize("ident", [str(2**63), str(2**31), str(MAX_ID + 1)])
def test_the_public_calendar_feed_answers_404_for_impossible_ids(client, ident):
    assert client.get(f"/calendar/feed/{ident}/abc.ics").status_code == 404


def test_a_report_for_year_zero_is_refused_with_a_message(client, make, login):
    login(make.user(Role.ADMIN))
    page = client.post("/statistics/reports", data={"month": "0000-01"},
                       follow_redirects=True)
    assert page.status_code == 200 and "YYYY-MM" in page.get_data(as_text=True)


def test_page_numbers_and_ids_are_bounded():
    assert page_number(str(2**63)) == 100_000 and page_number("-3") == 1
    assert page_number("²") == 1
    assert record_id(str(MAX_ID)) == MAX_ID
    for bad in (str(MAX_ID + 1), "0", "-1", "²", "١٢", "1e3"):
        with pytest.raises(ValueError):
            record_id(bad)

"""Free-text search: indexed on both databases, short Chinese words too, ranked and marked."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.disputes import search, services
from portal.disputes.models import Dispute, PartyRole
from portal.extensions import db
from portal.orgs.models import Role


def _found(q: str, user=None) -> list[str]:
    from portal.disputes.policy import visible_to

    found = search.matches(q, db.engine.dialect.name)
    statement = (sa.select(Dispute.title).join(found, found.c.dispute_id == Dispute.id)
                 .order_by(found.c.score, Dispute.id))
    if user is not None:
        statement = statement.where(visible_to(user))
    return list(db.session.scalars(statement))


def _party(name: str) -> list:
    return [services.PartyInput(name, PartyRole.APPLICANT)]


def test_two_character_words_and_surnames_are_found(make):
    make.dispute(title="拖欠工资", description="工地欠薪三个月", parties=_party("王建国"))
    make.dispute(title="噪音扰邻", description="夜间装修", parties=_party("李四"))
    assert _found("欠薪") == ["拖欠工资"]
    assert _found("王") == ["拖欠工资"]
    assert _found("建国") == ["拖欠工资"]
    assert _found("欠工") == ["拖欠工资"]
    assert _found("薪拖") == []


def test_longer_queries_match_anywhere_in_the_text_in_any_case(make):
    make.dispute(title="Debt of ACME Ltd", description="借款到期未还，多次催要未果",
                 external_ref="GPSJ-2026-77")
    make.dispute(title="噪音扰邻", description="夜间装修")
    assert _found("多次催要") == ["Debt of ACME Ltd"]
    assert _found("acme ltd") == ["Debt of ACME Ltd"]
    assert _found("gpsj-2026-77") == ["Debt of ACME Ltd"]
    assert _found("100%") == []


def test_reference_finds_its_dispute(make):
    dispute = make.dispute(title="边界")
    make.dispute(title="其他")
    assert _found(dispute.reference) == ["边界"]


def test_matches_in_the_title_rank_before_matches_in_the_description(make):
    make.dispute(title="邻里琐事", description="起因是宅基地边界不清")
    make.dispute(title="宅基地边界纠纷", description="两户争执")
    assert _found("宅基地边界") == ["宅基地边界纠纷", "邻里琐事"]
    assert _found("边界") == ["宅基地边界纠纷", "邻里琐事"]


def test_search_follows_edits_of_the_title_and_the_parties(make):
    reporter = make.user(Role.CONVENER)
    dispute = make.dispute(reporter=reporter, title="旧标题", parties=_party("赵六"))
    data = services.DisputeInput(
        title="新的标题", category=dispute.category, village_id=dispute.village_id,
        source=dispute.source, description=dispute.description, parties=_party("钱七"))
    services.update_dispute(reporter, dispute, data)
    assert _found("旧标题") == [] and _found("新的标题") == ["新的标题"]
    assert _found("赵六") == [] and _found("钱七") == ["新的标题"]


def test_search_keeps_to_what_the_user_may_see(make):
    grid = make.user(Role.GRID_WORKER)
    make.dispute(village=make.village(grid_worker=grid), title="本村欠薪")
    make.dispute(title="外村欠薪")
    assert _found("欠薪", grid) == ["本村欠薪"]
    assert sorted(_found("欠薪", make.user(Role.CONVENER))) == ["外村欠薪", "本村欠薪"]


def _plan(q: str) -> str:
    found = search.matches(q, db.engine.dialect.name)
    statement = sa.select(Dispute.id).join(found, found.c.dispute_id == Dispute.id)
    compiled = statement.compile(db.engine)
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        parameters = tuple(compiled.params[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters)
        return " | ".join(row[-1] for row in rows)
    # A table of a few rows is cheapest to walk in any order: ask whether the search *can*
    # be answered from its index, as it is at scale (bench/bench_province.py).
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    return " | ".join(row[0] for row in rows)


def test_search_reads_an_index_for_long_and_short_queries(make):
    make.dispute(title="拖欠工资")
    long_plan, short_plan = _plan("拖欠工资"), _plan("欠薪")
    if db.engine.dialect.name == "sqlite":
        assert "VIRTUAL TABLE INDEX" in long_plan and "dispute_search_fts" in long_plan
        assert "VIRTUAL TABLE INDEX" in short_plan and "dispute_grams_fts" in short_plan
        assert "SCAN disputes" not in long_plan + short_plan
    else:
        assert "ix_dispute_search_head_trgm" in long_plan
        assert "ix_dispute_search_grams" in short_plan


def test_list_page_marks_the_words_found(client, make, login):
    login(make.user(Role.CONVENER))
    make.dispute(title="拖欠工资纠纷", description="工地老板欠薪三个月未付")
    page = client.get("/disputes/?q=欠薪").get_data(as_text=True)
    assert "<mark>欠薪</mark>三个月" in page
    page = client.get("/disputes/?q=工资").get_data(as_text=True)
    assert "拖欠<mark>工资</mark>纠纷" in page and 'value="relevance" selected' in page


def test_highlight_escapes_the_text():
    assert str(search.highlight("<b>欠薪</b>", "欠薪")) == "&lt;b&gt;<mark>欠薪</mark>&lt;/b&gt;"


# The list asks each rank for the rows up to its page, read either by walking the list's
# order (a common word) or by looking each match up (a rare one): both must list the same.
@pytest.fixture(params=["rare", "common"])
def word_is(request, monkeypatch):
    monkeypatch.setattr(search, "COMMON", 10**9 if request.param == "rare" else 1)
    return request.param


def _titles(page: str) -> list[str]:
    return re.findall(r'data-testid="dispute-title">(.*?)</a>', page)


def test_a_two_character_query_lists_the_surname_and_the_title_word(client, make, login,
                                                                    word_is):
    login(make.user(Role.CONVENER))
    make.dispute(title="借款纠纷", parties=_party("欧阳明"))
    make.dispute(title="欧阳村道路占用", parties=_party("李四"))
    make.dispute(title="噪音扰邻", parties=_party("王五"))
    page = client.get("/disputes/?q=欧阳").get_data(as_text=True)
    assert sorted(_titles(page)) == ["<mark>欧阳</mark>村道路占用", "借款纠纷"]
    assert "共 2 条" in page


def test_a_match_only_in_a_long_description_is_listed_after_the_head_matches(
        client, make, login, app, monkeypatch, word_is):
    monkeypatch.setitem(app.config, "PORTAL_PAGE_SIZE", 2)
    login(make.user(Role.CONVENER))
    for title in ("欠薪一", "欠薪二", "欠薪三"):
        make.dispute(title=title, description="工地老板拖延结算")
    long = "起因复杂，" * 400 + "包工头欠薪后失联" + "，村委会多次调解" * 300
    make.dispute(title="工程款纠纷", description=long)
    first = client.get("/disputes/?q=欠薪").get_data(as_text=True)
    second = client.get("/disputes/?q=欠薪&page=2").get_data(as_text=True)
    assert _titles(first) == ["<mark>欠薪</mark>三", "<mark>欠薪</mark>二"]
    assert _titles(second) == ["<mark>欠薪</mark>一", "工程款纠纷"]
    assert "包工头<mark>欠薪</mark>后失联" in second and "共 4 条" in second
    newest = client.get("/disputes/?q=欠薪&sort=-reported_at").get_data(as_text=True)
    assert _titles(newest)[0] == "工程款纠纷"


def test_a_longer_query_ranks_the_title_first_on_the_list(client, make, login, word_is):
    login(make.user(Role.CONVENER))
    make.dispute(title="宅基地边界纠纷", description="两户争执")
    make.dispute(title="邻里琐事", description="起因是宅基地边界不清")
    page = client.get("/disputes/?q=宅基地边界").get_data(as_text=True)
    assert _titles(page) == ["<mark>宅基地边界</mark>纠纷", "邻里琐事"]
    assert "起因是<mark>宅基地边界</mark>不清" in page


def test_a_grid_worker_finds_and_counts_only_the_disputes_they_may_see(client, make, login,
                                                                     word_is):
    grid = make.user(Role.GRID_WORKER)
    own = make.village(grid_worker=grid)
    make.dispute(village=own, title="本村欠薪")
    make.dispute(village=own, title="本村噪音", description="邻居欠薪后搬走")
    make.dispute(title="外村欠薪")
    make.dispute(title="外村纠纷", description="欠薪")
    login(grid)
    page = client.get("/disputes/?q=欠薪").get_data(as_text=True)
    assert _titles(page) == ["本村<mark>欠薪</mark>", "本村噪音"] and "共 2 条" in page

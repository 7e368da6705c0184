import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.conferences.models import Conference, ConferenceState, InviteeGroup
from portal.disputes import services
from portal.disputes.models import Category, DisputeEvent, Referral, Status
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from tests.transactions import refused


@pytest.fixture
def convener(make):
    return make.user(Role.CONVENER)


def test_reference_numbers_follow_the_station_style_without_gaps(make):
    first = make.dispute()
    second = make.dispute()
    year = first.year
    assert first.reference == f"南城矛〔{year}〕0001号"
    assert second.reference == f"南城矛〔{year}〕0002号"


def test_failed_creation_gives_its_number_back(make):
    first = make.dispute()
    with refused(DomainError):
        make.dispute(village=None, title=" ")
    third = make.dispute()
    assert third.serial == first.serial + 1


def test_creation_writes_timeline_and_audit(make):
    dispute = make.dispute()
    assert [e.action for e in dispute.events] == ["reported"]
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="dispute.reported"))
    assert event.object_id == str(dispute.id) and dispute.reference in event.changes


@pytest.mark.parametrize("change, field", [
    ({"amount": -5}, "amount"),
    ({"tier": 4}, "tier"),
    ({"parties": []}, "parties"),
])
def test_bad_input_is_refused_and_nothing_is_written(make, change, field):
    reporter = make.user(Role.GRID_WORKER)
    village = make.village()
    before = db.session.scalar(sa.select(sa.func.count(DisputeEvent.id)))
    values = dict(title="t", category=Category.NEIGHBOUR, village_id=village.id,
                  source=services.Source.WALK_IN, description="d",
                  parties=[services.PartyInput("王五", services.PartyRole.APPLICANT)])
    values.update(change)
    if values["parties"] == []:
        values["parties"] = []
    with refused(DomainError) as refusal:
        services.create_dispute(reporter, services.DisputeInput(**values))
    assert refusal.value.field == field
    assert db.session.scalar(sa.select(sa.func.count(DisputeEvent.id))) == before


def test_future_occurrence_date_is_refused(make):
    from datetime import timedelta

    tomorrow = services.local_today() + timedelta(days=1)
    with pytest.raises(DomainError, match="不能晚于今天"):
        make.dispute(occurred_on=tomorrow)


def test_unknown_village_is_refused(make):
    reporter = make.user(Role.GRID_WORKER)
    with pytest.raises(DomainError) as refused:
        services.create_dispute(reporter, services.DisputeInput(
            title="t", category=Category.NEIGHBOUR, village_id=999999,
            source=services.Source.WALK_IN, description="d",
            parties=[services.PartyInput("王五", services.PartyRole.APPLICANT)]))
    assert refused.value.field == "village_id"


def test_observer_cannot_register_disputes(make):
    with pytest.raises(NotAllowed):
        make.dispute(reporter=make.user(Role.OBSERVER))


def test_tier_one_loop_from_report_to_close(make, convener):
    grid = make.user(Role.GRID_WORKER)
    dispute = make.dispute(reporter=grid)
    services.take_over(grid, dispute)
    services.handle(grid, dispute, "现场劝解，双方同意重新测量")
    assert dispute.status is Status.HANDLING
    services.resolve(grid, dispute, "双方按测量结果确认边界")
    with pytest.raises(DomainError, match="反馈"):
        services.close(grid, dispute)
    services.record_feedback(grid, dispute, "phone", "电话告知双方结果", "satisfied")
    services.close(grid, dispute)
    assert dispute.status is Status.CLOSED and dispute.closed_at is not None
    actions = [e.action for e in dispute.events]
    assert actions == ["reported", "taken_over", "handled", "resolved", "feedback", "closed"]
    assert all(e.actor_id == grid.id for e in dispute.events)
    audited = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "Dispute")).all()
    assert {"dispute.handled", "dispute.resolved", "dispute.closed"} <= set(audited)


def test_referral_records_the_receiving_body(make, convener):
    dispute = make.dispute()
    services.assign(convener, dispute, convener)
    services.handle(convener, dispute, "调解未果")
    services.refer(convener, dispute, Referral.LITIGATION, "高平市人民法院",
                   "(2026)晋0581民初123号")
    assert dispute.status is Status.REFERRED
    assert dispute.referral_body == "高平市人民法院"


@pytest.mark.parametrize("action, call", [
    ("resolve", lambda u, d: services.resolve(u, d, "x")),
    ("refer", lambda u, d: services.refer(u, d, Referral.ARBITRATION, "仲裁委", "")),
    ("feedback", lambda u, d: services.record_feedback(u, d, "phone", "x", "neutral")),
    ("close", lambda u, d: services.close(u, d)),
    ("reopen", lambda u, d: services.reopen(u, d, "x")),
])
def test_illegal_transitions_from_reported_are_refused(make, convener, action, call):
    dispute = make.dispute()
    with refused(DomainError) as refusal:
        call(convener, dispute)
    assert "不能" in refusal.value.message or "cannot" in refusal.value.message
    assert db.session.get(type(dispute), dispute.id).status is Status.REPORTED


def test_escalation_needs_a_reason_and_a_higher_tier(make, convener):
    dispute = make.dispute(tier=2)
    with pytest.raises(DomainError):
        services.escalate(convener, dispute, 3, "  ")
    with pytest.raises(DomainError):
        services.escalate(convener, dispute, 2, "原因")
    assert dispute.tier == 2


def test_only_handler_or_convener_may_work_a_dispute(make):
    dispute = make.dispute()
    stranger = make.user(Role.MEDIATOR)
    with pytest.raises(NotAllowed):
        services.handle(stranger, dispute, "x")
    with pytest.raises(NotAllowed):
        services.assign(stranger, dispute, stranger)


def test_tier_three_is_not_handled_on_site(make, convener):
    dispute = make.dispute(tier=3)
    services.assign(convener, dispute, convener)
    with pytest.raises(DomainError, match="联席会商"):
        services.handle(convener, dispute, "x")


def test_reopen_puts_a_closed_dispute_back_to_work(make, convener):
    dispute = make.dispute()
    services.assign(convener, dispute, convener)
    services.handle(convener, dispute, "x")
    services.resolve(convener, dispute, "y")
    services.record_feedback(convener, dispute, "visit", "上门告知", "satisfied")
    services.close(convener, dispute)
    services.reopen(convener, dispute, "一方反悔")
    assert dispute.status is Status.HANDLING and dispute.feedback_at is None


EXPECTED_SECTOR = {
    Category.LABOUR_WAGES: OrgKind.LABOUR_ARBITRATION,
    Category.LAND_FOREST: OrgKind.NATURAL_RESOURCES,
    Category.ENVIRONMENTAL_POLLUTION: OrgKind.ECOLOGY_ENVIRONMENT,
    Category.MARRIAGE_FAMILY: OrgKind.WOMENS_FEDERATION,
    Category.TRAFFIC_ACCIDENT: OrgKind.TRAFFIC_POLICE,
    Category.CONSTRUCTION_PROPERTY: OrgKind.HOUSING_CONSTRUCTION,
    Category.CONSUMER_QUALITY: OrgKind.QUALITY_SUPERVISION,
    Category.MEDICAL: OrgKind.HEALTH_SPORTS,
    Category.EDUCATION_CAMPUS: OrgKind.EDUCATION,
    Category.NEIGHBOUR: None,
    Category.DEBT_CONTRACT: None,
    Category.OTHER: None,
}


@pytest.mark.parametrize("category", list(Category))
def test_escalation_to_tier_three_suggests_heads_sector_and_village_people(
        make, convener, category):
    bodies = make.bodies()
    grid, police, lawyer = (make.user(Role.GRID_WORKER), make.user(Role.COMMUNITY_POLICE),
                            make.user(Role.LAWYER))
    village = make.village(grid_worker=grid, community_police=police, resident_lawyer=lawyer)
    dispute = make.dispute(village=village, category=category)
    services.assign(convener, dispute, convener)
    conference = services.escalate(convener, dispute, 3, "涉及多个部门")
    assert dispute.status is Status.ESCALATED and dispute.tier == 3
    assert conference.state is ConferenceState.DRAFT
    required = {i.organisation.kind for i in conference.invitations if i.required}
    expected = {OrgKind.COURT, OrgKind.JUDICIAL_BUREAU, OrgKind.POLICE_STATION}
    if EXPECTED_SECTOR[category]:
        expected.add(EXPECTED_SECTOR[category])
    assert required == expected
    sector = EXPECTED_SECTOR[category]
    if sector:
        assert bodies[sector].id in {i.organisation_id for i in conference.invitations}
    people = {(i.group, i.user_id) for i in conference.invitations if i.user_id}
    assert people == {(InviteeGroup.VILLAGE, grid.id), (InviteeGroup.VILLAGE, police.id),
                      (InviteeGroup.LAWYER, lawyer.id)}


def test_admin_edited_sector_table_changes_suggestions(make, convener):
    make.bodies()
    admin = make.user(Role.ADMIN)
    services.set_category_sectors(admin, {Category.NEIGHBOUR: {OrgKind.HOUSING_CONSTRUCTION}})
    dispute = make.dispute(category=Category.NEIGHBOUR)
    services.assign(convener, dispute, convener)
    conference = services.escalate(convener, dispute, 3, "房屋相邻关系")
    sectors = {i.organisation.kind for i in conference.invitations
               if i.group is InviteeGroup.SECTOR}
    assert sectors == {OrgKind.HOUSING_CONSTRUCTION}


def test_escalating_twice_does_not_open_a_second_conference(make, convener):
    make.bodies()
    dispute = make.dispute(tier=1)
    services.assign(convener, dispute, convener)
    services.escalate(convener, dispute, 3, "a")
    with pytest.raises(DomainError):
        services.escalate(convener, dispute, 3, "b")
    count = db.session.scalar(sa.select(sa.func.count(Conference.id)))
    assert count == 1


def test_village_community_police_escalates_without_taking_over(make, convener):
    make.bodies()
    police = make.user(Role.COMMUNITY_POLICE)
    village = make.village(community_police=police)
    dispute = make.dispute(village=village)
    services.assign(convener, dispute, make.user(Role.GRID_WORKER))
    handler = dispute.handler
    assert "escalate" in services.allowed_actions(police, dispute)
    conference = services.escalate(police, dispute, 3, "涉及多个部门，需联席会商")
    assert dispute.status is Status.ESCALATED and dispute.handler == handler
    assert conference.state is ConferenceState.DRAFT


def test_community_police_of_another_village_may_not_escalate(make, convener):
    police = make.user(Role.COMMUNITY_POLICE)
    make.village(community_police=police)
    dispute = make.dispute(village=make.village(), reporter=police)
    assert "escalate" not in services.allowed_actions(police, dispute)
    with pytest.raises(NotAllowed):
        services.escalate(police, dispute, 2, "复杂")


def test_a_construction_site_wage_case_also_calls_for_housing_and_construction(make, convener):
    from portal.disputes.models import Subcategory

    make.bodies()
    dispute = make.dispute(category=Category.LABOUR_WAGES,
                           subcategory=Subcategory.CONSTRUCTION_SITE_WAGES)
    services.assign(convener, dispute, convener)
    conference = services.escalate(convener, dispute, 3, "工地欠薪，涉及总包单位")
    sectors = {i.organisation.kind for i in conference.invitations
               if i.group is InviteeGroup.SECTOR}
    assert sectors == {OrgKind.LABOUR_ARBITRATION, OrgKind.HOUSING_CONSTRUCTION}
    assert all(i.required for i in conference.invitations if i.group is InviteeGroup.SECTOR)


def test_a_category_may_call_for_several_bodies_and_a_sub_category_adds_more(make, convener):
    from portal.disputes.models import Subcategory

    make.bodies()
    admin = make.user(Role.ADMIN)
    services.set_category_sectors(admin, {
        Category.CONSTRUCTION_PROPERTY: {OrgKind.HOUSING_CONSTRUCTION, OrgKind.NATURAL_RESOURCES},
        Subcategory.HOUSE_QUALITY: {OrgKind.QUALITY_SUPERVISION}})
    plain = make.dispute(category=Category.CONSTRUCTION_PROPERTY)
    refined = make.dispute(category=Category.CONSTRUCTION_PROPERTY,
                           subcategory=Subcategory.HOUSE_QUALITY)
    found = []
    for dispute in (plain, refined):
        services.assign(convener, dispute, convener)
        conference = services.escalate(convener, dispute, 3, "房屋纠纷")
        found.append({i.organisation.kind for i in conference.invitations
                      if i.group is InviteeGroup.SECTOR})
    assert found == [{OrgKind.HOUSING_CONSTRUCTION, OrgKind.NATURAL_RESOURCES},
                     {OrgKind.HOUSING_CONSTRUCTION, OrgKind.NATURAL_RESOURCES,
                      OrgKind.QUALITY_SUPERVISION}]


def test_a_sub_category_of_another_category_is_refused(make):
    from portal.disputes.models import Subcategory

    with pytest.raises(DomainError) as refused:
        make.dispute(category=Category.NEIGHBOUR, subcategory=Subcategory.HOMESTEAD)
    assert refused.value.field == "subcategory"

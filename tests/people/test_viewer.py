from checkin.people.viewer import MIN_GROUP, OPERATOR, Viewer


def test_operator_sees_everything():
    assert OPERATOR.is_admin
    assert OPERATOR.may_see_checkin(1)
    assert OPERATOR.may_see_member("U1")


def test_member_sees_only_themselves():
    me = Viewer(role="member", slack_id="U1")
    assert me.may_see_member("U1")
    assert not me.may_see_member("U2")
    assert not me.may_see_checkin(1)


def test_lead_sees_their_checkins_members():
    lead = Viewer(role="lead", slack_id="U9", lead_of=frozenset({2}))
    assert lead.may_see_checkin(2)
    assert lead.may_see_member("U1", checkin_id=2)
    assert not lead.may_see_member("U1", checkin_id=3)


def test_min_group_never_below_three():
    assert Viewer(role="member", slack_id="U1", min_group=1).min_group == MIN_GROUP


def test_key_differs_by_person():
    assert Viewer(role="member", slack_id="U1").key != Viewer(role="member", slack_id="U2").key


def test_small_groups_are_hidden_from_members_and_from_leads_outside_their_checkins():
    member = Viewer(role="member", slack_id="U1")
    lead = Viewer(role="lead", slack_id="U9", lead_of=frozenset({2}))
    assert member.suppresses(2) and member.suppresses(None)
    assert not lead.suppresses(2) and lead.suppresses(3) and lead.suppresses(None)
    assert not OPERATOR.suppresses(None)


def test_feedback_results_for_subject_requester_and_admins_only():
    assert Viewer(role="member", slack_id="U1").may_see_feedback("U1", "U7")
    assert Viewer(role="member", slack_id="U7").may_see_feedback("U1", "U7")
    assert not Viewer(role="member", slack_id="U2").may_see_feedback("U1", "U7")
    assert not Viewer(role="lead", slack_id="U2", lead_of=frozenset({1})).may_see_feedback(
        "U1", None
    )
    assert OPERATOR.may_see_feedback("U1", "U7") and OPERATOR.is_operator
    assert not Viewer(role="admin", slack_id="U3").is_operator

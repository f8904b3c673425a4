from checkin.viewer import MIN_GROUP, OPERATOR, Viewer


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

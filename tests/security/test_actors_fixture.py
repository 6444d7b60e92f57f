"""The shared ``actors`` fixture gives real, signed-in accounts with the seeded role permissions."""


def test_each_role_has_its_seeded_permissions(actors):
    assert actors["technician"].can("prescription.enter")
    assert not actors["technician"].can("prescription.review")
    assert actors["pharmacist"].can("prescription.final_verify")
    assert actors["manager"].can("inventory.approve_adjustment")
    assert actors["admin"].can("users.manage")
    assert actors["pharmacist"].license_number == "RPH-12345"
    assert len({a.user_id for a in actors.values()}) == 4

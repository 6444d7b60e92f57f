"""Accounts and sign-in against a real PostgreSQL: hashes, policy, lockout, sessions, quick switch."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from pharmacy_desktop.db.models.users import User, UserSession
from pharmacy_desktop.domain.password_policy import password_problems, pin_problems
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import AccountLocked, AuthenticationFailed
from tests.conftest import TEST_PASSWORD
from tests.security.conftest import event_types, events

pytestmark = pytest.mark.db

PASSWORD = "Mortar-and-Pestle-77"
T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def at(minutes: float):
    return lambda: T0 + dt.timedelta(minutes=minutes)


def new_user(uow_factory, admin, username="jsmith", role="technician", password=PASSWORD, **extra):
    return auth.create_user(
        uow_factory,
        admin,
        username=username,
        password=password,
        email=f"{username}@pharmacy.test",
        first_name="Jane",
        last_name="Smith",
        role=role,
        license_number="RPH-555" if role == "pharmacist" else None,
        **extra,
    )


def user_row(uow_factory, username: str) -> User:
    with uow_factory() as uow:
        row = uow.session.scalars(
            select(User).where(User.username == username).execution_options(include_deleted=True)
        ).one()
        uow.session.expunge(row)  # a detached snapshot that the closing rollback does not expire
        return row


# -- hashes and policy -------------------------------------------------------------------------


def test_password_pin_and_badge_are_argon2id_hashes_never_plaintext(uow_factory, actors):
    admin = actors["admin"]
    # eight digits: a four-digit PIN turns up by chance in the dump's timestamps and UUIDs (a flaky failure)
    PIN = "48129360"  # noqa: N806
    user_id = new_user(uow_factory, admin)
    tech = auth.sign_in(uow_factory, "jsmith", PASSWORD, "test-ws")
    auth.set_pin(uow_factory, tech, PIN)
    auth.set_badge(uow_factory, admin, user_id, "BADGE-000917")
    row = user_row(uow_factory, "jsmith")
    for stored, secret in ((row.password_hash, PASSWORD), (row.pin_hash, PIN), (row.badge_hash, "BADGE-000917")):
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert secret not in stored
    # nowhere in the database: dump every text column of the users, sessions and events tables
    with uow_factory() as uow:
        dump = " ".join(
            str(r)
            for r in uow.session.execute(
                text(
                    "SELECT u::text FROM user_schema.users u UNION ALL SELECT s::text FROM user_schema.user_sessions s "
                    "UNION ALL SELECT e::text FROM audit_schema.domain_events e"
                )
            )
        )
    for secret in (PASSWORD, PIN, "BADGE-000917"):
        assert secret not in dump


def test_two_hashes_of_one_password_differ_and_verify(uow_factory, actors):
    from pharmacy_desktop.security import hash_secret, verify_secret

    a, b = hash_secret(PASSWORD), hash_secret(PASSWORD)
    assert a != b  # salted
    assert verify_secret(a, PASSWORD) and verify_secret(b, PASSWORD)
    assert not verify_secret(a, PASSWORD.lower())
    assert not verify_secret(None, PASSWORD)
    assert not verify_secret("plaintext-in-the-column", "plaintext-in-the-column")


@pytest.mark.parametrize(
    "password, problem",
    [
        ("Short-1", "at least 10 characters"),
        ("jsmith-at-the-counter", "must not contain the username"),
        ("JSMITH-at-the-counter", "must not contain the username"),
        ("Jane-rules-the-counter", "must not contain your name"),
        ("aaaaaaaaaaaa", "must not repeat"),
        ("Password123", "common word"),
    ],
)
def test_password_policy_names_each_problem(password, problem):
    assert any(problem in p for p in password_problems(password, "jsmith", names=("Jane", "Smith")))


def test_good_password_has_no_problems():
    assert password_problems("Amber-Vial-Lantern", "jsmith", names=("Jane", "Smith")) == []


@pytest.mark.parametrize("pin, ok", [("4812", True), ("1234", False), ("1111", False), ("12a4", False), ("123", False)])
def test_pin_policy(pin, ok):
    assert (pin_problems(pin) == []) is ok


def test_weak_password_is_refused_by_the_service(uow_factory, actors):
    with pytest.raises(ValidationFailed, match="too weak") as info:
        new_user(uow_factory, actors["admin"], password="jsmith-2026-counter")
    assert "password" in info.value.field_errors
    with pytest.raises(ValidationFailed, match="at least 10"):
        new_user(uow_factory, actors["admin"], password="Ab1-")


def test_pharmacist_needs_a_license_number(uow_factory, actors):
    with pytest.raises(ValidationFailed) as info:
        auth.create_user(
            uow_factory,
            actors["admin"],
            username="rph2",
            password=PASSWORD,
            email="rph2@pharmacy.test",
            first_name="Ravi",
            last_name="Patel",
            role="pharmacist",
        )
    assert "license_number" in info.value.field_errors


def test_duplicate_username_is_refused_case_insensitively(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    with pytest.raises(ValidationFailed, match="taken"):
        new_user(uow_factory, actors["admin"], username="JSmith")


# -- sign-in, sessions ---------------------------------------------------------------------------


def test_sign_in_sets_last_login_and_creates_a_workstation_session(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    actor = auth.sign_in(uow_factory, "JSMITH", PASSWORD, "counter-1", now=at(0))
    assert actor.username == "jsmith" and actor.role == "technician"
    assert actor.can("prescription.fill") and not actor.can("prescription.review")
    row = user_row(uow_factory, "jsmith")
    assert row.last_login_at == T0
    with uow_factory() as uow:
        session = uow.session.get(UserSession, actor.session_id)
        uow.session.expunge(session)
    assert session.workstation == "counter-1" and session.method == "password"
    assert session.expires_at == T0 + auth.SESSION_LENGTH and session.revoked_at is None
    assert session.refresh_token != "" and len(session.refresh_token) == 64  # a digest, not the token


def test_sign_out_revokes_the_session(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    actor = auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    auth.sign_out(uow_factory, actor)
    with uow_factory() as uow:
        session = uow.session.get(UserSession, actor.session_id)
        uow.session.expunge(session)
    assert session.revoked_at is not None
    assert "SignedOut" in event_types(uow_factory)


def test_wrong_password_fails_with_a_message_that_does_not_reveal_the_account(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    with pytest.raises(AuthenticationFailed) as wrong:
        auth.sign_in(uow_factory, "jsmith", "not-the-password", "counter-1")
    with pytest.raises(AuthenticationFailed) as unknown:
        auth.sign_in(uow_factory, "nobody-here", "not-the-password", "counter-1")
    assert str(wrong.value) == str(unknown.value)
    assert "Caps Lock" in str(wrong.value)
    failed = events(uow_factory, "SignInFailed")
    assert len(failed) == 2
    assert "not-the-password" not in str([e.event_data for e in failed])


def test_deactivated_user_cannot_sign_in(uow_factory, actors):
    user_id = new_user(uow_factory, actors["admin"])
    version = user_row(uow_factory, "jsmith").version
    auth.update_user(uow_factory, actors["admin"], user_id, version, is_active=False)
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    assert events(uow_factory, "SignInFailed")[-1].event_data["reason"] == "inactive account"


def test_soft_deleted_user_cannot_sign_in(uow_factory, actors):
    user_id = new_user(uow_factory, actors["admin"])
    auth.delete_user(uow_factory, actors["admin"], user_id, user_row(uow_factory, "jsmith").version)
    assert user_row(uow_factory, "jsmith").deleted_at is not None
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")


def test_account_deactivated_mid_shift_loses_its_permissions_at_once(uow_factory, actors):
    pharmacist = actors["pharmacist"]
    with uow_factory() as uow:
        auth.require(uow, pharmacist, "prescription.review")  # allowed
    version = user_row(uow_factory, pharmacist.username).version
    auth.update_user(uow_factory, actors["admin"], pharmacist.user_id, version, is_active=False)
    with uow_factory() as uow, pytest.raises(PermissionDenied, match="no longer"):
        auth.require(uow, pharmacist, "prescription.review")


# -- lockout -------------------------------------------------------------------------------------


def test_lockout_after_five_failures_counted_across_two_workstations(uow_factory, second_workstation, actors):
    new_user(uow_factory, actors["admin"])
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, "jsmith", "wrong-password-1", "counter-1", now=at(0))
    for _ in range(1):
        with pytest.raises(AuthenticationFailed) as info:
            auth.sign_in(second_workstation, "jsmith", "wrong-password-2", "counter-2", now=at(1))
        assert not isinstance(info.value, AccountLocked)
    with pytest.raises(AccountLocked) as locked:
        auth.sign_in(second_workstation, "jsmith", "wrong-password-2", "counter-2", now=at(2))
    # the person reads what an unknown user or a wrong password reads: no account is confirmed
    assert str(locked.value) == auth.WRONG_PASSWORD
    # locked in the database: the right password is refused on both workstations
    for factory, ws in ((uow_factory, "counter-1"), (second_workstation, "counter-2")):
        with pytest.raises(AccountLocked) as still:
            auth.sign_in(factory, "jsmith", PASSWORD, ws, now=at(10))
        assert str(still.value) == auth.WRONG_PASSWORD
    assert user_row(uow_factory, "jsmith").locked_until == T0 + dt.timedelta(minutes=17)
    kinds = event_types(uow_factory)
    assert kinds.count("SignInFailed") == 5
    assert kinds.count("AccountLocked") == 1
    assert kinds.count("SignInRefusedLocked") == 2


def test_lockout_is_released_after_fifteen_minutes(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, "jsmith", "wrong-password", "counter-1", now=at(0))
    with pytest.raises(AccountLocked):
        auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1", now=at(14.9))
    actor = auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1", now=at(15.01))
    assert actor.username == "jsmith"
    row = user_row(uow_factory, "jsmith")
    assert row.failed_login_count == 0 and row.locked_until is None


def test_a_good_sign_in_resets_the_failure_count(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, "jsmith", "wrong-password", "counter-1")
    auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    with pytest.raises(AuthenticationFailed) as info:
        auth.sign_in(uow_factory, "jsmith", "wrong-password", "counter-1")
    assert not isinstance(info.value, AccountLocked)


def test_admin_unlocks_an_account(uow_factory, actors):
    user_id = new_user(uow_factory, actors["admin"])
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, "jsmith", "wrong-password", "counter-1")
    auth.unlock_account(uow_factory, actors["admin"], user_id)
    assert auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1").username == "jsmith"
    assert "AccountUnlocked" in event_types(uow_factory)


def test_wrong_passwords_on_the_lock_screen_count_toward_the_lockout(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    actor = auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthenticationFailed):
            auth.unlock(uow_factory, actor, "guess-guess-guess")
    with pytest.raises(AccountLocked):
        auth.unlock(uow_factory, actor, "guess-guess-guess")
    with pytest.raises(AccountLocked):
        auth.unlock(uow_factory, actor, PASSWORD)


def test_unlock_by_password_or_pin(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    actor = auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    auth.set_pin(uow_factory, actor, "4812")
    assert auth.unlock(uow_factory, actor, PASSWORD) == actor
    assert auth.unlock(uow_factory, actor, "4812") == actor
    assert event_types(uow_factory).count("Unlocked") == 2


# -- quick switch --------------------------------------------------------------------------------


def test_quick_switch_by_pin_only_for_users_signed_in_with_a_password_on_this_workstation(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    tech = auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    auth.set_pin(uow_factory, tech, "4812")
    rph = auth.sign_in(uow_factory, actors["pharmacist"].username, TEST_PASSWORD, "counter-1")

    switched = auth.quick_switch(uow_factory, "4812", "counter-1", from_actor=rph)
    assert switched.user_id == tech.user_id and switched.session_id == tech.session_id
    event = events(uow_factory, "UserSwitched")[-1]
    assert event.user_id == tech.user_id and event.event_data["from_user"] == str(rph.user_id)

    # another workstation: jsmith never signed in there with a password
    with pytest.raises(AuthenticationFailed, match="signed in on this workstation"):
        auth.quick_switch(uow_factory, "4812", "counter-2")
    # after signing out here, the PIN no longer switches to jsmith
    auth.sign_out(uow_factory, tech)
    with pytest.raises(AuthenticationFailed):
        auth.quick_switch(uow_factory, "4812", "counter-1", from_actor=rph)
    # nobody to switch to on counter-2: nothing checked, nothing counted; on counter-1 a real miss
    assert event_types(uow_factory).count("SwitchRefused") == 1
    assert event_types(uow_factory).count("SwitchFailed") == 1


def test_quick_switch_after_the_shift_has_expired_is_refused(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    tech = auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    auth.set_pin(uow_factory, tech, "4812")
    with pytest.raises(AuthenticationFailed):
        auth.quick_switch(
            uow_factory, "4812", "counter-1", now=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=13)
        )


def test_quick_switch_by_badge(uow_factory, actors):
    user_id = new_user(uow_factory, actors["admin"])
    auth.set_badge(uow_factory, actors["admin"], user_id, "BADGE-000917")
    auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    assert auth.quick_switch(uow_factory, "BADGE-000917", "counter-1", method="badge").username == "jsmith"
    with pytest.raises(AuthenticationFailed, match="badge"):
        auth.quick_switch(uow_factory, "BADGE-000918", "counter-1", method="badge")


def test_a_badge_cannot_be_given_to_two_people(uow_factory, actors):
    first = new_user(uow_factory, actors["admin"])
    second = new_user(uow_factory, actors["admin"], username="bjones")
    auth.set_badge(uow_factory, actors["admin"], first, "BADGE-000917")
    with pytest.raises(ValidationFailed, match="already assigned"):
        auth.set_badge(uow_factory, actors["admin"], second, "BADGE-000917")


def test_guessing_pins_is_throttled_per_workstation(uow_factory, actors):
    """More in test_pin_guessing.py; here: five wrong PINs, then the right one no longer switches."""
    new_user(uow_factory, actors["admin"])
    tech = auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    auth.set_pin(uow_factory, tech, "4812")
    start = dt.datetime.now(dt.UTC)
    for n, guess in enumerate(("1357", "2468", "9753", "8642", "7531")):
        with pytest.raises(AuthenticationFailed):
            auth.quick_switch(uow_factory, guess, "counter-1", now=lambda n=n: start + dt.timedelta(seconds=20 * n))
    with pytest.raises(AuthenticationFailed, match="needs a password sign-in"):
        auth.quick_switch(uow_factory, "4812", "counter-1", now=lambda: start + dt.timedelta(minutes=30))
    # the password sign-in ends the block
    auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1", now=lambda: start + dt.timedelta(minutes=31))
    assert (
        auth.quick_switch(uow_factory, "4812", "counter-1", now=lambda: start + dt.timedelta(minutes=32)).username
        == "jsmith"
    )
    assert "SwitchRefused" in event_types(uow_factory)


def test_same_pin_for_two_people_on_one_workstation_never_guesses(uow_factory, actors):
    new_user(uow_factory, actors["admin"])
    new_user(uow_factory, actors["admin"], username="bjones")
    for username in ("jsmith", "bjones"):
        auth.set_pin(uow_factory, auth.sign_in(uow_factory, username, PASSWORD, "counter-1"), "4812")
    with pytest.raises(AuthenticationFailed, match="more than one person"):
        auth.quick_switch(uow_factory, "4812", "counter-1")


# -- first run ------------------------------------------------------------------------------------


def test_first_run_only_while_no_account_exists(uow_factory):
    from pharmacy_desktop.services import pharmacy

    assert auth.needs_first_run(uow_factory)
    profile = pharmacy.Profile(
        "Riverside Pharmacy", "120 Main St", None, "Springfield", "IL", "62701", "(217) 555-0142", None, "1456789", None
    )
    admin = pharmacy.first_run(
        uow_factory,
        profile,
        username="owner",
        password=PASSWORD,
        email="owner@pharmacy.test",
        first_name="Alex",
        last_name="Morgan",
        workstation="counter-1",
    )
    assert admin.role == "admin" and admin.can("users.manage")
    assert pharmacy.get_profile(uow_factory).name == "Riverside Pharmacy"
    assert not auth.needs_first_run(uow_factory)
    with pytest.raises(PermissionDenied):
        pharmacy.first_run(
            uow_factory,
            profile,
            username="intruder",
            password=PASSWORD,
            email="x@pharmacy.test",
            first_name="Eve",
            last_name="Intruder",
            workstation="counter-2",
        )
    with pytest.raises(PermissionDenied):
        auth.create_user(
            uow_factory,
            None,
            username="intruder",
            password=PASSWORD,
            email="x@pharmacy.test",
            first_name="Eve",
            last_name="Intruder",
            role="admin",
        )


def test_first_run_is_all_or_nothing(uow_factory):
    from pharmacy_desktop.services import pharmacy

    bad = pharmacy.Profile(
        "Riverside Pharmacy",
        "120 Main St",
        None,
        "Springfield",
        "IL",
        "62701",
        "(217) 555-0142",
        "1234567890",
        None,
        None,
    )  # NPI check digit wrong
    with pytest.raises(ValidationFailed, match="NPI"):
        pharmacy.first_run(
            uow_factory,
            bad,
            username="owner",
            password=PASSWORD,
            email="owner@pharmacy.test",
            first_name="Alex",
            last_name="Morgan",
            workstation="counter-1",
        )
    assert auth.needs_first_run(uow_factory)


# -- account management --------------------------------------------------------------------------


def test_update_user_uses_optimistic_locking(uow_factory, actors):
    user_id = new_user(uow_factory, actors["admin"])
    version = user_row(uow_factory, "jsmith").version
    auth.update_user(uow_factory, actors["admin"], user_id, version, role="pharmacist", license_number="RPH-777")
    from pharmacy_desktop.errors import ConcurrentUpdate

    with pytest.raises(ConcurrentUpdate, match="another workstation"):
        auth.update_user(uow_factory, actors["admin"], user_id, version, role="technician")
    assert user_row(uow_factory, "jsmith").role == "pharmacist"


def test_signing_in_does_not_count_as_an_edit_of_the_account(uow_factory, actors):
    user_id = new_user(uow_factory, actors["admin"])
    version = user_row(uow_factory, "jsmith").version
    auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    auth.update_user(uow_factory, actors["admin"], user_id, version, phone="(217) 555-0199")


def test_the_last_administrator_cannot_be_demoted_or_deactivated(uow_factory, actors):
    admin = actors["admin"]
    version = user_row(uow_factory, admin.username).version
    with pytest.raises(ValidationFailed, match="last active administrator"):
        auth.update_user(uow_factory, admin, admin.user_id, version, role="manager")
    with pytest.raises(ValidationFailed, match="own account"):
        auth.update_user(uow_factory, admin, admin.user_id, version, is_active=False)


def test_reset_password_lets_the_user_in_with_the_new_one(uow_factory, actors):
    user_id = new_user(uow_factory, actors["admin"])
    auth.reset_password(uow_factory, actors["admin"], user_id, "Fresh-Start-Lantern")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    assert auth.sign_in(uow_factory, "jsmith", "Fresh-Start-Lantern", "counter-1").username == "jsmith"

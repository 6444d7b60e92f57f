"""Guessing a colleague's PIN (issue 11, item 3): counted per account and per workstation in the
database, never reset by someone else's success, a growing wait decided by the database, and a
password needed after the limit. Password failures count within a window (they decay)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from pharmacy_desktop.db.models.users import AuthFailure
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import AccountLocked, AuthenticationFailed, TryLater
from tests.security.conftest import events

pytestmark = pytest.mark.db

PASSWORD = "Mortar-and-Pestle-77"
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)


class Clock:
    """The time the services see, moved by the test (the real GUI never waits: it is told when)."""

    def __init__(self, start: dt.datetime = T0):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def person(uow_factory, admin, username, role, pin, clock):
    auth.create_user(
        uow_factory,
        admin,
        username=username,
        password=PASSWORD,
        email=f"{username}@pharmacy.test",
        first_name=username.title(),
        last_name="Counter",
        role=role,
        license_number="RPH-555" if role == "pharmacist" else None,
    )
    actor = auth.sign_in(uow_factory, username, PASSWORD, "counter-1", now=clock)
    auth.set_pin(uow_factory, actor, pin)
    clock.wait(1)  # what happens next happens after the sign-in
    return actor


def switch(uow_factory, pin, clock, from_actor=None):
    """One PIN at counter-1, first waiting as long as the database says (as a patient attacker would)."""
    while True:
        try:
            return auth.quick_switch(uow_factory, pin, "counter-1", from_actor=from_actor, now=clock)
        except TryLater as wait:
            clock.now = max(clock.now, wait.retry_at)


def failures(uow_factory) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuthFailure))


def test_switching_back_to_yourself_does_not_reset_the_count_for_the_pharmacist(uow_factory, actors):
    """The trial: a technician guessed the pharmacist's PIN in 21 tries by switching back to himself
    between guesses. Now the pharmacist's account stops taking PINs after five wrong ones."""
    clock = Clock()
    rph = person(uow_factory, actors["admin"], "rph", "pharmacist", "2468", clock)
    tech = person(uow_factory, actors["admin"], "tech", "technician", "1357", clock)
    reached_pharmacist = []
    guesses = iter(f"{n:04d}" for n in range(2460, 2480))  # the right PIN is among them
    for _ in range(2):  # two rounds: guess, guess, back to myself
        for _ in range(2):
            pin = next(guesses)
            try:
                who = switch(uow_factory, pin, clock, from_actor=tech)
                reached_pharmacist.append(pin)
                assert who.user_id == rph.user_id
            except AuthenticationFailed:
                pass
        assert switch(uow_factory, "1357", clock).user_id == tech.user_id
    for pin in guesses:  # every remaining guess, the right one included
        with pytest.raises(AuthenticationFailed):
            switch(uow_factory, pin, clock, from_actor=tech)
    assert reached_pharmacist == []
    assert failures(uow_factory) == auth.MAX_FAILED_ATTEMPTS  # after that nothing was even checked
    # the technician gets back with his password; that does not reopen the pharmacist's account
    auth.sign_in(uow_factory, "tech", PASSWORD, "counter-1", now=clock)
    clock.wait(3600)
    with pytest.raises(AuthenticationFailed):
        switch(uow_factory, "2468", clock, from_actor=tech)
    assert switch(uow_factory, "1357", clock).user_id == tech.user_id
    # the pharmacist's own password sign-in does
    auth.sign_in(uow_factory, "rph", PASSWORD, "counter-1", now=clock)
    assert switch(uow_factory, "2468", clock, from_actor=tech).user_id == rph.user_id


def test_a_wrong_pin_counts_against_every_account_it_could_have_been_for(uow_factory, actors):
    clock = Clock()
    rph = person(uow_factory, actors["admin"], "rph", "pharmacist", "2468", clock)
    tech = person(uow_factory, actors["admin"], "tech", "technician", "1357", clock)
    for pin in ("1111", "2222", "3333", "4444", "5555"):
        with pytest.raises(AuthenticationFailed):
            switch(uow_factory, pin, clock)
    for pin in ("2468", "1357"):  # the right PINs read like wrong ones now: a guess learns nothing
        with pytest.raises(AuthenticationFailed, match="needs a password sign-in"):
            switch(uow_factory, pin, clock)
    with uow_factory() as uow:
        [row] = uow.session.scalars(select(AuthFailure).limit(1))
        assert set(row.user_ids) == {rph.user_id, tech.user_id} and row.workstation == "counter-1"
    refused = events(uow_factory, "SwitchRefused")
    assert refused[-1].event_data["reason"] == "no account here may switch by PIN or badge"


def test_the_wait_doubles_with_each_failure_and_a_try_during_it_is_not_checked(uow_factory, actors):
    clock = Clock()
    tech = person(uow_factory, actors["admin"], "tech", "technician", "1357", clock)
    with pytest.raises(AuthenticationFailed, match="Wait 1 second"):
        auth.quick_switch(uow_factory, "0000", "counter-1", now=clock)
    waits = []
    for pin in ("0001", "0002", "0003"):
        with pytest.raises(TryLater) as early:  # straight away: refused, told when
            auth.quick_switch(uow_factory, "1357", "counter-1", now=clock)
        assert "second" in str(early.value)
        waits.append((early.value.retry_at - clock.now).total_seconds())
        clock.now = early.value.retry_at
        with pytest.raises(AuthenticationFailed):
            auth.quick_switch(uow_factory, pin, "counter-1", now=clock)
    assert waits == [1, 2, 4]
    assert failures(uow_factory) == 4  # the early tries were not counted (nor checked)
    clock.wait(8)
    assert auth.quick_switch(uow_factory, "1357", "counter-1", now=clock).user_id == tech.user_id
    # the workstation's wait decays with the window
    clock.wait(auth.LOCKOUT.total_seconds())
    with auth_failure_free(uow_factory):
        assert auth.quick_switch(uow_factory, "1357", "counter-1", now=clock).user_id == tech.user_id


class auth_failure_free:  # noqa: N801 - reads as a sentence in the test
    """Asserts that the block records no new failure."""

    def __init__(self, uow_factory):
        self.uow_factory = uow_factory

    def __enter__(self):
        self.before = failures(self.uow_factory)

    def __exit__(self, *exc):
        assert failures(self.uow_factory) == self.before
        return False


def test_password_failures_decay_four_last_week_and_one_today_is_no_lockout(uow_factory, actors):
    clock = Clock(T0 - dt.timedelta(days=7))
    auth.create_user(
        uow_factory,
        actors["admin"],
        username="jsmith",
        password=PASSWORD,
        email="j@pharmacy.test",
        first_name="Jane",
        last_name="Smith",
        role="technician",
    )
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, "jsmith", "wrong-password", "counter-1", now=clock)
        clock.wait(60)
    clock.now = T0
    with pytest.raises(AuthenticationFailed) as info:
        auth.sign_in(uow_factory, "jsmith", "wrong-password", "counter-1", now=clock)
    assert not isinstance(info.value, AccountLocked)
    assert auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1", now=clock).username == "jsmith"
    # five within the window do lock, whatever workstation they come from
    clock.wait(60)
    for n in range(auth.MAX_FAILED_ATTEMPTS):
        clock.wait(120)
        with pytest.raises(AuthenticationFailed) as info:
            auth.sign_in(uow_factory, "jsmith", "wrong-password", f"counter-{n % 2 + 1}", now=clock)
    assert isinstance(info.value, AccountLocked)


def test_a_locked_account_reads_like_an_unknown_user_but_the_audit_log_knows(uow_factory, actors):
    auth.create_user(
        uow_factory,
        actors["admin"],
        username="jsmith",
        password=PASSWORD,
        email="j@pharmacy.test",
        first_name="Jane",
        last_name="Smith",
        role="technician",
    )
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, "jsmith", "wrong-password", "counter-1")
    with pytest.raises(AuthenticationFailed) as locked:
        auth.sign_in(uow_factory, "jsmith", PASSWORD, "counter-1")
    with pytest.raises(AuthenticationFailed) as unknown:
        auth.sign_in(uow_factory, "jsmith-nobody", PASSWORD, "counter-1")
    with pytest.raises(AuthenticationFailed) as wrong:
        auth.sign_in(uow_factory, actors["technician"].username, "wrong-password", "counter-1")
    assert str(locked.value) == str(unknown.value) == str(wrong.value) == auth.WRONG_PASSWORD
    assert "locked" in auth.WRONG_PASSWORD  # the person is still told that locking exists
    assert events(uow_factory, "SignInRefusedLocked")
    assert events(uow_factory, "SignInFailed")[-2].event_data["reason"] == "unknown username"

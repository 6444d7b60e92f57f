"""Quick user switch by PIN or badge, for someone who signed in with a password on this workstation
this shift; how wrong PINs and badges are counted is told in services/auth.py."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from pharmacy_desktop.db.models.users import User, UserSession
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.security import verify_secret
from pharmacy_desktop.services.access import (
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    MAX_SWITCH_DELAY,
    NOBODY,
    SESSION_LENGTH,
    Actor,
    AuthenticationFailed,
    TryLater,
    actor_of,
    is_locked,
    record_failure,
    unchecked,
)


def _shift_users(uow: UnitOfWork, workstation: str, at: dt.datetime) -> list[tuple[User, UserSession]]:
    """Users with a live password sign-in on this workstation: the only ones a PIN/badge may switch to."""
    rows = uow.users.shift_sessions(workstation, at)
    seen: set[uuid.UUID] = set()
    result = []
    for user, session in rows:
        if user.id not in seen:
            seen.add(user.id)
            result.append((user, session))
    return result


_SWITCH_METHODS = ("pin", "badge")


def _switch_failures_against(uow: UnitOfWork, user: User, at: dt.datetime) -> int:
    """Wrong PINs/badges counted against ``user`` since its last password sign-in (or unlock)."""
    since = user.failures_counted_from or (at - SESSION_LENGTH)
    return uow.users.failures_against(user.id, _SWITCH_METHODS, since, at)


def switch_retry_at(uow: UnitOfWork, workstation: str, at: dt.datetime) -> dt.datetime | None:
    """When the next PIN/badge may be checked on ``workstation`` (None: now): each failure within the
    window doubles the wait after the last one."""
    count, last = uow.users.failures_at(workstation, _SWITCH_METHODS, at - LOCKOUT, at)
    if not count or last is None:
        return None
    wait = min(dt.timedelta(seconds=2 ** min(count - 1, 16)), MAX_SWITCH_DELAY)
    return last + wait if last + wait > at else None


def identify_by_credential(
    uow: UnitOfWork,
    credential: str,
    workstation: str,
    method: str,
    at: dt.datetime,
    base: dict[str, object],
    refused_as: uuid.UUID,
) -> tuple[User, UserSession]:
    """The one account signed in here this shift whose PIN or badge this is.

    Shared by quick switch and the pharmacist's sign-off (services/cosign.py): the same wait after
    wrong tries, the same candidates, the same counting. A refusal or a wrong credential is
    recorded and committed in ``uow`` before the error is raised (``refused_as``: the aggregate of
    a refusal event; ``base``: the events' data).
    """
    if method not in _SWITCH_METHODS:
        raise ValueError(method)
    what = "PIN" if method == "pin" else "badge"
    retry_at = switch_retry_at(uow, workstation, at)
    if retry_at is not None:
        seconds = max(1, int((retry_at - at).total_seconds() + 0.999))
        uow.record(
            "SwitchRefused",
            "user",
            refused_as,
            {**base, "reason": "too soon after a wrong PIN or badge", "retry_at": retry_at},
        )
        uow.commit()
        raise TryLater(
            f"Wait {seconds} second{'s' if seconds != 1 else ''} before the next {what}: there were wrong PINs "
            "or badges on this workstation. Or sign in with your username and password.",
            retry_at,
        )
    shift = _shift_users(uow, workstation, at)
    open_to_switch = [
        (u, s) for u, s in shift if not is_locked(u, at) and _switch_failures_against(uow, u, at) < MAX_FAILED_ATTEMPTS
    ]
    matches = []
    for user, session in open_to_switch:
        stored = user.pin_hash if method == "pin" else user.badge_hash
        if stored and verify_secret(stored, credential):
            matches.append((user, session))
    if len(matches) == 1:
        return matches[0]
    if not open_to_switch:
        # nothing was checked, so nothing is counted: the way in is a password
        uow.record(
            "SwitchRefused",
            "user",
            NOBODY,
            {**base, "reason": "no account here may switch by PIN or badge", "blocked": len(shift)},
        )
        uow.commit()
        if not shift:
            raise AuthenticationFailed(
                f"No one signed in on this workstation this shift has that {what}. "
                "Sign in with your username and password first."
            )
        raise AuthenticationFailed(
            f"Switching by {what} needs a password sign-in on this workstation first "
            f"(after {MAX_FAILED_ATTEMPTS} wrong PINs or badges an account needs its password again). "
            "Sign in with your username and password."
        )
    # aimed at whom? a wrong one could be any of them; an ambiguous one is both of theirs
    counted = [u.id for u, _ in (matches or shift)]
    record_failure(uow, workstation, method, counted, at)
    reason = "ambiguous" if matches else "no match"
    uow.record("SwitchFailed", "user", NOBODY, {**base, "reason": reason, "counted_against": len(counted)})
    next_try = switch_retry_at(uow, workstation, at)
    uow.commit()
    wait = ""
    if next_try is not None:
        seconds = max(1, int((next_try - at).total_seconds() + 0.999))
        wait = f" Wait {seconds} second{'s' if seconds != 1 else ''} before the next try."
    if matches:
        raise AuthenticationFailed(
            f"That {what} belongs to more than one person signed in here. Sign in with your username and "
            "password, then choose a different PIN." + wait
        )
    raise AuthenticationFailed(
        f"No one signed in on this workstation this shift has that {what}, or that account needs its password "
        f"after {MAX_FAILED_ATTEMPTS} wrong tries. Sign in with your username and password first." + wait
    )


def quick_switch(
    uow_factory: UnitOfWorkFactory,
    credential: str,
    workstation: str,
    *,
    method: str = "pin",
    from_actor: Actor | None = None,
    now: Callable[[], dt.datetime] = utcnow,
) -> Actor:
    """Switch user by PIN or badge scan, for someone who signed in with a password here this shift
    (see the module docstring for how wrong PINs are counted)."""
    if method not in _SWITCH_METHODS:
        raise ValueError(method)
    # whoever is on screen may have been deactivated meanwhile: switching away must still work
    with unchecked(uow_factory, from_actor.user_id if from_actor else None) as uow:
        at = now()
        from_user = str(from_actor.user_id) if from_actor else None
        base: dict[str, object] = {"workstation": workstation, "method": method, "from_user": from_user}
        refused_as = from_actor.user_id if from_actor else NOBODY
        user, session = identify_by_credential(uow, credential, workstation, method, at, base, refused_as)
        session.last_seen_at = at
        actor = actor_of(uow, user, session, workstation)
        uow.actor_id = user.id
        uow.record("UserSwitched", "user", user.id, base)
        uow.commit()
        return actor

"""Password and PIN rules for staff accounts (pure)."""

from __future__ import annotations

MIN_LENGTH = 10
PIN_LENGTHS = range(4, 9)
_COMMON = {"password", "pharmacy", "letmein", "welcome", "qwerty", "123456", "admin", "changeme"}


def password_problems(password: str, username: str = "", *, names: tuple[str, ...] = ()) -> list[str]:
    """Everything wrong with a new password, in words for the person choosing it."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"at least {MIN_LENGTH} characters (this one has {len(password)})")
    lowered = password.lower()
    if username and username.lower() in lowered:
        problems.append("must not contain the username")
    for name in names:
        if name and len(name) >= 3 and name.lower() in lowered:
            problems.append("must not contain your name")
            break
    if password and len(set(password)) <= 2:
        problems.append("must not repeat one or two characters")
    if any(word in lowered for word in _COMMON) and len(password) < 16:
        problems.append("must not be built on a common word such as 'password'")
    return problems


def pin_problems(pin: str) -> list[str]:
    problems = []
    if not pin.isdigit():
        problems.append("digits only")
    if len(pin) not in PIN_LENGTHS:
        problems.append(f"{PIN_LENGTHS.start} to {PIN_LENGTHS.stop - 1} digits")
    if pin.isdigit() and (len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210"):
        problems.append("not a run like 1111 or 1234")
    return problems

"""Invitations, password resets and the login rate limit, shared by the studio and the CLI.

There is no mail server: an invitation or reset gives back a one-time token
that an admin passes on as a link. Only the token's SHA-256 is stored, each
works once, and it expires (an invitation after 7 days, a reset after an hour).

Login attempts are kept in the database, so every web process and machine
behind a load balancer counts the same ones, and counting is atomic
(:func:`log_in`). Emails and client addresses are stored only as keyed hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func, select, update

from app.analytics.clients import network_key
from app.extensions import db
from app.models import ROLES, AccountToken, LoginFailure, Membership, Show, User, utcnow
from app.services import members, users
from app.services.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    TooManyRequests,
)

TOKEN_LIFETIMES = {"invite": timedelta(days=7), "reset": timedelta(hours=1)}
FAILURE_WINDOW = timedelta(minutes=15)
# Guesses at one account from one network; the limit a producer who mistypes meets.
MAX_FAILURES_PER_EMAIL_AND_CLIENT = 5
# Guesses at one account from anywhere: slows guessing spread over many networks.
MAX_FAILURES_PER_EMAIL = 20
# Guesses at any accounts from one network: high, as a whole city hall shares one address.
MAX_FAILURES_PER_CLIENT = 50


# --- logging in ---------------------------------------------------------------


def log_in(email: str, password: str, client_address: str | None) -> User:
    """Check the password, unless this account or this client failed too often in 15 minutes.

    The attempt is written (and committed) before it is counted and before the
    password is checked, and counts itself: of any number of attempts at once,
    from any number of processes or machines sharing the database, the one
    that commits last sees all the others, so no more than the limit are ever
    checked. An attempt that is refused is removed again (waiting does not
    prolong the wait); a wrong password stays as a failure; a right one
    clears the failures of this account from this client.

    :raise TooManyRequests: after 5 failures for the account from this client's network,
        20 for the account from anywhere, or 50 from this client's network.
    :raise AuthenticationFailed: for a wrong email or password.
    """
    email_key = _keyed("email", (email or "").strip().lower())
    client_key = _keyed("client", network_key(client_address))
    attempt = LoginFailure(email_key=email_key, client_key=client_key, failed_at=utcnow())
    db.session.add(attempt)
    db.session.commit()
    attempt_id = attempt.id
    try:
        _check_rate(email_key, client_key)
        user = users.authenticate(email, password)
    except TooManyRequests:
        db.session.rollback()
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
        db.session.commit()
        raise
    except AuthenticationFailed:
        db.session.rollback()
        db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < _window_start()))
        db.session.commit()
        raise
    db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.email_key == email_key, LoginFailure.client_key == client_key
        )
    )
    db.session.commit()
    return user


def log_out(user: User) -> None:
    """End ``user``'s sessions everywhere: a copy of the cookie no longer opens the studio."""
    users.end_sessions(user)
    db.session.commit()


def _check_rate(email_key: str, client_key: str) -> None:
    """:raise TooManyRequests: when a count, this attempt included, is over its limit."""
    since = _window_start()
    for condition, limit in (
        (
            (LoginFailure.email_key == email_key) & (LoginFailure.client_key == client_key),
            MAX_FAILURES_PER_EMAIL_AND_CLIENT,
        ),
        (LoginFailure.email_key == email_key, MAX_FAILURES_PER_EMAIL),
        (LoginFailure.client_key == client_key, MAX_FAILURES_PER_CLIENT),
    ):
        row = db.session.execute(
            select(func.count(), func.min(LoginFailure.failed_at)).where(
                condition, LoginFailure.failed_at >= since
            )
        ).one()
        if row[0] > limit:
            wait = FAILURE_WINDOW - (utcnow() - _aware(row[1]))
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            raise TooManyRequests(
                gettext(
                    "Too many failed logins. Wait %(minutes)d minutes and try again, "
                    "or ask an admin for a password reset link.",
                    minutes=minutes,
                )
            )


def _aware(value: datetime) -> datetime:
    """``min()`` over a UTCDateTime column skips the type's conversion on some databases."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def _window_start() -> datetime:
    return utcnow() - FAILURE_WINDOW


def _keyed(kind: str, value: str) -> str:
    """A keyed hash: equal for equal input, useless without the app's secret key."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


# --- one-time links ---------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, purpose: str, acting: User | None = None) -> str:
    """A new one-time token for ``user``; earlier unused ones of the same purpose stop working.

    ``acting`` is who is shown the link (None: the operator, on the command line);
    the link works only while they hold every right of the account (:func:`covers`).
    The token is returned once and never stored; commit happens here.
    """
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_token_hash(token),
            expires_at=now + TOKEN_LIFETIMES[purpose],
            created_by_id=acting.id if acting is not None else None,
        )
    )
    db.session.commit()
    return token


def token_account(token: str) -> AccountToken:
    """The unused, unexpired token row; the page behind a link shows whose it is.

    :raise NotFound: for an unknown, used or expired token, with one message for all.
    """
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _token_hash(token or ""))
    )
    if row is None or not _usable(row):
        raise NotFound(
            gettext("This link has expired or has already been used. Ask an admin for a new one.")
        )
    return row


def _usable(row: AccountToken) -> bool:
    """Unused, unexpired, for an active user, and its maker may still hold such a link.

    The maker check is made when the link is used, not only when it is made: an
    account that gained rights since (an instance admin made it an admin) is no
    longer opened by a link a show admin was shown.
    """
    fresh = row.used_at is None and row.expires_at > utcnow() and row.user.active
    return fresh and covers(row.created_by if row.created_by_id else None, row.user)


def covers(acting: User | None, account: User) -> bool:
    """Whether ``acting`` holds every right ``account`` has, so may be shown its link.

    None is the operator on the command line, who holds every right.
    """
    if acting is None or (acting.is_admin and acting.active):
        return True
    if account.is_admin or not acting.active:
        return False
    roles = db.session.execute(
        select(Membership.show_id, Membership.role).where(Membership.user_id == account.id)
    )
    return all(
        members.allows(members.role_of(acting, db.session.get(Show, show_id)), role)
        for show_id, role in roles
    )


def set_password_with_token(token: str, password: str, confirm: str) -> User:
    """Set the password through a link, which then stops working.

    The token is spent with a conditional update, so two requests racing with
    the same link cannot both succeed.

    :raise NotFound: for an unknown, used or expired link.
    :raise InvalidInput: for a short password or one that does not match ``confirm``.
    """
    row = token_account(token)
    users.check_password(password)
    if password != confirm:
        raise InvalidInput(gettext("The two passwords are not the same."), "confirm")
    spent = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:
        db.session.rollback()
        raise NotFound(gettext("This link has already been used. Ask an admin for a new one."))
    user = row.user
    user.password_hash = users.hash_password(password)
    users.end_sessions(user)
    db.session.commit()
    return user


@dataclass(frozen=True)
class Invitation:
    """Who was invited, and what the person inviting may be told.

    ``token`` is set only for the one who may pass the link on. Otherwise
    ``pending`` says why there is none: "has_password" (they log in as they
    are), "invited" (a link made earlier still works and stays the only one),
    or "ask_admin" (the account holds rights the inviter does not).
    """

    user: User
    token: str | None
    pending: str | None = None


def invite(
    email: str,
    *,
    is_admin: bool = False,
    show: Show | None = None,
    role: str | None = None,
    acting: User | None = None,
) -> Invitation:
    """Invite someone by email, optionally with a role on a show.

    A new person gets an account without a password and a 7-day link to set one.
    Someone who already has an account only gets the role: no link is needed.
    Someone invited earlier who never set a password gets the role too, but a
    second invitation never replaces, reveals or ends a link made earlier that
    still works: a fresh link is made only when none works any more, and shown
    only to someone who holds every right of the account (:func:`covers`), as
    an account link is a key to all of them. An invitation that would give the
    account more than the maker of its working link holds is refused, since
    that link would then open more than its maker may.

    ``acting`` is who invites (None: the operator on the command line).

    :raise InvalidInput: for a malformed email or an unknown role.
    :raise Conflict: when the account has a working link made by someone with fewer rights.
    """
    email = users.normal_email(email)
    if role is not None and role not in ROLES:
        raise InvalidInput(gettext("Choose author, editor or admin."), "role")
    user = users.find_user(email)
    working = []
    if user is None:
        user = User(email=email, password_hash="", is_admin=is_admin)
        db.session.add(user)
        db.session.flush()
    else:
        working = [] if user.has_password else _working_invitations(user)
        if is_admin:
            user.is_admin = True
    if show is not None and role is not None:
        _put_membership(user, show, role)
    db.session.flush()
    if any(not covers(row.created_by, user) for row in working):
        db.session.rollback()
        raise Conflict(
            gettext(
                "%(email)s was invited by someone with fewer rights and has not set a password "
                "yet. Give the new rights once they have, or make them a new link on the "
                "users page first (the earlier link then stops working).",
                email=email,
            ),
            "email",
        )
    db.session.commit()
    if user.has_password:
        return Invitation(user, None, "has_password")
    if working:
        return Invitation(user, None, "invited")
    if not covers(acting, user):
        return Invitation(user, None, "ask_admin")
    return Invitation(user, issue_token(user, "invite", acting))


def _working_invitations(user: User) -> list[AccountToken]:
    """The invitation links of ``user`` that would open the account now."""
    rows = db.session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == "invite",
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
    )
    return [row for row in rows if _usable(row)]


def reset_token(email: str, acting: User | None = None) -> str:
    """A one-hour link to set a new password, for an instance admin (or the operator) to pass on.

    :raise NotFound: for an unknown or deactivated user.
    """
    user = users.find_user(email)
    if user is None or not user.active:
        raise NotFound(gettext("There is no active user with this email."), "email")
    return issue_token(user, "reset" if user.has_password else "invite", acting)


# --- a show's members, as its admins manage them -----------------------------------


def show_members(show: Show) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.show_id == show.id)
            .order_by(User.email)
        )
    )


def change_member(show: Show, user_id: int, role: str | None, *, acting: User) -> None:
    """Change a member's role on ``show``, or remove them with ``None``.

    :raise NotFound: when the user is no member of this show (another show's user id).
    :raise InvalidInput: for an unknown role, or when admins would change their own role.
    """
    membership = db.session.get(Membership, (user_id, show.id))
    if membership is None:
        raise NotFound(gettext("This person is not a member of the show."))
    if user_id == acting.id and not acting.is_admin:
        raise InvalidInput(gettext("You cannot change your own role."), "role")
    if role is not None and role not in ROLES:
        raise InvalidInput(gettext("Choose author, editor or admin."), "role")
    if members.is_demotion(membership.role, role):
        users.end_sessions(membership.user)
    if role is None:
        db.session.delete(membership)
    else:
        membership.role = role
    db.session.commit()


def give_role(user_id: int, show_slug: str, role: str | None) -> None:
    """An instance admin gives a user a role on any show (``None``: none).

    :raise NotFound: for an unknown user or show.
    :raise InvalidInput: for an unknown role.
    """
    user = users.get_user(user_id)
    show = db.session.scalar(select(Show).where(Show.slug == show_slug))
    if show is None:
        raise NotFound(gettext("There is no such show."), "show")
    if role is not None and role not in ROLES:
        raise InvalidInput(gettext("Choose author, editor or admin."), "role")
    members.set_role(user, show, role)


def _put_membership(user: User, show: Show, role: str) -> None:
    membership = db.session.get(Membership, (user.id, show.id))
    if membership is None:
        db.session.add(Membership(user_id=user.id, show_id=show.id, role=role))
    else:
        membership.role = role

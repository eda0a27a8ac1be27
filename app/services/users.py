"""Studio accounts: creating them, checking passwords, and what an instance admin changes."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import User
from app.services.errors import AuthenticationFailed, InvalidInput, NotFound

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # scrypt hashes any length; this only bounds the work per request
PASSWORD_METHOD = "scrypt"


def hash_password(password: str) -> str:
    """scrypt, named explicitly so a change of werkzeug's default cannot weaken it unnoticed."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


def normal_email(email: str) -> str:
    """:raise InvalidInput: unless it looks like an address; lower-cased, so logins ignore case."""
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 255 or any(c.isspace() for c in email):
        raise InvalidInput(gettext("Enter a valid email address."), "email")
    return email


def check_password(password: str, field: str = "password") -> None:
    """:raise InvalidInput: for a password shorter than 10 characters (or absurdly long)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            gettext(
                "The password must be at least %(count)d characters long.",
                count=MIN_PASSWORD_LENGTH,
            ),
            field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(gettext("The password is too long."), field)


def create_user(email: str, password: str, *, is_admin: bool = False) -> User:
    """:raise InvalidInput: on a malformed or taken email, or a short password."""
    email = normal_email(email)
    check_password(password)
    if find_user(email):
        raise InvalidInput(gettext("A user with this email already exists."), "email")
    user = User(email=email, password_hash=hash_password(password), is_admin=is_admin)
    db.session.add(user)
    db.session.commit()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def get_user(user_id: int) -> User:
    """:raise NotFound: for an unknown id."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("There is no such user."))
    return user


def authenticate(email: str, password: str) -> User:
    """:raise AuthenticationFailed: with one message for every reason, so none is revealed.

    Unknown email, wrong password, a deactivated account and an invitation not
    yet accepted all read the same to whoever is trying.
    """
    user = find_user(email)
    usable = user is not None and user.has_password and user.active
    hashed = user.password_hash if usable else _DUMMY_HASH
    if not check_password_hash(hashed, password) or not usable:
        raise AuthenticationFailed(gettext("The email or the password is wrong."))
    return user


def end_sessions(user: User) -> None:
    """End every session ``user`` has, on every device; the caller commits.

    Sessions are signed cookies the server cannot delete, so each one carries
    the generation it began in (``User.get_id``) and app.auth refuses an older
    one. The increment is done by the database, so two at once both count.
    """
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_generation"])


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


def set_instance_admin(user_id: int, is_admin: bool, *, acting: User) -> User:
    """Make or unmake an instance admin.

    :raise InvalidInput: when admins would demote themselves, which could leave no admin.
    """
    user = get_user(user_id)
    if user.id == acting.id and not is_admin:
        raise InvalidInput(gettext("You cannot remove your own admin rights."))
    if user.is_admin and not is_admin:
        end_sessions(user)
    user.is_admin = is_admin
    db.session.commit()
    return user


def set_active(user_id: int, active: bool, *, acting: User) -> User:
    """Deactivate (or reactivate) a login; a deactivated user's sessions end on their next request.

    :raise InvalidInput: when admins would deactivate themselves.
    """
    user = get_user(user_id)
    if user.id == acting.id and not active:
        raise InvalidInput(gettext("You cannot deactivate yourself."))
    if not active:
        end_sessions(user)
    user.active = active
    db.session.commit()
    return user

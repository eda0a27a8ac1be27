"""Studio accounts: creating them and checking passwords."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import User
from app.services.errors import AuthenticationFailed, InvalidInput

MIN_PASSWORD_LENGTH = 10
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(email: str, password: str, *, is_admin: bool = False) -> User:
    """:raise InvalidInput: on a malformed or taken email, or a short password."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise InvalidInput("Enter a valid email address.", "email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.", "password"
        )
    if db.session.scalar(select(User).where(User.email == email)):
        raise InvalidInput("A user with this email already exists.", "email")
    user = User(email=email, password_hash=generate_password_hash(password), is_admin=is_admin)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    """:raise AuthenticationFailed: with one message for unknown email and wrong password."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if not check_password_hash(user.password_hash if user else _DUMMY_HASH, password) or not user:
        raise AuthenticationFailed("The email or the password is wrong.")
    return user

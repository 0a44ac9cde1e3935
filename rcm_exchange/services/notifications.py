"""Telling people what happened: in the site and, when mail is set up, by email in the
recipient's language."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from rcm_exchange.models import PasswordTokenPurpose, User
from rcm_exchange.services import accounts
from rcm_exchange.services.mail import queue_mail
from rcm_exchange.services.unit_of_work import unit_of_work


def language_of(user: User) -> str:
    return user.preferred_language or "en"


def absolute_url(endpoint: str, **values) -> str:
    return current_app.config["RCM_BASE_URL"] + url_for(endpoint, **values)


def password_link_url(token: str) -> str:
    return absolute_url("auth.choose_password", token=token)


def send_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address; say nothing otherwise."""
    user = accounts.user_by_email(email)
    if user is None or not user.active:
        return
    hours = current_app.config["RCM_PASSWORD_LINK_HOURS"]
    with unit_of_work():
        link = accounts.create_password_link(user, PasswordTokenPurpose.RESET, hours)
        with force_locale(language_of(user)):
            queue_mail(user.email, _("Choose a new password for RCM Exchange"), _(
                "Hello %(name)s,\n\nSomeone (we hope you) asked to choose a new password for "
                "your RCM Exchange account. Open this link within %(hours)d hours:\n\n%(url)s\n\n"
                "If you did not ask, ignore this message: your password stays as it is.",
                name=user.name, hours=hours, url=password_link_url(link.token)))


def send_invitation(user: User) -> str:
    """Create a one-time link to choose a password, mail it if mail is set up, and
    return it so the admin can pass it on another way."""
    hours = current_app.config["RCM_PASSWORD_LINK_HOURS"]
    with unit_of_work():
        link = accounts.create_password_link(user, PasswordTokenPurpose.INVITE, hours)
        url = password_link_url(link.token)
        with force_locale(language_of(user)):
            queue_mail(user.email, _("Your RCM Exchange account"), _(
                "Hello %(name)s,\n\nAn account on RCM Exchange has been opened for you. Choose "
                "your password with this link within %(hours)d hours:\n\n%(url)s",
                name=user.name, hours=hours, url=url))
    return url

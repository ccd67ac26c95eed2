"""Entries of the navigation, declared by the app that owns the page.

Each app lists its pages in its ``AppConfig.navigation`` (a tuple of ``NavItem``); the web shell reads them
from every installed app and draws the menu, so a new office domain joins the menu without the shell
importing it. Sections are the three services (三服务) plus system administration."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Section(StrEnum):
    LEADERS = "leaders"  # 服务领导
    OPERATIONS = "operations"  # 服务运转
    PEOPLE = "people"  # 服务群众
    ADMIN = "admin"  # 系统管理


SECTION_TITLES = {
    Section.LEADERS: (_("服务领导"), "bi-person-badge"),
    Section.OPERATIONS: (_("服务运转"), "bi-gear-wide-connected"),
    Section.PEOPLE: (_("服务群众"), "bi-people"),
    Section.ADMIN: (_("系统管理"), "bi-shield-lock"),
}


@dataclass(frozen=True)
class NavItem:
    """One menu entry. ``perm``: the permission code a person needs to see it (empty: everyone signed in);
    ``order``: its place within the section (smaller first); ``shown_to``: for a page whose readers are not one
    permission (the office or a leader, say), the dotted path of a ``(user) -> bool`` predicate, imported when
    first asked (an app's config cannot import its models)."""

    section: Section
    label: str | Promise
    url_name: str
    order: int
    perm: str = ""
    shown_to: str = ""

"""What the directory holds, as plain values: read from LDAP (``ldap.read_directory``), applied by ``sync``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DirectoryDepartment:
    """An organisational unit (OU) below the people's search base. ``key`` is its DN relative to that base,
    lower-cased (stable while the OU keeps its place); ``code`` is the OU's name when it is a valid department
    code, else a short digest of the key."""

    key: str
    code: str
    name: str
    parent_key: str | None


@dataclass(frozen=True)
class DirectoryPerson:
    username: str
    full_name: str
    email: str = ""
    employee_no: str = ""
    mobile: str = ""
    department_key: str | None = None  # the OU the person's entry sits in, if below the search base


@dataclass(frozen=True)
class Directory:
    people: list[DirectoryPerson] = field(default_factory=list)
    departments: list[DirectoryDepartment] = field(default_factory=list)
    source: str = ""  # the server, for the audit trail

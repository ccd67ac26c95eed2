"""AC-4 / security issue hole 1 and 5: 密级 with clearance, data scope and need-to-know on every read path.

One scene — two units, a matter of each 密级 (公开 / 内部 / 秘密 / 机密) in unit A as a flow instance, an archive
record (and, see ``DOCUMENT_PATHS``, a 公文) — is read by every persona through every read path, and each
read is checked against what the rule (``org.clearance``) says. The matrix is data: a new read path is one
line in ``PATHS`` naming the rule it follows (``Rule``), and it is tried by every persona on every level.

Expected visibility per rule, from docs/security.md ("The read rule"):

- ``FLOW`` (instance page, print view, the flow's selector): participants (initiator, task holders) at every
  level; a process administrator of the unit at 公开 / 内部, and at 秘密 / 机密 only with the clearance
  (archive.restricted) covering the unit; nobody else (a flow is need-to-know: no "whole unit" reading);
- ``OVERSIGHT`` (流程监控 list and panel): the process administrator's part of ``FLOW`` only;
- ``TASK`` (the inbox row): only whoever holds a task on it;
- ``ARCHIVE`` (archive search and record): 公开 → everyone; 内部 → the unit's people; 秘密 / 机密 → owner,
  readers, and holders of the clearance within its scope;
- ``DOCUMENT`` (收文 and 发文 lists, pages, files, DOCX/PDF): participants (the registrar or drafter; the
  unit's clerks, who hold 拟办 / 核稿) at every level; the office and the leaders by level (公开 everywhere, 内部
  in their own unit); 秘密 / 机密 beyond that only with the clearance; plain staff only what they take part in;
- ``DOC_FLOW`` (the 审批中心's page of a 公文's flow): ``FLOW`` with the unit's clerks among the participants;
- ``REGISTER`` (the 文号登记簿's page, Excel and print view; the 收文 duplicate warning at 登记): the office's
  pages, which list every number (or say a source number was registered) to the whole office, but show a
  document's title only where ``DOCUMENT`` lets the viewer read it; nobody outside the office opens them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.accounts.permissions import DataScope, Perm
from sanfu.archive.services import archive_record
from sanfu.core.errors import NotFoundError
from sanfu.documents import services as documents
from sanfu.documents.flows import publish_definitions
from sanfu.documents.models import DocKind, IncomingDocument, OutgoingDocument
from sanfu.org.clearance import Level, Marking
from sanfu.workflow import selectors as flow_selectors
from sanfu.workflow import services as flow
from tests.conftest import build_org, grant, make_department, make_staff, make_unit
from tests.worlds import built_once

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LEVELS = [Level.PUBLIC, Level.INTERNAL, Level.SECRET, Level.CONFIDENTIAL]
EVERY = frozenset(LEVELS)
OPEN = frozenset({Level.PUBLIC, Level.INTERNAL})
NONE: frozenset[str] = frozenset()


class Rule(Enum):
    FLOW = "flow"
    OVERSIGHT = "oversight"
    TASK = "task"
    ARCHIVE = "archive"
    DOCUMENT = "document"
    DOC_FLOW = "doc_flow"
    REGISTER = "register"


# persona → the levels of unit A's objects they see, per rule.
EXPECTED: dict[Rule, dict[str, frozenset[str]]] = {
    Rule.FLOW: {
        "initiator": EVERY,
        "participant_b": EVERY,
        "clerk_a": NONE,
        "clerk_b": NONE,
        "leader_cleared": NONE,
        "leader_uncleared": NONE,
        "padmin_a": OPEN,
        "padmin_a_cleared": EVERY,
        "padmin_b": NONE,
        "staff_a": NONE,
    },
    Rule.OVERSIGHT: {
        "initiator": NONE,
        "participant_b": NONE,
        "clerk_a": NONE,
        "clerk_b": NONE,
        "leader_cleared": NONE,
        "leader_uncleared": NONE,
        "padmin_a": OPEN,
        "padmin_a_cleared": EVERY,
        "padmin_b": NONE,
        "staff_a": NONE,
    },
    Rule.TASK: {
        name: (EVERY if name == "participant_b" else NONE)
        for name in [
            "initiator",
            "participant_b",
            "clerk_a",
            "clerk_b",
            "leader_cleared",
            "leader_uncleared",
            "padmin_a",
            "padmin_a_cleared",
            "padmin_b",
            "staff_a",
        ]
    },
    Rule.ARCHIVE: {
        "initiator": EVERY,  # the record's owner
        "participant_b": EVERY,  # an explicit reader
        "clerk_a": OPEN,
        "clerk_b": frozenset({Level.PUBLIC}),
        "leader_cleared": EVERY,
        "leader_uncleared": OPEN,
        "padmin_a": OPEN,
        "padmin_a_cleared": EVERY,
        "padmin_b": frozenset({Level.PUBLIC}),
        "staff_a": OPEN,
    },
    Rule.DOCUMENT: {
        "initiator": EVERY,  # registered the 收文, drafted the 发文
        "participant_b": NONE,
        "clerk_a": EVERY,  # holds 拟办 / 核稿 with the unit's other clerks
        "clerk_b": frozenset({Level.PUBLIC}),
        "leader_cleared": EVERY,
        "leader_uncleared": OPEN,
        "padmin_a": OPEN,
        "padmin_a_cleared": EVERY,
        "padmin_b": frozenset({Level.PUBLIC}),
        "staff_a": NONE,
    },
}
EXPECTED[Rule.DOC_FLOW] = {**EXPECTED[Rule.FLOW], "participant_b": NONE, "clerk_a": EVERY}
OFFICE = {"initiator", "clerk_a", "clerk_b", "padmin_a", "padmin_a_cleared", "padmin_b"}  # clerks, process admins
EXPECTED[Rule.REGISTER] = {
    name: (levels if name in OFFICE else NONE) for name, levels in EXPECTED[Rule.DOCUMENT].items()
}
PERSONAS = list(EXPECTED[Rule.FLOW])

MATRIX_FLOW: dict[str, Any] = {
    "key": "matrix",
    "name": "矩阵流程",
    "nodes": [
        {"id": "start", "kind": "start", "next": "check"},
        {"id": "check", "kind": "approval", "name": "审核", "approvers": {"type": "users", "users": []}, "next": "end"},
        {"id": "end", "kind": "end"},
    ],
}


PREFIX = "矩阵发"  # the 发文字号 of the scene's 发文, numbered 1–4 in the order of LEVELS


def title_of(kind: str, level: str) -> str:
    return f"矩阵{kind}{level}号"


@dataclass
class Scene:
    people: dict[str, User]
    instances: dict[str, Any]
    records: dict[str, Any]
    incoming: dict[str, IncomingDocument]
    outgoing: dict[str, OutgoingDocument]


def build_scene(org: dict[str, Any]) -> Scene:
    roles = {r.code: r for r in Role.objects.filter(code__in=["clerk", "leader", "process-admin"])}
    if len(roles) < 3:
        ensure_admin_roles()
        roles = {r.code: r for r in Role.objects.filter(code__in=["clerk", "leader", "process-admin"])}
    uncleared = Role.objects.create(
        code="leader-uncleared",
        name="公司领导（无涉密授权）",
        permissions=[Perm.VIEW_STAFF_DETAIL, Perm.SIGN_DOCUMENTS],
        data_scope=DataScope.ALL,
    )
    clearance = Role.objects.create(
        code="clearance-unit",
        name="涉密查阅（本单位）",
        permissions=[Perm.READ_ARCHIVE_RESTRICTED],
        data_scope=DataScope.UNIT,
    )
    unit_a = org["unit"]
    unit_b = make_unit("matrix-b", name="另一家公司")
    dept_b = make_department(unit_b, "综合部")
    people = {
        "initiator": org["accountant"],
        "participant_b": make_staff(dept_b, username="participant_b"),
        "clerk_a": make_staff(org["section"], username="clerk_a"),
        "clerk_b": make_staff(dept_b, username="clerk_b"),
        "leader_cleared": org["gm"],
        "leader_uncleared": org["deputy"],
        "padmin_a": make_staff(org["office"], username="padmin_a"),
        "padmin_a_cleared": make_staff(org["office"], username="padmin_a_cleared"),
        "padmin_b": make_staff(dept_b, username="padmin_b"),
        "staff_a": make_staff(org["finance"], username="staff_a"),
    }
    grant(people["initiator"], roles["clerk"], unit_a)  # registers and drafts the 公文
    grant(people["clerk_a"], roles["clerk"], unit_a)
    grant(people["clerk_b"], roles["clerk"], unit_b)
    grant(people["leader_cleared"], roles["leader"], unit_a)
    grant(people["leader_uncleared"], uncleared, unit_a)
    grant(people["padmin_a"], roles["process-admin"], unit_a)
    grant(people["padmin_a_cleared"], roles["process-admin"], unit_a)
    grant(people["padmin_a_cleared"], clearance, unit_a)
    grant(people["padmin_b"], roles["process-admin"], unit_b)

    spec = {**MATRIX_FLOW, "nodes": [dict(n) for n in MATRIX_FLOW["nodes"]]}
    spec["nodes"][1]["approvers"] = {"type": "users", "users": [people["participant_b"].pk]}
    flow.definition_publish(actor=None, spec=spec)
    publish_definitions()
    instances, records, incoming, outgoing = {}, {}, {}, {}
    for level in LEVELS:
        incoming[level] = documents.incoming_register(
            actor=people["initiator"],
            title=title_of("收文", level),
            source_unit="上级公司",
            source_number=f"上〔2026〕{LEVELS.index(level) + 1}号",
            confidentiality=level,
            original=SimpleUploadedFile("来文.pdf", PDF, content_type="application/pdf"),
        )
        outgoing[level] = documents.outgoing_draft(
            actor=people["initiator"],
            kind=DocKind.NOTICE,
            title=title_of("发文", level),
            body="各部门：现将有关事项通知如下。",
            confidentiality=level,
            copy_no="1" if level in (Level.SECRET, Level.CONFIDENTIAL) else "",
            attachments=[SimpleUploadedFile("附件.pdf", PDF, content_type="application/pdf")],
        )
        documents.number_claim(actor=people["initiator"], prefix=PREFIX, year=2026, document=outgoing[level])
        instances[level] = flow.instance_start(
            actor=people["initiator"],
            definition_key="matrix",
            title=title_of("流程", level),
            marking=Marking(level, unit_a.pk, org["finance"].pk),
        )
        records[level] = archive_record(
            source="matrix",
            source_id=LEVELS.index(level) + 1,
            title=title_of("档案", level),
            kind="发文",
            unit_id=unit_a.pk,
            department_id=org["finance"].pk,
            year=2026,
            body_text="矩阵",
            confidentiality=level,
            owner_id=people["initiator"].pk,
            reader_ids=[people["participant_b"].pk],
        )
    return Scene(people, instances, records, incoming, outgoing)


# --- read paths: each says which rule it follows and answers "did this person see it?" ---------------

Read = Callable[[Client, User, Scene, str], bool]


def _page(url: str, client: Client) -> bool:
    response = client.get(url)
    assert response.status_code in (200, 404), (url, response.status_code)
    return response.status_code == 200


def _listed(url: str, client: Client, title: str) -> bool:
    response = client.get(url)
    if response.status_code == 404:  # a list the person may not open at all
        return False
    assert response.status_code == 200, (url, response.status_code)
    return title in response.content.decode()


def _flow_selector(_client: Client, user: User, scene: Scene, level: str) -> bool:
    try:
        flow_selectors.access_instance(actor=user, instance_id=scene.instances[level].pk)
    except NotFoundError:
        return False
    return True


def _instance_page(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("approvals:instance", args=[scene.instances[level].pk]), client)


def _instance_print(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("approvals:instance_print", args=[scene.instances[level].pk]), client)


def _monitor_list(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _listed(reverse("approvals:monitor"), client, title_of("流程", level))


def _monitor_panel(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("approvals:monitor_instance", args=[scene.instances[level].pk]), client)


def _inbox_row(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _listed(reverse("approvals:inbox"), client, title_of("流程", level))


def _archive_search(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _listed(reverse("archive:search"), client, title_of("档案", level))


def _archive_record(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("archive:record", args=[scene.records[level].pk]), client)


def _incoming_list(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _listed(reverse("documents:incoming_list"), client, title_of("收文", level))


def _incoming_page(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("documents:incoming", args=[scene.incoming[level].pk]), client)


def _incoming_file(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("documents:file", args=[scene.incoming[level].files.get().pk]), client)


def _outgoing_list(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _listed(reverse("documents:outgoing_list"), client, title_of("发文", level))


def _outgoing_page(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("documents:outgoing", args=[scene.outgoing[level].pk]), client)


def _outgoing_file(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("documents:file", args=[scene.outgoing[level].files.get().pk]), client)


def _outgoing_export(fmt: str) -> Read:
    def read(client: Client, _user: User, scene: Scene, level: str) -> bool:
        return _page(reverse("documents:outgoing_download", args=[scene.outgoing[level].pk, fmt]), client)

    return read


def _register_shows(url: str, client: Client, level: str) -> bool:
    """The register opens to the office only; where it opens it lists every number (the register stays
    contiguous), and the title where the viewer may read the document."""
    response = client.get(f"{url}?prefix={PREFIX}&year=2026")
    if response.status_code == 404:
        return False
    assert response.status_code == 200, (url, response.status_code)
    page = response.content.decode()
    assert all(f"{PREFIX}〔2026〕{n}号" in page for n in range(1, len(LEVELS) + 1)), url
    return title_of("发文", level) in page


def _number_register(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _register_shows(reverse("documents:numbers"), client, level)


def _number_register_print(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _register_shows(reverse("documents:numbers_print"), client, level)


def _number_register_excel(client: Client, _user: User, scene: Scene, level: str) -> bool:
    response = client.get(f"{reverse('documents:numbers_export')}?prefix={PREFIX}&year=2026")
    if response.status_code == 404:
        return False
    assert response.status_code == 200, response.status_code
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in rows] == list(range(1, len(LEVELS) + 1))  # every number, in order
    return any(row[5] == title_of("发文", level) for row in rows)


def _duplicate_warning(client: Client, _user: User, scene: Scene, level: str) -> bool:
    """The warning at 登记 when the same source number is typed again: said to the whole office, naming the
    earlier 收文 only to who may read it."""
    document = scene.incoming[level]
    query = {"source_unit": document.source_unit, "source_number": document.source_number}
    response = client.get(reverse("documents:incoming_duplicates"), query)
    if response.status_code == 404:
        return False
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    assert 'id="duplicate-flag"' in page
    return title_of("收文", level) in page


def _document_flow_page(client: Client, _user: User, scene: Scene, level: str) -> bool:
    return _page(reverse("approvals:instance", args=[scene.incoming[level].instance_id]), client)


PATHS: dict[str, tuple[Rule, Read]] = {
    "flow selector": (Rule.FLOW, _flow_selector),
    "instance page": (Rule.FLOW, _instance_page),
    "instance print": (Rule.FLOW, _instance_print),
    "monitor list": (Rule.OVERSIGHT, _monitor_list),
    "monitor panel": (Rule.OVERSIGHT, _monitor_panel),
    "inbox row": (Rule.TASK, _inbox_row),
    "archive search": (Rule.ARCHIVE, _archive_search),
    "archive record": (Rule.ARCHIVE, _archive_record),
    "收文 list": (Rule.DOCUMENT, _incoming_list),
    "收文 page": (Rule.DOCUMENT, _incoming_page),
    "收文 file": (Rule.DOCUMENT, _incoming_file),
    "发文 list": (Rule.DOCUMENT, _outgoing_list),
    "发文 page": (Rule.DOCUMENT, _outgoing_page),
    "发文 file": (Rule.DOCUMENT, _outgoing_file),
    "发文 DOCX": (Rule.DOCUMENT, _outgoing_export("docx")),
    "发文 PDF": (Rule.DOCUMENT, _outgoing_export("pdf")),
    "公文 flow page": (Rule.DOC_FLOW, _document_flow_page),
    "文号登记簿 page": (Rule.REGISTER, _number_register),
    "文号登记簿 print": (Rule.REGISTER, _number_register_print),
    "文号登记簿 Excel": (Rule.REGISTER, _number_register_excel),
    "收文 duplicate warning": (Rule.REGISTER, _duplicate_warning),
}


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """One scene for every read path (built once: the paths only read it)."""
    yield from built_once(django_db_blocker, tmp_path_factory, lambda: build_scene(build_org()))


@pytest.mark.parametrize("path", list(PATHS))
def test_every_persona_reads_every_level_as_the_rule_says(scene, db, login, path):
    rule, read = PATHS[path]
    wrong = []
    for persona, level in itertools.product(PERSONAS, LEVELS):
        user = scene.people[persona]
        seen = read(login(user), user, scene, level)
        expected = level in EXPECTED[rule][persona]
        if seen != expected:
            wrong.append(f"{persona} {'saw' if seen else 'did not see'} the {level} one")
    assert not wrong, f"{path}: " + "; ".join(wrong)

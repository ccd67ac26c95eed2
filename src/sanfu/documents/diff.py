"""A readable side-by-side difference of two draft revisions (difflib's HTML table)."""

from __future__ import annotations

import difflib

from django.utils.translation import gettext as _

from sanfu.documents.models import OutgoingRevision


def _lines(revision: OutgoingRevision) -> list[str]:
    head = [
        f"{_('标题')}：{revision.title}",
        f"{_('主送')}：{revision.recipients}",
        f"{_('抄送')}：{revision.copy_to}",
        "",
    ]
    return head + revision.body.splitlines()


def revision_diff(old: OutgoingRevision, new: OutgoingRevision) -> str:
    """An HTML table: the older revision on the left, the newer on the right, changes marked.
    difflib escapes the text itself."""
    return difflib.HtmlDiff(tabsize=4, wrapcolumn=40).make_table(
        _lines(old),
        _lines(new),
        fromdesc=_("第%(n)d稿") % {"n": old.no},
        todesc=_("第%(n)d稿") % {"n": new.no},
        context=True,
        numlines=2,
    )

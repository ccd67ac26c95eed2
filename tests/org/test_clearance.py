"""The read rule's own pieces (org.clearance): one set of 密级 for every domain, and what a start is marked."""

from __future__ import annotations

from sanfu.archive.models import Confidentiality as ArchiveLevel
from sanfu.documents.models import Confidentiality as DocumentLevel
from sanfu.org.clearance import Fields, Level, Marking, marking_of, readable_q
from sanfu.org.models import Post, Staff
from tests.conftest import make_user


def test_every_domain_writes_the_same_levels():
    """The rule compares stored values: the archive's and the 公文's 密级 must be the rule's."""
    assert ArchiveLevel.values == Level.values == DocumentLevel.values


def test_a_person_is_marked_with_his_unit_and_primary_department(org):
    assert marking_of(org["accountant"]) == Marking(Level.INTERNAL, org["unit"].pk, org["finance"].pk)
    assert marking_of(org["accountant"], Level.SECRET).level == Level.SECRET


def test_without_a_primary_post_the_unit_alone_and_without_staff_nothing(org):
    Post.objects.filter(staff__user=org["clerk"]).update(is_primary=False)
    assert marking_of(org["clerk"]) == Marking(Level.INTERNAL, org["unit"].pk, None)
    assert Staff.objects.filter(user=org["clerk"]).exists()
    assert marking_of(make_user("no_staff")) == Marking(Level.INTERNAL, None, None)


def test_nobody_inactive_or_anonymous_reads_anything(org):
    from django.contrib.auth.models import AnonymousUser

    assert readable_q(AnonymousUser(), Fields()) is None
    org["clerk"].is_active = False
    assert readable_q(org["clerk"], Fields()) is None

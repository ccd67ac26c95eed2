"""The demo 公文: a few documents at different steps, and one of each kind finished into the archive."""

from sanfu.accounts.models import User
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.selectors import Filters, search_records
from sanfu.demo.documents import seed_documents
from sanfu.demo.org import seed_demo
from sanfu.documents.models import IncomingDocument, OutgoingDocument


def test_the_demo_archives_one_incoming_and_one_outgoing_document_and_search_finds_them(db):
    people = {row[1]: row for row in seed_demo()}
    assert seed_documents() == 6
    assert seed_documents() == 0  # idempotent
    assert ArchiveRecord.objects.count() == 2
    assert OutgoingDocument.objects.filter(archived_at__isnull=False).exclude(number="").count() == 1
    assert IncomingDocument.objects.filter(archived_at__isnull=False).count() == 1
    gm = User.objects.get(username=people["gm"][1])
    assert [r.title for r in search_records(actor=gm, filters=Filters(query="灰坝"))] == [
        "关于做好灰坝汛期巡查工作的通知"
    ]
    assert len(list(search_records(actor=gm, filters=Filters(query="栈桥")))) == 1


def test_the_dossier_names_the_departments_a_document_was_distributed_to(db):
    seed_demo()
    seed_documents()
    record = ArchiveRecord.objects.get(kind="收文")
    assert "主办 安全生产部" in record.body_text
    assert "协办 设备部" in record.body_text

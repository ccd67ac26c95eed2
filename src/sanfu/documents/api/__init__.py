"""公文 over the REST API: 收文 and 发文 lists and pages as data (the loop, who holds it, what each wrote, the files),
a file's bytes, and the steps the pages offer on a document's current task.

Each operation calls the same selector or service as the page (``documents.selectors``, ``documents.services``,
``documents.rights``): the read rule (密级 × 数据范围 × 知悉范围) decides what a token's holder reads, a read of a
秘密/机密 document or file is audited as the page audits it (``services.document_opened``), and only the person
holding the step acts on it (the services find their task). A write's ``Idempotency-Key`` is also the form token
the services apply once, as a page's hidden one."""

from sanfu.documents.api import incoming, outgoing, reads  # noqa: F401  # each adds its operations
from sanfu.documents.api.common import READ, WRITE, router

__all__ = ["READ", "WRITE", "router"]

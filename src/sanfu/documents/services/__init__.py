"""公文 writes. Each step is a flow node: the person acts through these services, which call the workflow
services with the comment and form and keep the step's own data (拟办意见, 批示 verbatim, 分办, 承办答复,
draft revisions, 文号, issuance) in this app's tables.

Modules: ``incoming`` (收文), ``outgoing`` (发文), ``numbering`` (文号), ``common`` (what they share). The
public services are re-exported here: callers use ``sanfu.documents.services.<name>``."""

from sanfu.documents.services.common import Upload, circulation_read
from sanfu.documents.services.incoming import (
    incoming_archive,
    incoming_close,
    incoming_distribute,
    incoming_instruct,
    incoming_propose,
    incoming_register,
    incoming_reply,
)
from sanfu.documents.services.numbering import number_claim, number_void
from sanfu.documents.services.outgoing import (
    RETURNABLE_NODES,
    TEMPLATES,
    auto_archive,
    digest_of,
    issuance_receive,
    issuance_seen,
    may_revise,
    outgoing_archive,
    outgoing_assign_number,
    outgoing_countersign,
    outgoing_draft,
    outgoing_issue,
    outgoing_resubmit,
    outgoing_return,
    outgoing_review,
    outgoing_revise,
    outgoing_sign_off,
    outgoing_template,
    verify_frozen,
)

__all__ = [
    "RETURNABLE_NODES",
    "TEMPLATES",
    "Upload",
    "auto_archive",
    "circulation_read",
    "digest_of",
    "incoming_archive",
    "incoming_close",
    "incoming_distribute",
    "incoming_instruct",
    "incoming_propose",
    "incoming_register",
    "incoming_reply",
    "issuance_receive",
    "issuance_seen",
    "may_revise",
    "number_claim",
    "number_void",
    "outgoing_archive",
    "outgoing_assign_number",
    "outgoing_countersign",
    "outgoing_draft",
    "outgoing_issue",
    "outgoing_resubmit",
    "outgoing_return",
    "outgoing_review",
    "outgoing_revise",
    "outgoing_sign_off",
    "outgoing_template",
    "verify_frozen",
]

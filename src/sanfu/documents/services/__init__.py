"""公文 writes. Each step is a flow node: the person acts through these services, which call the workflow
services with the comment and form and keep the step's own data (拟办意见, 批示 verbatim, 分办, 承办答复,
draft revisions, 文号, issuance) in this app's tables.

Modules: ``incoming`` (收文), ``outgoing`` (发文), ``kinds`` (文种 starters), ``numbering`` (文号), ``common``
(what they share). The
public services are re-exported here (and the 签发 digest's check from ``documents.signing``): callers use
``sanfu.documents.services.<name>``."""

from sanfu.documents.services.common import Upload, circulation_read, document_opened
from sanfu.documents.services.incoming import (
    REGISTRAR,
    RETURN_TARGETS,
    circulation_round,
    incoming_archive,
    incoming_close,
    incoming_distribute,
    incoming_instruct,
    incoming_propose,
    incoming_register,
    incoming_reply,
    incoming_resubmit,
    incoming_return,
    same_instruction,
)
from sanfu.documents.services.kinds import TEMPLATES, outgoing_template
from sanfu.documents.services.numbering import number_claim, number_void
from sanfu.documents.services.outgoing import (
    EXPORT_FORMATS,
    RETURNABLE_NODES,
    auto_archive,
    issuance_receive,
    issuance_seen,
    may_revise,
    outgoing_archive,
    outgoing_assign_number,
    outgoing_countersign,
    outgoing_draft,
    outgoing_export,
    outgoing_issue,
    outgoing_resubmit,
    outgoing_return,
    outgoing_review,
    outgoing_revise,
    outgoing_sign_off,
)
from sanfu.documents.signing import TamperedError, digest_of, verify_frozen

__all__ = [
    "EXPORT_FORMATS",
    "REGISTRAR",
    "RETURNABLE_NODES",
    "RETURN_TARGETS",
    "TEMPLATES",
    "TamperedError",
    "Upload",
    "auto_archive",
    "circulation_read",
    "circulation_round",
    "digest_of",
    "document_opened",
    "incoming_archive",
    "incoming_close",
    "incoming_distribute",
    "incoming_instruct",
    "incoming_propose",
    "incoming_register",
    "incoming_reply",
    "incoming_resubmit",
    "incoming_return",
    "issuance_receive",
    "issuance_seen",
    "may_revise",
    "number_claim",
    "number_void",
    "outgoing_archive",
    "outgoing_assign_number",
    "outgoing_countersign",
    "outgoing_draft",
    "outgoing_export",
    "outgoing_issue",
    "outgoing_resubmit",
    "outgoing_return",
    "outgoing_review",
    "outgoing_revise",
    "outgoing_sign_off",
    "outgoing_template",
    "same_instruction",
    "verify_frozen",
]

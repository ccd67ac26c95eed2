"""组织导入: departments and staff from CSV or Excel, all or nothing.

``reading`` turns uploads into tables, ``checking`` validates them into a plan, ``applying`` writes the
plan, and ``service.org_import`` runs the three in one transaction with its audit record.
"""

from sanfu.org.importing.formats import (
    DEPARTMENTS,
    KINDS,
    STAFF,
    ImportFile,
    ImportSummary,
    csv_template,
    rank_labels,
    role_labels,
)
from sanfu.org.importing.service import org_import

__all__ = [
    "DEPARTMENTS",
    "KINDS",
    "STAFF",
    "ImportFile",
    "ImportSummary",
    "csv_template",
    "org_import",
    "rank_labels",
    "role_labels",
]

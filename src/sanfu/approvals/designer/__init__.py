"""The process designer (流程设计): pure helpers and the designer's own writes, one module per job.

* :mod:`.tree` converts between the designer's tree and the engine's JSON definition;
* :mod:`.conditions` writes and reads CEL conditions built from clauses;
* :mod:`.labels` gives readable names for node kinds, modes and approver rules;
* :mod:`.compare` diffs two versions node by node; :mod:`.bpmn` exports BPMN 2.0 XML;
* :mod:`.services` holds the designer's writes (publishing goes through ``workflow.services``).
"""

from sanfu.approvals.designer.bpmn import bpmn_xml
from sanfu.approvals.designer.compare import NodeChange, compare
from sanfu.approvals.designer.conditions import OPERATORS, cel_to_clauses, clauses_to_cel, field_types, schema_names
from sanfu.approvals.designer.labels import Names, describe_rule, kind_label, mode_label
from sanfu.approvals.designer.services import form_schema_save
from sanfu.approvals.designer.tree import ADDABLE_KINDS, NotATreeError, definition_to_tree, graph_of, tree_to_definition

__all__ = [
    "ADDABLE_KINDS",
    "OPERATORS",
    "Names",
    "NodeChange",
    "NotATreeError",
    "bpmn_xml",
    "cel_to_clauses",
    "clauses_to_cel",
    "compare",
    "definition_to_tree",
    "describe_rule",
    "field_types",
    "form_schema_save",
    "graph_of",
    "kind_label",
    "mode_label",
    "schema_names",
    "tree_to_definition",
]

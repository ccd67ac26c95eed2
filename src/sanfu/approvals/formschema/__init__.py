"""Smart forms (智能表单): parse and validate form schemas and the data submitted against them.

Pure Python: no Django, no database, no clock. The caller passes everything the rules need (the
uploaded files' first bytes, the working-day counter, existence checks for people and departments).
CEL expressions (``visible_if``, ``required_if``, computed ``expr``, schema ``validations``) are
compiled once in :func:`parse_schema` and evaluated over ``form`` (and ``initiator`` when given).

Values in CEL: text/select/date as strings (ISO dates compare correctly), ``number`` as int when
``integer`` is true and double otherwise, ``money`` as double, person/department as int ids,
tables as lists of row maps. Cleaned data is JSON-serialisable: money as a string with two places
("1234.50"), dates as ISO strings, ``date_range`` as ``{"start", "end"}``.

One module per job: :mod:`.model` (the parsed schema and the result types), :mod:`.parse` (schema
checking), :mod:`.values` (JSON ⇄ CEL values), :mod:`.cleaners` (one field's value), :mod:`.tables`
(detail tables), :mod:`.validation` (a whole submission, with conditional fields), :mod:`.money`
(人民币大写), :mod:`.files` (uploads). The public API is re-exported here.
"""

from sanfu.approvals.formschema.cleaners import SIGNATURE_MAX_BYTES, SIGNATURE_PREFIX, file_problem
from sanfu.approvals.formschema.files import CONTENT_TYPES, DEFAULT_ACCEPT, EXTENSION_KINDS, FileInfo, sniff
from sanfu.approvals.formschema.model import (
    COLUMN_TYPES,
    COMPUTED_FORMATS,
    FIELD_TYPES,
    NON_FIELD,
    NUMERIC_TYPES,
    AccessMode,
    Expr,
    FieldError,
    FieldSpec,
    FormSchema,
    Option,
    Result,
    SchemaError,
    Validation,
    derived_keys,
)
from sanfu.approvals.formschema.money import CENT, MONEY_LIMIT, format_money, money_in_capitals
from sanfu.approvals.formschema.parse import parse_schema
from sanfu.approvals.formschema.validation import access_mode, validate
from sanfu.approvals.formschema.values import NUMBER_LIMIT, cel_form, is_empty, to_cel

__all__ = [
    "CENT",
    "COLUMN_TYPES",
    "COMPUTED_FORMATS",
    "CONTENT_TYPES",
    "DEFAULT_ACCEPT",
    "EXTENSION_KINDS",
    "FIELD_TYPES",
    "MONEY_LIMIT",
    "NON_FIELD",
    "NUMBER_LIMIT",
    "NUMERIC_TYPES",
    "SIGNATURE_MAX_BYTES",
    "SIGNATURE_PREFIX",
    "AccessMode",
    "Expr",
    "FieldError",
    "FieldSpec",
    "FileInfo",
    "FormSchema",
    "Option",
    "Result",
    "SchemaError",
    "Validation",
    "access_mode",
    "cel_form",
    "derived_keys",
    "file_problem",
    "format_money",
    "is_empty",
    "money_in_capitals",
    "parse_schema",
    "sniff",
    "to_cel",
    "validate",
]

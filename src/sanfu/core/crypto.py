"""Fields encrypted at rest (DI-3): AES-256-GCM under ``SANFU_FIELD_KEY``, a key kept outside the database.

Someone who reads the database — a copy, a backup, a replica, a dump sent for support — sees no personal data
in these columns, only ``gcm1:<key id>:<nonce ‖ ciphertext ‖ tag>`` (base64url). The tag also covers the
column's name (``org.staff.mobile``), so a value cannot be moved to another column unnoticed.

**Keys and rotation.** ``SANFU_FIELD_KEY`` (or ``SANFU_FIELD_KEY_FILE``) holds one or more keys, newest first,
separated by commas or white space. New values are encrypted under the first; each value names the key it
was written with (its id is derived from the key, never stored with it), so adding a new key in front
keeps every older value readable; :func:`reencrypt_all` rewrites them under the newest key, after which the
old key may be dropped. A value whose key is not configured, or that does not decrypt, is an error that
says so — never a wrong value.

**What can be asked of such a column.** Only whether it is empty: the ciphertext of one value differs each
time (a fresh nonce), so equality, ``contains`` or ordering cannot run in the database and the field refuses
those lookups. The empty string is stored as it is (it says only that nobody entered a value).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from collections.abc import Iterator
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.apps import apps
from django.conf import settings
from django.core import validators
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models.lookups import Lookup

PREFIX = "gcm1"
MIN_KEY_LENGTH = 32  # characters of a configured key: `secrets.token_urlsafe(40)` gives 54
_NONCE = 12


class FieldKeyError(ImproperlyConfigured):
    """``SANFU_FIELD_KEY`` is missing or holds a key too short to be one."""


class FieldDecryptionError(RuntimeError):
    """A stored value cannot be read: its key is not configured, or it was altered, or it is not encrypted."""


class _Key:
    def __init__(self, secret: str) -> None:
        material = secret.encode()
        # The id names the key in every value written with it; it is derived from the key but reveals nothing of it.
        self.id = hashlib.sha256(b"sanfu-field-key-id:" + material).hexdigest()[:8]
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sanfu-field-encryption").derive(material)
        self.aead = AESGCM(derived)


@functools.lru_cache(maxsize=4)
def _parse(configured: str) -> tuple[_Key, ...]:
    secrets = configured.replace(",", " ").split()
    if not secrets:
        raise FieldKeyError("SANFU_FIELD_KEY (or SANFU_FIELD_KEY_FILE) holds no key")
    for number, secret in enumerate(secrets, start=1):
        if len(secret) < MIN_KEY_LENGTH:
            raise FieldKeyError(
                f"SANFU_FIELD_KEY: key {number} has {len(secret)} characters; at least {MIN_KEY_LENGTH} are needed"
            )
    return tuple(_Key(secret) for secret in secrets)


def _keys() -> tuple[_Key, ...]:
    return _parse(str(getattr(settings, "SANFU_FIELD_KEY", "") or ""))


def current_key_id() -> str:
    """The id of the key new values are encrypted under (the first configured)."""
    return _keys()[0].id


def encrypt(plain: str, *, context: str) -> str:
    """``plain`` encrypted under the newest key, bound to ``context`` (the column: ``app.model.field``)."""
    key = _keys()[0]
    nonce = os.urandom(_NONCE)
    sealed = key.aead.encrypt(nonce, plain.encode(), context.encode())
    return f"{PREFIX}:{key.id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def key_id_of(stored: str) -> str | None:
    """The id of the key a stored value was written with; None when it is not one of ours."""
    prefix, _sep, rest = stored.partition(":")
    key_id, sep, _data = rest.partition(":")
    return key_id if prefix == PREFIX and sep else None


def decrypt(stored: str, *, context: str) -> str:
    """The plain text of a value written by :func:`encrypt` for the same ``context``."""
    key_id = key_id_of(stored)
    if key_id is None:
        raise FieldDecryptionError(f"{context}: the stored value is not encrypted (expected {PREFIX}:…)")
    key = next((k for k in _keys() if k.id == key_id), None)
    if key is None:
        raise FieldDecryptionError(
            f"{context}: the value was encrypted under field key {key_id}, which SANFU_FIELD_KEY does not hold "
            "(was a key replaced instead of a new one added in front of it?)"
        )
    data = stored.split(":", 2)[2]
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        return key.aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
    except (InvalidTag, ValueError, binascii.Error) as exc:
        raise FieldDecryptionError(
            f"{context}: the value does not decrypt under field key {key_id}: SANFU_FIELD_KEY is not the key it "
            "was written with, or the stored value was altered"
        ) from exc


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted at rest (see the module). ``max_length`` limits the plain text, as a CharField's does;
    the column itself is text, as the ciphertext is longer."""

    description = "Text encrypted at rest (AES-256-GCM)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        self.context = f"{cls._meta.label_lower}.{name}"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), context=self.context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value, context=self.context)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        # Only emptiness can be asked: any comparison would compare ciphertexts, which differ for equal values.
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        # A one-line input, like the CharField it replaces (a TextField's form field is a textarea).
        return models.Field.formfield(
            self,
            form_class=form_class or forms.CharField,
            choices_form_class=choices_form_class,
            **{"max_length": self.max_length, **kwargs},
        )


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted field of every installed model."""
    for model in apps.get_models():
        if model._meta.proxy or model._meta.swapped:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def reencrypt_all() -> int:
    """Rewrite every value not under the newest key (after a new key was put in front); the number rewritten.
    Reads and writes the columns directly, one row at a time, each in its own short transaction."""
    newest = current_key_id()
    rewritten = 0
    quote = connection.ops.quote_name
    for model, field in encrypted_fields():
        table, column, pk = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''")  # noqa: S608
            rows = cursor.fetchall()
        for row_id, stored in rows:
            if key_id_of(stored) == newest:
                continue
            fresh = encrypt(decrypt(stored, context=field.context), context=field.context)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",  # noqa: S608
                    [fresh, row_id, stored],
                )
                rewritten += cursor.rowcount
    return rewritten

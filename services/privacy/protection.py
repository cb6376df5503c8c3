"""Files that open only with the password the user typed: Office files encrypted as Excel and
WPS encrypt them (ECMA-376 Agile, AES-256), anything else inside an AES-256 ZIP.

The password lives only in the call: it is not stored, logged or put in the audit, which
records only that the file was protected.
"""

from __future__ import annotations

import io
from pathlib import PurePath

import pyzipper
from msoffcrypto.format.ooxml import OOXMLFile

from core.errors import DomainError

MIN_PASSWORD = 8
MAX_PASSWORD = 64
OFFICE_SUFFIXES = frozenset({".xlsx", ".docx", ".pptx"})


def password_problem(password: str) -> str | None:
    """Why a file password cannot be used (in Chinese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"文件密码至少 {MIN_PASSWORD} 位。"
    if len(password) > MAX_PASSWORD:
        return f"文件密码最多 {MAX_PASSWORD} 位。"
    if password != password.strip():
        return "文件密码的开头和结尾不能是空格。"
    return None


def protected_name(filename: str) -> str:
    """The name the protected file goes by: an Office file keeps it, others become .zip."""
    path = PurePath(filename)
    return filename if path.suffix.lower() in OFFICE_SUFFIXES else f"{path.stem}.zip"


def protect(data: bytes, filename: str, password: str) -> bytes:
    """The file encrypted with `password`: see the module docstring for how."""
    if problem := password_problem(password):
        raise DomainError(problem)
    if PurePath(filename).suffix.lower() in OFFICE_SUFFIXES:
        encrypted = io.BytesIO()
        OOXMLFile(io.BytesIO(data)).encrypt(password, encrypted)
        return encrypted.getvalue()
    packed = io.BytesIO()
    with pyzipper.AESZipFile(packed, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode("utf-8"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr(PurePath(filename).name, data)
    return packed.getvalue()

"""A file uploader that speaks the page's language.

Streamlit's uploader writes "Drag and drop file here", "Upload" and "200MB per file • CSV"
in English whatever the page's language; those strings cannot be set. In Chinese the fixed
texts are hidden by CSS on the uploader's data-testid and replaced by our own words, and a
caption states the types and the size limit the server enforces.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.i18n import t

# Scoped to uploaders inside our own container, so no other widget is touched.
CHINESE_UPLOADER_CSS = """<style>
.st-key-zh_uploader [data-testid="stFileUploaderDropzoneInstructions"],
.st-key-zh_uploader [data-testid="stFileUploaderDropzone"] > :not(input):not(:has(button)) {
  display: none !important; }
.st-key-zh_uploader [data-testid="stFileUploaderDropzone"]::before {
  content: "{drop_here}"; font-size: 0.875rem; margin-right: 0.5rem; }
.st-key-zh_uploader [data-testid="stFileUploaderDropzone"] button > * { display: none !important; }
.st-key-zh_uploader [data-testid="stFileUploaderDropzone"] button::after {
  content: "{choose_file}"; }
</style>"""


def file_uploader(label: str, *, types: list[str], key: str, max_mb: int, lang: str,
                  multiple: bool = False, **kwargs: Any) -> Any:
    """st.file_uploader with its fixed English hidden in Chinese, and a caption of types/limit."""
    shown_types = "、".join(x.upper() for x in types if x != "jpeg") if lang == "zh" else \
        ", ".join(x.upper() for x in types if x != "jpeg")
    with st.container(key=f"zh_uploader_{key}" if lang == "zh" else f"en_uploader_{key}"):
        if lang == "zh":
            st.html(CHINESE_UPLOADER_CSS.replace(".st-key-zh_uploader",
                                                 f".st-key-zh_uploader_{key}")
                    .replace("{drop_here}", t("upload.drop_here", lang))
                    .replace("{choose_file}", t("upload.choose_file", lang)))
        upload = st.file_uploader(label, type=types, key=key, max_upload_size=max_mb,
                                  accept_multiple_files=multiple, **kwargs)
        st.caption(t("upload.limit", lang, types=shown_types, mb=max_mb))
    return upload

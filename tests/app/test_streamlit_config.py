"""The Streamlit settings the app relies on (`.streamlit/config.toml`), checked against the
options this Streamlit knows: an option renamed or dropped upstream is ignored silently."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit import config

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def _ours() -> dict[str, object]:
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    return {f"{section}.{key}": value
            for section, values in settings.items() for key, value in values.items()}


@pytest.mark.parametrize("option", sorted(_ours()))
def test_every_option_we_set_is_one_streamlit_knows(option):
    assert option in config._config_options_template, option


def test_no_full_garbage_collection_after_every_script_run():
    # Each open 总览 runs a watcher fragment once a second (components/stats/stats_cache.py);
    # with Streamlit's default, every such run ended in a full collection of the worker's heap
    # (about 0.1 s of CPU), and 16 open dashboards starved two workers (bench/dashboards.py).
    assert config._config_options_template["runner.postScriptGC"].default_val is True
    assert _ours()["runner.postScriptGC"] is False


def test_uploads_are_refused_over_twenty_megabytes():
    assert _ours()["server.maxUploadSize"] == 20

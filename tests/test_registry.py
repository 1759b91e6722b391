"""One plug-in registry mechanism: lazy "module:attribute" targets, and an unknown name lists the known ones."""

import subprocess
import sys

import pytest

from stages.registry import Registry, UnknownName


def test_lookup_imports_lazily_and_caches():
    reg = Registry("codec", {"json": "json:dumps", "sqlite": "sqlite3.dbapi2:connect"})
    assert list(reg) == reg.names() == ["json", "sqlite"] and len(reg) == 2 and "json" in reg
    import json

    assert reg.load("json") is json.dumps
    assert reg.load("json") is reg.load("json")
    import sqlite3

    assert reg.items() == [("json", json.dumps), ("sqlite", sqlite3.connect)]


def test_unknown_name_lists_the_known_names():
    reg = Registry("codec", {"json": "json:dumps", "pickle": "pickle:dumps"})
    with pytest.raises(UnknownName, match=r"unknown codec 'yaml'; known: json, pickle") as info:
        reg.load("yaml")
    assert isinstance(info.value, ValueError)


def test_the_unknown_name_error_can_be_a_domain_error():
    class PluginError(ValueError):
        pass

    with pytest.raises(PluginError, match="unknown thing 'z'; known: a"):
        Registry("thing", {"a": "json:dumps"}, error=PluginError).load("z")


def test_a_target_must_be_module_colon_attribute():
    with pytest.raises(ValueError, match=r"codec 'x': target 'json\.dumps' is not 'module:attribute'"):
        Registry("codec", {"x": "json.dumps"})


def test_the_registries_list_their_plugins_and_reject_unknown_names():
    from stages.executors import EXECUTORS
    from stages.llm.registry import BACKENDS

    assert EXECUTORS.names() == ["local", "ray"]
    assert BACKENDS.names() == ["hf", "vllm", "openai"]
    with pytest.raises(ValueError, match="unknown llm backend 'tgi'; known: hf, vllm, openai"):
        BACKENDS.load("tgi")
    with pytest.raises(ValueError, match="unknown executor 'dask'; known: local, ray"):
        EXECUTORS.load("dask")


def test_a_registry_imports_no_plugin_module_until_asked_for():
    code = (
        "import sys\n"
        "import stages.executors, stages.llm.registry, stages.params\n"
        "lazy = ('stages.executors.ray', 'stages.executors.local', 'stages.llm.hf', 'stages.llm.vllm',\n"
        "        'stages.llm.openai', 'stages.translate', 'stages.generate_tests')\n"
        "print([name for name in lazy if name in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

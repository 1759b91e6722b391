"""The registry is the one list of languages: each registered language declares what set-up, the runtime checks
and translate need, scripts/setup.sh installs its Debian packages, and its test fixtures exist. Fast: nothing
runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from language_helpers import fixture_path

from stages.languages import (
    REGISTRY,
    IncompleteLanguage,
    Language,
    TranslateDefaults,
    UnknownLanguage,
    canonical,
    display_name,
    get,
    names,
)

SETUP = Path(__file__).resolve().parents[2] / "scripts" / "setup.sh"


def setup_packages() -> set[str]:
    """The Debian packages scripts/setup.sh installs: APT_PACKAGES, and the values of COMMAND_PACKAGES."""
    text = SETUP.read_text()
    apt = re.search(r"^APT_PACKAGES=\(([^)]*)\)", text, re.MULTILINE)
    command = re.search(r"^declare -A COMMAND_PACKAGES=\((.*)\)$", text, re.MULTILINE)
    assert apt and command, (
        f"{SETUP} no longer defines APT_PACKAGES and COMMAND_PACKAGES as this test reads them"
    )
    return set(apt.group(1).split()) | set(re.findall(r"\[[^]]+\]=(\S+)", command.group(1)))


def test_registry_keys_are_the_languages_names() -> None:
    assert all(cls.name == key for key, cls in REGISTRY.items())
    assert names() == REGISTRY.names()
    for field in ("multipl_e_name", "file_ext"):
        values = [getattr(cls, field) for _, cls in REGISTRY.items()]
        assert len(set(values)) == len(values), f"two languages share a {field}: {values}"


def test_an_unknown_language_names_the_registered_ones() -> None:
    with pytest.raises(UnknownLanguage, match="known: python, lua"):
        get("cobol")


@pytest.mark.parametrize("name", names())
def test_language_declares_install_probe_and_translate_defaults(name: str) -> None:
    lang = get(name)
    assert isinstance(lang.debian_packages, tuple) and all(isinstance(p, str) for p in lang.debian_packages)
    assert lang.probe_program.strip(), f"{name}: probe_program is empty"
    assert lang.version_flag
    assert isinstance(lang.translate_defaults, TranslateDefaults)
    assert lang.translate_defaults.max_tokens_scale > 0
    assert lang.translate_defaults.wall_s is None or lang.translate_defaults.wall_s > 0
    if not lang.debian_packages:
        # Without a Debian package the default hint (run scripts/setup.sh) would be wrong: say how to get it.
        assert type(lang).install_hint is not Language.install_hint, f"{name}: override install_hint"
    assert lang.install_hint


@pytest.mark.parametrize("name", names())
def test_setup_sh_installs_the_languages_debian_packages(name: str) -> None:
    missing = sorted(set(get(name).debian_packages) - setup_packages())
    assert not missing, f"{name}: add {missing} to APT_PACKAGES (or COMMAND_PACKAGES) in scripts/setup.sh"


@pytest.mark.parametrize("name", names())
def test_language_has_solution_fixtures(name: str) -> None:
    assert fixture_path(name).stat().st_size > 0


def test_a_language_without_fixtures_fails_naming_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY.targets, "cobol", f"{__name__}:Cobol")
    with pytest.raises(pytest.fail.Exception, match=r"tests/languages/fixtures/cobol/solutions\.cob"):
        fixture_path("cobol")


def test_multipl_t_targets() -> None:
    targets = [name for name in names() if get(name).translate_defaults.multipl_t]
    assert targets == ["lua", "racket", "r", "ocaml", "julia"]


class Cobol(REGISTRY.load("lua")):  # type: ignore[misc]
    """A registered language with no fixtures (test_a_language_without_fixtures_fails_naming_the_file)."""

    name = "cobol"
    file_ext = "cob"


@pytest.mark.parametrize("name", names())
def test_language_provides_every_attribute_and_hook(name: str) -> None:
    assert REGISTRY.load(name).missing() == []


class Half(Language):
    """A language that set only its name: `get` must name everything else it lacks."""

    name = "half"


def test_a_language_missing_parts_is_an_error_naming_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY.targets, "half", f"{__name__}:Half")
    with pytest.raises(IncompleteLanguage) as error:
        get("half")
    lacking = str(error.value).split(" lacks ", 1)[1].split(", ")
    assert {"display_name", "lexicon", "assertion_pattern", "debian_packages", "run_argv", "prompt"} <= set(
        lacking
    )
    assert "name" not in lacking  # what it has is not named


def test_an_unknown_language_is_an_error_where_a_language_is_looked_up() -> None:
    from stages.decont.normalise import lexemes

    assert canonical("rkt") == "racket" and display_name("cpp") == "C++"
    with pytest.raises(UnknownLanguage, match="known: python, lua"):
        lexemes("fn main() {}", "rust")  # once lexed as Python without a word
    with pytest.raises(UnknownLanguage):
        display_name("rust")

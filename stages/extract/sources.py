"""Where Python files come from: local directories, The Stack through `datasets`, or JSONL/Parquet files.

Every reader yields, in a stable order, either a `Document` (decoded text plus its lineage `Source`) or a
`Skipped` (a file that cannot be used, with a named reason), so bad input is counted and never crashes the
stage or vanishes silently. Readers stream: nothing holds more than one file or one record batch at a time.
"""

from __future__ import annotations

import fnmatch
import glob
import gzip
import hashlib
import json
import logging
import os
import platform
import sysconfig
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.params import ParamsError, check_range
from stages.records.schema import Source

log = logging.getLogger(__name__)

STDLIB = "stdlib"
STDLIB_LICENSE = "PSF-2.0"
THE_STACK = "bigcode/the-stack-dedup"
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
GLOB_CHARS = set("*?[")

# File-level skip reasons (the `extract_functions.files` funnel).
UNREADABLE = "unreadable"
NOT_UTF8 = "not_utf8"
NULL_BYTE = "null_byte"
TOO_LARGE = "too_large"
BAD_RECORD = "bad_record"
NO_CONTENT = "no_content"


class SourceError(RuntimeError):
    """A source cannot be opened at all (missing token, missing path): the message says what to do."""


@dataclass(frozen=True)
class LocalSource:
    # Directories or globs of .py files. Empty: the running interpreter's standard library
    # (sysconfig "stdlib"), recorded with its Python version so a different Python reruns the stage.
    paths: tuple[str, ...] = ()
    # fnmatch patterns on the path relative to its root (`*` crosses `/`). Third-party packages and the
    # stdlib's own test suites, IDLE and demos are left out by default: they are not library functions.
    exclude: tuple[str, ...] = (
        "site-packages/*",
        "dist-packages/*",
        "test/*",
        "*/test/*",
        "tests/*",
        "*/tests/*",
        "idlelib/*",
        "turtledemo/*",
    )


@dataclass(frozen=True)
class HubSource:
    # The Stack (deduplicated), Python subset, streamed with `datasets`. Gated: the token comes from $HF_TOKEN
    # or `hf auth login`.
    dataset: str = THE_STACK
    data_dir: str = "data/python"
    # Pinned dataset revision (a tag or commit of the hub repository), so a rerun reads the same files.
    revision: str = "v1.2"
    # Local Parquet files with the hub dataset's schema, streamed through `datasets` instead of the hub
    # (offline runs and tests). Empty: the hub.
    data_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilesSource:
    # JSONL (optionally .gz) or Parquet files, globs allowed, one document per record.
    paths: tuple[str, ...] = ()
    # Column holding the file text; the others are optional metadata carried into the lineage ("" = none).
    # Defaults follow The Stack's schema, so its Parquet shards work as they are.
    content_column: str = "content"
    repo_column: str = "max_stars_repo_name"
    path_column: str = "max_stars_repo_path"
    license_column: str = "max_stars_repo_licenses"
    sha_column: str = "hexsha"


@dataclass(frozen=True)
class SourceParams:
    # Which reader: "local" (directories; default the stdlib), "hf" (The Stack via `datasets`), "files".
    kind: str = "local"
    local: LocalSource = field(default_factory=LocalSource)
    hf: HubSource = field(default_factory=HubSource)
    files: FilesSource = field(default_factory=FilesSource)
    # Stop after this many documents (0 = all): streaming The Stack needs a bound.
    max_documents: int = 0
    # Files larger than this are skipped as `too_large` before they are read (The Stack's files are <= 1 MB).
    max_file_bytes: int = 1_000_000

    def __post_init__(self) -> None:
        if self.kind not in ("local", "hf", "files"):
            raise ParamsError(f"extract.source.kind: {self.kind!r} is not one of 'local', 'hf', 'files'")
        check_range("extract.source.max_documents", self.max_documents, 0)
        check_range("extract.source.max_file_bytes", self.max_file_bytes, 1)
        if self.kind == "files" and not self.files.paths:
            raise ParamsError("extract.source.files.paths is empty but extract.source.kind is 'files'")


@dataclass(frozen=True)
class Document:
    """One source file's text. `licenses` is None when the source carries no license information."""

    content: str
    source: Source
    ident: str
    licenses: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not used, and why."""

    reason: str
    ident: str


Item = Document | Skipped


# --- local directories ---------------------------------------------------------------------------------


def stdlib_root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"]).resolve()


def python_identity() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"


def local_files(params: LocalSource) -> list[tuple[Path, str]]:
    """(absolute file, path relative to its root) for every .py file the local source reads, sorted."""
    roots = [str(stdlib_root())] if not params.paths else list(params.paths)
    found: dict[Path, str] = {}
    for root in roots:
        if GLOB_CHARS & set(root):
            matches = [Path(m) for m in sorted(glob.glob(os.path.expanduser(root), recursive=True))]
            base = Path(os.path.expanduser(root.split("*")[0].split("?")[0].split("[")[0]))
            base = base if base.is_dir() else base.parent
        else:
            matches = [Path(os.path.expanduser(root))]
            base = matches[0] if matches[0].is_dir() else matches[0].parent
            if not matches[0].exists():
                raise SourceError(f"extract.source.local.paths: {root!r} does not exist")
        for match in matches:
            for path in _walk_py(match):
                rel = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
                if not any(fnmatch.fnmatchcase(rel, pattern) for pattern in params.exclude):
                    found.setdefault(path.resolve(), rel)
    return sorted(found.items(), key=lambda item: (item[1], str(item[0])))


def _walk_py(path: Path) -> Iterator[Path]:
    if path.is_file():
        if path.suffix == ".py":
            yield path
        return
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath) / name


def iter_local(params: LocalSource, max_file_bytes: int) -> Iterator[Item]:
    stdlib = not params.paths
    dataset = STDLIB if stdlib else "local"
    repo = python_identity() if stdlib else None
    for path, rel in local_files(params):
        try:
            if path.stat().st_size > max_file_bytes:
                yield Skipped(TOO_LARGE, rel)
                continue
            data = path.read_bytes()
        except OSError as exc:
            log.debug("cannot read %s: %s", path, exc)
            yield Skipped(UNREADABLE, rel)
            continue
        source = Source(
            dataset=dataset,
            repo=repo,
            path=rel,
            license=STDLIB_LICENSE if stdlib else None,
            sha=hashlib.sha256(data).hexdigest(),
        )
        yield decode(data, source, rel, None)


def decode(data: bytes | str, source: Source, ident: str, licenses: tuple[str, ...] | None) -> Item:
    """Turn raw file content into a Document, or a Skipped naming why it cannot be Python source."""
    if isinstance(data, bytes):
        if b"\0" in data:
            return Skipped(NULL_BYTE, ident)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return Skipped(NOT_UTF8, ident)
    else:
        text = data
        if "\0" in text:
            return Skipped(NULL_BYTE, ident)
    return Document(content=text, source=source, ident=ident, licenses=licenses)


# --- records (JSONL / Parquet / hub rows) ----------------------------------------------------------------


def _licenses(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    return (str(value),)


def _column(record: Mapping[str, Any], name: str) -> Any:
    return record.get(name) if name else None


def record_item(record: Any, columns: FilesSource, dataset: str, ident: str, max_file_bytes: int) -> Item:
    """A Document from one record with a content column and optional metadata columns."""
    if not isinstance(record, Mapping):
        return Skipped(BAD_RECORD, ident)
    content = record.get(columns.content_column)
    if not isinstance(content, str | bytes) or not content:
        return Skipped(NO_CONTENT, ident)
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "surrogatepass"))
    if size > max_file_bytes:
        return Skipped(TOO_LARGE, ident)
    licenses = _licenses(_column(record, columns.license_column)) if columns.license_column else None
    sha = _column(record, columns.sha_column)
    if sha is None:
        raw = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
        sha = hashlib.sha256(raw).hexdigest()
    repo = _column(record, columns.repo_column)
    path = _column(record, columns.path_column)
    source = Source(
        dataset=dataset,
        repo=None if repo is None else str(repo),
        path=None if path is None else str(path),
        license=",".join(licenses) if licenses else None,
        sha=str(sha),
    )
    return decode(content, source, f"{repo}/{path}" if repo or path else ident, licenses)


def expand_globs(patterns: Sequence[str], what: str) -> list[Path]:
    paths: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(os.path.expanduser(pattern), recursive=True))
        if not matches:
            raise SourceError(f"{what}: {pattern!r} matches no file")
        paths.extend(Path(m) for m in matches)
    return paths


def iter_files(params: FilesSource, max_file_bytes: int) -> Iterator[Item]:
    for path in expand_globs(params.paths, "extract.source.files.paths"):
        name = path.name.lower()
        if name.endswith(".parquet"):
            yield from _iter_parquet(path, params, max_file_bytes)
        elif name.endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz")):
            yield from _iter_jsonl(path, params, max_file_bytes)
        else:
            raise SourceError(f"extract.source.files.paths: {path} is neither .jsonl[.gz] nor .parquet")


def _iter_jsonl(path: Path, params: FilesSource, max_file_bytes: int) -> Iterator[Item]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            for lineno, line in enumerate(handle, 1):
                ident = f"{path.name}:{lineno}"
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    yield Skipped(BAD_RECORD, ident)
                    continue
                yield record_item(record, params, str(path), ident, max_file_bytes)
    except (OSError, EOFError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        yield Skipped(UNREADABLE, path.name)


def _iter_parquet(path: Path, params: FilesSource, max_file_bytes: int) -> Iterator[Item]:
    import pyarrow.parquet as pq

    try:
        reader = pq.ParquetFile(path)
        batches = reader.iter_batches(batch_size=256)
        index = 0
        for batch in batches:
            for record in batch.to_pylist():
                yield record_item(record, params, str(path), f"{path.name}:{index}", max_file_bytes)
                index += 1
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) on a corrupt file
        log.warning("cannot read %s: %s", path, exc)
        yield Skipped(UNREADABLE, path.name)


# --- the hub ---------------------------------------------------------------------------------------------


def hub_token() -> str | None:
    for name in TOKEN_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    try:
        from huggingface_hub import get_token
    except ImportError:
        return None
    return get_token()


def iter_hub(params: HubSource, max_file_bytes: int) -> Iterator[Item]:
    """Stream The Stack (or local Parquet files with its schema) through `datasets`."""
    from datasets import load_dataset

    if params.data_files:
        files = [str(p) for p in expand_globs(params.data_files, "extract.source.hf.data_files")]
        stream = load_dataset("parquet", data_files=files, split="train", streaming=True)
    else:
        token = hub_token()
        if not token:
            raise SourceError(
                f"{params.dataset} is gated: accept its terms on huggingface.co, then set $HF_TOKEN or run "
                "`hf auth login` (or use extract.source.kind: local)."
            )
        stream = load_dataset(
            params.dataset,
            data_dir=params.data_dir,
            revision=params.revision,
            split="train",
            streaming=True,
            token=token,
        )
    columns = FilesSource()  # the hub dataset's own column names
    for index, record in enumerate(stream):
        yield record_item(record, columns, params.dataset, f"{params.dataset}:{index}", max_file_bytes)


def iter_source(params: SourceParams) -> Iterator[Item]:
    """The configured reader, bounded by `max_documents` (Skipped items count towards it too)."""
    if params.kind == "local":
        items = iter_local(params.local, params.max_file_bytes)
    elif params.kind == "hf":
        items = iter_hub(params.hf, params.max_file_bytes)
    else:
        items = iter_files(params.files, params.max_file_bytes)
    for count, item in enumerate(items, 1):
        yield item
        if params.max_documents and count >= params.max_documents:
            return

"""Write a bundle directory atomically and read it back with every file's hash checked.

Layout: ``manifest.json`` (plain JSON, holds the sha256 of every other file) plus payload
files. A bundle is written into a temporary sibling directory, flushed to disk, then
renamed into place, so a reader never sees a half-written bundle.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlpilot.exceptions import BundleError

logger = logging.getLogger(__name__)

__all__ = ["FORMAT", "FORMAT_VERSION", "MANIFEST", "check_bundle_target", "write_bundle", "read_manifest", "sha256_file"]

FORMAT = "mlpilot-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_bundle_target(path: str | os.PathLike) -> None:
    """Raise BundleError unless ``path`` can take a bundle: absent, an empty directory or a bundle."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise BundleError(f"Cannot save the model to '{path}': a file with that name exists. "
                          "Choose another --out directory.")
    if path.is_dir() and any(path.iterdir()) and not (path / MANIFEST).exists():
        raise BundleError(f"Cannot save the model to '{path}': the directory is not empty and is not an "
                          "mlpilot bundle. Choose a new or empty --out directory.")


def write_bundle(path: str | os.PathLike, manifest: dict[str, Any], write_payload: Callable[[Path], None]) -> Path:
    """Create the bundle at ``path``; ``write_payload(tmpdir)`` writes the payload files.

    An existing bundle at ``path`` is replaced only once the new one is complete.
    """
    path = Path(path).absolute()
    check_bundle_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        write_payload(tmp)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        manifest = {**manifest, "format": FORMAT, "format_version": FORMAT_VERSION,
                    "files": {p.relative_to(tmp).as_posix(): sha256_file(p) for p in files}}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))
        for p in [*files, tmp / MANIFEST]:
            _fsync(p)
        _swap_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _swap_in(tmp: Path, path: Path) -> None:
    old = None
    if path.exists():
        old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(path, old)
    os.rename(tmp, path)
    _fsync(path.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(path: str | os.PathLike, verify: bool = True) -> dict[str, Any]:
    """The manifest of the bundle at ``path``, after checking format and every file's sha256."""
    path = Path(path)
    if not path.is_dir():
        raise BundleError(f"Model '{path}' does not exist or is not a directory. "
                          "Pass the directory written by `mlpilot fit --out`.")
    mpath = path / MANIFEST
    if not mpath.is_file():
        raise BundleError(f"'{path}' is not an mlpilot bundle: it has no {MANIFEST}. "
                          "Pass the directory written by `mlpilot fit --out`.")
    try:
        manifest = json.loads(mpath.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise BundleError(f"'{mpath}' is truncated or corrupt ({err}). Train the model again.") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"'{mpath}' is not an mlpilot manifest (no \"format\": \"{FORMAT}\").")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BundleError(f"Bundle '{path}' has format version {manifest.get('format_version')}, newer than "
                          f"this mlpilot reads ({FORMAT_VERSION}). Upgrade mlpilot.")
    if verify:
        _verify_files(path, manifest.get("files", {}))
    return manifest


def _verify_files(path: Path, files: dict[str, str]) -> None:
    if not files:
        raise BundleError(f"Bundle '{path}' lists no payload files in its manifest; it is incomplete.")
    for rel, digest in files.items():
        f = path / rel
        if not f.is_file():
            raise BundleError(f"Bundle '{path}' is incomplete: file '{rel}' is missing. "
                              "Train the model again or restore the bundle.")
        if sha256_file(f) != digest:
            raise BundleError(f"Bundle file '{rel}' in '{path}' fails its sha256 check: it was modified or "
                              "truncated after the bundle was saved. Train again or restore the bundle.")

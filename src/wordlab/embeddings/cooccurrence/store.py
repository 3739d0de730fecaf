"""Reading and writing X as a scipy ``.npz`` without ever holding all of it in memory.

``scipy.sparse.save_npz`` needs the whole matrix as arrays. When X is counted in shards, the shards' columns
and values are spilled to files beside the target and then streamed, member by member, into an uncompressed
zip laid out as ``np.savez`` lays out the same arrays, so ``scipy.sparse.load_npz`` (and
anything else that reads ``.npz``) reads it unchanged. The file appears only complete (temporary name, then
rename).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import scipy.sparse as sp

from wordlab.io import atomic_path

COOCCURRENCE_FILE = "cooccurrence.npz"  # the matrix in the `count_cooccurrence` stage's output folder
_BLOCK = 1 << 24  # bytes streamed at a time from a spill file
INDEX_DTYPE = np.dtype(np.int32)
VALUE_DTYPE = np.dtype(np.float64)


def _member(name: str) -> zipfile.ZipInfo:
    # A fixed timestamp (np.savez stamps the current time), so that equal matrices give byte-identical files.
    info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    return info


def _write_member(
    archive: zipfile.ZipFile, name: str, dtype: np.dtype, length: int, parts: Iterable[np.ndarray | bytes]
) -> None:
    """One ``.npy`` member of a 1-D array of ``length`` items, its body written part by part."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": (length,)}
    written = 0
    with archive.open(_member(name), "w", force_zip64=True) as member:
        np.lib.format.write_array_header_1_0(member, header)
        for part in parts:
            data: bytes | memoryview
            if isinstance(part, np.ndarray):
                if part.dtype != dtype or part.ndim != 1:
                    raise TypeError(f"{name}: expected 1-D {np.dtype(dtype)}, got {part.ndim}-D {part.dtype}")
                data = np.ascontiguousarray(part).data.cast("B")  # .data is memoryview(array)
            else:
                data = part
            member.write(data)
            written += len(data)
    if written != length * np.dtype(dtype).itemsize:
        raise ValueError(f"{name}: wrote {written} bytes for {length} items of {np.dtype(dtype)}")


def _write_small(archive: zipfile.ZipFile, name: str, value: np.ndarray) -> None:
    with archive.open(_member(name), "w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.asarray(value), allow_pickle=False)


def save_csr_npz(
    target: str | Path,
    shape: tuple[int, int],
    indptr: np.ndarray,
    index_parts: Iterable[np.ndarray | bytes],
    data_parts: Iterable[np.ndarray | bytes],
) -> None:
    """Write a CSR ``csr_array`` (int32 columns, float64 values) to ``target`` atomically, part by part."""
    nnz = int(indptr[-1])
    with (
        atomic_path(target) as tmp,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive,
    ):
        _write_member(archive, "indices", INDEX_DTYPE, nnz, index_parts)
        _write_small(archive, "indptr", indptr)
        _write_small(archive, "format", np.array(b"csr"))
        _write_small(archive, "shape", np.array(shape))
        _write_member(archive, "data", VALUE_DTYPE, nnz, data_parts)
        _write_small(archive, "_is_array", np.array(True))


def spilled(handle: BinaryIO) -> Iterable[bytes]:
    """The contents of a spill file, from the start, in blocks."""
    handle.seek(0)
    while block := handle.read(_BLOCK):
        yield block


def _read_stored(path: Path, info: zipfile.ZipInfo) -> np.ndarray:
    """An uncompressed ``.npy`` member read straight from the file: no zip stream, no CRC pass, one copy."""
    name = info.filename
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        if local[:4] != b"PK\x03\x04":
            raise ValueError(f"{path}: damaged zip entry {name}")
        name_length, extra_length = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
        handle.seek(info.header_offset + 30 + name_length + extra_length)
        version = np.lib.format.read_magic(handle)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(handle)
        if fortran or len(shape) != 1:
            raise ValueError(f"{path}: {name} is not a 1-D C-order array")
        array = np.fromfile(handle, dtype=dtype, count=shape[0])
    if array.shape != shape:
        raise ValueError(f"{path}: {name} is truncated ({array.shape[0]} of {shape[0]} items)")
    return array


def load_cooccurrences(path: str | Path) -> sp.csr_array:
    """X as written by ``write_cooccurrences``: square, CSR, float64, sorted columns.

    Any scipy ``.npz`` loads; uncompressed CSR ones (what the stage writes) are read directly, which takes a
    fraction of the time ``scipy.sparse.load_npz`` spends streaming and checksumming ~1 GB through zipfile.
    """
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        members = ("indices.npy", "indptr.npy", "data.npy")
        direct = {"format.npy", "shape.npy", *members} <= names and all(
            archive.getinfo(member).compress_type == zipfile.ZIP_STORED for member in members
        )
        if direct:
            infos = [archive.getinfo(member) for member in members]
            with archive.open("format.npy") as handle:
                kind = np.lib.format.read_array(handle).item()
            with archive.open("shape.npy") as handle:
                shape = tuple(int(n) for n in np.lib.format.read_array(handle))
    if not direct or kind != b"csr":
        matrix = sp.load_npz(path)
        kind, shape = matrix.format.encode(), matrix.shape
    else:
        indices, indptr, data = (_read_stored(path, info) for info in infos)
        matrix = sp.csr_array((data, indices, indptr), shape=shape)
    if kind != b"csr" or shape[0] != shape[1]:
        raise ValueError(f"{path}: expected a square CSR matrix, found {kind.decode()} {shape}")
    return sp.csr_array(matrix)

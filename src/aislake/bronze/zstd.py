"""zstd streams, decoded to their end: a frame cut short is an error, never a short file.

NOAA publishes its csv2 days as zstd CSV, and bronze keeps them so (``*.csv.zst``): DuckDB reads
them directly; what must see the text (the header, a line count) decodes them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import zstandard


class ZstdDataError(ValueError):
    """The bytes are not a complete zstd stream (corrupt, a failed checksum, or truncated)."""


def decode(chunks: Iterable[bytes], what: str) -> Iterator[bytes]:
    """The decoded bytes of the zstd stream ``chunks`` (frames one after another), each frame
    checked to its end and against its checksum where it has one."""
    decompressor = zstandard.ZstdDecompressor()
    frame = decompressor.decompressobj()
    in_frame = False
    try:
        for chunk in chunks:
            while chunk:
                in_frame = True
                out = frame.decompress(chunk)
                if out:
                    yield out
                if not frame.eof:
                    break
                # A frame ended: what follows in the chunk starts the next one.
                chunk, frame, in_frame = frame.unused_data, decompressor.decompressobj(), False
    except zstandard.ZstdError as exc:
        raise ZstdDataError(f"{what} is not valid zstd data ({exc})") from exc
    if in_frame:
        raise ZstdDataError(
            f"{what} ends inside a zstd frame: the download is truncated or corrupt"
        )


def text_chunks(key: str, chunks: Iterable[bytes]) -> Iterable[bytes]:
    """A bronze object's text: decoded when its key says zstd (``.zst``), else as stored."""
    return decode(chunks, key) if key.endswith(".zst") else chunks


def first_line(key: str, chunks: Iterable[bytes]) -> str:
    """The first line of a bronze object's text (its header), decoding no more than needed."""
    head = b""
    for piece in text_chunks(key, chunks):
        head += piece
        if b"\n" in head or len(head) > 1 << 16:
            break
    return head.split(b"\n", 1)[0].decode("utf-8", "replace")

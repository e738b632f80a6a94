"""One batch of ticks in memory and on disk, and QMT's tick dicts → canonical values.

A batch is what one push delivered: ``codes`` (list of str), ``times`` (int64 epoch ms,
exchange time) and ``values`` (float64, one row per tick, columns ``VALUE_FIELDS`` — the
canonical tick fields of lib/fields.py after code and time), plus ``received_ns`` (the
capture's wall clock when the push arrived, for lag).

On disk a record is ``MAGIC | length | crc32 | payload`` so a torn tail (a crash in the
middle of a write) is recognised and cut off on restart.

In MongoDB ticks are stored as column chunks (``pack_ticks`` / ``unpack_ticks``, the one codec
of the ``ticks`` and ``ticks_live`` documents, lib/realtime/storage.py): ``time`` (epoch ms)
and ``seq`` as little-endian int64, each canonical value field under its own name as
little-endian float64 — Arctic's TickStore column layout. Binary columns, not BSON arrays:
SecantusDB inserted a 5,000-tick chunk ~5× faster that way (BSON arrays are parsed value by
value by the server, a binary column is one opaque blob).
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np
from bson import Binary

from taorui_assets.lib.fields import canonical_fields
from taorui_assets.lib.sources.qmt_normalize import lot_factor

FIELDS = canonical_fields("ticks")
VALUE_FIELDS = [f for f in FIELDS if f not in ("code", "date", "minute", "time")]  # stored per tick
NV = len(VALUE_FIELDS)
_SCALARS = {"last_price": "lastPrice", "open": "open", "high": "high", "low": "low", "pre_close": "lastClose",
            "volume": "volume", "amount": "amount", "status": "stockStatus", "trade_count": "transactionNum"}
_VOLUME_FIELDS = {"volume"} | {f for f in VALUE_FIELDS if "_volume" in f}

MAGIC = b"TK"
_HEAD = struct.Struct("<2sII")      # magic, payload length, crc32 of payload
_META = struct.Struct("<qII")       # received_ns, n ticks, length of the codes blob


@dataclass
class Batch:
    codes: list
    times: np.ndarray        # int64 epoch ms
    values: np.ndarray       # float64 (n, NV)
    received_ns: int

    def __len__(self) -> int:
        return len(self.codes)


def encode(b: Batch) -> bytes:
    blob = "\n".join(b.codes).encode()
    payload = (_META.pack(b.received_ns, len(b.codes), len(blob)) + blob
               + np.ascontiguousarray(b.times, dtype="<i8").tobytes()
               + np.ascontiguousarray(b.values, dtype="<f8").tobytes())
    return _HEAD.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def decode_stream(buf: bytes, start: int = 0):
    """Yields (offset after the record, Batch) for each complete, intact record from ``start``.
    Stops at the first torn or corrupt record (its offset is where the good data ends)."""
    pos, end = start, len(buf)
    while pos + _HEAD.size <= end:
        magic, length, crc = _HEAD.unpack_from(buf, pos)
        body = pos + _HEAD.size
        if magic != MAGIC or body + length > end:
            return
        payload = buf[body: body + length]
        if zlib.crc32(payload) != crc:
            return
        received_ns, n, blen = _META.unpack_from(payload, 0)
        p = _META.size
        codes = payload[p: p + blen].decode().split("\n") if n else []
        p += blen
        times = np.frombuffer(payload, dtype="<i8", count=n, offset=p)
        p += 8 * n
        values = np.frombuffer(payload, dtype="<f8", count=n * NV, offset=p).reshape(n, NV)
        pos = body + length
        yield pos, Batch(codes, times, values, received_ns)


def from_xt(datas: dict, received_ns: int) -> Batch:
    """A ``subscribe_whole_quote`` push ``{code: tick}`` (or ``subscribe_quote``'s
    ``{code: [tick, …]}``) in xtquant's field names → a canonical batch (volumes in shares)."""
    codes, times, rows = [], [], []
    for code, data in datas.items():
        for d in (data if isinstance(data, list) else [data]):
            lot = lot_factor(code)
            row = []
            for f in VALUE_FIELDS:
                if f in _SCALARS:
                    v = float(d.get(_SCALARS[f], np.nan) or 0.0)
                else:  # ask_price3 → askPrice[2], bid_volume1 → bidVol[0]
                    side, kind, k = f[:3], ("Price" if "price" in f else "Vol"), int(f[-1]) - 1
                    levels = d.get(f"{side}{kind}") or []
                    v = float(levels[k]) if k < len(levels) else 0.0
                row.append(v * lot if f in _VOLUME_FIELDS else v)
            codes.append(code)
            times.append(int(d["time"]))
            rows.append(row)
    values = np.array(rows, dtype=float).reshape(len(rows), NV)
    return Batch(codes, np.array(times, dtype=np.int64), values, received_ns)


# ---------------------------------------------------------------- column chunks in MongoDB
def pack_ticks(ms: np.ndarray, seq: np.ndarray, values: np.ndarray) -> dict:
    """Ticks (already in (time, seq) order) → the stored columns of one chunk document."""
    out = {"n": len(ms), "time": Binary(np.ascontiguousarray(ms, dtype="<i8").tobytes()),
           "seq": Binary(np.ascontiguousarray(seq, dtype="<i8").tobytes())}
    for j, f in enumerate(VALUE_FIELDS):
        out[f] = Binary(np.ascontiguousarray(values[:, j], dtype="<f8").tobytes())
    return out


def unpack_ticks(doc: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time ms, seq, values in VALUE_FIELDS order) of a chunk document; a field the document
    lacks (written before the field existed) reads as NaN."""
    ms = np.frombuffer(doc["time"], dtype="<i8")
    seq = np.frombuffer(doc["seq"], dtype="<i8")
    values = np.full((len(ms), NV), np.nan)
    for j, f in enumerate(VALUE_FIELDS):
        if f in doc:
            values[:, j] = np.frombuffer(doc[f], dtype="<f8")
    return ms, seq, values


def pack_codes(codes) -> str:
    return "\n".join(codes)


def unpack_codes(text: str) -> np.ndarray:
    return np.array(text.split("\n") if text else [], dtype=object)

"""Ways to damage a record file, as scrapers and harvests do, for fuzzing the readers.

Each mutation takes the file's bytes and a random.Random and returns new
bytes. `mutate` applies one to three of them. Used by the hypothesis tests
(tests/test_hostile_input.py) and by the long run (bench/fuzz_readers.py).
"""

from __future__ import annotations

import random


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def drop_row(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def duplicate_row(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines) + 1), lines[i])
    return b"\n".join(lines)


def swap_rows(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def cut(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def insert_bytes(data: bytes, rng: random.Random) -> bytes:
    piece = rng.choice([b"|", b"\n", b" | ", b"|\n", b"\r", b"\t", b"\x00", b"\x0b\x0c", b"\x1b[31m", b"\xc3",
                        b"\xff\xfe", "\u2028".encode(), "\ufeff".encode(), b"<", b"]]>", b'"', b"{", b"&amp;",
                        b"1", b"213D ", b"Spain", b"_version_ | 1 |", b"\n---|---|\n"])
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece * rng.choice([1, 1, 1, 3, 50]) + data[at:]


def giant_value(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    chunk = data[at:at + rng.randint(1, 40)] or b"x"
    return data[:at] + chunk * rng.randint(1000, 20000) + data[at:]


def many_authors(data: bytes, rng: random.Random) -> bytes:
    """Thousands of names in the author row (and its keys), not in `spelling`."""
    n = rng.choice([500, 3000])
    names = b" ".join(b"Ana P%dz" % i for i in range(n))
    keys = b" ".join(b"AT anap%dz t" % i for i in range(n))
    lines = []
    for line in _lines(data):
        if line.startswith(b"author |"):
            line = b"author | " + names + b" |"
        elif line.startswith(b"work_keys_str_mv |"):
            line = b"work_keys_str_mv | " + keys + b" |"
        lines.append(line)
    return b"\n".join(lines)


def reencode(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", "replace")
    encoding = rng.choice(["latin-1", "cp1252", "utf-16", "utf-8-sig"])
    return text.encode(encoding, "replace")


def crlf(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n", b"\r\n")


def bom(data: bytes, rng: random.Random) -> bytes:
    return b"\xef\xbb\xbf" + data


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def gzip_then_cut(data: bytes, rng: random.Random) -> bytes:
    import gzip

    packed = gzip.compress(data)
    return packed if rng.random() < 0.5 else packed[: rng.randrange(len(packed) + 1)]


MUTATIONS = [gzip_then_cut, drop_row, duplicate_row, swap_rows, cut, insert_bytes, giant_value, many_authors, reencode, crlf,
             bom, flip_bytes]


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """One to three random mutations of `data`, and their names."""
    applied = []
    for _ in range(rng.randint(1, 3)):
        mutation = rng.choice(MUTATIONS)
        data = mutation(data, rng) if data else data
        applied.append(mutation.__name__)
    return data, applied

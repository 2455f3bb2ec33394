#!/usr/bin/env python3
"""Writes the starting inputs of each fuzz target into fuzz/corpus/<target>/.

Each input is in the target's own encoding (see fuzz_targets/checks.rs):
a mode byte, then the file (IDX, model) or sizes and payload (preprocess)."""
import gzip, os, random, struct, zlib

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(6)


def put(target, name, data):
    d = os.path.join(here, "..", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def idx_images(n):
    pixels = bytes(rng.choice([0, 0, 0, 128, 255]) for _ in range(784 * n))
    return bytes([0, 0, 8, 3]) + struct.pack(">III", n, 28, 28) + pixels


def idx_labels(n):
    return bytes([0, 0, 8, 1]) + struct.pack(">I", n) + bytes(rng.randrange(10) for _ in range(n))


for n in (0, 1, 2):
    put("idx_images", f"raw{n}", b"\x00" + idx_images(n))
    put("idx_images", f"deflated{n}", b"\x01" + idx_images(n))
put("idx_images", "gzip-file", b"\x00" + gzip.compress(idx_images(1)))
put("idx_images", "truncated", b"\x00" + idx_images(1)[:500])
for n in (0, 1, 7):
    put("idx_labels", f"raw{n}", b"\x00" + idx_labels(n))
    put("idx_labels", f"deflated{n}", b"\x03" + idx_labels(n))
put("idx_labels", "gzip-file", b"\x00" + gzip.compress(idx_labels(3)))


def row(label):
    return ",".join([str(label)] + [str(rng.choice([0, 0, 17, 255])) for _ in range(784)])


header = ",".join(["label"] + [f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)])
put("csv", "one", (row(3) + "\n").encode())
put("csv", "header-crlf", (header + "\r\n" + row(0) + "\r\n" + row(9) + "\r\n").encode())
put("csv", "short-row", b"5,0,0,0\n")


def model(hidden, activation, mode):
    params = [rng.uniform(-1, 1) for _ in range(795 * hidden + 10)]
    body = b"HWNN" + struct.pack("<5I", 1, 784, hidden, 10, activation) + struct.pack(f"<{len(params)}f", *params)
    return bytes([mode]) + body + struct.pack("<I", zlib.crc32(body))


put("model_file", "h1-sigmoid", model(1, 0, 0))
put("model_file", "h1-relu-fixcrc", model(1, 1, 1))
put("model_file", "h2-relu", model(2, 1, 1))
put("model_file", "header-only", b"\x01HWNN" + struct.pack("<5I", 1, 784, 1, 10, 0))


def canvas(mode, w, h, payload):
    return bytes([mode]) + struct.pack("<HH", w, h) + payload


stroke = bytes(255 if 8 <= x <= 12 else 0 for y in range(28) for x in range(28))
put("preprocess", "stroke28", canvas(1, 27, 27, stroke))
put("preprocess", "exact-raw", canvas(0, 28, 28, stroke))
put("preprocess", "rgba", canvas(3, 27, 27, bytes(v for p in stroke for v in (0, 0, 0, p))))
put("preprocess", "wide", canvas(1, 4095, 3, b"\x00\x00\xff"))
put("preprocess", "blank", canvas(1, 100, 100, b""))


def chunk(sizes, pixels_each):
    """A chunk of distorted images (src/feed.rs), little-endian as this machine: k, n, m, then the sections."""
    n = sum(sizes)
    images = [sorted(rng.sample(range(784), pixels_each)) for _ in range(n)]
    m = sum(len(i) for i in images)
    out = struct.pack("<III", len(sizes), n, m)
    out += struct.pack(f"<{len(sizes)}H", *sizes)
    out += struct.pack(f"<{n}H", *[len(i) for i in images])
    out += struct.pack(f"<{m}H", *[p for i in images for p in i])
    out += bytes(rng.randrange(10) for _ in range(n))
    out += bytes(rng.randrange(1, 256) for _ in range(m))
    return out


put("feed_chunk", "one-batch", chunk([3], 5))
put("feed_chunk", "three-batches-last-smaller", chunk([4, 4, 2], 12))
put("feed_chunk", "blank-images", chunk([2], 0))
put("feed_chunk", "empty", struct.pack("<III", 0, 0, 0))
put("feed_chunk", "truncated", chunk([2, 2], 7)[:-3])

#!/usr/bin/env python3
"""Reads a `wfc dataset` file with plain json + torch (no safetensors package)
and checks what docs/dataset-format.md promises: shapes agree with the
metadata, images == colors[states] in [-1, 1], and every neighbouring pair of
every example is in `allowed` (both directions of both axes).

usage: python3 scripts/dataset_check.py FILE.safetensors
"""
import json
import struct
import sys

import torch


def load(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    meta = h.pop("__metadata__", {})
    t = {k: torch.frombuffer(bytearray(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]),
                             dtype=torch.float32).reshape(v["shape"]) for k, v in h.items()}
    return t, meta


def main(path):
    t, meta = load(path)
    count, size, vocab = int(meta["count"]), int(meta["size"]), int(meta["vocab"])
    s = t["states"].long()
    assert s.shape == (count, size, size) and s.min() >= 0 and s.max() < vocab
    al = t["allowed"].bool()
    assert al.shape == (4, vocab, vocab)
    # d: 0 left, 1 below, 2 right, 3 above (y down)
    assert al[2][s[:, :, :-1], s[:, :, 1:]].all(), "a horizontal pair is not allowed"
    assert al[0][s[:, :, 1:], s[:, :, :-1]].all(), "a horizontal pair is not allowed (d 0)"
    assert al[1][s[:, :-1, :], s[:, 1:, :]].all(), "a vertical pair is not allowed"
    assert al[3][s[:, 1:, :], s[:, :-1, :]].all(), "a vertical pair is not allowed (d 3)"
    if meta["format"] == "rgb":
        img = t["images"]
        want = (t["colors"][s] / 255 * 2 - 1).permute(0, 3, 1, 2)
        assert img.shape == (count, 3, size, size) and torch.allclose(img, want)
    print(f"{path}: ok ({count} x {size}x{size}, vocabulary {vocab}, {meta['format']})")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/python3
"""nn_fixtures.py - PyTorch reference values for nn/'s ops.

Writes tests/fixtures/nn/<case>.safetensors: for each op at a small size,
its inputs, parameters, a random upstream gradient "dy", the outputs and
the gradients PyTorch computes (float32, CPU). tests/test_nn_fixtures.c
replays them through nn/ and compares within a stated tolerance. Geometry
(kernel, stride, ...) goes in the file's __metadata__ as strings.

The safetensors format is written by hand (8-byte little-endian header
length, JSON header, raw little-endian F32 data) so the script needs only
torch and numpy (Debian: python3-torch, python3-numpy).

Usage: /usr/bin/python3 tools/nn_fixtures.py [OUTDIR]
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def save(path, tensors, meta=None):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        raw = a.tobytes()
        shape = list(a.shape) if a.ndim else [1]
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if meta:
        header["__metadata__"] = {k: str(v) for k, v in meta.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # data starts 8-aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)


def conv_case(out, name, transposed, n, cin, h, w, cout, k, stride, pad):
    x = leaf(n, cin, h, w)
    wt = leaf(*((cin, cout, k, k) if transposed else (cout, cin, k, k)), scale=0.2)
    b = leaf(cout)
    f = F.conv_transpose2d if transposed else F.conv2d
    y = f(x, wt, b, stride=stride, padding=pad)
    dy = torch.randn_like(y)
    y.backward(dy)
    save(os.path.join(out, name + ".safetensors"),
         {"x": x, "w": wt, "b": b, "y": y, "dy": dy, "dx": x.grad, "dw": wt.grad, "db": b.grad},
         {"n": n, "cin": cin, "h": h, "w": w, "cout": cout, "k": k, "stride": stride,
          "pad": pad, "transposed": int(transposed)})


def linear_case(out):
    x, w, b = leaf(3, 7), leaf(5, 7), leaf(5)
    y = F.linear(x, w, b)
    dy = torch.randn_like(y)
    y.backward(dy)
    save(os.path.join(out, "linear.safetensors"),
         {"x": x, "w": w, "b": b, "y": y, "dy": dy, "dx": x.grad, "dw": w.grad, "db": b.grad})


def batchnorm_case(out, name, shape):
    c = shape[1]
    x = torch.randn(*shape)
    scale = torch.arange(1, c + 1, dtype=torch.float32).view(1, c, *([1] * (len(shape) - 2)))
    x = (x * scale + 0.5).requires_grad_(True)  # channels of unequal spread, off-centre
    gamma, beta = leaf(c), leaf(c)
    rm0, rv0 = torch.randn(c), torch.rand(c) + 0.5
    rm, rv = rm0.clone(), rv0.clone()
    y = F.batch_norm(x, rm, rv, gamma, beta, training=True, momentum=0.1, eps=1e-5)
    dy = torch.randn_like(y)
    y.backward(dy)
    with torch.no_grad():
        y_eval = F.batch_norm(x, rm, rv, gamma, beta, training=False, eps=1e-5)
    save(os.path.join(out, name + ".safetensors"),
         {"x": x, "gamma": gamma, "beta": beta, "running_mean0": rm0, "running_var0": rv0,
          "y": y, "running_mean": rm, "running_var": rv, "dy": dy, "dx": x.grad,
          "dgamma": gamma.grad, "dbeta": beta.grad, "y_eval": y_eval},
         {"n": shape[0], "c": c, "s": int(np.prod(shape[2:])) if len(shape) > 2 else 1,
          "eps": 1e-5, "momentum": 0.1})


def activations_case(out):
    x = torch.randn(96) * 2
    x = torch.where(x.abs() < 0.05, x + 0.1, x)  # away from relu's kink
    dy = torch.randn(96)
    t = {"x": x, "dy": dy}
    for name, f in (("relu", F.relu), ("leaky_relu", lambda v: F.leaky_relu(v, 0.2)),
                    ("tanh", torch.tanh), ("sigmoid", torch.sigmoid)):
        xi = x.clone().requires_grad_(True)
        y = f(xi)
        y.backward(dy)
        t[name + "_y"], t[name + "_dx"] = y, xi.grad
    save(os.path.join(out, "activations.safetensors"), t, {"leaky_slope": 0.2})


def softmax_case(out):
    x = leaf(2, 5, 3, 3, scale=3.0)
    y = torch.softmax(x, dim=1)
    dy = torch.randn_like(y)
    y.backward(dy)
    save(os.path.join(out, "softmax.safetensors"), {"x": x, "y": y, "dy": dy, "dx": x.grad},
         {"n": 2, "c": 5, "s": 9})


def loss_case(out):
    x = torch.randn(16) * 4
    x[0], x[1] = 30.0, -30.0  # the stable formula's territory
    t = {"logits": x}
    for name, target in (("t1", 1.0), ("t0", 0.0), ("t09", 0.9)):
        xi = x.clone().requires_grad_(True)
        loss = F.binary_cross_entropy_with_logits(xi, torch.full_like(xi, target))
        loss.backward()
        t["bce_" + name], t["dlogits_" + name] = loss.reshape(1), xi.grad
    save(os.path.join(out, "bce.safetensors"), t)


def optim_case(out, name, make, steps=3):
    torch.manual_seed(1000)
    p = torch.randn(10).requires_grad_(True)
    t = {"p0": p.detach().clone()}
    opt = make([p])
    for s in range(1, steps + 1):
        g = torch.randn(10) * (0.1 if s == 2 else 1.0)
        g[0] = 0.0  # a parameter with no gradient stays put
        p.grad = g.clone()
        opt.step()
        t["g%d" % s], t["p%d" % s] = g, p.detach().clone()
    st = opt.state[p]
    if "exp_avg" in st:
        t["m"], t["v"] = st["exp_avg"], st["exp_avg_sq"]
    else:
        t["v"] = st["square_avg"]
    g0 = opt.param_groups[0]
    meta = {k: g0[k] for k in ("lr", "eps")}
    if "betas" in g0:
        meta["beta1"], meta["beta2"] = g0["betas"]
    if "alpha" in g0:
        meta["alpha"] = g0["alpha"]
    save(os.path.join(out, name + ".safetensors"), t, meta)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "fixtures", "nn")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    # DCGAN's geometries: k4 s2 p1 down and up, k4 s1 p0 between 4x4 and 1x1
    conv_case(out, "conv2d_k4s2p1", False, 2, 3, 8, 8, 4, 4, 2, 1)
    conv_case(out, "conv2d_k3s1p1", False, 2, 3, 5, 6, 4, 3, 1, 1)
    conv_case(out, "conv2d_k4s1p0", False, 3, 4, 4, 4, 1, 4, 1, 0)
    conv_case(out, "convt_k4s2p1", True, 2, 4, 4, 4, 3, 4, 2, 1)
    conv_case(out, "convt_k4s1p0", True, 3, 6, 1, 1, 4, 4, 1, 0)
    linear_case(out)
    batchnorm_case(out, "batchnorm2d", (4, 3, 5, 5))
    batchnorm_case(out, "batchnorm1d", (8, 6))
    activations_case(out)
    softmax_case(out)
    loss_case(out)
    optim_case(out, "adam", lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.5, 0.999), eps=1e-8))
    optim_case(out, "rmsprop",
               lambda ps: torch.optim.RMSprop(ps, lr=5e-3, alpha=0.99, eps=1e-8))


if __name__ == "__main__":
    main()

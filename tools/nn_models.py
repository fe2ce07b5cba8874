#!/usr/bin/env python3
"""nn_models.py - the PyTorch twins of nn/'s GANs, to check the C code.

The classes have the state_dict names and tensor layouts that nn/dcgan.h and
nn/wgan.h document, so a wfc checkpoint loads into them unchanged:

    from nn_models import load_generator
    G, meta = load_generator("run/generator.safetensors")
    x = G(torch.randn(4, G.latent, 1, 1))        # (4, C, 64, 64)

Run as a script it checks the C code against PyTorch (tests/test_nn_models.c
writes the files and runs it when torch is installed):
    tools/nn_models.py check CKPT SAMPLES.safetensors
        SAMPLES holds "z" (N, latent) and "x" (N, C, S, S): G(z) in eval mode
        as the C sampler computed it.
    tools/nn_models.py check-step STATE DUMP.safetensors [STATE DUMP ...]
        STATE is a state file saved before one training step; DUMP holds that
        step's inputs ("real", latents "z1" and, for the WGAN, "z2"; for
        wasserstein-gp the interpolation weights "eps") and what C made of
        them: the gradients "gradD.<name>" / "gradG.<name>" and the
        parameters after the step "afterD.<name>" / "afterG.<name>". The
        same step is replayed in PyTorch (BCE with Adam; Wasserstein with
        RMSprop + clipping, or Adam + spectral norm projection, or Adam +
        the gradient penalty by double backprop; one critic step) and every
        tensor compared.

Needs only torch (Debian python3-torch); safetensors is read by hand.
"""
import json
import struct
import sys

import torch
from torch import nn


class Generator(nn.Module):
    """DCGAN generator: (N, L, 1, 1) -> (N, C, 64, 64), see nn/dcgan.h."""

    def __init__(self, channels=3, onehot=False, latent=128, width=64):
        super().__init__()
        w = width
        self.latent, self.onehot = latent, onehot
        layers = [nn.ConvTranspose2d(latent, 8 * w, 4, 1, 0, bias=False)]
        for mult in (8, 4, 2, 1):
            out = mult // 2 * w if mult > 1 else channels
            layers += [nn.BatchNorm2d(mult * w), nn.ReLU(True),
                       nn.ConvTranspose2d(mult * w, out, 4, 2, 1, bias=False)]
        layers.append(nn.Softmax(dim=1) if onehot else nn.Tanh())
        self.main = nn.Sequential(*layers)

    def forward(self, z):
        return self.main(z.view(z.shape[0], -1, 1, 1))


class Discriminator(nn.Module):
    """DCGAN discriminator: (N, C, 64, 64) -> (N,) logits, no sigmoid.
    bn=False: the critic of wasserstein-sn and -gp, without BatchNorm."""

    def __init__(self, channels=3, width=64, bn=True):
        super().__init__()
        w = width
        layers = [nn.Conv2d(channels, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for mult in (2, 4, 8):
            layers.append(nn.Conv2d(mult // 2 * w, mult * w, 4, 2, 1, bias=False))
            if bn:
                layers.append(nn.BatchNorm2d(mult * w))
            layers.append(nn.LeakyReLU(0.2, True))
        layers.append(nn.Conv2d(8 * w, 1, 4, 1, 0, bias=False))
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x).view(-1)


def _mlp(n_in, hidden, n_out):
    return [nn.Linear(n_in, hidden), nn.ReLU(True), nn.Linear(hidden, hidden), nn.ReLU(True),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Linear(hidden, n_out)]


class DenseGenerator(nn.Module):
    """Dense WGAN generator: (N, L) -> (N, C, S, S), see nn/wgan.h."""

    def __init__(self, channels=3, onehot=False, latent=128, width=512, size=64):
        super().__init__()
        self.latent, self.onehot, self.shape = latent, onehot, (channels, size, size)
        self.main = nn.Sequential(*_mlp(latent, width, channels * size * size))

    def forward(self, z):
        x = self.main(z.view(z.shape[0], -1)).view(z.shape[0], *self.shape)
        return torch.softmax(x, dim=1) if self.onehot else torch.tanh(x)


class DenseCritic(nn.Module):
    """Dense WGAN critic: (N, C, S, S) -> (N,) scores."""

    def __init__(self, channels=3, width=512, size=64):
        super().__init__()
        self.main = nn.Sequential(*_mlp(channels * size * size, width, 1))

    def forward(self, x):
        return self.main(x.reshape(x.shape[0], -1)).view(-1)


def read_safetensors(path):
    """(tensors dict name -> float32 tensor, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, h in header.items():
        assert h["dtype"] == "F32", name
        b, e = h["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + b:base + e]), dtype=torch.float32)
        out[name] = t.reshape(h["shape"]) if h["shape"] else t.reshape(())
    return out, meta


def _fit(module, tensors, prefix=""):
    """Loads tensors named prefix+key into module (num_batches_tracked to long)."""
    sd = {}
    for k, v in module.state_dict().items():
        t = tensors[prefix + k]
        sd[k] = t.to(v.dtype).reshape(v.shape)
    module.load_state_dict(sd)
    return module


def loss_of(meta):
    return json.loads(meta.get("config", "{}")).get("loss", "bce")


def models_from_meta(meta):
    c, onehot = int(meta["channels"]), meta["format"] == "onehot"
    latent, width, size = int(meta["latent"]), int(meta["width"]), int(meta["size"])
    if meta["arch"] == "dcgan":
        bn = loss_of(meta) not in ("wasserstein-sn", "wasserstein-gp")
        return Generator(c, onehot, latent, width), Discriminator(c, width, bn)
    return DenseGenerator(c, onehot, latent, width, size), DenseCritic(c, width, size)


def load_generator(path):
    tensors, meta = read_safetensors(path)
    g, _ = models_from_meta(meta)
    prefix = "netG." if "netG.main.0.weight" in tensors else ""
    return _fit(g, tensors, prefix).eval(), meta


def load_pair(path):
    """G and D from a state file (netG., netD.)."""
    tensors, meta = read_safetensors(path)
    g, d = models_from_meta(meta)
    return _fit(g, tensors, "netG."), _fit(d, tensors, "netD."), meta


def _compare(what, mine, theirs, tol):
    """Largest |difference| over tensors, relative to each tensor's scale."""
    worst, where = 0.0, ""
    for name, t in mine.items():
        c = theirs[what + name]
        scale = max(t.abs().max().item(), 1e-3)
        diff = (t - c).abs().max().item() / scale
        if diff > worst:
            worst, where = diff, name
    ok = worst <= tol
    print(f"  {what:7s} worst relative difference {worst:.3g} ({'ok' if ok else 'FAIL'}"
          f"{'' if ok else ', ' + where})")
    return ok


def load_moments(opt, module, tensors, prefix, steps):
    """The optimiser state of a wfc state file ("optG.exp_avg.<name>", ...)."""
    for name, p in module.named_parameters():
        st = {}
        for key in ("exp_avg", "exp_avg_sq", "square_avg"):
            if f"{prefix}.{key}.{name}" in tensors:
                st[key] = tensors[f"{prefix}.{key}.{name}"].clone().reshape(p.shape)
        st["step"] = torch.tensor(float(steps)) if "exp_avg" in st else steps
        opt.state[p] = st


def check_step(state_path, dump_path):
    g, d, meta = load_pair(state_path)
    tensors, _ = read_safetensors(state_path)
    steps = int(meta["steps"])
    t, _ = read_safetensors(dump_path)
    cfg = json.loads(meta["config"])
    lr, real = cfg["lr"], t["real"]
    g.train()
    d.train()
    n = real.shape[0]
    loss = loss_of(meta) if meta["arch"] == "dcgan" else "wasserstein"
    if loss == "bce":
        bce = nn.BCEWithLogitsLoss()
        opt_d = torch.optim.Adam(d.parameters(), lr=lr, betas=tuple(cfg["betas"]), eps=1e-8)
        opt_g = torch.optim.Adam(g.parameters(), lr=lr, betas=tuple(cfg["betas"]), eps=1e-8)
        load_moments(opt_d, d, tensors, "optD", steps)
        load_moments(opt_g, g, tensors, "optG", steps)
        fake = g(t["z1"])
        opt_d.zero_grad()
        loss_d = bce(d(real), torch.ones(n)) + bce(d(fake.detach()), torch.zeros(n))
        loss_d.backward()
        grads_d = {k: p.grad.clone() for k, p in d.named_parameters()}
        opt_d.step()
        opt_g.zero_grad()
        bce(d(fake), torch.ones(n)).backward()
    else:
        assert cfg["n_critic"] == 1, "the check replays one critic step"
        if loss == "wasserstein":
            opt_d = torch.optim.RMSprop(d.parameters(), lr=lr, alpha=0.99, eps=1e-8)
            opt_g = torch.optim.RMSprop(g.parameters(), lr=lr, alpha=0.99, eps=1e-8)
        else:
            betas = tuple(cfg["betas"])
            opt_d = torch.optim.Adam(d.parameters(), lr=lr, betas=betas, eps=1e-8)
            opt_g = torch.optim.Adam(g.parameters(), lr=lr, betas=betas, eps=1e-8)
        load_moments(opt_d, d, tensors, "optD", steps)
        load_moments(opt_g, g, tensors, "optG", steps)
        fake = g(t["z1"])
        opt_d.zero_grad()
        # real first, as the C step does: BatchNorm's running statistics
        # depend on the order of the forwards
        loss_d = -d(real).mean() + d(fake.detach()).mean()
        if loss == "wasserstein-gp":
            e = t["eps"].view(-1, 1, 1, 1)
            xhat = (e * real + (1 - e) * fake.detach()).requires_grad_(True)
            grad, = torch.autograd.grad(d(xhat).sum(), xhat, create_graph=True)
            loss_d = loss_d + 10.0 * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
        loss_d.backward()
        grads_d = {k: p.grad.clone() for k, p in d.named_parameters()}
        opt_d.step()
        with torch.no_grad():
            if loss == "wasserstein":
                for p in d.parameters():
                    p.clamp_(-cfg["clip"], cfg["clip"])
            elif loss == "wasserstein-sn":
                for name, p in d.named_parameters():
                    w = p.view(p.shape[0], -1)
                    u = tensors["netD." + name + "_u"]
                    v = w.t() @ u
                    v = v / v.norm()
                    sigma = (w @ v).norm()
                    if sigma > 1:
                        p.div_(sigma)
        opt_g.zero_grad()
        (-d(g(t["z2"])).mean()).backward()
    grads_g = {k: p.grad.clone() for k, p in g.named_parameters()}
    opt_g.step()
    print(f"{meta['arch']} {meta['format']} {loss}, one training step, C against PyTorch:")
    ok = _compare("gradD.", grads_d, t, 1e-4)
    ok &= _compare("gradG.", grads_g, t, 1e-4)
    after_d = {k: p.detach() for k, p in d.state_dict().items() if "num_batches" not in k}
    after_g = {k: p.detach() for k, p in g.state_dict().items() if "num_batches" not in k}
    ok &= _compare("afterD.", after_d, t, 1e-4)
    ok &= _compare("afterG.", after_g, t, 1e-4)
    return 0 if ok else 1


def main(argv):
    if len(argv) >= 4 and len(argv) % 2 == 0 and argv[1] == "check-step":
        return max(check_step(argv[i], argv[i + 1]) for i in range(2, len(argv), 2))
    if len(argv) == 4 and argv[1] == "check":
        g, meta = load_generator(argv[2])
        t, _ = read_safetensors(argv[3])
        with torch.no_grad():
            x = g(t["z"])
        err = (x - t["x"]).abs().max().item()
        print(f"{meta['arch']} {meta['format']}: max |torch - C| = {err:.3g}")
        return 0 if err < 1e-4 else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""nn_torch_bench.py - the PyTorch baseline of bench/nn/nn_bench.c.

The same DCGAN as nn/dcgan.c (64x64 outputs, ngf = ndf = width, no conv
biases, BatchNorm, ReLU/LeakyReLU(0.2), tanh or, with --onehot, a softmax
over the channels), the same step (one D update
on a real and a fake batch with BCEWithLogits, then one G update, Adam with
betas (0.5, 0.999), lr 1e-4; with --loss wasserstein nn/wgan.c's: 5 critic
updates on a real batch each, RMSprop 5e-5, clipping to 0.01, then one G
update; with --loss wasserstein-gp the same 5 + 1 with a critic without
BatchNorm, Adam 2e-4 betas (0, 0.9) and the gradient penalty, lambda 10,
by double backprop) and the same sampling (G in eval mode, latents
made on the host, outputs copied back). Prints the same "key value" lines.

fp32 by default, TF32 off, like nn/'s cuBLAS calls; --tf32 allows it, for
reference. cudnn.benchmark is on (PyTorch's fastest convolutions).

usage: nn_torch_bench.py [--batch 64] [--width 64] [--latent 128]
                         [--channels 3] [--onehot]
                         [--loss bce|wasserstein|wasserstein-gp]
                         [--steps 20] [--warmup 3]
                         [--tf32]
"""
import argparse
import statistics
import time

import torch
from torch import nn


def generator(latent, w, c, onehot):
    layers = [nn.ConvTranspose2d(latent, 8 * w, 4, 1, 0, bias=False)]
    mult = 8
    while mult >= 1:
        out = mult // 2 * w if mult > 1 else c
        layers += [nn.BatchNorm2d(mult * w), nn.ReLU(True),
                   nn.ConvTranspose2d(mult * w, out, 4, 2, 1, bias=False)]
        mult //= 2
    # onehot: a distribution over the vocabulary per cell, as nn/ does
    layers.append(nn.Softmax(dim=1) if onehot else nn.Tanh())
    return nn.Sequential(*layers)


def discriminator(w, c, bn=True):
    layers = [nn.Conv2d(c, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    for mult in (2, 4, 8):
        layers.append(nn.Conv2d(mult // 2 * w, mult * w, 4, 2, 1, bias=False))
        if bn:
            layers.append(nn.BatchNorm2d(mult * w))
        layers.append(nn.LeakyReLU(0.2, True))
    layers.append(nn.Conv2d(8 * w, 1, 4, 1, 0, bias=False))
    return nn.Sequential(*layers)


def init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def report(key, times):
    times = sorted(times)
    print(f"{key}_ms_median {times[len(times) // 2]:.3f}")
    print(f"{key}_ms_mean {statistics.fmean(times):.3f}")
    print(f"{key}_ms_min {times[0]:.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--latent", type=int, default=128)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--onehot", action="store_true")
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--loss", choices=["bce", "wasserstein", "wasserstein-gp"], default="bce")
    a = ap.parse_args()

    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(1)
    g = generator(a.latent, a.width, a.channels, a.onehot).to(dev)
    gp = a.loss == "wasserstein-gp"
    d = discriminator(a.width, a.channels, not gp).to(dev)
    g.apply(init)
    d.apply(init)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    print(f"device torch {torch.__version__} {name}{' tf32' if a.tf32 else ' fp32'}")
    print(f"batch {a.batch}\nwidth {a.width}")
    print(f"params_g {sum(p.numel() for p in g.parameters())}")
    print(f"params_d {sum(p.numel() for p in d.parameters())}")
    print(f"loss {a.loss}")
    wass = a.loss != "bce"
    if gp:  # nn/wgan.c with the penalty: Adam 2e-4 (0, 0.9)
        opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.0, 0.9))
        opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.0, 0.9))
    elif wass:  # the WGAN step of nn/wgan.c: RMSprop 5e-5 (alpha 0.99), clip 0.01, 5 critic steps
        opt_d = torch.optim.RMSprop(d.parameters(), lr=5e-5, alpha=0.99, eps=1e-8)
        opt_g = torch.optim.RMSprop(g.parameters(), lr=5e-5, alpha=0.99, eps=1e-8)
    else:
        opt_d = torch.optim.Adam(d.parameters(), lr=1e-4, betas=(0.5, 0.999))
        opt_g = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real_host = torch.rand(a.batch, a.channels, 64, 64) * 2 - 1

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def wasserstein_step():
        for _ in range(5):  # a real batch from the host per critic step
            real = real_host.to(dev)
            z = torch.randn(a.batch, a.latent, 1, 1).to(dev)
            d.zero_grad(set_to_none=False)
            with torch.no_grad():
                fake = g(z)
            loss_d = d(fake).mean() - d(real).mean()
            if gp:
                e = torch.rand(a.batch, 1, 1, 1, device=dev)
                xhat = (e * real + (1 - e) * fake).requires_grad_(True)
                grad, = torch.autograd.grad(d(xhat).sum(), xhat, create_graph=True)
                loss_d = loss_d + 10.0 * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
            loss_d.backward()
            opt_d.step()
            if not gp:
                with torch.no_grad():
                    for p in d.parameters():
                        p.clamp_(-0.01, 0.01)
        z = torch.randn(a.batch, a.latent, 1, 1).to(dev)
        g.zero_grad(set_to_none=False)
        loss_g = -d(g(z)).mean()
        loss_g.backward()
        opt_g.step()
        return loss_d.item(), loss_g.item()

    def step():
        if wass:
            return wasserstein_step()
        # the data arrives from the host each step, as in nn-bench
        real = real_host.to(dev)
        z = torch.randn(a.batch, a.latent, 1, 1).to(dev)
        ones = torch.ones(a.batch, device=dev)
        zeros = torch.zeros(a.batch, device=dev)
        d.zero_grad(set_to_none=False)
        fake = g(z)
        loss_d = bce(d(real).view(-1), ones) + bce(d(fake.detach()).view(-1), zeros)
        loss_d.backward()
        opt_d.step()
        g.zero_grad(set_to_none=False)
        loss_g = bce(d(fake).view(-1), ones)
        loss_g.backward()
        opt_g.step()
        return loss_d.item(), loss_g.item()  # .item() syncs, as nn/ returns losses

    times = []
    ld = lg = 0.0
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        ld, lg = step()
        sync()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    print(f"loss_d {ld:.6f}\nloss_g {lg:.6f}")
    report("train_step", times)

    g.eval()
    for key, count in (("sample_batch", a.batch), ("sample_one", 1)):
        times = []
        with torch.no_grad():
            for i in range(a.warmup + a.steps):
                t0 = time.perf_counter()
                z = torch.randn(count, a.latent, 1, 1).to(dev)
                out = g(z).cpu()
                if i >= a.warmup:
                    times.append((time.perf_counter() - t0) * 1e3)
        assert out.shape == (count, a.channels, 64, 64)
        report(key, times)


if __name__ == "__main__":
    main()

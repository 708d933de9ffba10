"""PyTorch reference for the training-step benchmark (tests/bench/run.mjs, `npm run bench`).

The same architectures as the workbench's `small` and `former-dfer` (src-main/engine/models/small.ts,
former-dfer.ts, resnet18.ts, layers/*.ts), written for this benchmark from those files:

- small: four conv3x3/2 (no bias) -> BN -> ReLU stages (16, 32, 64, 128 channels), global average pool per
  frame, learned positional embedding [T, 128], one pre-norm transformer block (4 heads of 32, MLP 256,
  tanh-GELU), mean over frames, linear classifier. 232,727 parameters (7 classes, 16 frames).
- former-dfer: torchvision's resnet18 trunk (no fc); after layer3 the map's positions are tokens
  (+ learned positional embedding [h*w, 256]) through a pre-norm transformer (depth 1, 8 heads of 32,
  MLP 512), folded back, layer4 + global average pool -> 512 per frame; CLS token + positional embedding
  [T+1, 512], transformer depth 3 (8 heads of 64, MLP 1024), classifier on the CLS output.
  18,031,943 parameters at 112x112 (7 classes, 16 frames).

Attention is lucidrains-style: one bias-free Linear to Q, K, V (inner width heads x head_dim), scaled
dot-product per head, output Linear with bias. Transformers are pre-norm without a final LayerNorm.

Timing, per model configuration and per thread count (torch.set_num_threads):
- forward: eval mode under torch.no_grad(), ms per clip (batch time / batch);
- train: one step = forward (train mode) + cross-entropy (mean) + backward + SGD (momentum 0.9) step.
W warm-up runs, then the median of N. Also the best FP32 rate of a large convolution (oneDNN) and of a
torch.mm (BLAS) per thread count, as measured peaks, and with --profile the top ops of one step.

Usage: /usr/bin/python3 torch_reference.py --configs JSON --threads 1,2 [--warmup 1] [--steps 3] [--profile]
  JSON: a list of {"model": "small", "batch": 4, "frames": 16, "size": 112}
Prints one JSON object on the last line of stdout. Runs under Debian's python3-torch (1.13).
"""
import argparse
import json
import math
import platform
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class Attention(nn.Module):
    def __init__(self, dim, heads, head_dim):
        super().__init__()
        self.heads = heads
        self.head_dim = head_dim
        inner = heads * head_dim
        self.to_qkv = nn.Linear(dim, 3 * inner, bias=False)
        self.to_out = nn.Linear(inner, dim)
        self.scale = head_dim ** -0.5

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = (t.reshape(b, n, self.heads, self.head_dim).transpose(1, 2) for t in self.to_qkv(x).chunk(3, dim=-1))
        attn = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * self.scale, dim=-1)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(b, n, self.heads * self.head_dim)
        return self.to_out(out)


class Block(nn.Module):
    """Pre-norm: x + Attn(LN(x)), then x + MLP(LN(x)), MLP = Linear, tanh-GELU, Linear."""

    def __init__(self, dim, heads, head_dim, mlp_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, head_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate='tanh'))


class Transformer(nn.Module):
    def __init__(self, dim, depth, heads, head_dim, mlp_dim):
        super().__init__()
        self.layers = nn.ModuleList([Block(dim, heads, head_dim, mlp_dim) for _ in range(depth)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Small(nn.Module):
    CHANNELS = (16, 32, 64, 128)

    def __init__(self, num_classes, frames):
        super().__init__()
        stages, cin = [], 3
        for cout in self.CHANNELS:
            stages += [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.stages = nn.Sequential(*stages)
        self.frames = frames
        self.pos = nn.Parameter(torch.randn(frames, cin) * 0.02)
        self.temporal = Transformer(cin, 1, 4, 32, 256)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):  # x: [B, T, 3, H, W]
        b, t = x.shape[:2]
        f = self.stages(x.flatten(0, 1)).mean(dim=(2, 3)).reshape(b, t, -1)
        return self.fc(self.temporal(f + self.pos).mean(dim=1))


class FormerDfer(nn.Module):
    def __init__(self, num_classes, frames, size):
        super().__init__()
        r = torchvision.models.resnet18()
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool)
        self.layer1, self.layer2, self.layer3, self.layer4 = r.layer1, r.layer2, r.layer3, r.layer4
        with torch.no_grad():
            side = self.layer3(self.layer2(self.layer1(self.stem(torch.zeros(1, 3, size, size))))).shape[-1]
        self.spatial_pos = nn.Parameter(torch.randn(side * side, 256))
        self.spatial = Transformer(256, 1, 8, 32, 512)
        self.cls = nn.Parameter(torch.randn(1, 1, 512))
        self.temporal_pos = nn.Parameter(torch.randn(frames + 1, 512))
        self.temporal = Transformer(512, 3, 8, 64, 1024)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):  # x: [B, T, 3, H, W]
        b, t = x.shape[:2]
        m = self.layer3(self.layer2(self.layer1(self.stem(x.flatten(0, 1)))))
        n, c, h, w = m.shape
        tokens = self.spatial(m.flatten(2).transpose(1, 2) + self.spatial_pos)
        m = tokens.transpose(1, 2).reshape(n, c, h, w)
        f = self.layer4(m).mean(dim=(2, 3)).reshape(b, t, -1)
        seq = torch.cat([self.cls.expand(b, -1, -1), f], dim=1) + self.temporal_pos
        return self.fc(self.temporal(seq)[:, 0])


def build(name, num_classes, frames, size):
    if name == 'small':
        return Small(num_classes, frames)
    if name == 'former-dfer':
        return FormerDfer(num_classes, frames, size)
    raise SystemExit(f'torch_reference.py: no PyTorch version of model "{name}"')


def param_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def timed(fn, warmup, steps):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def best_gflops(fn, flops, reps):
    fn()
    best = math.inf
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def measured_peaks(threads, reps=5):
    """Best GFLOP/s this process sees right now, per thread count, of two FP32 primitives:
    - conv: a 3x3 convolution, 256 -> 256 channels on 8 x 28x28 (oneDNN, the path of every conv here);
    - mm: a 1024^3 torch.mm (the BLAS torch was built with: the path of every Linear and attention matmul).
    Debian's python3-torch links the generic libblas (reference BLAS unless an optimised one is installed),
    so mm can be far below conv: then the transformer layers of the reference are slower than a pip wheel's."""
    torch.set_num_threads(threads)
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    x, w = torch.randn(8, 256, 28, 28), torch.randn(256, 256, 3, 3)
    return {
        'conv': best_gflops(lambda: F.conv2d(x, w, padding=1), 2 * 8 * 28 * 28 * 256 * 256 * 9, reps),
        'mm': best_gflops(lambda: torch.mm(a, b), 2 * n ** 3, reps),
    }


def profile_step(train_step, top=10):
    """Self CPU time of the top ops of one training step (torch.autograd.profiler)."""
    with torch.autograd.profiler.profile() as prof:
        train_step()
    rows = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in rows)
    return [{'name': e.key, 'self_ms': e.self_cpu_time_total / 1000, 'calls': e.count,
             'share': e.self_cpu_time_total / total if total else 0} for e in rows[:top]]


def bench_config(cfg, threads, warmup, steps, num_classes, profile):
    torch.manual_seed(0)
    name, batch, frames, size = cfg['model'], cfg['batch'], cfg['frames'], cfg['size']
    model = build(name, num_classes, frames, size)
    x = torch.rand(batch, frames, 3, size, size)
    y = torch.arange(batch) % num_classes
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    result = {**cfg, 'params': param_count(model), 'threads': {}}
    for t in threads:
        torch.set_num_threads(t)

        def forward():
            model.eval()
            with torch.no_grad():
                model(x)

        def train_step():
            model.train()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        fwd = timed(forward, warmup, steps)
        train = timed(train_step, warmup, steps)
        result['threads'][str(t)] = {
            'forward_ms_per_clip': statistics.median(fwd) / batch,
            'forward_samples_ms': fwd,
            'train_ms_per_step': statistics.median(train),
            'train_samples_ms': train,
        }
        if profile and t == threads[-1]:
            result['profile'] = {'threads': t, 'top_ops': profile_step(train_step)}
        print(f'  torch {name} B={batch} T={frames} {size}x{size} threads={t}: train {statistics.median(train):.0f} ms/step, '
              f'forward {statistics.median(fwd) / batch:.1f} ms/clip', file=sys.stderr, flush=True)
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--configs', required=True, help='JSON list of {model, batch, frames, size}')
    p.add_argument('--threads', default='1,2')
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--classes', type=int, default=7)
    p.add_argument('--params-only', action='store_true', help='print parameter counts and exit')
    p.add_argument('--profile', action='store_true', help='also profile one training step (top ops by self CPU time)')
    a = p.parse_args()
    configs = json.loads(a.configs)
    threads = [int(t) for t in a.threads.split(',')]
    torch.set_num_interop_threads(1)
    out = {
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'python': platform.python_version(),
        'cpu_capability': next((l.split(':', 1)[1].strip() for l in torch.__config__.show().splitlines() if 'CPU capability' in l), None),
        'mkldnn': torch.backends.mkldnn.is_available(),
    }
    if a.params_only:
        out['params'] = {f"{c['model']}@{c['size']}": param_count(build(c['model'], a.classes, c['frames'], c['size'])) for c in configs}
    else:
        out['measured_peak_gflops'] = {str(t): measured_peaks(t) for t in threads}
        out['results'] = [bench_config(c, threads, a.warmup, a.steps, a.classes, a.profile) for c in configs]
        out['max_rss_bytes'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


if __name__ == '__main__':
    main()

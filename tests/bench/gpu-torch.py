"""PyTorch-on-CUDA reference for the GPU benchmark (tests/bench/gpu.bench.ts, `npm run bench:gpu`).

The models are torch_reference.py's (small and former-dfer, written from the workbench's TypeScript models;
there is no PyTorch ial-gca). The step is the workbench's (cli/bench.ts, the trainer's inner loop): the
effective batch is split into micro-batches, each micro-batch's cross-entropy is summed and divided by the
effective batch, backward accumulates the gradients, then one SGD step (lr 1e-3, momentum 0.9). The eval
forward is timed on one micro-batch under torch.no_grad() and reported per clip. torch.cuda.synchronize()
closes every timed region, so the time is the GPU's, not the launch queue's.

Usage: python3 gpu-torch.py --device cuda --models small,former-dfer --frames 16 --size 112
           --effective-batch 40 --micro-batch 16 [--warmup 1] [--steps 3]
Prints one JSON object, {"rows": [...]}, on the last line of stdout; progress goes to stderr.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from torch_reference import build  # noqa: E402


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def timed(fn, warmup, steps, device):
    for _ in range(warmup):
        fn()
    sync(device)
    samples = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        sync(device)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def bench(name, a, device):
    torch.manual_seed(0)
    model = build(name, a.classes, a.frames, a.size).to(device)
    micro = min(a.micro_batch, a.effective_batch)
    x = torch.rand(micro, a.frames, 3, a.size, a.size, device=device)
    y = torch.arange(a.effective_batch, device=device) % a.classes
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    last_loss = [float('nan')]

    def train_step():
        model.train()
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for start in range(0, a.effective_batch, micro):
            n = min(micro, a.effective_batch - start)
            loss = F.cross_entropy(model(x[:n]), y[start:start + n], reduction='sum') / a.effective_batch
            loss.backward()
            total += loss.item()
        opt.step()
        last_loss[0] = total

    def forward():
        model.eval()
        with torch.no_grad():
            model(x)

    train = timed(train_step, a.warmup, a.steps, device)
    fwd = timed(forward, 1, a.steps, device)
    ms = statistics.median(train)
    row = {
        'model': name, 'ok': True, 'frames': a.frames, 'size': a.size, 'microBatch': micro,
        'effectiveBatch': a.effective_batch, 'steps': a.steps,
        'train': {'msPerStep': ms, 'msPerClip': ms / a.effective_batch, 'clipsPerSecond': a.effective_batch / (ms / 1000),
                  'samplesMs': train, 'lastLoss': last_loss[0]},
        'forward': {'msPerClip': statistics.median(fwd) / micro, 'samplesMs': fwd},
    }
    if device.type == 'cuda':
        row['memory'] = {'maxAllocatedBytes': torch.cuda.max_memory_allocated(device)}
    print(f'  [torch {device.type} {name}] train {ms:.0f} ms/step, forward {row["forward"]["msPerClip"]:.2f} ms/clip',
          file=sys.stderr, flush=True)
    return row


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--device', default='cuda')
    p.add_argument('--models', default='small,former-dfer')
    p.add_argument('--frames', type=int, default=16)
    p.add_argument('--size', type=int, default=112)
    p.add_argument('--effective-batch', type=int, default=40)
    p.add_argument('--micro-batch', type=int, default=16)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--classes', type=int, default=7)
    a = p.parse_args()
    if a.micro_batch < 1 or a.effective_batch < 1 or a.steps < 1:
        raise SystemExit('gpu-torch.py: --micro-batch, --effective-batch and --steps must be >= 1')
    device = torch.device(a.device)
    torch.backends.cudnn.benchmark = True
    rows = []
    for name in [m for m in a.models.split(',') if m]:
        try:
            rows.append(bench(name, a, device))
        except Exception as e:  # one model's failure (out of memory) is reported, the others still run
            rows.append({'model': name, 'ok': False, 'error': f'{type(e).__name__}: {e}'.splitlines()[0],
                         'frames': a.frames, 'size': a.size, 'effectiveBatch': a.effective_batch})
            if device.type == 'cuda':
                torch.cuda.empty_cache()
    print(json.dumps({'torch': torch.__version__, 'device': str(device), 'rows': rows}))


if __name__ == '__main__':
    main()

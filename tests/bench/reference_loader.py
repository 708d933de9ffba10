"""Reference clip loader for the frame-pipeline benchmark (tests/bench/frames.bench.mjs).

Loads clips the way the public IAL code loads DFEW: PIL opens every sampled frame, converts it to RGB,
torchvision-style group transforms resize it to 112x112 with bilinear filtering (training: one random
resized crop and one flip for the whole clip, then brightness jitter and a small rotation on the stacked
tensor), frames are stacked and turned into a float tensor in [0, 1], batched by a torch DataLoader.
Written for this benchmark; sampling is the workbench's (segment centres for evaluation, one random frame
per equal segment for training) so both sides decode exactly the same frames.

Usage: /usr/bin/python3 reference_loader.py --clips clips.json --mode eval|train --workers N --batch B
Prints one JSON line: {"clips": n, "seconds": s, "clips_per_s": r, ...}.
"""
import argparse
import glob
import json
import math
import random
import resource
import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image
from torch.utils.data import DataLoader, Dataset


def segment_indices(n, t, train, rng):
    """One index per equal segment: the centre for evaluation, a random frame for training."""
    seg = n / t
    out = []
    for i in range(t):
        if not train or n < t:
            out.append(min(n - 1, int(seg * (i + 0.5))))
        else:
            start, end = int(math.floor(seg * i)), int(math.floor(seg * (i + 1)))
            out.append(start + rng.randrange(end - start))
    return out


class ResizeGroup:
    def __init__(self, size):
        self.size = size

    def __call__(self, images):
        return [im.resize((self.size, self.size), Image.BILINEAR) for im in images]


class RandomResizedCropGroup:
    """Area 0.85-1.0, aspect 3/5-5/3, 10 tries, one box for every frame of the clip."""

    def __init__(self, size):
        self.size = size

    def __call__(self, images):
        w0, h0 = images[0].size
        for _ in range(10):
            area = random.uniform(0.85, 1.0) * w0 * h0
            aspect = random.uniform(3 / 5, 5 / 3)
            w = int(round(math.sqrt(area * aspect)))
            h = int(round(math.sqrt(area / aspect)))
            if random.random() < 0.5:
                w, h = h, w
            if w <= w0 and h <= h0:
                x, y = random.randint(0, w0 - w), random.randint(0, h0 - h)
                return [im.crop((x, y, x + w, y + h)).resize((self.size, self.size), Image.BILINEAR) for im in images]
        return [im.resize((self.size, self.size), Image.BILINEAR) for im in images]


class FlipGroup:
    def __call__(self, images):
        if random.random() < 0.5:
            return [im.transpose(Image.FLIP_LEFT_RIGHT) for im in images]
        return images


def stack_to_tensor(images):
    """[T] PIL images -> float tensor [T, 3, H, W] in [0, 1]."""
    arr = np.concatenate([np.asarray(im) for im in images], axis=2)  # H, W, 3T
    t = torch.from_numpy(arr).permute(2, 0, 1).contiguous().float().div(255)
    return t.reshape(-1, 3, t.shape[1], t.shape[2])


class ClipDataset(Dataset):
    def __init__(self, clips, frames, size, train, seed):
        self.clips = clips
        self.frames = frames
        self.train = train
        self.seed = seed
        self.group = torchvision.transforms.Compose([RandomResizedCropGroup(size), FlipGroup()]) if train else ResizeGroup(size)
        self.jitter = torchvision.transforms.Compose(
            [torchvision.transforms.ColorJitter(brightness=0.6), torchvision.transforms.RandomRotation(4)]
        )

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, i):
        clip = self.clips[i]
        # As the IAL code does on every item: list the clip folder and sort (names are zero-padded).
        paths = sorted(glob.glob(clip["dir"] + "/*.jpg"))
        rng = random.Random(f"{self.seed}:{clip['id']}")
        idx = segment_indices(len(paths), self.frames, self.train, rng)
        images = [Image.open(paths[k]).convert("RGB") for k in idx]
        x = stack_to_tensor(self.group(images))
        if self.train:
            x = self.jitter(x)
        return x, clip["label"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", required=True)
    ap.add_argument("--mode", choices=["eval", "train"], default="eval")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", type=int, default=112)
    args = ap.parse_args()
    with open(args.clips) as f:
        clips = json.load(f)
    torch.set_num_threads(1)
    data = ClipDataset(clips, args.frames, args.size, args.mode == "train", seed=0)
    loader = DataLoader(data, batch_size=args.batch, shuffle=args.mode == "train", num_workers=args.workers)
    def cpu_seconds():
        # This process and its reaped children: the DataLoader's workers are joined when the epoch ends.
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    cpu0 = cpu_seconds()
    start = time.perf_counter()
    seen = 0
    shape = None
    for x, _ in loader:
        seen += x.shape[0]
        shape = list(x.shape)
    seconds = time.perf_counter() - start
    cpu_ms_per_clip = (cpu_seconds() - cpu0) * 1000 / max(1, seen)
    print(json.dumps({"clips": seen, "seconds": seconds, "clips_per_s": seen / seconds, "cpu_ms_per_clip": cpu_ms_per_clip, "shape": shape, "workers": args.workers, "mode": args.mode}))


if __name__ == "__main__":
    sys.exit(main())

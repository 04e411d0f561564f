#!/usr/bin/python3
"""PyTorch reference speeds for `npm run bench` (bench/bench.ts runs this twice per bench:
with the reference BLAS and with OpenBLAS, chosen through LD_LIBRARY_PATH).

Same models, batch sizes and optimiser as the TypeScript cases: SGD momentum
0.9, cross-entropy on logits, training batch 64, inference batch 256, on real
Fashion-MNIST (random images of the same shape if the Debian dataset is absent).

    /usr/bin/python3 bench/torch_bench.py --threads 2 [--cases mlp,lenet,rnn] [--seconds 1.5]

Prints one JSON object on stdout:
    {"torch": "1.13.0", "threads": 2, "data": "fashion-mnist",
     "blas": "reference BLAS", "blas_path": "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0",
     "blas_threads": null, "cases": {"mlp": {"train": 2900.0, "infer": 20000.0, "latency1": 40.0}, ...}}
or {"error": "..."} (exit status 0) when torch cannot be imported.

"blas" is the BLAS actually loaded, read from /proc/self/maps after a matmul
("OpenBLAS", "reference BLAS", or the libblas path), not torch's build
configuration (Debian's torch is built against the generic libblas.so.3 and
uses whichever library that name resolves to). "blas_threads" is OpenBLAS's own
thread count (openblas_get_num_threads), null for other BLAS.

bench.ts runs it with OMP_WAIT_POLICY=PASSIVE (unless set): with OpenMP's
default spin-waiting, 2 torch threads on 2 cores shared with other processes
run several times slower than 1 thread.
"""
import argparse
import gzip
import json
import os
import sys
import time

TRAIN_BATCH = 64
INFER_BATCH = 256
FASHION = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'
FASHION_LABELS = '/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz'


def load_images(n):
    """n Fashion-MNIST training images as float32 [n, 1, 28, 28] in [0, 1] and int64 labels [n]."""
    import torch
    try:
        import numpy as np
        with gzip.open(FASHION, 'rb') as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)[: n * 784]
        with gzip.open(FASHION_LABELS, 'rb') as f:
            labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n]
        x = torch.from_numpy(raw.astype(np.float32) / 255.0).reshape(n, 1, 28, 28)
        return x, torch.from_numpy(labels.astype(np.int64)), 'fashion-mnist'
    except Exception:  # dataset or numpy missing: same shapes, random values
        g = torch.Generator().manual_seed(0)
        return torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g), 'random'


def build(name):
    """The model and the input reshaping of one case (matching bench/cases/*.ts)."""
    import torch.nn as nn
    if name == 'mlp':
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        return model, (lambda x: x.reshape(x.shape[0], 784)), 0.05
    if name == 'lenet':
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )
        return model, (lambda x: x), 0.05
    if name in ('rnn', 'lstm'):
        class RowClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.RNN(28, 128, batch_first=True) if name == 'rnn' else nn.LSTM(28, 128, batch_first=True)
                self.fc = nn.Linear(128, 10)

            def forward(self, x):
                out, _ = self.rnn(x)
                return self.fc(out[:, -1])
        return RowClassifier(), (lambda x: x.reshape(x.shape[0], 28, 28)), 0.01
    raise ValueError(f'torch_bench: unknown case {name!r} (cases: mlp, lenet, rnn, lstm)')


def loaded_blas():
    """(name, path, threads) of the BLAS this process has mapped: 'OpenBLAS', 'reference BLAS' or the libblas path."""
    import torch
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # make sure the BLAS is in use, not just linked
    try:
        with open('/proc/self/maps') as f:
            paths = sorted({line.split(None, 5)[5].strip() for line in f if len(line.split(None, 5)) == 6})
    except OSError as e:
        return f'unknown ({e})', None, None
    openblas = [p for p in paths if 'openblas' in os.path.basename(p).lower()]
    if openblas:
        lib = next((p for p in openblas if 'libopenblas' in os.path.basename(p)), openblas[0])
        threads = None
        try:
            import ctypes
            threads = ctypes.CDLL(lib).openblas_get_num_threads()
        except Exception:
            pass
        return 'OpenBLAS', lib, threads
    blas = [p for p in paths if os.path.basename(p).startswith('libblas.so')]
    if not blas:
        return 'no libblas mapped', None, None
    if '/blas/libblas.so' in blas[0]:
        return 'reference BLAS', blas[0], None
    return blas[0], blas[0], None


def timed(step, batch, seconds, warmup=3, min_batches=3, windows=3):
    """Samples/s of `step(i)`: `warmup` untimed calls, then `windows` timed
    windows of `seconds` / `windows` each (at least `min_batches` calls);
    the fastest window, as bench/common.ts's timeBatches (shared machines)."""
    i = 0
    for i in range(warmup):
        step(i)
    best = 0.0
    for _ in range(windows):
        n, t0 = 0, time.perf_counter()
        while True:
            i += 1
            step(i)
            n += 1
            t = time.perf_counter() - t0
            if t >= seconds / windows and n >= min_batches:
                break
        best = max(best, n * batch / t)
    return best


def bench_case(name, images, labels, seconds):
    import torch
    import torch.nn.functional as F
    model, shape, lr = build(name)
    nb = images.shape[0] // TRAIN_BATCH
    xs = [shape(images[i * TRAIN_BATCH:(i + 1) * TRAIN_BATCH]) for i in range(nb)]
    ys = [labels[i * TRAIN_BATCH:(i + 1) * TRAIN_BATCH] for i in range(nb)]
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()

    def train_step(i):
        k = i % nb
        opt.zero_grad()
        F.cross_entropy(model(xs[k]), ys[k]).backward()
        opt.step()

    train = timed(train_step, TRAIN_BATCH, seconds)

    ni = images.shape[0] // INFER_BATCH
    big = [shape(images[i * INFER_BATCH:(i + 1) * INFER_BATCH]) for i in range(ni)]
    model.eval()

    def infer_step(i):
        with torch.no_grad():
            model(big[i % ni])

    infer = timed(infer_step, INFER_BATCH, seconds)

    # Batch-1 latency: the median of 300 single-sample forwards, in µs.
    ones = [shape(images[i:i + 1]) for i in range(32)]
    times = []
    with torch.no_grad():
        for i in range(20):
            model(ones[i % 32])
        for i in range(300):
            t0 = time.perf_counter()
            model(ones[i % 32])
            times.append(time.perf_counter() - t0)
    latency = sorted(times)[len(times) // 2] * 1e6
    return {'train': train, 'infer': infer, 'latency1': latency}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--cases', default='mlp,lenet,rnn')
    p.add_argument('--seconds', type=float, default=1.5)
    args = p.parse_args()
    try:
        import torch
    except Exception as e:  # no python3-torch: the TS bench prints the reason
        print(json.dumps({'error': f'cannot import torch: {e}'}))
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    images, labels, source = load_images(20 * INFER_BATCH)
    cases = {}
    for name in [c for c in args.cases.split(',') if c]:
        cases[name] = bench_case(name, images, labels, args.seconds)
        print(f'torch {name}: {cases[name]}', file=sys.stderr)
    blas, blas_path, blas_threads = loaded_blas()
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'data': source,
                      'blas': blas, 'blas_path': blas_path, 'blas_threads': blas_threads, 'cases': cases}))


if __name__ == '__main__':
    main()

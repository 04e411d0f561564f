"""Cross-check nnlab's safetensors files against PyTorch (run by test/io/torch.test.ts).

    /usr/bin/python3 test/io/torch_check.py <dir>

1. For each model NAME that nnlab wrote (<dir>/NAME.safetensors with the
   weights, <dir>/NAME.io.safetensors with the input "x" and nnlab's output
   "y"), parse the files with numpy (no safetensors package: the format is
   read here by hand, strictly), load the weights into the equivalent
   torch.nn model with load_state_dict(strict=True), and compare torch's
   output with nnlab's.
2. Build each model in torch (seeded), write its weights and an input/output
   pair the same way (<dir>/NAME.torch.safetensors, NAME.torch.io.safetensors)
   for nnlab to load and compare; plus halfs.torch.safetensors with F16/BF16 tensors.

Prints one JSON object: {"checked": {NAME: {"max_abs_diff": d, "keys": [...]}}, "written": [...]}.
"""
import collections
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path):
    """The tensors and metadata of a safetensors file, parsed and checked by hand."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), f"{path}: header length {n} past the end"
    assert (8 + n) % 8 == 0, f"{path}: data does not start 8-byte aligned (header length {n})"
    text = raw[8:8 + n].decode("utf-8")
    stripped = text.rstrip(" ")
    assert stripped.endswith("}") and len(text) - len(stripped) < 8, f"{path}: header not padded with < 8 spaces"
    pairs = json.loads(text, object_pairs_hook=lambda kv: kv)
    names = [k for k, _ in pairs]
    assert len(names) == len(set(names)), f"{path}: duplicate keys"
    header = dict(pairs)
    metadata = dict(header.pop("__metadata__", []))
    data = raw[8 + n:]
    spans = sorted((dict(v)["data_offsets"], k) for k, v in header.items())
    end = 0
    for (b, e), k in spans:
        assert b == end, f"{path}: {k} starts at {b}, expected {end}"
        end = e
    assert end == len(data), f"{path}: tensors cover {end} of {len(data)} bytes"
    tensors = collections.OrderedDict()
    for k, v in header.items():
        v = dict(v)
        b, e = v["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype=np.dtype(DTYPES[v["dtype"]]).newbyteorder("<")).reshape(v["shape"])
        tensors[k] = arr.copy()
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes a name → numpy array dict as safetensors, as the reference writer lays it out."""
    names = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.float16): "F16"}
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, arr in tensors.items():
        if isinstance(arr, tuple):  # ("BF16", int16 bits array, shape)
            tag, bits = arr
            buf, shape = bits.astype("<i2").tobytes(), list(bits.shape)
        else:
            tag, buf, shape = names[arr.dtype], np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes(), list(arr.shape)
        header[name] = {"dtype": tag, "shape": shape, "data_offsets": [offset, offset + len(buf)]}
        chunks.append(buf)
        offset += len(buf)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


# ---- The models, with nnlab's names ------------------------------------------------------

def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))


def lenet():
    return nn.Sequential(collections.OrderedDict(
        features=nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2)),
        classifier=nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                 nn.Linear(84, 10)),
    ))


class LSTMClassifier(nn.Module):
    """nnlab: lstm = LSTM(5, 12, {batchFirst, numLayers: 2}); head = Linear(12, 3); head(out.select(1, -1))."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 12, num_layers=2, batch_first=True)
        self.head = nn.Linear(12, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class GRUClassifier(nn.Module):
    """nnlab: gru = GRU(4, 6, {bidirectional}); head = Linear(12, 3); head(out.select(0, -1)) (sequence first)."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 6, bidirectional=True)
        self.head = nn.Linear(12, 3)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[-1])


def bncnn():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64, 5))


MODELS = {
    "mlp": (mlp, (4, 6)),
    "lenet": (lenet, (3, 1, 28, 28)),
    "lstm": (LSTMClassifier, (3, 7, 5)),
    "gru": (GRUClassifier, (6, 3, 4)),
    "bncnn": (bncnn, (4, 3, 8, 8)),
}


def check_nnlab_files(directory):
    results = {}
    for name, (make, _) in MODELS.items():
        weights, metadata = read_safetensors(f"{directory}/{name}.safetensors")
        io, _ = read_safetensors(f"{directory}/{name}.io.safetensors")
        model = make()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
        model.eval()
        with torch.no_grad():
            y = model(torch.from_numpy(io["x"])).numpy()
        results[name] = {
            "max_abs_diff": float(np.max(np.abs(y - io["y"]))),
            "shape": list(y.shape),
            "keys": list(weights.keys()),
            "nnlab_class": metadata.get("nnlab.class"),
            "format": metadata.get("format"),
        }
    return results


def write_torch_files(directory):
    written = []
    for i, (name, (make, shape)) in enumerate(MODELS.items()):
        torch.manual_seed(100 + i)
        model = make()
        if name == "bncnn":  # move the running statistics and num_batches_tracked off their defaults
            model.train()
            with torch.no_grad():
                for _ in range(3):
                    model(torch.randn(8, 3, 8, 8) * 2 + 0.5)
        model.eval()
        x = torch.randn(*shape)
        with torch.no_grad():
            y = model(x)
        state = collections.OrderedDict((k, v.detach().numpy()) for k, v in model.state_dict().items())
        write_safetensors(f"{directory}/{name}.torch.safetensors", state, {"format": "pt"})
        write_safetensors(f"{directory}/{name}.torch.io.safetensors", {"x": x.numpy(), "y": y.numpy()})
        written.append(name)
    # Half precision as PyTorch stores it: F16 and BF16 bits, with their exact float32 values.
    torch.manual_seed(7)
    w = torch.randn(3, 5)
    half, bf = w.half(), w.bfloat16()
    write_safetensors(f"{directory}/halfs.torch.safetensors", collections.OrderedDict([
        ("half", half.numpy()), ("bf16", ("BF16", bf.view(torch.int16).numpy())),
        ("half_as_f32", half.float().numpy()), ("bf16_as_f32", bf.float().numpy()),
    ]))
    written.append("halfs")
    return written


if __name__ == "__main__":
    torch.set_num_threads(1)
    out_dir = sys.argv[1]
    report = {"checked": check_nnlab_files(out_dir), "written": write_torch_files(out_dir), "torch": torch.__version__}
    print(json.dumps(report))

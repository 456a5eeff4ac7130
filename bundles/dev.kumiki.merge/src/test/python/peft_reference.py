#!/usr/bin/python3
"""Independent reference for Kumiki's PEFT adapters, in numpy only (no peft, no safetensors package here).

    peft_reference.py make-adapter SPEC.json
        Writes a LoRA adapter folder the way PEFT's save_pretrained does: adapter_config.json as
        json.dumps(LoraConfig.to_dict(), indent=2, sort_keys=True) with the keys a recent PEFT writes, and
        adapter_model.safetensors with base_model.model.<module>.lora_A.weight [r, in] / lora_B.weight [out, r]
        (header written by hand: tensors sorted by dtype then name as the safetensors writer does, metadata
        {"format": "pt"}, padded with spaces to 8 bytes). Also writes expected.json: every value as float64 after
        rounding to the stored dtype, for the reader to be checked against.

    peft_reference.py apply SPEC.json
        Reads a model's safetensors file(s) and an adapter folder, computes W + scaling * B @ A in float64 for every
        adapted module (scaling = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora, read from the config),
        rounds to the base tensor's dtype and writes every tensor as F32 into SPEC["out"].
"""
import json
import math
import os
import struct
import sys

import numpy as np

DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (np.uint16, 2), "F64": (np.float64, 8)}


def bf16_to_f32(u16):
    return (u16.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16(f32):
    """Round to nearest even, as torch does (NaN not needed here)."""
    bits = np.asarray(f32, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def to_stored(values, dtype):
    """float64 values rounded to dtype, and the raw array to write."""
    if dtype == "BF16":
        raw = f32_to_bf16(values.astype(np.float32))
        return bf16_to_f32(raw).astype(np.float64), raw
    np_type = DTYPES[dtype][0]
    raw = values.astype(np_type)
    return raw.astype(np.float64), raw


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        np_type, _ = DTYPES[info["dtype"]]
        arr = np.frombuffer(data[base + start:base + end], dtype=np.dtype(np_type).newbyteorder("<"))
        arr = bf16_to_f32(arr) if info["dtype"] == "BF16" else arr
        tensors[name] = (info["dtype"], arr.astype(np.float64).reshape(info["shape"]))
    return tensors


def write_safetensors(path, tensors, metadata):
    """tensors: name -> (dtype, raw numpy array). Layout as the safetensors writer: by dtype size desc, then name."""
    order = sorted(tensors, key=lambda k: (-DTYPES[tensors[k][0]][1], k))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    at = 0
    for name in order:
        dtype, raw = tensors[name]
        blob = np.ascontiguousarray(raw).astype(np.dtype(raw.dtype).newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(raw.shape), "data_offsets": [at, at + len(blob)]}
        blobs.append(blob)
        at += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def peft_config(spec):
    """The dict a recent PEFT's LoraConfig.to_dict() gives for a causal LM adapter."""
    config = {
        "alora_invocation_tokens": None, "alpha_pattern": {}, "arrow_config": None, "auto_mapping": None,
        "base_model_name_or_path": spec.get("base_model", "Qwen/Qwen2.5-0.5B"), "bias": "none",
        "corda_config": None, "ensure_weight_tying": False, "eva_config": None, "exclude_modules": None,
        "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True, "layer_replication": None,
        "layers_pattern": None, "layers_to_transform": None, "loftq_config": {}, "lora_alpha": spec["alpha"],
        "lora_bias": False, "lora_dropout": spec.get("dropout", 0.05), "megatron_config": None,
        "megatron_core": "megatron.core", "modules_to_save": None, "peft_type": "LORA", "peft_version": "0.17.1",
        "qalora_group_size": 16, "r": spec["r"], "rank_pattern": {}, "revision": None,
        "target_modules": spec["targets"], "target_parameters": None, "task_type": "CAUSAL_LM",
        "trainable_token_indices": None, "use_dora": False, "use_qalora": False, "use_rslora": spec["rslora"],
    }
    config.update(spec.get("config_extra", {}))
    return config


def make_adapter(spec):
    out = spec["out"]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(spec["seed"])
    r = spec["r"]
    dtype = spec.get("dtype", "F32")
    tensors = {}
    expected = {}
    for module, (n_in, n_out) in spec["modules"].items():
        a = rng.normal(0.0, 1.0 / math.sqrt(n_in), size=(r, n_in))
        b = rng.normal(0.0, 0.5, size=(n_out, r))  # PEFT starts B at zero; a trained adapter's is not
        for part, values in (("lora_A", a), ("lora_B", b)):
            name = "base_model.model." + module + "." + part + ".weight"
            stored, raw = to_stored(values, dtype)
            tensors[name] = (dtype, raw)
            expected[name] = stored.reshape(-1).tolist()
    for name, shape in spec.get("extra_tensors", {}).items():
        tensors[name] = ("F32", np.zeros(shape, dtype=np.float32))
    for name in spec.get("drop_tensors", []):
        del tensors[name]
    write_safetensors(os.path.join(out, "adapter_model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        f.write(json.dumps(peft_config(spec), indent=2, sort_keys=True))
    with open(os.path.join(spec["expected"]), "w") as f:
        json.dump(expected, f)


def apply(spec):
    model = {}
    for path in spec["model"]:
        model.update(read_safetensors(path))
    folder = spec["adapter"]
    with open(os.path.join(folder, "adapter_config.json")) as f:
        config = json.load(f)
    r = config["r"]
    alpha = config["lora_alpha"]
    scaling = alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r
    adapter = read_safetensors(os.path.join(folder, "adapter_model.safetensors"))
    out = {}
    for name, (dtype, w) in model.items():
        out[name] = w
    prefix = "base_model.model."
    for name in adapter:
        if not name.endswith(".lora_A.weight"):
            continue
        module = name[len(prefix):-len(".lora_A.weight")]
        a = adapter[name][1]
        b = adapter[prefix + module + ".lora_B.weight"][1]
        target = module + ".weight"
        dtype, w = model[target]
        merged = w + scaling * (b @ a)
        out[target], _ = to_stored(merged, dtype)
    write_safetensors(spec["out"], {k: ("F32", v.astype(np.float32)) for k, v in out.items()}, None)


if __name__ == "__main__":
    with open(sys.argv[2]) as f:
        spec = json.load(f)
    {"make-adapter": make_adapter, "apply": apply}[sys.argv[1]](spec)

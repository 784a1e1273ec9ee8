#!/usr/bin/env python3
"""Writes N node snapshots (format 1, docs/json-schema.md) of a realistic compute fleet for
bench/fleet.sh: stock nodes from one image, and ~2% outliers of five kinds. Each document is
what `ofsck snapshot -o -` writes for a live node (indent 2): one kernel package, a few vendor
packages, a few DKMS modules, ~40 effective options, ~100 loaded modules with their parameters.
  bench/fleet_gen.py DIR [N]      writes DIR/<node>.json and DIR/stream.json (all concatenated)
                                  and DIR/clush.txt (the stream as clush prints it, "node: " lines)
Deterministic (no randomness): node i is an outlier when i % 50 picks a kind."""
import copy
import hashlib
import json
import os
import sys

KERNEL = "6.1.0-47-amd64"


def h(*parts):
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def template():
    pkgs = [("linux-image-" + KERNEL, "6.1.0-47", 3960),
            ("lustre-client-modules-" + KERNEL, "2.15.5-1", 8),
            ("mlnx-ofed-kernel-modules", "24.10.OFED.24.10.1.1.4.1-1", 57),
            ("nvidia-kernel-dkms", "535.183.01-1", 5)]
    options = []
    for mod, params in [
            ("ko2iblnd", ["peer_credits=32", "peer_credits_hiw=16", "concurrent_sends=64",
                          "map_on_demand=1", "fmr_pool_size=512", "ntx=2048"]),
            ("lnet", ["networks=o2ib0(ib0)", "lnet_transaction_timeout=100"]),
            ("mlx5_core", ["prof_sel=2", "probe_vf=0"]),
            ("ib_ipoib", ["recv_queue_size=512", "send_queue_size=512"]),
            ("nvidia", ["NVreg_EnableGpuFirmware=0", "NVreg_OpenRmEnableUnsupportedGpus=1",
                        "NVreg_DeviceFileMode=0660"]),
            ("nvidia_uvm", ["uvm_perf_prefetch_enable=1"]),
            ("ixgbe", ["allow_unsupported_sfp=1"]),
            ("kvm_intel", ["nested=0"]),
            ("nf_conntrack", ["hashsize=262144"]),
            ("nfs", ["nfs4_disable_idmapping=0"]),
            ("sunrpc", ["tcp_slot_table_entries=128"]),
            ("zfs", ["zfs_arc_max=8589934592", "zfs_prefetch_disable=1"]),
            ("i915", ["enable_guc=3", "modeset=0"]),
            ("bonding", ["max_bonds=0"]),
            ("scsi_mod", ["use_blk_mq=Y"]),
            ("dm_mod", ["use_blk_mq=Y"]),
            ("sd_mod", ["probe=async"]),
            ("hfi1", ["krcvqs=8", "pcie_caps=0x51", "num_sdma=8"]),
            ("rdma_ucm", ["max_backlog=2048"]),
            ("ib_core", ["netns_mode=1"])]:
        for i, p in enumerate(params):
            name, _, value = p.partition("=")
            options.append({"module": mod, "param": name, "value": value,
                            "source": "/etc/modprobe.d/%s.conf:%d" % (mod, i + 1)})
    loaded = [{"name": "mod%03d" % i, "params": {"p%d" % j: str(j) for j in range(i % 10 // 7)}}
              for i in range(100)]
    return {
        "ofsck_snapshot": 1, "node": "", "taken": "2026-12-07T15:00:00Z", "ofsck": "0.9.0",
        "kernel": KERNEL, "kmod": "30", "live": True, "stack": "",
        "summary": {"verdict": "ok", "modules": 4030, "failing": 0, "errors": 0,
                    "warnings": 3, "first": None},
        "findings": [{"rule": "OFS216", "severity": "warning", "subject": "ib_ipoib"},
                     {"rule": "OFS220", "severity": "warning", "subject": "nvidia"},
                     {"rule": "OFS220", "severity": "warning", "subject": "nvidia_uvm"}],
        "packages": [{"name": n, "version": v, "modules": m, "digest": h(n, v)}
                     for n, v, m in pkgs],
        "modules": [{"name": n, "path": "updates/dkms/%s.ko" % n, "sha256": h(n),
                     "package": None, "version": None, "why": "no-package",
                     "srcversion": h(n, "src")[:23].upper(), "signer": "DKMS module signing key",
                     "loads": True} for n in ("nvidia", "nvidia_modeset", "nvidia_uvm", "zfs")],
        "options": options, "loaded": loaded, "running_drift": []}


def outlier(doc, i):
    """Outliers: i % 50 == 0..4 (2% of nodes), five kinds."""
    kind = i % 50
    if kind == 1:    # a different peer_credits line
        for o in doc["options"]:
            if o["module"] == "ko2iblnd" and o["param"] == "peer_credits":
                o["value"], o["source"] = "128", "/etc/modprobe.d/lustre-tune.conf:1"
    elif kind == 2:  # another OFED build
        p = doc["packages"][2]
        p["version"] = "24.07.OFED.24.07.0.6.1.1-1"
        p["digest"] = h(p["name"], p["version"])
    elif kind == 3:  # another kernel
        doc["kernel"] = "6.1.0-56-amd64"
        doc["packages"][0] = {"name": "linux-image-6.1.0-56-amd64", "version": "6.1.0-56",
                              "modules": 3962, "digest": h("k56")}
    elif kind == 4:  # a vendor module that fails
        doc["summary"].update({"verdict": "FAIL", "failing": 1, "errors": 1,
                               "first": "hfi1:OFS203"})
        doc["findings"].insert(0, {"rule": "OFS203", "severity": "error", "subject": "hfi1"})
        doc["modules"].insert(0, {"name": "hfi1", "path": "updates/hfi1.ko", "sha256": h("hfi1"),
                                  "package": None, "version": None, "why": "no-package",
                                  "srcversion": None, "signer": None, "loads": False})
    elif kind == 5 and i % 100 == 5:  # running drift (live), 1%: the stack stays the same
        doc["running_drift"] = [{"module": "ko2iblnd", "param": "peer_credits",
                                 "configured": "32", "running": "8"}]


def main():
    out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    os.makedirs(out, exist_ok=True)
    base = template()
    with open(os.path.join(out, "stream.json"), "w") as stream, \
            open(os.path.join(out, "clush.txt"), "w") as clush:
        for i in range(1, n + 1):
            doc = copy.deepcopy(base)
            doc["node"] = "cn%05d" % i
            outlier(doc, i)
            canon = {k: v for k, v in doc.items()
                     if k not in ("node", "taken", "live", "ofsck", "loaded", "running_drift",
                                  "stack")}
            doc["stack"] = h(json.dumps(canon, sort_keys=True))
            text = json.dumps(doc, indent=2) + "\n"
            with open(os.path.join(out, doc["node"] + ".json"), "w") as f:
                f.write(text)
            stream.write(text)
            clush.writelines(doc["node"] + ": " + line + "\n" for line in text.splitlines())


main()

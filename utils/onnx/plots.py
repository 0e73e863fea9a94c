"""SVG plots of the stored evaluation results (used by evaluate.py).

Needs Debian's python3-matplotlib (scripts/setup.sh installs it). The SVGs
are deterministic (fixed hash salt, no date), so regenerating them from the
same results gives the same files.
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "vsquant"
plt.rcParams["svg.fonttype"] = "none"  # text stays text: smaller files

KINDS = ["tensor", "channel", "vector-f32", "vector-ui4", "vector-ui6",
         "vector-ui8"]
COLORS = dict(zip(KINDS, ["#8c8c8c", "#d65f5f", "#4878d0", "#6acc64",
                          "#ee854a", "#956cb4"]))
MARKERS = {"W8A8": "o", "W6A6": "s", "W4A8": "^", "W4A4": "v"}
BITS = list(MARKERS)


def task_metric(model):
    """(result key, axis label, scale to percent) of a model's task metric."""
    return {"rec": ("same_text_as_float", "decoded text = float (% of lines)"),
            "cls": ("same_class_as_float", "class = float (% of inputs)"),
            "det": ("mean_iou_vs_float", "IoU of the text map vs float (%)"),
            }[model]


def _legend(ax, results):
    """One legend entry per scheme (colour) and per bit width (marker)."""
    handles = []
    for kind in KINDS:
        if any(r["kind"] == kind for r in results):
            handles.append(plt.Line2D([], [], color=COLORS[kind], marker="o",
                                      linestyle="", label=kind))
    for bits in BITS:
        if any(r["bits"] == bits for r in results):
            handles.append(plt.Line2D([], [], color="black", marker=MARKERS[bits],
                                      linestyle="", fillstyle="none",
                                      label=bits))
    ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.8)


def _scatter(ax, results, x_of, y_of):
    for r in results:
        x, y = x_of(r), y_of(r)
        if x is None or y is None:
            continue
        # Filled: max calibration; hollow: another weight method.
        filled = r["weight_method"] == "max"
        ax.plot(x, y, linestyle="", marker=MARKERS[r["bits"]],
                color=COLORS[r["kind"]], markersize=6 if filled else 7,
                fillstyle="full" if filled else "none", alpha=0.85)


def accuracy_vs_bits(model, results, path):
    key, label = task_metric(model)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7.5), sharex=True)
    _scatter(top, results, lambda r: r["bits_per_weight"],
             lambda r: 100 * r[key])
    _scatter(bottom, results, lambda r: r["bits_per_weight"],
             lambda r: r["mean_sqnr_db"])
    top.set_ylabel(label)
    bottom.set_ylabel("output SQNR vs float (dB, mean)")
    bottom.set_xlabel("stored bits per weight, scales included")
    top.set_title(f"{model}: accuracy vs bits per weight (filled: max "
                  f"calibration, hollow: other methods)", fontsize=9)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    _legend(top, results)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def energy_vs_accuracy(model, results, path):
    """Accelerator energy per inference (cost model) against the task
    metric; settings without an accelerator config are left out."""
    key, label = task_metric(model)
    priced = [r for r in results if r.get("accel")]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    _scatter(ax, priced, lambda r: r["accel"]["energy_uj"],
             lambda r: 100 * r[key])
    ax.set_xlabel("accelerator energy per inference (uJ, cost model, DRAM "
                  "included)")
    ax.set_ylabel(label)
    ax.set_title(f"{model}: accuracy vs accelerator energy (per-channel and "
                 f"two-level per-vector settings)", fontsize=9)
    ax.grid(True, alpha=0.3)
    _legend(ax, priced)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)

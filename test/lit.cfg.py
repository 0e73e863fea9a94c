# -*- Python -*-
import os
import shutil
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "VSQUANT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.vsquant_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", ".so"))
config.substitutions.append(("%vsquant_libs", config.vsquant_lib_dir))
config.substitutions.append(("%vsquant_src", config.vsquant_src_root))
config.substitutions.append(("%vsquant_obj", config.vsquant_obj_root))
config.substitutions.append(("%cmake_exe", config.cmake_command))
config.substitutions.append(("%generator", config.cmake_generator))
config.substitutions.append(("%cxx", config.cxx_compiler))
config.substitutions.append(("%cc", config.c_compiler))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])

# setup.sh sanitize: our binaries are built with ASan + UBSan. Tests that
# cannot run that way say 'UNSUPPORTED: asan' and why (docs/Reliability.md).
# %asan_preload runs an uninstrumented host (Debian's mlir-opt) that loads
# our instrumented plugin; %vsquant_sanitizer_link_flags links a consumer of
# our instrumented static libraries. Both are empty in normal builds.
asan_preload = ""
if config.vsquant_sanitizers:
    config.available_features.add("asan")
    llvm_config.with_system_environment(["ASAN_OPTIONS", "UBSAN_OPTIONS",
                                         "LSAN_OPTIONS"])
    asan_preload = "env LD_PRELOAD=" + config.vsquant_asan_runtime
config.substitutions.append(("%asan_preload", asan_preload))
config.substitutions.append(("%vsquant_sanitizer_link_flags",
                             config.vsquant_sanitizer_link_flags))
# The ONNX importer's tests build their graphs with Debian's python3-onnx.
try:
    import onnx  # noqa: F401
    config.available_features.add("onnx")
except ImportError:
    pass
# Real models (scripts/fetch-models.sh puts them in a cache outside the
# checkout): the tests that use them are UNSUPPORTED until it has run.
model_cache = os.environ.get("VSQUANT_MODEL_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
    "vsquant-models")
if (os.path.isfile(os.path.join(model_cache, "ocr-models", "package",
                                "assets", "ch_PP-OCRv4_rec_infer.onnx")) and
        os.path.isfile(os.path.join(model_cache, "ort", "node_modules",
                                    "onnxruntime-node", "package.json")) and
        shutil.which("node")):
    config.available_features.add("ocr-models")
config.substitutions.append(
    ("%ocr_models", os.path.join(model_cache, "ocr-models", "package",
                                 "assets")))
config.substitutions.append(("%ort_prefix", os.path.join(model_cache, "ort")))
llvm_config.use_default_substitutions()
# not, count, split-file and FileCheck live beside Debian's LLVM tools.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.vsquant_tools_dir, append_path=True)

tool_dirs = [config.vsquant_tools_dir, config.llvm_tools_dir]
tools = [
    "vsq-opt",
    "vsq-quantize-tensor",
    "vsq-calibrate",
    "vsq-eval",
    "vsq-compile",
    "vsq-accel-cost",
    "vsq-translate",
    "vsq-sim",
    "vsq-import-onnx",
    "vsq-run",
    ToolSubst("mlir-opt", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# mlir-runner and its runtime libraries (Debian's LLVM 22).
config.substitutions.append(
    ("%mlir_runner_utils",
     os.path.join(config.llvm_lib_dir, "libmlir_runner_utils.so")))
config.substitutions.append(
    ("%mlir_c_runner_utils",
     os.path.join(config.llvm_lib_dir, "libmlir_c_runner_utils.so")))
config.substitutions.append(("%llvm_lib_dir", config.llvm_lib_dir))
config.substitutions.append(
    ("%openmp_runtime", os.path.join(config.llvm_lib_dir, "libomp.so")))

# Instruction sets of this CPU, for tests that run tiled kernels.
def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()
_flags = _cpu_flags()
if "avx2" in _flags:
    config.available_features.add("cpu-avx2")
if "avx512_vnni" in _flags and "avx512bw" in _flags:
    config.available_features.add("cpu-avx512vnni")

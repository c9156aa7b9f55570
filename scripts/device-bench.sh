#!/usr/bin/env bash
# The GPU measurement, in two parts (docs/benchmarks.md says what it found):
#
#   scripts/device-bench.sh prepare   on a build machine (Rust, network): a stripped release
#                                     binary and Debian's Vulkan and GL/EGL loaders, unpacked,
#                                     into device/ (ignored by git; well under 64 MiB)
#   scripts/device-bench.sh run       on the GPU machine (a driver, no Rust, no network), from
#                                     the checkout with device/ beside it; writes into $OUT
#                                     (default device-out/) and keeps within $BUDGET seconds
#                                     (default 540)
#
# `run` finds the vendor's Vulkan driver manifest (NVIDIA's, or any other it finds), then runs
# `potflow devices --bandwidth` (a copy kernel: the device's bandwidth), `check` on two
# meshes, and `bench` with cpu (all cores), gpu and, where this potflow has it, gpu-solve on
# the cylinder and the y_tube at 200k, 2M and 8M nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV="$PWD/device"
PACKAGES="libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libgles2 libopengl0"

prepare() {
    cargo build --release --bin potflow
    rm -rf "$DEV"
    mkdir -p "$DEV/debs" "$DEV/root"
    objcopy --strip-all target/release/potflow "$DEV/potflow"
    if ! apt-get download --help >/dev/null 2>&1; then
        echo "prepare needs apt-get (Debian or Ubuntu) to fetch the loaders" >&2
        exit 1
    fi
    (cd "$DEV/debs" && apt-get download $PACKAGES 2>/dev/null) || {
        apt-get update -qq && (cd "$DEV/debs" && apt-get download $PACKAGES)
    }
    for deb in "$DEV"/debs/*.deb; do
        dpkg-deb -x "$deb" "$DEV/root"
    done
    rm -rf "$DEV/root/usr/share/doc" "$DEV/root/usr/share/lintian"
    du -sh "$DEV"
}

# The first Vulkan driver manifest of the vendor's driver, NVIDIA's first; with none, one
# written for NVIDIA's library where the driver installed it without a manifest.
find_icd() {
    local dirs="/usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/lib/x86_64-linux-gnu/vulkan/icd.d"
    local d f
    for d in $dirs; do
        for f in "$d"/nvidia*.json; do [ -f "$f" ] && { echo "$f"; return; }; done
    done
    for d in $dirs; do
        for f in "$d"/*.json; do
            case "$f" in *lvp*|*intel*|*radeon*|*virtio*) continue ;; esac
            [ -f "$f" ] && { echo "$f"; return; }
        done
    done
    local lib
    lib=$( (ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/ {print $NF; exit}') || true)
    [ -z "$lib" ] && lib=$(find / -xdev -name 'libGLX_nvidia.so.0' 2>/dev/null | head -1 || true)
    if [ -n "$lib" ]; then
        printf '{"file_format_version":"1.0.1","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' \
            "$lib" >"$OUT/nvidia_icd.json"
        echo "$OUT/nvidia_icd.json"
    fi
}

run() {
    OUT="${OUT:-$PWD/device-out}"
    mkdir -p "$OUT"
    local started=$SECONDS
    # Seconds all the steps may take together (the device tool allows 600 a call).
    local budget=${BUDGET:-540}
    local potflow="$DEV/potflow"
    [ -x "$potflow" ] || { echo "no $potflow: run 'scripts/device-bench.sh prepare' first" >&2; exit 1; }
    if [ ! -d "$DEV/root/usr" ] && command -v dpkg-deb >/dev/null; then
        for deb in "$DEV"/debs/*.deb; do dpkg-deb -x "$deb" "$DEV/root"; done
    fi
    export LD_LIBRARY_PATH="$DEV/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export NODEVICE_SELECT=1
    local icd
    icd=$(find_icd)
    if [ -n "$icd" ]; then
        export VK_ICD_FILENAMES="$icd"
    fi
    {
        echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "potflow: $("$potflow" --version)"
        echo "vulkan driver manifest: ${icd:-none found}"
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || true
        echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores"
    } | tee "$OUT/machine.txt"

    # step NAME SECONDS COMMAND...: runs one measurement with its own time limit, its output
    # in $OUT/NAME.txt, and goes on whatever it returns.
    step() {
        local name=$1 limit=$2
        shift 2
        local left=$((budget - (SECONDS - started)))
        [ "$left" -lt 20 ] && { echo "== $name: skipped, out of time" | tee -a "$OUT/steps.txt"; return; }
        [ "$limit" -gt "$left" ] && limit=$left
        echo "== $name (limit ${limit}s): $*" | tee -a "$OUT/steps.txt"
        local t0=$SECONDS rc=0
        timeout "$limit" "$@" >"$OUT/$name.txt" 2>&1 || rc=$?
        echo "   exit $rc after $((SECONDS - t0)) s" | tee -a "$OUT/steps.txt"
        tail -n 40 "$OUT/$name.txt"
    }

    local configs=cpu,gpu
    if "$potflow" solve --help 2>/dev/null | grep -q -- '--solve-on'; then
        configs=cpu,gpu,gpu-solve
    fi
    step devices 60 "$potflow" devices --bandwidth --bandwidth-mib 1024
    step check-cylinder 60 "$potflow" check channel_with_cylinder:200000 --json "$OUT/check-cylinder.json"
    step check-y_tube 60 "$potflow" check y_tube:200000 --json "$OUT/check-y_tube.json"
    step bench-200k 90 "$potflow" bench channel_with_cylinder:200000 y_tube:200000 \
        --configs "$configs" --repeat 3 --markdown "$OUT/bench-200k.md" --json "$OUT/bench-200k.json"
    step bench-2M 150 "$potflow" bench channel_with_cylinder:2000000 y_tube:2000000 \
        --configs "$configs" --repeat 3 --markdown "$OUT/bench-2M.md" --json "$OUT/bench-2M.json"
    step bench-8M 240 "$potflow" bench channel_with_cylinder:8000000 y_tube:8000000 \
        --configs "$configs" --repeat 1 --markdown "$OUT/bench-8M.md" --json "$OUT/bench-8M.json"
    echo "done in $((SECONDS - started)) s; outputs in $OUT"
}

case "${1:-}" in
prepare) prepare ;;
run) run ;;
*)
    echo "usage: scripts/device-bench.sh prepare|run" >&2
    exit 2
    ;;
esac

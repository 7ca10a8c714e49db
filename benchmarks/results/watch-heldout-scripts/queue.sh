#!/bin/bash
# one run at a time, niced; no new run after 11:35 UTC
cd /work/wt/watch-heldout
source /work/venvs/watch-heldout/bin/activate
R=benchmarks/results
K=/tmp/watch-heldout/runs
run() {
  now=$(date -u +%H%M)
  if [ "$now" -ge 1135 ]; then echo "SKIP (after 11:35) $*"; return; fi
  echo "START $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*"
  /usr/bin/time -f "END %e s wall, %U s user, %S s sys" nice -n 10 python "$@"
  echo "DONE $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
}
radar() { run benchmarks/watch_radar.py --jobs 1 --keep $K "$@"; }
for s in 3 4; do
  for n in small district-100; do
    radar --networks $n --seeds $s --modes radar-extrapolation-gauge --methods enkf -o $R/watch-heldout-radar.json
    radar --networks $n --seeds $s --modes radar-extrapolation-gauge --methods none -o $R/watch-heldout-radar.json
    radar --networks $n --seeds $s --modes gauge --methods enkf -o $R/watch-heldout-radar.json
  done
done
for n in small district-100; do
  for m in enkf none; do
    radar --networks $n --seeds 3 --modes radar-extrapolation-gauge --methods $m --members 16 --end-hours 3 --keep $K-16 -o $R/watch-heldout-radar-16m-3h.json
  done
done
tw() { run benchmarks/watch_twin.py --jobs 1 --no-faults --members 16 --end-hours 3 "$@"; }
tw --networks district-100 --storms rp30-1h --seeds 1 -o $R/watch-heldout-twin-district-100-rp30-s1.json
tw --networks small --storms network --seeds 2 -o $R/watch-heldout-twin-small-s2.json
tw --networks district-100 --storms network --seeds 2 -o $R/watch-heldout-twin-district-100-s2.json
for s in 3 4; do for n in small district-100; do
  radar --networks $n --seeds $s --modes gauge --methods none -o $R/watch-heldout-radar.json
done; done
echo QUEUE FINISHED $(date -u +%T)

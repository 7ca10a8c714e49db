#!/bin/bash
# after queue3: seeds 5 and 6 (beyond the brief), 8 members, 2.5 h, same rules
while kill -0 11967 2>/dev/null; do sleep 10; done
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
radar() { run benchmarks/watch_radar.py --jobs 1 --keep $K "$@" -o $R/watch-heldout-radar-s5-6.json; }
for s in 5 6; do for n in small district-100; do for m in enkf none; do
  radar --networks $n --seeds $s --modes radar-extrapolation-gauge --methods $m
done; done; done
for s in 5 6; do for n in small district-100; do for m in enkf none; do
  radar --networks $n --seeds $s --modes gauge --methods $m
done; done; done
echo QUEUE4 FINISHED $(date -u +%T)

#!/bin/bash
# after queue.sh: seed 4 with 16 members and 3 h (beyond the brief's seed 3), same rules
while kill -0 20823 2>/dev/null; do sleep 10; done
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
for n in small district-100; do for m in enkf none; do
  run benchmarks/watch_radar.py --jobs 1 --networks $n --seeds 4 --modes radar-extrapolation-gauge --methods $m --members 16 --end-hours 3 --keep $K-16 -o $R/watch-heldout-radar-16m-3h.json
done; done
echo QUEUE2 FINISHED $(date -u +%T)

#!/bin/bash
# beyond the brief, with the time left: the sweep's 30-year storm on seed 2, then seed 5 with 16 members / 3 h
cd /work/wt/watch-heldout
source /work/venvs/watch-heldout/bin/activate
R=benchmarks/results
run() {
  now=$(date -u +%H%M)
  if [ "$now" -ge 1135 ]; then echo "SKIP (after 11:35) $*"; return; fi
  echo "START $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*"
  /usr/bin/time -f "END %e s wall, %U s user, %S s sys" nice -n 10 python "$@"
  echo "DONE $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
}
for n in small district-100; do
  run benchmarks/watch_twin.py --jobs 1 --no-faults --members 16 --end-hours 3 --networks $n --storms rp30-1h --seeds 2 -o $R/watch-heldout-twin-$n-rp30-s2.json
done
for n in small district-100; do for m in enkf none; do
  run benchmarks/watch_radar.py --jobs 1 --networks $n --seeds 5 --modes radar-extrapolation-gauge --methods $m --members 16 --end-hours 3 --keep /tmp/watch-heldout/runs-16 -o $R/watch-heldout-radar-16m-3h.json
done; done
echo QUEUE5 FINISHED $(date -u +%T)

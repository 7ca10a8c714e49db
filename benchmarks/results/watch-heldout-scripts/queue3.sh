#!/bin/bash
while kill -0 11139 2>/dev/null; do sleep 10; done
cd /work/wt/watch-heldout
source /work/venvs/watch-heldout/bin/activate
for n in small district-100; do
  now=$(date -u +%H%M); if [ "$now" -ge 1135 ]; then echo "SKIP $n"; continue; fi
  echo "START $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) :: faults $n network 2"
  /usr/bin/time -f "END %e s wall, %U s user, %S s sys" nice -n 10 python /tmp/watch-heldout/faults.py $n network 2 benchmarks/results/watch-heldout-twin-faults-s2.json
  echo "DONE $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo QUEUE3 FINISHED $(date -u +%T)

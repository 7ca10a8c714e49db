#!/bin/bash
# Held-out, ONCE, after the freeze: seeds 22-24 (never run), both networks, EnKF and the
# open loop, main's default (the window bias) and the Kalman bias, paired; then the
# nowcast's rain over the town with each (rain only).
cd "$(dirname "$0")/../.."
PY=${PY:-python}
for b in window kalman; do
  nice -n 19 $PY watch_radar.py --networks small,district-100 --seeds 22,23,24 \
    --modes radar-extrapolation-gauge --methods enkf,none --motion-pairs 5 --motion-pert pairs \
    --spread rate --bias $b --jobs 1 --label mfb-heldout --keep /tmp/watch-mfb-heldout \
    -o results/watch-mfb-heldout.json
done
nice -n 19 $PY watch_nowcast_error.py --networks small,district-100 --seeds 22,23,24 \
  --variants shipped,shipped-kalman -o results/watch-mfb-nowcast-error-heldout.json

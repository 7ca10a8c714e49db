#!/bin/bash
# The Kalman mean-field bias (its constants frozen in twin/ops/mfb.py) in the radar twin on
# the tuning seeds 1-2 and the seen seeds 19-21, both networks, EnKF: the shipped radar
# default otherwise (main's window rows: watch-heldout-1921-round14-default.json,
# watch-spread-tune.json, watch-fcgap-probe.json; the window is unchanged bit for bit).
cd "$(dirname "$0")/../.."
nice -n 19 ${PY:-python} watch_radar.py --networks small,district-100 --seeds 1,2,19,20,21 \
  --modes radar-extrapolation-gauge --methods enkf --motion-pairs 5 --motion-pert pairs \
  --spread rate --bias kalman --jobs 1 --label mfb-tune --keep /tmp/watch-mfb-runs \
  -o results/watch-mfb-tune.json

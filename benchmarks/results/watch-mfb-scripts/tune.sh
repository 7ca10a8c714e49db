#!/bin/bash
# The Kalman mean-field bias's constants on the tuning seeds 1-2 and the seen seeds 19-21
# (rain only, watch_nowcast_error.py), both networks, against the shipped window bias.
set -e
cd "$(dirname "$0")/../.."
PY=${PY:-python}
OUT=results/watch-mfb-nowcast-error.json
S=1,2,19,20,21
N=small,district-100
nice -n 19 $PY watch_nowcast_error.py --networks $N --seeds $S --variants shipped,shipped-kalman -o $OUT
for m in tau_s=86400 tau_s=3600 prior_var=0.04 prior_var=0.25 \
         prior_var=0.25,tau_s=86400 prior_var=0.04,tau_s=86400 \
         tau_s=inf,process_var_h=0.01 tau_s=inf,process_var_h=0.0; do
  nice -n 19 $PY watch_nowcast_error.py --networks $N --seeds $S --variants shipped-kalman \
    --mfb $m -o $OUT
done

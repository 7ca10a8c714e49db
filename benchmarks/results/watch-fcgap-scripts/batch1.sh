cd /work/wt/watch-fcgap
for case in "small 21 enkf" "small 21 none" "district-100 21 enkf" "district-100 21 none" "small 1 enkf" "small 1 none" "district-100 1 enkf" "district-100 1 none" "small 2 enkf" "small 2 none" "district-100 2 enkf" "district-100 2 none"; do
  set -- $case
  nice -n 19 /work/venvs/watch-fcgap/bin/python benchmarks/watch_fcgap.py --network $1 --seed $2 --method $3 -o benchmarks/results/watch-fcgap-probe.json 2>&1 | grep '^{' 
done

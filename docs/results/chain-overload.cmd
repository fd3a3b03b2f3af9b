build/tenet-bench chain --sizes 64 --hops 1,2 --mode adaptive --count 10000000 --reps 3 --json

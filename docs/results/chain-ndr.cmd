build/tenet-bench chain --ndr --sizes 64 --hops 1,2,3,4 --csv docs/results/chain-ndr.csv --json

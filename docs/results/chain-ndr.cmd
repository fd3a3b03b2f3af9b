build/tenet-bench chain --ndr --sizes 64 --hops 1,2 --csv docs/results/chain-ndr.csv --json

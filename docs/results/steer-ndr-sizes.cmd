build/tenet-bench steer --ndr --sizes 64,512,1518 --runs 1 --csv docs/results/steer-ndr-sizes.csv --plot docs/img --json

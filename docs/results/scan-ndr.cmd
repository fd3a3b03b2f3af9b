build/tenet-bench scan --ndr --sizes 64 --json

build/tenet-bench steer --ndr --sizes 64 --json

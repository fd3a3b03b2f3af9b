#!/bin/bash
# ab.sh SECS RATES...: interleaved base (pool 32768) vs new (pool 65536)
S=$1; shift
for r in "$@"; do for m in nic shared; do
  ./win.sh /tmp/s/base $m $r $S 32768 | sed 's/^/base /'
  ./win.sh /work/main $m $r $S 65536 | sed 's/^/new  /'
done; done

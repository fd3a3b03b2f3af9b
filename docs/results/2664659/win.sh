#!/bin/bash
# win.sh TENETDIR STEER RATE SECS [POOL]: 1-s windows with loss
D=$1; S=$2; R=$3; N=$4
POOL=${5:-32768}
y=/tmp/s/t/w-$$.yaml
sed "s#/work/main/build#$D/build#" <(POOL=$POOL bash /tmp/s/cfg.sh $S $R $N) | sed 's/stats_interval: 0/stats_interval: 1/' > $y
timeout $((N+30)) $D/build/tenet run $y 2>/dev/null | python3 -c "
import sys,re
prev={}; lossy=0; n=0; why={}
for l in sys.stdin:
  if l.startswith('drops:'):
    cur={k:int(v) for k,v in re.findall(r'(\w+)=(\d+)',l) if k not in ('copies','wakeups')}
    d={k:cur.get(k,0)-prev.get(k,0) for k in cur}
    if n>=1:  # skip first window (start)
      if any(v>0 for v in d.values()):
        lossy+=1
        for k,v in d.items():
          if v>0: why[k]=why.get(k,0)+1
    prev=cur; n+=1
  if l.startswith('==='): break
print(f'$S $R pool=$POOL: lossy windows {lossy}/{n-1} {why}')
"

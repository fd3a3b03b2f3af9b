#!/bin/bash
# nfab.sh NFBIN STEER RATE SECS: windows with loss, new manager (auto), NF binary NFBIN
NF=$1; S=$2; R=$3; N=$4
y=/tmp/s/t/nfab-$$.yaml
POOL=65536 bash /tmp/s/cfg.sh $S $R $N | sed "s#/work/main/build/nf/fwd#$NF#; s/stats_interval: 0/stats_interval: 1/" > $y
/work/main/build/tenet run $y --summary /tmp/s/t/nfab-$$.json 2>/dev/null | python3 -c "
import sys,re,json
prev={}; lossy=0; n=0
for l in sys.stdin:
  if l.startswith('drops:'):
    cur={k:int(v) for k,v in re.findall(r'(\w+)=(\d+)',l) if k not in ('copies','wakeups')}
    d={k:cur.get(k,0)-prev.get(k,0) for k in cur}
    if n>=1 and any(v>0 for v in d.values()): lossy+=1
    prev=cur; n+=1
j=json.load(open('/tmp/s/t/nfab-$$.json'))
print('$NF'.split('/')[3], '$S $R', 'lossy %d/%d' % (lossy, n-1), 'lost', j['packets_in']-j['delivered'], {k:v for k,v in j['dropped'].items() if v}, 'kicks', sum(x['kicks'] for x in j['nfs']), 'kick_s %.2f' % (j['dispatchers'][0]['nf_kick_ns']/1e9))
"

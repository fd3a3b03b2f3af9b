# cfg.sh STEER RATE DUR -> prints yaml
cat <<YAML
manager: {socket_dir: /tmp/s/t/sock-$1, stats_interval: 0}
ports:
  - {name: gen0, driver: gen, steer: $1, rate: $2, duration: $3, size: 64}
  - {name: sink, driver: sink}
tenants: [{name: alice, pool_bufs: ${POOL:-32768}}]
services:
  - {name: fwd, tenant: alice, command: "/work/main/build/nf/fwd"}
  - {name: fwd2, tenant: alice, command: "/work/main/build/nf/fwd"}
chains:
  - {name: bench, hops: [alice/fwd, alice/fwd2], output: sink}
YAML

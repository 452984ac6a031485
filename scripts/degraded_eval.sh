#!/usr/bin/env bash
# The tiny VLA's closed-loop success under degraded conditions: `rt2-ros eval` through the node graph, with
#   --loss P     every DDS packet between the nodes dropped with probability P % (nftables on the loopback of a
#                network namespace of its own, DDS over UDP only, as between hosts; needs root and nft)
#   --slow RATE  the loopback limited to RATE (tc token bucket, e.g. 2mbit: queueing delay, drops when full)
#   --hog N      N busy loops beside the graph (a starved CPU)
# Any other arguments go to `rt2-ros eval` (e.g. --episodes 20 --categories seen --output output/degraded).
# Prints eval's table; docs/faults.md quotes the runs. Example:
#   sudo scripts/degraded_eval.sh --loss 5 --episodes 20 --categories seen --output output/degraded_loss5
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
loss="" slow="" hogs=0 eval_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --loss) loss="$2"; shift 2 ;;
    --slow) slow="$2"; shift 2 ;;
    --hog) hogs="$2"; shift 2 ;;
    *) eval_args+=("$1"); shift ;;
  esac
done
namespace="rt2_degraded_$$"
hog_pids=()
cleanup() {
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  ip netns delete "$namespace" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$namespace"
ip -n "$namespace" link set lo up
if [[ -n "$loss" ]]; then
  ip netns exec "$namespace" nft add table inet rt2_link
  ip netns exec "$namespace" nft add chain inet rt2_link out '{ type filter hook output priority 0; }'
  ip netns exec "$namespace" nft add rule inet rt2_link out oifname lo udp dport '!=' 0 numgen random mod 100 '<' "$loss" drop
fi
if [[ -n "$slow" ]]; then
  ip netns exec "$namespace" tc qdisc add dev lo root tbf rate "$slow" burst 32kbit latency 300ms
fi
for ((i = 0; i < hogs; i++)); do
  "$root/.venv/bin/python" -c "while True: pass" & hog_pids+=($!)
done
echo "degraded eval: loss ${loss:-0} %, slow ${slow:-no}, ${hogs} CPU hogs"
ip netns exec "$namespace" env FASTDDS_BUILTIN_TRANSPORTS=UDPv4 ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST \
  MUJOCO_GL="${MUJOCO_GL:-egl}" "$root/.venv/bin/rt2-ros" eval "${eval_args[@]}"

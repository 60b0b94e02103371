#!/usr/bin/env bash
# The demo behind `make demo`: starts the coordinator on a fresh data directory, runs the seed
# scenario through copyctl (three copiers, margin sync, a late and an out-of-order signal, a
# copier out of scope, auto margin addition down to liquidation), printing the positions
# before and after each step, then stops the daemon cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(swift build --show-bin-path)
DATA=$(mktemp -d /tmp/copytrade-demo.XXXXXX)
SOCK="$DATA/copytrade.sock"
CTL=("$BIN/copyctl" --socket "$SOCK")

"$BIN/copytraded" --data "$DATA" --socket "$SOCK" --log-level warning &
DAEMON=$!
trap 'kill -9 $DAEMON 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do "${CTL[@]}" status >/dev/null 2>&1 && break; sleep 0.1; done

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
positions() { echo "-- positions:"; "${CTL[@]}" position list; }
step() { # step TITLE COMMAND...: positions before, the command's result, positions after
  local title=$1; shift
  say "$title"
  positions
  echo "-- \$ copyctl ${*}"
  "${CTL[@]}" "$@"
  "${WAIT_AFTER[@]}"
  positions
}
WAIT_AFTER=(true)
now_ms() { date +%s%3N; }
window() { sleep 0.7; }  # the margin-sync reorder window is 500 ms

say "coordinator health"
"${CTL[@]}" status | head -5

say "accounts: trader T1, copiers C1 C2 C3 (C3's balance will be short for margin sync)"
"${CTL[@]}" account create T1 --role trader >/dev/null
for c in C1 C2 C3 C4; do "${CTL[@]}" account create $c --role copier >/dev/null; done
"${CTL[@]}" deposit T1 10000 >/dev/null
"${CTL[@]}" deposit C1 5000 >/dev/null
"${CTL[@]}" deposit C2 20000 >/dev/null
"${CTL[@]}" deposit C3 6000 >/dev/null
"${CTL[@]}" deposit C4 5000 >/dev/null
# The relations were established ten minutes ago, so every signal below is in their scope.
SINCE=$(( $(date +%s%3N) - 600000 ))
"${CTL[@]}" follow C1 T1 --multiplier 0.25 --leverage 10 --at $SINCE >/dev/null
"${CTL[@]}" follow C2 T1 --multiplier 1 --leverage 10 --at $SINCE >/dev/null
"${CTL[@]}" follow C3 T1 --multiplier 5 --leverage 10 --at $SINCE >/dev/null
"${CTL[@]}" price set BTCUSDT 20000 >/dev/null
"${CTL[@]}" account list

step "T1 opens 0.5 BTCUSDT long at 20000, 10x: each copier's order is sized (SPEC §4)" \
  trader open T1 BTCUSDT --side long --qty 0.5 --price 20000 --leverage 10
echo "-- check: copyctl calc size for multipliers 0.25, 1, 5:"
for m in 0.25 1 5; do
  printf '   m=%-5s ' $m; "$BIN/copyctl" calc size --mode proportional --multiplier $m --side long --fill 20000 --qty 0.5 --leverage 10 --symbol BTCUSDT --json
done

WAIT_AFTER=(window)
step "T1 adds 500 margin (+50%): copiers follow by the same ratio; C3 cannot pay and is skipped" \
  trader margin add T1 BTCUSDT 500
"${CTL[@]}" history --kind sync.

step "T1 reduces 300 margin: copiers reduce by the same ratio, never past their maximum reducible" \
  trader margin reduce T1 BTCUSDT 300
"${CTL[@]}" history --kind sync. | tail -4

LATE=$(( $(now_ms) - 61000 ))
step "a signal delivered 61 s late is dropped (stale)" \
  trader margin add T1 BTCUSDT 100 --at $LATE
"${CTL[@]}" history --kind sync. | tail -4

say "two signals delivered out of order are applied in occurrence order"
T=$(now_ms)
"${CTL[@]}" trader margin add T1 BTCUSDT 100 --at $T
"${CTL[@]}" trader margin add T1 BTCUSDT 50 --at $(( T - 200 ))
window
"${CTL[@]}" history --kind sync.applied | tail -6
positions

say "C4 follows now and copies T1's next order; a signal that occurred before C4 followed leaves C4 out of scope"
FOLLOWED=$(now_ms)
"${CTL[@]}" follow C4 T1 --multiplier 1 --leverage 10 --at $FOLLOWED >/dev/null
"${CTL[@]}" trader open T1 BTCUSDT --side long --qty 0.1 --price 20000 --leverage 10 | head -6
WAIT_AFTER=(window)
step "T1 adds margin with an occurrence time 5 s before C4 followed" \
  trader margin add T1 BTCUSDT 100 --at $(( FOLLOWED - 5000 ))
"${CTL[@]}" history --kind sync. | tail -6

say "auto margin addition (SPEC §3): A opens 0.5 BTC long at 20000 with margin 1000, 1500 left, A = 1000"
"${CTL[@]}" account create A --role trader >/dev/null
"${CTL[@]}" deposit A 2505 >/dev/null
"${CTL[@]}" trader open A BTCUSDT --side long --qty 0.5 --price 20000 --leverage 10 >/dev/null
"${CTL[@]}" automargin on A --symbol BTCUSDT --amount 1000 >/dev/null
WAIT_AFTER=(true)
for mark in 18069.2 16061.5 15057.7; do
  step "mark $mark" price set BTCUSDT $mark
done
"${CTL[@]}" history --kind automargin.added
"${CTL[@]}" history --kind liquidated

say "copier protections and profit sharing (SPEC §8-9; docs/protections.md), on ETHUSDT"
"${CTL[@]}" account create T2 --role trader >/dev/null
for c in C5 C6; do "${CTL[@]}" account create $c --role copier >/dev/null; done
"${CTL[@]}" deposit T2 10000 >/dev/null
"${CTL[@]}" deposit C5 5000 >/dev/null
"${CTL[@]}" deposit C6 5000 >/dev/null
echo "-- \$ copyctl account set T2 --profit-share-ratio 0.1"
"${CTL[@]}" account set T2 --profit-share-ratio 0.1 | head -3
"${CTL[@]}" follow C5 T2 --multiplier 1 --leverage 10 --tp-ratio 0.5 --sl-ratio 0.3 >/dev/null
"${CTL[@]}" follow C6 T2 --multiplier 1 --leverage 10 >/dev/null
"${CTL[@]}" price set ETHUSDT 2000 >/dev/null
"${CTL[@]}" trader open T2 ETHUSDT --side long --qty 5 --price 2000 --leverage 10 >/dev/null
echo "-- C5's copy carries take profit E*(1 + 0.5/10) = 2100 and stop loss E*(1 - 0.3/10) = 1940:"
"${CTL[@]}" position list --symbol ETHUSDT
echo "-- check: copyctl calc tpsl --side long --entry 2000 --leverage 10 --tp-ratio 0.5 --sl-ratio 0.3 --symbol ETHUSDT"
"$BIN/copyctl" calc tpsl --side long --entry 2000 --leverage 10 --tp-ratio 0.5 --sl-ratio 0.3 --symbol ETHUSDT
step "mark 1940: C5's copy reaches its stop loss and closes at the mark; T2 and C6 stay open" \
  price set ETHUSDT 1940
"${CTL[@]}" history --kind copy.stop_loss
step "T2 closes all at 2100: C6's copy closes with it, at a profit" \
  trader close T2 ETHUSDT --price 2100
echo "-- \$ copyctl relation show C6 T2 (net profit, what is due at 10%)"
"${CTL[@]}" relation show C6 T2 | grep -E "status|profitShareRatio|realizedPnl|fees|netResult|shared|due"
echo "-- \$ copyctl settle --trader T2"
"${CTL[@]}" settle --trader T2
NET=$("${CTL[@]}" relation show C6 T2 --json | tr ',' '\n' | sed -n 's/.*"netResult": *"\([^"]*\)".*/\1/p')
echo "-- check: copyctl calc share --net $NET --ratio 0.1"
"$BIN/copyctl" calc share --net "$NET" --ratio 0.1
"${CTL[@]}" relation show C6 T2 | grep -E "shared|due"

say "accounts at the end (deposits - withdrawals + realized PnL - fees - profit share paid + received = wallet for each)"
"${CTL[@]}" account list
"${CTL[@]}" status | grep -E "lastSequence|insurance"

say "stopping the coordinator (SIGTERM: drain, flush the journal, exit 0)"
kill -TERM $DAEMON
wait $DAEMON && echo "copytraded exited 0; journal in $DATA"
trap - EXIT

say "the same seeds as scenario files: copyctl simulate (in-process coordinator, simulated clock; docs/scenarios.md)"
for scenario in seed-margin-sync seed-auto-margin protections; do
  echo "-- \$ copyctl simulate examples/$scenario.yaml --out out/demo/$scenario"
  "$BIN/copyctl" simulate "examples/$scenario.yaml" --out "out/demo/$scenario"
done
echo
echo "reports: $(pwd)/out/demo/seed-margin-sync/report.html $(pwd)/out/demo/seed-auto-margin/report.html $(pwd)/out/demo/protections/report.html"

#!/usr/bin/env bash
# rss.sh PID - what a process holds resident, from /proc/PID/smaps_rollup and /proc/PID/smaps:
# the totals (anonymous and file-backed, private and shared), then one line per mapped file and
# permission (the executable's code r-xp, read-only data r--p, data rw-p; each library's; [anon]
# for the Go heap, stacks and the runtime's memory): Rss, Pss, Shared_Clean, Private_Clean,
# Private_Dirty and Anonymous in kB, largest first. Used to measure the idle agent (agent/quiet
# pages out its executable once quiet):  scripts/rss.sh "$(cat "$XDG_RUNTIME_DIR/alarmd/alarmd.pid")"
set -euo pipefail
pid=${1:?usage: rss.sh PID}
[[ -r /proc/$pid/smaps ]] || { echo "rss.sh: no readable /proc/$pid/smaps" >&2; exit 1; }
grep -E '^(Rss|Pss|Shared_Clean|Shared_Dirty|Private_Clean|Private_Dirty|Anonymous|Swap):' "/proc/$pid/smaps_rollup"
grep -E '^(VmRSS|RssAnon|RssFile|RssShmem):' "/proc/$pid/status"
awk '
  /^[0-9a-f]+-[0-9a-f]+ / {
    path = ""; for (i = 6; i <= NF; i++) path = path (i > 6 ? " " : "") $i
    key = (path == "" ? "[anon]" : path) " " $2
    next
  }
  /^Rss:/           { rss[key] += $2 }
  /^Pss:/           { pss[key] += $2 }
  /^Shared_Clean:/  { sc[key] += $2 }
  /^Private_Clean:/ { pc[key] += $2 }
  /^Private_Dirty:/ { pd[key] += $2 }
  /^Anonymous:/     { an[key] += $2 }
  END { for (k in rss) if (rss[k] > 0) printf "%7d %7d %7d %7d %7d %7d  %s\n", rss[k], pss[k], sc[k], pc[k], pd[k], an[k], k }
' "/proc/$pid/smaps" | sort -k1,1nr |
  { printf "%7s %7s %7s %7s %7s %7s  %s\n" Rss Pss ShClean PrClean PrDirty Anon "mapping perms"; cat; }

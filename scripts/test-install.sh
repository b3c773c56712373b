#!/usr/bin/env bash
# test-install.sh - `make install` into a temporary PREFIX (and once more below a DESTDIR), check
# what landed there, `make uninstall`, and check that nothing is left. Exit 0 when all is well.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/alarmd-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "test-install: FAIL: $*" >&2; exit 1; }

check_tree() { # ROOT PREFIX: the installed files are there and right
  local root=$1 prefix=$2 d=$1$2
  [[ -x $d/bin/alarmd ]] || fail "no executable $d/bin/alarmd"
  "$d/bin/alarmd" version >/dev/null || fail "the installed binary does not run"
  local desktop=$d/share/applications/alarmd.desktop unit=$d/share/systemd/user/alarmd.service
  local exe=$prefix/bin/alarmd
  [[ $exe == *" "* ]] && exe="\"$exe\"" # both formats quote a path with a blank
  [[ -f $desktop ]] || fail "no launcher $desktop"
  # The launcher opens the Alarms window (starting the agent when none runs); autostart keeps start.
  grep -qxF "Exec=$exe open" "$desktop" || fail "launcher Exec= is not '$exe open': $(grep ^Exec= "$desktop")"
  grep -qx "Icon=alarmd" "$desktop" || fail "launcher has no Icon=alarmd"
  if command -v desktop-file-validate >/dev/null; then
    out=$(desktop-file-validate "$desktop" 2>&1) || fail "desktop-file-validate: $out"
    [[ -z $out ]] || fail "desktop-file-validate: $out"
  fi
  [[ -f $unit ]] || fail "no unit $unit"
  grep -qxF "ExecStart=$exe run" "$unit" || fail "unit ExecStart= is not '$exe run': $(grep ^ExecStart= "$unit")"
  grep -qx "Type=notify" "$unit" || fail "unit is not Type=notify"
  if [[ -z $root ]] && command -v systemd-analyze >/dev/null; then
    out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
  fi
  local n=0 icon
  while IFS= read -r icon; do
    cmp -s "assets/icons/$icon" "$d/share/icons/$icon" || fail "icon $icon missing or different"
    n=$((n + 1))
  done < <(cd assets/icons && find hicolor -type f \( -name '*.png' -o -name '*.svg' \))
  (( n > 0 )) || fail "no icons in assets/icons/hicolor"
  [[ -f $d/share/alarmd/install-manifest ]] || fail "no manifest"
  # The manifest lists exactly what is there: every file below the prefix is in it.
  local f
  while IFS= read -r f; do
    grep -qxF "f ${f#"$root"}" "$d/share/alarmd/install-manifest" || fail "$f is not in the manifest"
  done < <(find "$d" -type f)
  echo "test-install: ok: $n icons, binary, launcher, unit, manifest under $d"
}

check_empty() { # DIR: nothing left below DIR (DIR itself may remain if it existed before)
  local left
  left=$(find "$1" -mindepth 1 2>/dev/null | head -n 20)
  [[ -z $left ]] || fail "uninstall left: $left"
}

# 1. PREFIX that does not exist yet: install creates it, uninstall removes it again.
prefix="$work/prefix/with space"
make --no-print-directory install PREFIX="$prefix" >/dev/null
check_tree "" "$prefix"
make --no-print-directory install PREFIX="$prefix" >/dev/null # reinstall over it keeps one manifest
check_tree "" "$prefix"
make --no-print-directory uninstall PREFIX="$prefix" >/dev/null
[[ ! -e $prefix ]] || fail "uninstall left $prefix: $(find "$prefix" | head)"
check_empty "$work/prefix"

# 2. A file that install did not write survives uninstall, and so does its directory.
mkdir -p "$work/p2/share/applications"
echo keep >"$work/p2/share/applications/other.desktop"
make --no-print-directory install PREFIX="$work/p2" >/dev/null
make --no-print-directory uninstall PREFIX="$work/p2" >/dev/null
[[ $(cat "$work/p2/share/applications/other.desktop") == keep ]] || fail "uninstall touched a foreign file"
[[ -z $(find "$work/p2" -type f ! -name other.desktop) ]] || fail "uninstall left files in $work/p2"

# 3. DESTDIR staging: paths inside the files name the final PREFIX.
make --no-print-directory install DESTDIR="$work/stage" PREFIX=/usr/local >/dev/null
check_tree "$work/stage" /usr/local
make --no-print-directory uninstall DESTDIR="$work/stage" PREFIX=/usr/local >/dev/null
[[ ! -e $work/stage/usr/local ]] || fail "DESTDIR uninstall left $(find "$work/stage/usr/local" | head)"

echo "test-install: all checks passed"

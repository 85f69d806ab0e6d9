#!/usr/bin/env bash
# Builds the text corpora the recipes train on, from Debian packages only
# (nothing is downloaded from anywhere but apt):
#   data/corpora/fortunes.txt  from `fortunes`   (/usr/share/games/fortunes)
#   data/corpora/gcide.txt     from `dict-gcide` (/usr/share/dictd/gcide.dict.dz)
#
# fortunes.txt: every fortune text file (regular files without a .dat or .u8
# extension; the .u8 names are symlinks to the same text) in byte-wise name order,
# concatenated. The '%' separator lines are KEPT: each fortune ends with a line
# holding only '%', which gives the model an end-of-fortune marker that
# `weft generate` output reproduces. A file whose last line is not '%' gets one,
# so fortunes of two files never run together.
# gcide.txt: the dictd database, decompressed (dictzip is gzip-compatible), with
# the few byte sequences that are not valid UTF-8 dropped (iconv -c), so the file
# reads as `chars` as well as `bytes`.
#
# Idempotent: an output that exists, is non-empty and was made by this version of
# the recipe above is kept (--force rebuilds). Each output has a stamp file
# (NAME.txt.format) naming its format; a corpus without one, or from an older
# format (fortunes before interleaving, say), is rebuilt, not silently reused.
# Outputs are written to a temporary file and renamed, so an interrupted run never
# leaves a partial corpus behind. data/corpora/ is git-ignored.
# The fortunes are then interleaved in a fixed pseudo-random order (sorted by an
# FNV-1a hash of each fortune's text, ties by position; perl is Essential in
# Debian, so this is the same on every machine). The split is positional, and in
# file-name order the held-out tail would be almost only `work` and `zippy`:
# interleaving makes the validation part the same mix of styles as the training
# part, so its loss measures the model rather than a change of style.
# Usage: scripts/prepare_corpora.sh [--force] [fortunes] [gcide]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

FORCE=0
WANT=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    fortunes | gcide) WANT+=("$arg") ;;
    -h | --help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "prepare_corpora: unknown argument '$arg' (expected --force, fortunes, gcide)" >&2; exit 2 ;;
  esac
done
((${#WANT[@]} > 0)) || WANT=(fortunes gcide)
wanted() { [[ " ${WANT[*]} " == *" $1 "* ]]; }

OUT_DIR=data/corpora
FORTUNE_DIR=/usr/share/games/fortunes
GCIDE_DZ=/usr/share/dictd/gcide.dict.dz
mkdir -p "$OUT_DIR"

# apt-get install of one package, refreshing the package lists only if needed.
apt_install() {
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "prepare_corpora: installing $1 (apt)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq --no-install-recommends "$1" >/dev/null ||
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "$1" >/dev/null; }
}

# Format stamps: change one when its recipe above changes, so old outputs get rebuilt.
declare -A FORMAT=([fortunes]="fortunes v2: % kept, FNV-1a interleaved" [gcide]="gcide v1: iconv -c")

# True when $1 (corpus $2) needs building; says why when an existing file is stale.
needs_build() {
  [[ $FORCE == 1 || ! -s $1 ]] && return 0
  if [[ "$(cat "$1.format" 2>/dev/null)" != "${FORMAT[$2]}" ]]; then
    echo "prepare_corpora: $1 was made by an older prepare_corpora.sh; rebuilding it"
    return 0
  fi
  return 1
}
stamp() { printf '%s\n' "${FORMAT[$2]}" >"$1.format"; }

report() {
  printf '%-28s %12s bytes %9s lines\n' "$1" "$(stat -c %s "$1")" "$(wc -l <"$1")"
}

fortunes_out="$OUT_DIR/fortunes.txt"
if wanted fortunes && needs_build "$fortunes_out" fortunes; then
  [[ -d $FORTUNE_DIR ]] || apt_install fortunes
  tmp="$fortunes_out.tmp.$$"
  trap 'rm -f "$tmp" "$tmp.mix"' EXIT
  : >"$tmp"
  count=0
  while IFS= read -r -d '' f; do
    # Each line as is; a final '%' line added when the file lacks one.
    awk '{ print; last = $0 } END { if (last != "%") print "%" }' "$f" >>"$tmp"
    count=$((count + 1))
  done < <(find "$FORTUNE_DIR" -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' -print0 | LC_ALL=C sort -z)
  if ((count == 0)); then
    echo "prepare_corpora: no fortune files found in $FORTUNE_DIR" >&2
    exit 1
  fi
  perl -e '
    use integer;
    local $/ = "%\n";
    my @r; my $i = 0;
    while (my $x = <STDIN>) {
      my $h = 2166136261;
      for my $c (unpack("C*", $x)) { $h ^= $c; $h = ($h * 16777619) & 0xFFFFFFFF; }
      push @r, [$h, $i++, $x];
    }
    print map { $_->[2] } sort { $a->[0] <=> $b->[0] || $a->[1] <=> $b->[1] } @r;
  ' <"$tmp" >"$tmp.mix"
  mv "$tmp.mix" "$tmp"
  mv "$tmp" "$fortunes_out"
  stamp "$fortunes_out" fortunes
  trap - EXIT
  echo "prepare_corpora: fortunes.txt from $count files"
fi

gcide_out="$OUT_DIR/gcide.txt"
if wanted gcide && needs_build "$gcide_out" gcide; then
  [[ -f $GCIDE_DZ ]] || apt_install dict-gcide
  tmp="$gcide_out.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  # iconv -c exits 1 after dropping invalid input; the output is still complete.
  zcat "$GCIDE_DZ" | { iconv -c -f UTF-8 -t UTF-8 || true; } >"$tmp"
  [[ -s $tmp ]] || { echo "prepare_corpora: $GCIDE_DZ decompressed to nothing" >&2; exit 1; }
  mv "$tmp" "$gcide_out"
  stamp "$gcide_out" gcide
  trap - EXIT
  echo "prepare_corpora: gcide.txt from $GCIDE_DZ"
fi

if wanted fortunes; then report "$fortunes_out"; fi
if wanted gcide; then report "$gcide_out"; fi

#!/usr/bin/env bash
# The README's GitHub Actions recipe (## Use in CI), run for real: its
# "profile base and head" and "compare" steps are cut out of the README and
# run as Actions would (bash -e, the job's env), on a git repository in a
# temporary directory whose commits are testdata/gen/benchmod (the base) and
# the base with size.go replaced by one of its variants/ (the heads).  So
# the commands tested are the README's, and cannot drift from it.
#
#   identical       head changes the code, not what it allocates: exit 0
#   head-regressed  encodeBody allocates 12% more per op: exit 1, the report
#                   names benchmod.encodeBody first
#   the old recipe  (adaptive b.N, sampled) on the regressed head, run slower:
#                   fewer iterations, and the gate passes it (exit 0)
#
# Usage: ci-recipe.sh HEAPDIFF [SRCROOT]   (SKIP, 77, without go or git)
set -u
hd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")   # the steps run elsewhere
root=${2:-$(cd "$(dirname "$0")/.." && pwd)}
command -v go > /dev/null || { echo "SKIP: go is not installed"; exit 77; }
command -v git > /dev/null || { echo "SKIP: git is not installed"; exit 77; }

# As testdata/gen/regen.sh: offline, standard library only, caches under
# $TMPDIR, and the number of Ps pinned (the runtime's own allocations
# depend on it).
export GOFLAGS=${GOFLAGS:-} GOPROXY=off GO111MODULE=on GOWORK=off
export GOCACHE=${GOCACHE:-${TMPDIR:-/tmp}/heapdiff-gocache}
export GOPATH=${GOPATH:-${TMPDIR:-/tmp}/heapdiff-gopath}
export GOMAXPROCS=2
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=ci-recipe GIT_AUTHOR_EMAIL=ci-recipe@example.invalid
export GIT_COMMITTER_NAME=ci-recipe GIT_COMMITTER_EMAIL=ci-recipe@example.invalid
unset BENCHMOD_OP_DELAY

tmp=$(mktemp -d "${TMPDIR:-/tmp}/heapdiff-ci-recipe.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# --- The recipe, from the README -------------------------------------------

readme=$root/README.md
# The workflow: the first yaml block of "## Use in CI".
awk '/^## / { sec = ($0 == "## Use in CI"); next }
	sec && !y && /^```yaml$/ { y = 1; next }
	y && /^```/ { exit }
	y' "$readme" > "$tmp/workflow.yml"
step() { # NAME: the run: | script of the step called NAME, dedented
	awk -v step="$1" '
	inrun && /^ *$/ { print ""; next }
	inrun { match($0, /^ */)
		if (!ind) ind = RLENGTH
		if (RLENGTH >= ind && RLENGTH > runind) { print substr($0, ind + 1); next }
		inrun = 0 }
	/^ *- name: / { n = $0; sub(/^ *- name: */, "", n); this = (n == step); next }
	/^ *- / { this = 0 }
	this && /^ *run: \|$/ { match($0, /^ */); runind = RLENGTH; ind = 0; inrun = 1 }
	' "$tmp/workflow.yml"
}
jobenv() { # KEY: its value in the job's env: map (comment and quotes removed)
	sed -n "s/^      $1: *//p" "$tmp/workflow.yml" | head -1 | sed "s/ *#.*//; s/^'\(.*\)'\$/\1/"
}
step "profile base and head" > "$tmp/profile.sh"
step compare > "$tmp/compare.sh"
pkg=$(jobenv PKG) bench=$(jobenv BENCH) n=$(jobenv N)

# What makes base and head do equal work, in the step the README shows.
for want in '-run '\''^$'\' '-bench "$BENCH"' '-benchtime "${N}x"' '-count 1' \
	'-memprofilerate=1' '-memprofile "$RUNNER_TEMP/$2.pprof"' 'profile "$BASE" base' \
	'profile "$HEAD" head'; do
	if grep -qF -- "$want" "$tmp/profile.sh"; then ok "README profile step has $want"; else
		bad "README profile step has no $want:"; sed 's/^/	/' "$tmp/profile.sh"; fi
done
[ "$(grep -c 'go test' "$tmp/profile.sh")" = 1 ] && ok "README: one go test command for both sides" ||
	bad "README: want one go test command (in profile()) for base and head"
for want in '--sample-index alloc_space' '--fail-on total:+' '--format markdown' \
	'>> "$GITHUB_STEP_SUMMARY"' 'exit "$status"'; do
	if grep -qF -- "$want" "$tmp/compare.sh"; then ok "README compare step has $want"; else
		bad "README compare step has no $want:"; sed 's/^/	/' "$tmp/compare.sh"; fi
done
case $n in ''|*[!0-9]*|0|1) bad "README: N is '$n', want a count of iterations > 1"; n=2000 ;;
*) ok "README: N=$n, PKG=$pkg, BENCH=$bench" ;; esac
[ "$pkg" = . ] && [ "$bench" = '^BenchmarkEncode$' ] ||
	bad "README: PKG '$pkg', BENCH '$bench': benchmod has . and ^BenchmarkEncode\$"
# The workflow is YAML and says what the extraction read (when PyYAML is here).
if python3 -c 'import yaml' 2> /dev/null; then
	if python3 - "$tmp" "$pkg" "$bench" "$n" <<-'EOF'
		import sys, yaml
		tmp, pkg, bench, n = sys.argv[1:]
		job = yaml.safe_load(open(tmp + "/workflow.yml"))["jobs"]["heap"]
		runs = {s.get("name"): s.get("run") for s in job["steps"]}
		env = {k: str(v) for k, v in job["env"].items()}
		assert runs["profile base and head"] == open(tmp + "/profile.sh").read(), "profile step"
		assert runs["compare"] == open(tmp + "/compare.sh").read(), "compare step"
		assert (env["PKG"], env["BENCH"], env["N"]) == (pkg, bench, n), env
		EOF
	then ok "README workflow parses as YAML, steps and env as extracted"
	else bad "README workflow: YAML or extraction differ"; fi
else echo "skip the YAML parse of the workflow (no PyYAML)"; fi

# --- The repository: base and heads ----------------------------------------

repo=$tmp/repo
mkdir "$repo" && cp -R "$root/testdata/gen/benchmod/." "$repo/" && rm -f "$repo"/*.test
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm base ||
	{ echo "FAIL: a git repository in $repo"; exit 1; }
base=$(git -C "$repo" rev-parse HEAD)
commit() { # VARIANT: base with size.go from variants/VARIANT.go.txt; prints the commit
	git -C "$repo" checkout -q "$base" &&
		cp "$repo/variants/$1.go.txt" "$repo/size.go" &&
		git -C "$repo" commit -qam "$1" && git -C "$repo" rev-parse HEAD
}
identical=$(commit identical) && regressed=$(commit head-regressed) ||
	{ echo "FAIL: committing the variants"; exit 1; }
# Warm the build cache, so the steps time the benchmark rather than the compiler.
(cd "$repo" && go test -count 1 -run '^$' . > /dev/null) || { echo "FAIL: benchmod does not build"; exit 1; }

runstep() { # SCRIPT OUT HEAD: a README step as Actions runs it, RUNNER_TEMP=OUT
	(cd "$repo" && env HEAPDIFF="$hd" BASE="$base" HEAD="$3" PKG="$pkg" BENCH="$bench" N="$n" \
		RUNNER_TEMP="$2" GITHUB_STEP_SUMMARY="$2/summary.md" bash --noprofile --norc -e "$1")
}
iters() { # LOG: b.N of each BenchmarkEncode line go test printed
	awk '$1 ~ /^BenchmarkEncode(-[0-9]+)?$/ { printf "%s%s", sep, $2; sep = " " }' "$1"
}
bop() { # LOG: B/op of each BenchmarkEncode line
	awk '$1 ~ /^BenchmarkEncode/ { for (i = 2; i < NF; i++) if ($(i + 1) == "B/op")
		{ printf "%s%s", sep, $i; sep = " " } }' "$1"
}
space() { # PROFILE FUNC: alloc_space where FUNC is the leaf, and the total
	"$hd" top --sample-index alloc_space --format folded "$1" | awk -v f="$2" '
		{ v = $NF; k = split(substr($0, 1, length($0) - length(v) - 1), fr, ";")
		  if (fr[k] == f) s += v; t += v }
		END { printf "%.0f %.0f\n", s, t }'
}
exact() { # NAME GOT SIZE: GOT is (N+1) x SIZE, but for a few runtime bytes
	want=$(( (n + 1) * $3 ))
	if [ "$2" -ge "$want" ] && [ "$2" -le $(( want + want / 1000 )) ]; then
		ok "$1: encodeBody allocated $2 B = ($n+1) x $3 (+$(( $2 - want )) B of the runtime)"
	else bad "$1: encodeBody allocated $2 B, want ($n+1) x $3 = $want"; fi
}

# --- The recipe on both heads ----------------------------------------------

recipe() { # VARIANT HEAD BODY-SIZE WANT-STATUS
	v=$1 out=$tmp/$1; mkdir "$out"
	if ! runstep "$tmp/profile.sh" "$out" "$2" > "$out/profile.log" 2>&1; then
		bad "$v: the profile step failed:"; sed 's/^/	/' "$out/profile.log"; return; fi
	got=$(iters "$out/profile.log")
	[ "$got" = "$n $n" ] && ok "$v: base and head ran b.N = $n" ||
		bad "$v: b.N of base and head: '$got', want '$n $n'"
	echo "     $v: B/op base head: $(bop "$out/profile.log")"
	read -r bb bt <<< "$(space "$out/base.pprof" benchmod.encodeBody)"
	read -r hb ht <<< "$(space "$out/head.pprof" benchmod.encodeBody)"
	exact "$v base" "$bb" $((25 * 8192))
	exact "$v head" "$hb" "$3"
	echo "     $v: alloc_space total base $bt B, head $ht B ($(awk -v b="$bt" -v h="$ht" \
		'BEGIN { printf "%+.2f%%", (h - b) * 100 / b }'))"
	runstep "$tmp/compare.sh" "$out" "$2" > "$out/compare.log" 2>&1
	status=$?
	[ "$status" = "$4" ] && ok "$v: the compare step exits $status" ||
		{ bad "$v: the compare step exits $status, want $4:"; sed 's/^/	/' "$out/compare.log" "$out/heap.md"; }
	[ -s "$out/heap.md" ] && cmp -s "$out/heap.md" "$out/summary.md" &&
		ok "$v: the Markdown report is in the job summary" ||
		bad "$v: the job summary is not the Markdown report"
	verdict=$(grep -m1 -E "^(✅|❌)" "$out/heap.md")
	echo "     $v: verdict $verdict; $(grep -m1 '`total:' "$out/heap.md" | awk -F'|' '{ print $3 $4 }')"
	if [ "$4" = 1 ]; then # the first top grower is the function that regressed
		first=$(awk '/^### Top growers/ { t = 1; next } t && /^\| [^-:]/ && !/Δflat/ { print; exit }' "$out/heap.md")
		case $first in *'`benchmod.encodeBody`'*) ok "$v: the report names benchmod.encodeBody first" ;;
		*) bad "$v: first top grower '$first', want benchmod.encodeBody" ;; esac
	fi
}
recipe identical "$identical" $((200 << 10)) 0
recipe head-regressed "$regressed" $((28 * 8192)) 1

# --- The old recipe -----------------------------------------------------------
# The README's commands before issue #15 (adaptive b.N, -benchtime 1s, the
# default sampling rate), on the same two commits, with the head on a slower
# machine (BENCHMOD_OP_DELAY: 1 ms per op, about 40 times an op's cost).  The
# head runs far fewer iterations, allocates less in all, and its 12% per-op
# regression passes the gate.  Only the total rule: the old new:+1MiB rule
# reads sampled values, where one 100-byte allocation can stand for 512 KiB.
old=$tmp/old; mkdir "$old"
(cd "$repo" && git checkout -q "$base" &&
	go test -run '^$' -bench . -benchmem -memprofile base.pb.gz ./... &&
	git checkout -q "$regressed" &&
	BENCHMOD_OP_DELAY=1ms go test -run '^$' -bench . -benchmem -memprofile head.pb.gz ./...
) > "$old/log" 2>&1 || { bad "old recipe: go test failed:"; sed 's/^/	/' "$old/log"; }
"$hd" diff --sample-index alloc_space --fail-on total:+8% --format markdown \
	"$repo/base.pb.gz" "$repo/head.pb.gz" > "$old/heap.md" 2>&1
status=$?
read -r nb nh <<< "$(iters "$old/log")"
echo "     old recipe: b.N base $nb, head $nh; B/op base head: $(bop "$old/log");" \
	"$(grep -m1 '`total:' "$old/heap.md" | awk -F'|' '{ print $3 $4 }')"
if [ -n "${nh:-}" ] && [ "$nh" -lt "$nb" ] && [ "$status" = 0 ]; then
	ok "old recipe: the slower head ran fewer iterations and its regression passed (exit 0)"
else bad "old recipe: b.N '$nb' '${nh:-}', exit $status: want fewer head iterations and exit 0"; fi

echo "ci-recipe: ${SECONDS}s"
exit $fail

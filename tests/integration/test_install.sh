# `make install` as a distribution would run it (make distcheck's spirit):
# DESTDIR and PREFIX=/usr into a scratch tree, from a build directory of its
# own (so the PREFIX change cannot leak into the tree the other tests use).
# Then: units that systemd-analyze accepts, man pages that render without a
# warning, no /usr/local anywhere, the operator's /etc files kept on a second
# install, and the installed needlewatchctl migrating from / — and refusing,
# clearly, to guess a schema directory.

I_DIR="$WORK/install"
I_ROOT="$I_DIR/root"
I_BUILD="$I_DIR/build"
i_make() { make -s -j2 -C "$ROOT" BUILD="$I_BUILD" PREFIX=/usr "$@"; }

i_make install DESTDIR="$I_ROOT" >"$I_DIR.out" 2>&1
assert_eq "make install DESTDIR=... PREFIX=/usr succeeds" 0 "$?"

# --- the tree
i_missing=
for f in usr/bin/needlewatchd usr/bin/needlewatchctl usr/bin/needlewatch-upload \
	usr/lib/needlewatch/weekly-export usr/share/needlewatch/schema/001_foundation.sql \
	usr/share/needlewatch/web/index.html usr/share/needlewatch/web/app.js \
	usr/lib/systemd/system/needlewatchd.service usr/lib/systemd/system/needlewatch-export.service \
	usr/lib/systemd/system/needlewatch-export.timer usr/lib/systemd/system/needlewatch-upload.service \
	usr/lib/systemd/system/needlewatch-upload.timer usr/lib/sysusers.d/needlewatch.conf \
	usr/lib/tmpfiles.d/needlewatch.conf usr/share/doc/needlewatch/README.md \
	usr/share/doc/needlewatch/CHANGELOG.md usr/share/man/man8/needlewatchd.8 \
	usr/share/man/man8/needlewatchctl.8 usr/share/man/man1/needlewatch-upload.1 \
	usr/share/man/man5/needlewatchd.conf.5 usr/share/bash-completion/completions/needlewatchd \
	usr/share/bash-completion/completions/needlewatchctl \
	usr/share/bash-completion/completions/needlewatch-upload etc/needlewatch/needlewatchd.conf \
	etc/needlewatch/vocabulary.json etc/needlewatch/postcode-regions.tsv etc/needlewatch/needlewatch.cron; do
	[ -e "$I_ROOT/$f" ] || i_missing="$i_missing $f"
done
assert_eq "the installed tree has the programs, units, man pages, sysusers, tmpfiles, docs, completion" "" "$i_missing"
# Documentation (README, CHANGELOG) mentions the default /usr/local on purpose.
assert_eq "nothing installed outside share/doc names /usr/local" "" \
	"$(grep -rl /usr/local "$I_ROOT" | grep -v "^$I_ROOT/usr/share/doc/" | sed "s|^$I_ROOT||" | tr '\n' ' ')"
assert_match "the installed needlewatchctl has /usr's schema directory compiled in" \
	'^/usr/share/needlewatch/schema$' "$(strings "$I_ROOT/usr/bin/needlewatchctl" | grep -m1 '^/usr/share/needlewatch/schema$')"
assert_match "the installed needlewatchd has /usr's dashboard directory compiled in" \
	'^/usr/share/needlewatch/web$' "$(strings "$I_ROOT/usr/bin/needlewatchd" | grep -m1 '^/usr/share/needlewatch/web$')"
i_docs=$(grep -h '^Documentation=file://' "$I_ROOT"/usr/lib/systemd/system/*.service | sed 's|^Documentation=file://||' | sort -u)
i_docs_missing=
for d in $i_docs; do [ -e "$I_ROOT$d" ] || i_docs_missing="$i_docs_missing $d"; done
assert_eq "every unit's Documentation=file:// exists in the installed tree ($(wc -w <<<"$i_docs") named)" "" "$i_docs_missing"
assert_eq "needlewatchd.service is Type=notify with a watchdog" "Type=notify|WatchdogSec=30" \
	"$(grep -E '^(Type|WatchdogSec)=' "$I_ROOT/usr/lib/systemd/system/needlewatchd.service" | paste -sd'|')"
assert_eq "the export timer fires Mondays 06:00 London time and catches up missed runs" \
	"OnCalendar=Mon *-*-* 06:00 Europe/London|Persistent=true" \
	"$(grep -E '^(OnCalendar|Persistent)=' "$I_ROOT/usr/lib/systemd/system/needlewatch-export.timer" | paste -sd'|')"
assert_match "the cron file keeps root's mailbox for failures only" 'NEEDLEWATCH_STDOUT=on-failure' \
	"$(cat "$I_ROOT/etc/needlewatch/needlewatch.cron")"

# --- systemd-analyze verify: the units as installed, with their Exec paths
# pointing into the scratch tree (the programs are not in /usr/bin here) and
# MANPATH there too, so Documentation=man:... must resolve to our pages.
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$I_DIR/verify"
	for u in "$I_ROOT"/usr/lib/systemd/system/*; do
		sed -E "s#^(Exec[A-Za-z]*=[-@:+!]*)/usr/#\1$I_ROOT/usr/#" "$u" >"$I_DIR/verify/$(basename "$u")"
	done
	i_out=$(cd "$I_DIR/verify" && MANPATH="$I_ROOT/usr/share/man" SYSTEMD_LOG_LEVEL=notice \
		systemd-analyze verify ./*.service ./*.timer 2>&1); i_rc=$?
	assert_eq "systemd-analyze verify accepts every installed unit (output: ${i_out:0:300})" "0|" "$i_rc|$i_out"
else
	skip "systemd-analyze verify on the installed units: systemd-analyze is not installed"
fi

# --- man pages: groff's warnings on, and man -l as a reader would run it
if command -v groff >/dev/null; then
	for page in "$I_ROOT"/usr/share/man/man*/*; do
		name=$(basename "$page")
		i_warn=$(groff -ww -z -man "$page" 2>&1)
		assert_eq "groff -ww renders $name without a warning" "" "$i_warn"
		if command -v man >/dev/null; then
			i_text=$(MANWIDTH=80 man --warnings -l "$page" 2>"$I_DIR/man.err")
			assert_eq "man -l renders $name (NAME section present, no warning)" "yes|" \
				"$(grep -q '^NAME' <<<"$i_text" && echo yes)|$(cat "$I_DIR/man.err")"
		fi
	done
else
	skip "man pages render without warnings: groff is not installed"
fi

# --- /etc belongs to the operator: a second install keeps an edited file
printf '# edited by the operator\n' >>"$I_ROOT/etc/needlewatch/needlewatch.cron"
i_edited=$(cat "$I_ROOT/etc/needlewatch/needlewatch.cron")
i_make install DESTDIR="$I_ROOT" >"$I_DIR.out2" 2>&1
assert_eq "a second make install succeeds" 0 "$?"
assert_eq "it keeps the operator's edited needlewatch.cron" "$i_edited" "$(cat "$I_ROOT/etc/needlewatch/needlewatch.cron")"
assert_eq "and installs the new version beside it as needlewatch.cron.dist" \
	"$(cat "$I_BUILD/config/needlewatch.cron")" "$(cat "$I_ROOT/etc/needlewatch/needlewatch.cron.dist" 2>&1)"
assert_match "and says so" "kept $I_ROOT/etc/needlewatch/needlewatch.cron .*needlewatch.cron.dist" "$(cat "$I_DIR.out2")"
assert_eq "an unedited file gets no .dist" "no" \
	"$([ -e "$I_ROOT/etc/needlewatch/vocabulary.json.dist" ] && echo yes || echo no)"

# --- a PREFIX change rebuilds: the compiled-in paths follow it
# (make -n cannot tell: it assumes the stamp's recipe changes it.)
I_OBJ="$I_BUILD/daemon/ctl/migrate.o"
i_before=$(stat -c %Y.%N "$I_OBJ" 2>/dev/null; stat -c %y "$I_OBJ")
sleep 1
i_make "$I_OBJ" >/dev/null 2>&1
assert_eq "the same PREFIX again rebuilds nothing" "$i_before" "$(stat -c %Y.%N "$I_OBJ" 2>/dev/null; stat -c %y "$I_OBJ")"
make -s -C "$ROOT" BUILD="$I_BUILD" PREFIX=/opt/nw "$I_OBJ" >/dev/null 2>&1
assert_eq "another PREFIX recompiles with the new path in it" "/opt/nw/share/needlewatch/schema" \
	"$(strings "$I_OBJ" | grep -m1 '^/opt/nw/share/needlewatch/schema$')"

# --- the installed needlewatchctl migrate, from / and from another checkout
I_CTL="$I_ROOT/usr/bin/needlewatchctl"
i_out=$(cd / && "$I_CTL" -c "$WORK/needlewatchd.conf" migrate --schema-dir "$I_ROOT/usr/share/needlewatch/schema" 2>&1); i_rc=$?
assert_eq "installed needlewatchctl migrate --schema-dir works from /" 0 "$i_rc"
assert_match "and finds the database current" '0 applied, [0-9]+ already current' "$i_out"
if [ -d /usr/share/needlewatch/schema ]; then
	skip "migrate without --schema-dir: this host has /usr/share/needlewatch/schema installed"
else
	# Run from the checkout, whose ./schema the old code silently applied.
	i_out=$(cd "$ROOT" && "$I_CTL" -c "$WORK/needlewatchd.conf" migrate 2>&1); i_rc=$?
	assert_eq "without --schema-dir and nothing installed, migrate fails with a usage error (64)" 64 "$i_rc"
	assert_match "naming the missing directory and the option" \
		'/usr/share/needlewatch/schema does not exist.*--schema-dir' "$i_out"
	assert_nomatch "and does not fall back to ./schema" 'applied' "$i_out"
fi

# --- bash completion, as bash-completion loads it
i_complete() { # WORDS...: the completions of the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _needlewatchctl; printf "%s " "${COMPREPLY[@]}"' \
		_ "$I_ROOT/usr/share/bash-completion/completions/needlewatchctl" "$@"
}
assert_eq "bash completion completes needlewatchctl's commands" "migrate " "$(i_complete needlewatchctl mi)"
assert_eq "and a command's options" "--schema-dir " "$(i_complete needlewatchctl migrate --sch)"
assert_eq "and premises add --setting's values" "salon " "$(i_complete needlewatchctl premises add --setting sa)"

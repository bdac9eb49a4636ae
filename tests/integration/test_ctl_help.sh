# needlewatchctl's help: `help COMMAND [SUB]` and `COMMAND [SUB] --help` say
# the same, for every command, and name that command's own options; -V is
# --version. No database is needed for any of it.

H_CTL="$BIN/needlewatchctl"
# COMMAND|an option its help must name
for h in "migrate|--schema-dir" "premises|premises add" "premises add|--postcode" "premises list|premises list" \
	"token|token revoke" "token create|--client-cert" "token revoke|TOKEN_ID" "token list|token list" \
	"refresh|--full" "review|review list" "review list|--field" "renormalise|--batch-size" \
	"export|--deliver-attempts"; do
	cmd=${h%%|*} want=${h#*|}
	# shellcheck disable=SC2086
	h_help=$("$H_CTL" help $cmd 2>&1); h_rc=$?
	# shellcheck disable=SC2086
	h_opt=$("$H_CTL" $cmd --help 2>&1)
	assert_eq "help $cmd exits 0 and equals '$cmd --help'" "0|yes" "$h_rc|$([ "$h_help" = "$h_opt" ] && echo yes)"
	assert_match "help $cmd is that command's usage and names $want" "^usage: needlewatchctl .*${want//|/\\|}" \
		"$(tr '\n' ' ' <<<"$h_help")"
done
assert_nomatch "a command's help is not the whole usage" 'Commands:' "$("$H_CTL" help refresh)"
assert_eq "-V prints the version like --version" "$("$H_CTL" --version)" "$("$H_CTL" -V)"
h_out=$("$H_CTL" help nosuch 2>&1); h_rc=$?
assert_eq "help of an unknown command is a usage error (64)" 64 "$h_rc"
assert_match "naming it" "no command 'nosuch'" "$h_out"
assert_match "the usage lists help" 'help \[COMMAND \[SUBCOMMAND\]\]' "$("$H_CTL" --help)"

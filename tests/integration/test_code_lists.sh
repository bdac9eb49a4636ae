# Closed code lists agree between the SQL side and the C side:
# `needlewatchd --dump-codes` (what C uses) against the live schema's CHECK
# constraints and summary.complication_groups, and against
# config/vocabulary.json; stored rows and /v1/summaries follow the loaded
# vocabulary, also after a SIGHUP; a vocabulary the schema does not know is
# refused at load, naming the code. Runs against its own needlewatchd, whose
# vocabulary file ($NW_VOCAB) is a copy the SIGHUP part edits.

nw_own_daemon
DUMP_CONF="$WORK/needlewatchd.conf"
VOCAB_FILE="$ROOT/config/vocabulary.json"
dump=$("$BIN/needlewatchd" -c "$DUMP_CONF" --dump-codes 2>&1); rc=$?
assert_eq "--dump-codes exits 0 with the shipped vocabulary" 0 "$rc"
dump_get() { jq -r "$1" <<<"$dump" 2>/dev/null; }

# check_values TABLE COLUMN: the quoted values of the CHECK on TABLE.COLUMN,
# comma-separated, in the constraint's order.
check_values() {
	sql "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
	     WHERE c.conrelid = 'needlewatch.$1'::regclass AND c.contype = 'c'
	       AND pg_get_constraintdef(c.oid) ~ '\\m$2\\M = ANY'" |
		grep -oE "'[a-z_]+'" | tr -d "'" | paste -sd, -
}

# --- C's lists are the schema's, in the schema's order
SQL_SETTINGS=$(check_values premises setting)
assert_match "premises.setting has a CHECK list" '^[a-z_]+(,[a-z_]+)+$' "$SQL_SETTINGS"
assert_eq "settings: C agrees with premises.setting's CHECK" "$SQL_SETTINGS" \
	"$(dump_get '.schema.setting | join(",")')"
SQL_ROLES=$(check_values reports reporter_role)
assert_match "reports.reporter_role has a CHECK list" '^[a-z_]+(,[a-z_]+)+$' "$SQL_ROLES"
assert_eq "reporter roles: C agrees with reports.reporter_role's CHECK" "$SQL_ROLES" \
	"$(dump_get '.schema.reporter_role | join(",")')"
SQL_GROUPS=$(sql "SELECT string_agg(complication_group, ',' ORDER BY sort_order)
                  FROM summary.complication_groups WHERE complication_group <> 'any'")
assert_match "summary.complication_groups has groups" '^[a-z_]+(,[a-z_]+)+$' "$SQL_GROUPS"
assert_eq "groups: C agrees with summary.complication_groups" "$SQL_GROUPS" \
	"$(dump_get '.schema.complication_group | join(",")')"

# --- vocabulary.json stays inside the schema's lists, and C uses it as written
outside=$(jq -r --arg s "$SQL_SETTINGS" '.setting.codes | keys[] | select(. as $c | ($s | split(",") | index($c)) == null)' "$VOCAB_FILE")
assert_eq "every setting of vocabulary.json is one the schema accepts" "" "$outside"
outside=$(jq -r --arg g "$SQL_GROUPS,expected" '.complication.groups | keys[] | select(. as $c | ($g | split(",") | index($c)) == null)' "$VOCAB_FILE")
assert_eq "every group of vocabulary.json has a row in summary.complication_groups" "" "$outside"
assert_eq "type -> group: C uses vocabulary.json's groups, in the file's order" \
	"$(jq -c '[.complication.groups | to_entries[] | .key as $g | .value[] | {(.): $g}] | add | to_entries | sort_by(.key) | from_entries' "$VOCAB_FILE")" \
	"$(dump_get '.vocabulary.complication | to_entries | sort_by(.key) | from_entries' | jq -c .)"
assert_eq "the types are listed in the file's order" \
	"$(jq -r '.complication.codes | keys_unsorted | join(",")' "$VOCAB_FILE")" \
	"$(dump_get '.vocabulary.complication | keys_unsorted | join(",")')"
assert_eq "severities and outcomes are the vocabulary's" \
	"$(jq -r '[.severity.codes, .outcome.codes | keys_unsorted | join(",")] | join("|")' "$VOCAB_FILE")" \
	"$(dump_get '[.vocabulary.severity, .vocabulary.outcome | join(",")] | join("|")')"

# --- stored rows carry the group C gives the type
read -r CL_ID CL_TOKEN <<<"$(new_reporter salon LS6)"
R=$(report_json CL-1 | sed 's/"complications": \[/"complications": [{"type": "keloid"}, {"type": "PIH"}, {"type": "granuloma"}, /')
post_json /v1/reports "$CL_TOKEN" "$R"
assert_eq "a report with four types is stored" 201 "$STATUS"
want=$(for t in $(sql "SELECT type FROM needlewatch.report_complications WHERE premises_id = $CL_ID ORDER BY idx"); do
	printf '%s:%s ' "$t" "$(dump_get ".vocabulary.complication.$t")"
done)
assert_eq "each stored complication_group is the one --dump-codes gives its type" "$want" \
	"$(sql "SELECT string_agg(type || ':' || complication_group, ' ' ORDER BY idx) || ' '
	        FROM needlewatch.report_complications WHERE premises_id = $CL_ID")"
assert_match "the stored types are the ones sent" '^scarring_keloid:scarring pih:pigmentation granuloma:granulomatous_allergic infection_viral_hsv:infection $' "$want"

# --- /v1/summaries accepts exactly the vocabulary's types
CL_REG=$(ctl token create --role regulator --name "Code lists regulator" | tail -1)
bad=
for t in $(dump_get '.vocabulary.complication | to_entries[] | select(.value != "expected") | .key'); do
	http GET "/v1/summaries?from=2023-W20&to=2023-W20&by=complication_type&complication_type=$t" "$CL_REG"
	[ "$STATUS" = 200 ] || bad="$bad $t:$STATUS"
done
assert_eq "every complication type of the vocabulary is a summary filter" "" "$bad"
http GET "/v1/summaries?from=2023-W20&to=2023-W20&by=complication_type&complication_type=expected_reaction" "$CL_REG"
assert_eq "expected reactions are not a summary filter" 400 "$STATUS"

# --- a vocabulary the schema does not know is refused at load, naming the code
jq '.setting.codes.market_stall = ["zz market stall"]' "$VOCAB_FILE" >"$WORK/vocab-spa.json"
sed "s|^vocabulary_file = .*|vocabulary_file = $WORK/vocab-spa.json|" "$DUMP_CONF" >"$WORK/codes-spa.conf"
out=$("$BIN/needlewatchd" -c "$WORK/codes-spa.conf" --check-config 2>&1); rc=$?
assert_eq "--check-config refuses a setting the schema does not accept (78)" 78 "$rc"
assert_match "the refusal names the setting" 'setting: code "market_stall" is not a setting the database accepts' "$out"
jq '.complication.groups.bruising = ["other"] | .complication.groups.other = ["acne_flare"] |
    .complication.groups.inflammatory = ["prolonged_erythema"]' "$VOCAB_FILE" >"$WORK/vocab-bruise.json"
sed "s|^vocabulary_file = .*|vocabulary_file = $WORK/vocab-bruise.json|" "$DUMP_CONF" >"$WORK/codes-bruise.conf"
out=$("$BIN/needlewatchd" -c "$WORK/codes-bruise.conf" --dump-codes 2>&1); rc=$?
assert_eq "--dump-codes refuses a group without meaning (78)" 78 "$rc"
assert_match "the refusal names the group" 'complication: group "bruising" has no meaning in the database' "$out"

# --- after SIGHUP the summaries follow the new vocabulary: a type added to
# the file is a filter at once, without a restart, and has its rows. The
# week 2021-W33 is this file's own: activity there makes a row per type.
post_json /v1/activity "$CL_TOKEN" '{"period": "2021-W33", "procedure_type": "microneedling", "procedures": 50}'
assert_eq "activity for the week of this file is stored" 201 "$STATUS"
ctl refresh >/dev/null
assert_eq "the summaries are refreshed" 0 "$?"
CL_Q="/v1/summaries?from=2021-W33&to=2021-W33&setting=salon&by=complication,complication_type"
http GET "$CL_Q" "$CL_REG"
assert_eq "rows list the shipped vocabulary's types, in its order" \
	"$(dump_get '[.vocabulary.complication | to_entries[] | select(.value != "expected") | .key] | join(",")')" \
	"$(jq -r '[.rows[].complication_type] | join(",")' <<<"$BODY")"
jq '.complication.codes = ({"scarring_striae": ["zz striae"]} + .complication.codes) |
    .complication.groups.scarring += ["scarring_striae"]' "$VOCAB_FILE" >"$WORK/vocab-codes.json"
assert_eq "the daemon runs on an editable copy of the vocabulary" "vocabulary_file = $NW_VOCAB" \
	"$(grep '^vocabulary_file = ' "$WORK/needlewatchd.conf")"
http GET "/v1/summaries?from=2023-W20&to=2023-W20&by=complication_type&complication_type=scarring_striae" "$CL_REG"
assert_eq "a type the vocabulary lacks is refused" 400 "$STATUS"
cp "$WORK/vocab-codes.json" "$NW_VOCAB"
kill -HUP "$NW_PID"
for _ in $(seq 1 50); do
	http GET "$CL_Q&complication_type=scarring_striae" "$CL_REG"
	[ "$STATUS" = 200 ] && break
	sleep 0.1
done
assert_eq "after SIGHUP the added type is a summary filter" 200 "$STATUS"
assert_eq "and its row carries the group the new vocabulary gives it" "scarring_striae:scarring" \
	"$(jq -r '[.rows[] | .complication_type + ":" + .complication] | join(",")' <<<"$BODY")"
cp "$WORK/vocab-bruise.json" "$NW_VOCAB"
kill -HUP "$NW_PID"
for _ in $(seq 1 50); do
	grep -q 'group \\\?"bruising\\\?" has no meaning' "$NW_LOG" && break
	sleep 0.1
done
assert_match "a reload with a group without meaning is refused, naming it" 'group \\?"bruising\\?" has no meaning' \
	"$(grep -o 'group \\\?"bruising\\\?" has no meaning' "$NW_LOG" | tail -1)"
http GET "/v1/summaries?from=2023-W20&to=2023-W20&by=complication_type&complication_type=scarring_striae" "$CL_REG"
assert_eq "and the vocabulary before it stays in force" 200 "$STATUS"

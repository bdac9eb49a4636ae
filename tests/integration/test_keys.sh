# The schema is ready to shard by premises (docs/scale-out.md): Citus
# distributes a table by one column and enforces a unique key, a primary key
# or a foreign key between distributed tables only when it includes that
# column. Asserted here from pg_constraint and pg_index, so a migration that
# breaks it fails this test before it breaks the scale-out path.

# The report tables (distributed by premises_id, co-located) and what every
# other table becomes; a new table must be placed in docs/scale-out.md and here.
KEYS_DISTRIBUTED="needlewatch.activity needlewatch.premises_weeks needlewatch.report_complications needlewatch.reports"
KEYS_REFERENCE="needlewatch.accounts needlewatch.premises summary.complication_groups"
KEYS_COORDINATOR="needlewatch.alert_dirty_weeks needlewatch.alert_exposure_counts needlewatch.alert_premises_weeks needlewatch.alert_setting_counts needlewatch.alert_type_sets needlewatch.alert_events needlewatch.alert_outbox needlewatch.alerts needlewatch.audit_log needlewatch.dirty_weeks needlewatch.exports needlewatch.plausibility_accepted needlewatch.plausibility_settings needlewatch.premises_coverage needlewatch.renormalise_runs needlewatch.schema_migrations summary.event_cells summary.event_type_cells summary.rates_fitzpatrick summary.rates_region summary.rates_training summary.rates_week_setting summary.refresh_state summary.setting_comparisons summary.suppression_audit summary.unregistered_counts"
# Foreign keys from a report table to a reference table: Citus accepts
# those whatever their columns (the reference table is on every node).
KEYS_EXCEPTIONS="activity_account_id_fkey reports_account_id_fkey reports_procedure_premises_id_fkey"

keys_list() { tr ' ' '\n' <<<"$1" | sort | tr '\n' ' ' | sed 's/ $//'; }
keys_in() { sed "s/\([a-z_]*\)\.\([a-z_]*\)/'\1.\2'/g; s/ /,/g" <<<"$1"; }
DIST_IN=$(keys_in "$KEYS_DISTRIBUTED")

assert_eq "every table of the schema is placed in docs/scale-out.md (distributed, reference or coordinator)" \
	"$(keys_list "$KEYS_DISTRIBUTED $KEYS_REFERENCE $KEYS_COORDINATOR")" \
	"$(sql "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('needlewatch', 'summary') AND c.relkind IN ('r', 'p')
		ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"

assert_eq "every report table has premises_id" 4 \
	"$(sql "SELECT count(*) FROM pg_attribute WHERE attname = 'premises_id' AND NOT attisdropped
		AND attrelid::regclass::text IN ($DIST_IN)")"

# Primary, unique and exclusion constraints, and foreign keys, of the report
# tables whose own columns do not include premises_id.
assert_eq "every unique and foreign key among report tables includes premises_id, but the documented exceptions" \
	"$(keys_list "$KEYS_EXCEPTIONS")" \
	"$(sql "SELECT c.conname FROM pg_constraint c
		WHERE c.conrelid::regclass::text IN ($DIST_IN) AND c.contype IN ('p', 'u', 'x', 'f')
		AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid
			AND a.attnum = ANY (c.conkey) AND a.attname = 'premises_id')
		ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"

assert_eq "each exception refers to a reference table" \
	"$(keys_list "$KEYS_EXCEPTIONS")" \
	"$(sql "SELECT conname FROM pg_constraint WHERE contype = 'f'
		AND conrelid::regclass::text IN ($DIST_IN)
		AND confrelid::regclass::text IN ($(keys_in "$KEYS_REFERENCE"))
		AND conname IN ($(sed "s/\([a-z_]*\)/'\1'/g; s/ /,/g" <<<"$KEYS_EXCEPTIONS"))
		ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"

assert_eq "a foreign key between report tables joins premises_id to premises_id" "" \
	"$(sql "SELECT c.conname FROM pg_constraint c
		WHERE c.contype = 'f' AND c.conrelid::regclass::text IN ($DIST_IN)
		AND c.confrelid::regclass::text IN ($DIST_IN)
		AND NOT EXISTS (SELECT 1 FROM unnest(c.conkey, c.confkey) AS k(l, r)
			JOIN pg_attribute la ON la.attrelid = c.conrelid AND la.attnum = k.l
			JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.r
			WHERE la.attname = 'premises_id' AND ra.attname = 'premises_id')")"

assert_eq "no unique index on a report table leaves premises_id out" "" \
	"$(sql "SELECT i.indexrelid::regclass FROM pg_index i
		WHERE i.indisunique AND i.indrelid::regclass::text IN ($DIST_IN)
		AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid
			AND a.attnum = ANY (i.indkey) AND a.attname = 'premises_id')")"

/* libFuzzer target: CSV — the RFC 4180 reader with each delimiter, then the
 * report assembly and the normalisation of every report it yields. */
#include "csv.h"
#include "report_csv.h"
#include "fuzz_common.h"

/* The reader's own promises: rows in line order, 1..CSV_MAX_FIELDS fields. */
static void read_rows(const char *buf, size_t len, char delimiter)
{
	struct arena *a = arena_new();
	struct csv_reader r;
	struct csv_row row;
	struct csv_error err;
	size_t last = 0;
	int rc;

	csv_reader_init(&r, buf, len, delimiter, a);
	while ((rc = csv_next(&r, &row, &err)) == 1) {
		if (row.line < last || row.n < 1 || row.n > CSV_MAX_FIELDS)
			abort();
		if (row.bad_utf8_field >= (int)row.n)
			abort();
		last = row.line;
	}
	if (rc == -EINVAL && err.line < 1)
		abort();
	arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct report_csv rc;
	struct csv_error err;
	struct arena *a;

	read_rows(buf, size, ',');
	read_rows(buf, size, ';');
	read_rows(buf, size, '\t');
	a = arena_new();
	if (report_csv_parse(buf, size, 1000, a, &rc, &err) == 0) {
		for (size_t i = 0; i < rc.n; i++) {
			struct issues errors;
			if (rc.items[i].n_lines == 0)
				abort(); /* every report comes from at least one row */
			fuzz_normalise(rc.items[i].report, a, &errors);
			report_csv_line_of(&rc.items[i], errors.n ? errors.v[0].field : NULL);
			cJSON *rows = report_csv_rows_json(&rc, &rc.items[i], "pseudonym");
			if (!rows || cJSON_GetArraySize(rows) != (int)rc.items[i].n_rows)
				abort();
			cJSON_Delete(rows);
		}
		report_csv_free(&rc);
	}
	arena_free(a);
	return 0;
}

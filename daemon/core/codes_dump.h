/* `needlewatchd --dump-codes`: every closed code list the C side uses, as
 * one JSON document, so a test (tests/integration/test_code_lists.sh) or an
 * operator can compare it with the schema and with vocabulary.json. */
#ifndef NW_CODES_DUMP_H
#define NW_CODES_DUMP_H

#include <stdio.h>

#include "vocab.h"

/* Writes, followed by a newline:
 *   {"schema": {"setting": [...], "complication_group": [...],
 *               "reporter_role": [...]},
 *    "vocabulary": {"setting": [...], "practitioner_role": [...],
 *                   "complication": {"code": "group", ...}, "severity": [...],
 *                   "outcome": [...], "device": [...], "procedure_type": [...],
 *                   "sex": [...]}}
 * "schema" holds codes.h's lists (what C believes the schema accepts), in
 * table order; "vocabulary" the loaded v's codes in file order. Returns 0,
 * -ENOMEM or -EIO. */
int codes_dump(const struct vocab *v, FILE *out);

#endif

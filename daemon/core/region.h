/* Postcode area to UK region (ITL1), from config/postcode-regions.tsv. */
#ifndef NW_REGION_H
#define NW_REGION_H

#include <stddef.h>

struct region_table;

/* Loads a TSV of "AREA<TAB>Region name" lines ('#' comments). Region names must be
 * ITL1 names as ONS spells them, or "Crown Dependencies". NULL on failure, reason in
 * err ("path: line N: ..."). Immutable once loaded, so threads may share it. */
struct region_table *region_load(const char *path, char *err, size_t errlen);
void region_free(struct region_table *t);

/* The postcode area of a district ("LS6" -> "LS", "e1w" -> "E") into buf (3 bytes
 * or more); a full postcode ("LS6 2AB", "ls62ab") gives its outward code's area.
 * NULL when district is not shaped like a UK outward code. */
const char *region_area_of(const char *district, char *buf, size_t buflen);
/* The region for an area exactly as region_area_of() writes it, in capitals
 * ("LS" -> "Yorkshire and The Humber"), or NULL. The string is static. */
const char *region_lookup(const struct region_table *t, const char *area);

#endif

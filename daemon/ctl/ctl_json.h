/* needlewatchctl --json: a query's rows as a JSON array, for scripts. */
#ifndef NW_CTL_JSON_H
#define NW_CTL_JSON_H

#include <libpq-fe.h>
#include <stdio.h>

/* Prints res as a JSON array of objects, one per row, a member per column
 * named by names (snake_case, one per column). Each member keeps one type
 * whatever the row: integer and numeric columns are numbers, booleans are
 * booleans, the rest strings; SQL NULL is null. Text is printed as stored
 * (JSON escaping makes controls harmless). Returns 0, or -ENOMEM with
 * nothing printed. */
int ctl_print_json(const PGresult *res, const char *const *names, FILE *out);

#endif

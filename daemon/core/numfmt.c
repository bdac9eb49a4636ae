/* Published numbers: rounding to a fixed number of significant figures. */
#include "numfmt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void numfmt_format(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.*g", NUMFMT_SIGNIFICANT_FIGURES, v);
}

double numfmt_round(double v)
{
	char buf[40];
	numfmt_format(v, buf, sizeof(buf));
	return strtod(buf, NULL);
}

bool numfmt_text(const char *text, char *buf, size_t len)
{
	char *end;
	if (!text || !*text)
		return false;
	errno = 0;
	double v = strtod(text, &end);
	if (*end || errno == ERANGE || !isfinite(v))
		return false;
	numfmt_format(v, buf, len);
	return true;
}

/* Logging: one event per line on stderr, key=value text or JSON.
 *
 * Design: a line is built whole in a stack buffer and handed to stdio in one
 * fwrite(), so lines from different threads never interleave (stdio locks the
 * stream per call) and no lock of ours is held while formatting. Callers write
 * key=value pairs with printf; a small tokenizer splits them again, to escape
 * stray control characters (one event stays one line) and to build the JSON
 * object. A line that would not fit loses its last pairs and says so with
 * truncated=true. */
#include "log.h"
#include "termtext.h"
#include "util.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One line, newline included. Below PIPE_BUF, so even a write straight to a
 * pipe is atomic, and enough for any event we log. */
#define LOG_LINE_MAX 2048
/* Longest key kept in JSON output; keys are literals in our own formats. */
#define LOG_KEY_MAX 64

/* The module's only state, written by log_setup() alone. Atomic because a
 * SIGHUP reload may call log_setup() while workers log; relaxed because a
 * line racing the reload may use either the old or the new setting. */
static atomic_int log_min_level = LOG_INFO;
static atomic_bool log_json;
/* stderr is the journal: each line starts with its syslog priority. */
static atomic_bool log_journal;

static const char *const log_level_names[] = {"debug", "info", "warning", "error"};
/* The sd-daemon(3) prefixes, <7> debug ... <3> error: journald strips them
 * and files the line at that priority, so `journalctl -p warning` works. */
static const char *const log_priority_prefix[] = {"<7>", "<6>", "<4>", "<3>"};

enum escape_mode {
	ESCAPE_ALL,	 /* log_quote(): quotes and backslashes too */
	ESCAPE_CONTROLS, /* text already written as key=value: only what would break the line */
};

/* A pair as the caller wrote it: "key=value", "key=\"quoted value\"" or a bare word. */
struct log_pair {
	const char *start; /* the whole token */
	size_t len;
	size_t keylen;	   /* the key is start[0, keylen) */
	const char *value; /* NULL for a bare word; inside the quotes when quoted */
	size_t valuelen;
	bool quoted;
};

/* True when JOURNAL_STREAM ("DEV:INODE", set by systemd for a service whose
 * output goes to the journal) names the file stderr is now: a child that
 * inherited the variable but writes elsewhere gets no prefixes. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	char tail;
	struct stat st;
	if (!e || sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(enum log_level min_level, bool json)
{
	atomic_store_explicit(&log_min_level, (int)min_level, memory_order_relaxed);
	atomic_store_explicit(&log_json, json, memory_order_relaxed);
	atomic_store_explicit(&log_journal, stderr_is_journal(), memory_order_relaxed);
}

int log_level_from_string(const char *s)
{
	if (!s)
		return -1;
	for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
		if (strcasecmp(s, log_level_names[i]) == 0)
			return i;
	return -1;
}

bool log_enabled(enum log_level level)
{
	return (int)level >= atomic_load_explicit(&log_min_level, memory_order_relaxed);
}

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	return termtext_decode((const char *)s, n, &cp);
}

/* The escaped form of the character at s into out (at least 7 bytes), its
 * length in *ret_out; returns how many input bytes it stands for. Invalid
 * UTF-8 is escaped byte by byte so a JSON line stays valid; a character a
 * terminal would act on (termtext.h: C1 controls, bidi overrides ...)
 * becomes the text \uXXXX, which log_unescape() leaves as text. */
static size_t escape_one(const char *s, size_t n, enum escape_mode mode, char *out, size_t *ret_out)
{
	unsigned char c = (unsigned char)s[0];
	uint32_t cp;
	size_t len;

	*ret_out = 2;
	out[0] = '\\';
	if (c == '\n' || c == '\t' || c == '\r') {
		out[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		return 1;
	}
	if (mode == ESCAPE_ALL && (c == '"' || c == '\\')) {
		out[1] = (char)c;
		return 1;
	}
	if (c < 0x20 || c == 0x7f) {
		*ret_out = (size_t)snprintf(out, 5, "\\x%02x", c);
		return 1;
	}
	len = termtext_decode(s, n, &cp);
	if (!len) {
		*ret_out = (size_t)snprintf(out, 5, "\\x%02x", c);
		return 1;
	}
	if (termtext_is_unsafe(cp)) {
		*ret_out = (size_t)snprintf(out, 7, "\\u%04x", (unsigned)cp);
		return len;
	}
	memcpy(out, s, len);
	*ret_out = len;
	return len;
}

/* Escapes n bytes of s into dst (cap bytes, NUL included), never cutting an
 * escape or a UTF-8 sequence in two. Returns the bytes written, NUL excluded;
 * *ret_all says whether all of s fit. */
static size_t log_escape(char *dst, size_t cap, const char *s, size_t n, enum escape_mode mode,
			 bool *ret_all)
{
	size_t used = 0, i = 0;

	while (i < n) {
		char piece[7];
		size_t plen, consumed = escape_one(s + i, n - i, mode, piece, &plen);

		if (used + plen >= cap)
			break;
		memcpy(dst + used, piece, plen);
		used += plen;
		i += consumed;
	}
	if (cap)
		dst[used] = '\0';
	*ret_all = i == n;
	return used;
}

const char *log_quote(char *buf, size_t buflen, const char *s)
{
	bool all;

	if (!buf || !buflen)
		return buf;
	if (!s)
		s = "";
	log_escape(buf, buflen, s, strlen(s), ESCAPE_ALL, &all);
	return buf;
}

/* Splits the next pair off *cursor; false at the end. Pairs are separated by
 * spaces; inside quotes a backslash protects the next character. */
static bool log_next_pair(const char **cursor, struct log_pair *p)
{
	const char *s = *cursor;

	while (*s == ' ')
		s++;
	if (!*s)
		return false;
	memset(p, 0, sizeof(*p));
	p->start = s;
	while (*s && *s != ' ' && *s != '=')
		s++;
	p->keylen = (size_t)(s - p->start);
	if (*s == '=' && s[1] == '"') {
		p->quoted = true;
		p->value = s += 2;
		for (; *s && *s != '"'; s++)
			if (*s == '\\' && s[1])
				s++;
		p->valuelen = (size_t)(s - p->value);
		if (*s == '"')
			s++;
	} else if (*s == '=') {
		p->value = ++s;
		while (*s && *s != ' ')
			s++;
		p->valuelen = (size_t)(s - p->value);
	}
	p->len = (size_t)(s - p->start);
	*cursor = s;
	return true;
}

/* "2026-11-27T10:00:00.123Z": RFC 3339, UTC, milliseconds. */
static void log_timestamp(char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", now.tv_nsec / 1000000);
}

/* Room kept at the end of a text line for the marker and the newline. */
#define LOG_TRUNCATED " truncated=true"

/* The text line: "ts=... level=... event=... k=v ...\n", pairs as written.
 * cut says the pairs were already cut short by the formatting buffer, so the
 * last one may be partial and is dropped. Returns the line's length. */
static size_t log_text_line(char *line, const char *ts, const char *level, const char *event,
			    const char *pairs, bool cut)
{
	size_t room = LOG_LINE_MAX - sizeof(LOG_TRUNCATED) - 1; /* marker, '\n', NUL */
	struct log_pair p, next;
	const char *cursor = pairs;
	bool all, more;
	size_t len;

	len = (size_t)snprintf(line, room, "ts=%s level=%s event=", ts, level);
	len += log_escape(line + len, room - len, event, strlen(event), ESCAPE_CONTROLS, &all);
	more = log_next_pair(&cursor, &p);
	while (all && more) {
		size_t before = len;

		more = log_next_pair(&cursor, &next);
		if (cut && !more) {
			all = false;
			break;
		}
		line[len++] = ' ';
		len += log_escape(line + len, room - len, p.start, p.len, ESCAPE_CONTROLS, &all);
		if (!all)
			len = before;
		p = next;
	}
	if (!all) {
		memcpy(line + len, LOG_TRUNCATED, sizeof(LOG_TRUNCATED) - 1);
		len += sizeof(LOG_TRUNCATED) - 1;
	}
	line[len++] = '\n';
	line[len] = '\0';
	return len;
}

/* Undoes log_quote()'s escapes for JSON, where cJSON escapes again, except
 * the characters termtext.h calls unsafe, which stay \uXXXX text. \xNN
 * stays as text when NN is 00 (it would end the C string) or above 7f (alone
 * it is invalid UTF-8, so invalid JSON); raw invalid UTF-8 becomes \xNN text
 * for the same reason. Cut at cap - 1. */
static void log_unescape(char *dst, size_t cap, const char *s, size_t n)
{
	size_t used = 0, i = 0;

	while (i < n && used + 4 < cap) { /* room for \xNN or a UTF-8 sequence, and the NUL */
		int hi, lo;

		if (s[i] == '\\' && i + 1 < n && s[i + 1] && strchr("nrt\"\\", s[i + 1])) {
			char e = s[i + 1];
			dst[used++] = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
			i += 2;
		} else if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' &&
			   (hi = util_hex_value((unsigned char)s[i + 2])) >= 0 &&
			   (lo = util_hex_value((unsigned char)s[i + 3])) >= 0 && hi < 8 &&
			   (hi | lo)) {
			dst[used++] = (char)(hi << 4 | lo);
			i += 4;
		} else if (utf8_len((const unsigned char *)s + i, n - i) == 0) {
			used += (size_t)snprintf(dst + used, 5, "\\x%02x", (unsigned char)s[i]);
			i++;
		} else {
			uint32_t cp;
			size_t len = termtext_decode(s + i, n - i, &cp);

			if (cp >= 0x80 && termtext_is_unsafe(cp)) {
				/* cJSON would print it raw: keep it as text, as
				 * the text format does (C0 cJSON escapes itself). */
				if (used + 7 >= cap)
					break;
				used += (size_t)snprintf(dst + used, 7, "\\u%04x", (unsigned)cp);
			} else {
				memcpy(dst + used, s + i, len);
				used += len;
			}
			i += len;
		}
	}
	dst[used] = '\0';
}

/* Whether an unquoted value is a JSON number (RFC 8259's grammar) that a
 * double holds exactly enough: at most 15 digits, so a long all-digit
 * identifier stays a string rather than losing its last digits. */
static bool is_json_number(const char *v, size_t n)
{
	size_t i = 0, digits = 0;
	if (i < n && v[i] == '-')
		i++;
	if (i >= n || !isdigit((unsigned char)v[i]))
		return false;
	if (v[i] == '0' && i + 1 < n && isdigit((unsigned char)v[i + 1]))
		return false;
	for (; i < n && isdigit((unsigned char)v[i]); i++)
		digits++;
	if (i < n && v[i] == '.') {
		if (++i >= n || !isdigit((unsigned char)v[i]))
			return false;
		for (; i < n && isdigit((unsigned char)v[i]); i++)
			digits++;
	}
	if (i < n && (v[i] == 'e' || v[i] == 'E')) {
		if (++i < n && (v[i] == '+' || v[i] == '-'))
			i++;
		if (i >= n || !isdigit((unsigned char)v[i]))
			return false;
		while (i < n && isdigit((unsigned char)v[i]))
			i++;
	}
	return i == n && digits <= 15;
}

/* The JSON value of a pair: a number for an unquoted number (ms=3.1,
 * status=201), true/false for those words unquoted, a string otherwise (a
 * quoted value is always a string). A bare word is a flag, true. */
static cJSON *log_json_value(const struct log_pair *p, char *scratch, size_t cap)
{
	if (!p->value)
		return cJSON_CreateTrue();
	if (!p->quoted && is_json_number(p->value, p->valuelen) && p->valuelen < cap) {
		memcpy(scratch, p->value, p->valuelen);
		scratch[p->valuelen] = '\0';
		return cJSON_CreateNumber(strtod(scratch, NULL));
	}
	if (!p->quoted && p->valuelen == 4 && !memcmp(p->value, "true", 4))
		return cJSON_CreateTrue();
	if (!p->quoted && p->valuelen == 5 && !memcmp(p->value, "false", 5))
		return cJSON_CreateFalse();
	log_unescape(scratch, cap, p->value, p->valuelen);
	return cJSON_CreateString(scratch);
}

/* Adds one caller pair; a later duplicate replaces the earlier value, and a
 * key that would hide ts, level or event gets a leading '_'. */
static void log_json_add(cJSON *obj, const struct log_pair *p, char *scratch, size_t cap)
{
	char key[LOG_KEY_MAX + 2] = "_";
	size_t keylen = p->keylen < LOG_KEY_MAX ? p->keylen : LOG_KEY_MAX;
	char *k = key + 1;
	cJSON *item;
	cJSON_bool ok;

	memcpy(k, p->start, keylen);
	k[keylen] = '\0';
	if (!strcmp(k, "ts") || !strcmp(k, "level") || !strcmp(k, "event"))
		k = key;
	item = log_json_value(p, scratch, cap);
	if (!item)
		return;
	if (cJSON_GetObjectItemCaseSensitive(obj, k))
		ok = cJSON_ReplaceItemInObjectCaseSensitive(obj, k, item);
	else
		ok = cJSON_AddItemToObject(obj, k, item);
	if (!ok)
		cJSON_Delete(item);
}

/* Prints obj into line, dropping pairs from the end until it fits. The
 * first three members (ts, level, event) always stay. */
static bool log_json_print(cJSON *obj, char *line, bool truncated)
{
	if (truncated && !cJSON_AddTrueToObject(obj, "truncated"))
		return false;
	while (!cJSON_PrintPreallocated(obj, line, LOG_LINE_MAX - 1, false)) {
		int n = cJSON_GetArraySize(obj);

		if (!truncated) {
			if (!cJSON_AddTrueToObject(obj, "truncated"))
				return false;
			truncated = true;
			n++;
		}
		if (n <= 4)
			return false;
		cJSON_DeleteItemFromArray(obj, n - 2);
	}
	return true;
}

/* The JSON line, {"ts":...,"level":...,"event":...,"k":"v"}\n. Returns its
 * length, or 0 when cJSON could not allocate (the caller falls back to text). */
static size_t log_json_line(char *line, const char *ts, const char *level, const char *event,
			    const char *pairs, bool cut)
{
	char scratch[LOG_LINE_MAX];
	const char *cursor = pairs;
	struct log_pair p, next;
	cJSON *obj = cJSON_CreateObject();
	bool more, ok;
	size_t len;

	if (!obj || !cJSON_AddStringToObject(obj, "ts", ts) ||
	    !cJSON_AddStringToObject(obj, "level", level) ||
	    !cJSON_AddStringToObject(obj, "event", event)) {
		cJSON_Delete(obj);
		return 0;
	}
	more = log_next_pair(&cursor, &p);
	while (more) {
		more = log_next_pair(&cursor, &next);
		if (cut && !more)
			break;
		log_json_add(obj, &p, scratch, sizeof(scratch));
		p = next;
	}
	ok = log_json_print(obj, line, cut);
	cJSON_Delete(obj);
	if (!ok)
		return 0;
	len = strlen(line);
	line[len++] = '\n';
	line[len] = '\0';
	return len;
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	/* line: a whole line, and room for the journal's "<N>" in front. */
	char pairs[LOG_LINE_MAX], line[LOG_LINE_MAX + 3], ts[32];
	const char *name;
	va_list ap;
	size_t len = 0;
	int n = 0;
	bool cut;

	if (!log_enabled(level))
		return;
	if ((int)level < LOG_DEBUG || (int)level > LOG_ERROR)
		level = LOG_ERROR;
	name = log_level_names[level];
	pairs[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		n = vsnprintf(pairs, sizeof(pairs), fmt, ap);
		va_end(ap);
	}
	cut = n < 0 || (size_t)n >= sizeof(pairs);
	if (n < 0)
		pairs[0] = '\0';
	log_timestamp(ts, sizeof(ts));
	if (!event)
		event = "unnamed";
	if (atomic_load_explicit(&log_json, memory_order_relaxed))
		len = log_json_line(line, ts, name, event, pairs, cut);
	if (!len)
		len = log_text_line(line, ts, name, event, pairs, cut);
	/* One fwrite per line (see the top of the file): the prefix goes in
	 * front of the line in place. */
	if (atomic_load_explicit(&log_journal, memory_order_relaxed)) {
		memmove(line + 3, line, len + 1);
		memcpy(line, log_priority_prefix[level], 3);
		len += 3;
	}
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}

/* The dashboard's static files (HTML, CSS, JS, SVG) from web_dir, under
 * /dashboard/: no authentication (the files hold no data; the data comes
 * from /v1 with the session cookie), a strict Content-Security-Policy, and
 * only names made of safe characters, so that nothing outside web_dir can
 * be named. */
#ifndef NW_DASHBOARD_H
#define NW_DASHBOARD_H

#include <microhttpd.h>
#include <stdbool.h>

struct request;

/* GET /dashboard/{file}: the file under web_dir (rq->route_arg). */
enum MHD_Result dashboard_get_file(struct request *rq);
/* GET /dashboard/: index.html. */
enum MHD_Result dashboard_get_index(struct request *rq);
/* GET /dashboard: a redirect to /dashboard/, so relative links resolve. */
enum MHD_Result dashboard_redirect(struct request *rq);

/* True when name may be served: path segments of [A-Za-z0-9_.-], none
 * starting with a dot (no "..", no hidden files), no empty segment, no
 * leading slash, and an extension dashboard knows. *ret_type is its
 * Content-Type. Exposed for the unit test. */
bool dashboard_name_ok(const char *name, const char **ret_type);

#endif

/* Routes: the libmicrohttpd access handler and completion callback; guards
 * (method, path, auth, content type, size) then dispatch to the handlers. */
#ifndef NW_ROUTES_H
#define NW_ROUTES_H

#include <microhttpd.h>
#include <stdio.h>

/* MHD_AccessHandlerCallback; cls is the struct server. */
enum MHD_Result routes_access(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls);

/* Prints every route of the table, "METHOD /path" a line ("/v1/reports/{arg}"
 * for a route that takes the rest of the path); a GET route answers HEAD
 * too, which is not listed. For needlewatchd --list-routes. */
void routes_list(FILE *out);

/* MHD_RequestCompletedCallback: logs, counts and drops MHD's reference. */
void routes_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		      enum MHD_RequestTerminationCode toe);

#endif

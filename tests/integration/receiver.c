/* The loopback HTTPS listener of the test receivers (receiver.h). */
#include "receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Test bounds: a stuck client is dropped after 10 s; 16 connections are
 * more than any test opens; 128 KiB per connection holds HTTPS headers. */
#define CONNECTION_TIMEOUT_S 10u
#define CONNECTION_LIMIT 16u
#define CONNECTION_MEMORY (128u * 1024)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

char *receiver_read_file(const char *path, size_t max, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = malloc(max + 1);
	size_t n = f && buf ? fread(buf, 1, max, f) : 0;
	if (f)
		fclose(f);
	if (!buf || n == 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (ret_len)
		*ret_len = n;
	return buf;
}

int receiver_serve(const char *prog, int port, const char *cert, const char *key, int lifetime_s,
		   MHD_AccessHandlerCallback on_request, MHD_RequestCompletedCallback on_completed)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, always */
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_HTTPS_MEM_CERT, cert,
	    MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d\n", prog, port);
		return 1;
	}
	for (time_t end = time(NULL) + lifetime_s; !stop && time(NULL) < end;)
		usleep(100 * 1000);
	MHD_stop_daemon(d);
	return 0;
}

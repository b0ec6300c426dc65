// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child for gethostlatency: prints "ready PID", waits for a line on
 * stdin, then looks up names through libc, none of which needs a network:
 * getaddrinfo("localhost"), getaddrinfo("not a number") with
 * AI_NUMERICHOST (EAI_NONAME at once), gethostbyname("localhost") and
 * gethostbyname2("localhost", AF_INET). It prints each result as
 * "FUNC HOST RESULT" (getaddrinfo's code, or 0/NULL for a hostent), then
 * "done", and waits for stdin's end.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void gai(const char *host, int flags)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = flags;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	printf("getaddrinfo %s %d\n", host, rc);
	if (!rc)
		freeaddrinfo(res);
}

int main(void)
{
	char line[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	gai("localhost", 0);
	gai("not-a-number", AI_NUMERICHOST);
	printf("gethostbyname localhost %s\n", gethostbyname("localhost") ? "0" : "NULL");
	printf("gethostbyname2 localhost %s\n",
	       gethostbyname2("localhost", AF_INET) ? "0" : "NULL");
	printf("done\n");
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}

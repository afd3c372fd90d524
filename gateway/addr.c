/* addr — see addr.h. */
#include "addr.h"

#include <arpa/inet.h>
#include <string.h>

static void mapped(const struct in_addr *v4, struct in6_addr *out)
{
	memset(out, 0, sizeof *out);
	out->s6_addr[10] = 0xff;
	out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], v4, 4);
}

bool addr_parse(const char *text, struct in6_addr *out)
{
	struct in_addr v4;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		mapped(&v4, out);
		return true;
	}
	return inet_pton(AF_INET6, text, out) == 1;
}

bool addr_of(const struct sockaddr *sa, struct in6_addr *out)
{
	if (sa && sa->sa_family == AF_INET) {
		mapped(&((const struct sockaddr_in *)sa)->sin_addr, out);
		return true;
	}
	if (sa && sa->sa_family == AF_INET6) {
		*out = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		return true;
	}
	return false;
}

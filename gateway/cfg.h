/*
 * cfg — chabard's configuration: an INI file read with inih, every key
 * declared once in the table in cfg.c (name, type, default, bounds).
 *
 * Lifecycle: cfg_load() → struct cfg with one reference → cfg_ref() /
 * cfg_unref() by whoever keeps it (the daemon, a reload in progress). The
 * struct is immutable once loaded. Loop thread only.
 */
#ifndef CHABAR_CFG_H
#define CHABAR_CFG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "log.h"
#include "plan.h"

#define CFG_ALLOW_MAX     32
#define CFG_KEY_HASH_SIZE 32
#define CFG_KEYS_MAX      64
#define CFG_PIN_KEY_SIZE  32
#define CFG_REMINDERS_MAX 8 /* [reminders] before: offsets at most */

enum cfg_sync { CFG_SYNC_NORMAL, CFG_SYNC_FULL };

/* The addresses that may call a route, IPv4 stored as IPv4-mapped IPv6;
 * none: any address. */
struct cfg_allow {
	struct in6_addr addr[CFG_ALLOW_MAX];
	unsigned count;
};

/* A numeric address and port, and the value as written (for logs). */
struct cfg_address {
	struct sockaddr_storage sa; /* AF_UNSPEC when the value was empty */
	char *text;
};

enum cfg_send_via { CFG_VIA_HTTP, CFG_VIA_BOX };

enum cfg_store { CFG_STORE_SQLITE, CFG_STORE_POSTGRESQL };
enum cfg_standby { CFG_STANDBY_OPTIONAL, CFG_STANDBY_REQUIRED };

struct cfg {
	int refs;
	/* the value of each key that needs a restart, as written, to compare on
	 * reload (NULL for the others: secrets are kept only as hashes) */
	char *raw[CFG_KEYS_MAX];

	/* [chabard] */
	struct cfg_address listen; /* port may be 0 */
	char *database;
	enum cfg_sync synchronous;
	enum log_target log_target;
	enum log_level log_level;
	unsigned max_body;
	unsigned max_header;
	unsigned max_connections;
	unsigned max_connections_per_address;
	unsigned idle_timeout;
	unsigned request_timeout; /* seconds for a whole request (headers and body) */
	unsigned listen_backlog;
	unsigned drain_timeout;
	unsigned batch_max;     /* messages one commit may hold */
	unsigned batch_wait_ms; /* how long a message may wait for others to share its commit */
	struct cfg_allow status_allow; /* who may read /health and /metrics */

	/* [kannel] */
	bool kannel_enabled; /* a key is set: /kannel/mo takes smsbox's requests (required
			      * unless chabard is a box) */
	unsigned char kannel_key_hash[CFG_KEY_HASH_SIZE]; /* BLAKE2b of the key */
	struct cfg_allow kannel_allow;                    /* who may call /kannel/mo */

	/* [ussd] */
	bool ussd_enabled; /* a key is set: POST /ussd/at answers */
	unsigned char ussd_key_hash[CFG_KEY_HASH_SIZE];
	struct cfg_allow ussd_allow; /* who may call /ussd/at */
	unsigned ussd_step_timeout;  /* seconds the network waits for an answer */
	unsigned ussd_total_timeout; /* seconds a USSD session may last */
	/* ussd_service_op values over SMPP (operators differ): the person
	 * dialled, the person answered; we continue, we end. */
	unsigned smpp_op_begin, smpp_op_answer, smpp_op_continue, smpp_op_end;

	/* [box]: chabard as a box of bearerbox (box.h); off while empty */
	struct cfg_address box_bearerbox; /* bearerbox's smsbox-port */
	char *box_id;                     /* the box's id for smsbox-route, "": anonymous */

	/* [sendsms]: the outbox sender (outbox.h); off while url is empty,
	 * unless it sends through the box */
	/* [store] */
	enum cfg_store store_backend;
	char *store_uri;                /* libpq's URI (it may hold a password: never logged) */
	unsigned store_timeout_ms;      /* the longest wait for PostgreSQL */
	enum cfg_standby store_standby; /* may the primary wait for no standby? */
	unsigned store_connections;     /* PostgreSQL: batches in flight at once */

	enum cfg_send_via sendsms_via; /* sendsms over HTTP, or the box */
	char *sendsms_url;             /* Kannel's http://host:port/cgi-bin/sendsms */
	char *sendsms_user;            /* the sendsms-user's username */
	char *sendsms_password;        /* sent to Kannel as it is: kept, unlike our own keys */
	char *sendsms_from;            /* the number the messages come from ("" : Kannel's) */
	char *sendsms_smsc;            /* route through this smsc-id ("" : Kannel's choice) */
	char *dlr_url;                 /* /kannel/dlr as Kannel reaches it */
	unsigned sendsms_in_flight;    /* requests to Kannel at once */
	unsigned sendsms_rate;         /* messages a second at most, 0: no limit */
	unsigned sendsms_timeout;      /* seconds for one request */
	unsigned sendsms_max_age;      /* seconds a message is tried before it fails */

	/* [tier.NAME]: the monitoring plans */
	struct plan_tiers tiers;

	/* [reminders] */
	unsigned reminder_before[CFG_REMINDERS_MAX]; /* seconds before an appointment */
	size_t reminder_count;

	/* [alerts] */
	unsigned alert_deliver_within; /* seconds; then the district's next officer */

	/* [retention] (chabarctl purge) */
	unsigned retention_message_days; /* message texts are kept so long */

	/* [tips] (tip.h) */
	unsigned tip_daily_limit;     /* tips a reporter may send in a day */
	unsigned tip_join_gap;        /* seconds: an SMS within it adds to the description */
	unsigned tip_ack_within;      /* seconds; then the next officer on call */
	unsigned tip_relay_days;      /* the sealed number is kept so long */
	unsigned tip_description_max; /* characters of a description */

	/* [conversation] */
	char *flows_dir;
	char *locales_dir;
	int default_language;  /* index in LOCALE_LANGUAGES */
	unsigned session_idle; /* seconds an SMS conversation waits for an answer */
	/* Keys derived from the master key (pin_key) with libsodium's key
	 * derivation, one a purpose, so that no two uses share a key; the
	 * master itself is not kept. */
	struct cfg_keys {
		unsigned char pin[CFG_PIN_KEY_SIZE];        /* PIN hashes (pin.h) */
		unsigned char ussd_seen[CFG_PIN_KEY_SIZE];  /* text a USSD session answered */
		unsigned char message_id[CFG_PIN_KEY_SIZE]; /* ids made from what was typed */
		unsigned char dlr[CFG_PIN_KEY_SIZE];        /* the mark of our own DLR URLs */
		unsigned char ledger[CFG_PIN_KEY_SIZE];     /* the check-ins' chain (ledger.h) */
		unsigned char tipster[CFG_PIN_KEY_SIZE];    /* a hidden sender's alias (tip.h) */
		unsigned char seal[CFG_PIN_KEY_SIZE];       /* a hidden number, sealed (seal.h) */
	} keys;
	unsigned pin_attempts;
	unsigned pin_daily_max; /* wrong PINs in a day, right ones between or not */
	unsigned pin_lock_minutes;
};

/* The language code of c->default_language. */
const char *cfg_default_language(const struct cfg *c);

/* Reads path. Every error is reported to d as file:line; returns NULL if
 * there was any, else a config holding one reference. */
struct cfg *cfg_load(const char *path, struct diag *d);
/* The same from a string in memory; name is used in messages. */
struct cfg *cfg_load_string(const char *text, const char *name, struct diag *d);

struct cfg *cfg_ref(struct cfg *c);
void cfg_unref(struct cfg *c);

/* Constant-time check of a presented key against a configured key's hash. */
bool cfg_secret_ok(const unsigned char hash[CFG_KEY_HASH_SIZE], const char *key, size_t len);

/* True if addr (an AF_INET or AF_INET6 sockaddr) is in the list, or the
 * list is empty. */
bool cfg_allowed(const struct cfg_allow *allow, const struct sockaddr *addr);

/* Names of keys whose new value only takes effect on restart and that
 * differ between a and b, comma-separated into out (empty if none). */
void cfg_restart_keys(const struct cfg *a, const struct cfg *b, char *out, size_t size);

/* Iterate over the declared keys, for documentation checks. */
size_t cfg_key_count(void);
const char *cfg_key_name(size_t i, const char **section);

#endif

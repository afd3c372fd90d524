/* store — see store.h. */
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "gsm.h"
#include "kannel.h"
#include "log.h"
#include "store_migrate.h"

/* Every statement, declared once; store_open prepares them all. */
/* An appointment with what a text to its person needs (read_reminder). */
#define REMINDER_COLUMNS                                                                           \
	"a.id, a.starts_at, coalesce(a.place, ''), a.status, p.msisdn,"                            \
	" coalesce(p.language, d.language, ''), p.transliterate, coalesce(d.timezone, 'UTC'),"     \
	" p.status"
#define REMINDER_JOINS                                                                             \
	"JOIN persons p ON p.id = a.person_id LEFT JOIN districts d ON d.id = p.district_id"

/* A check-in as the ledger reads it (read_checkin). */
#define CHECKIN_COLUMNS                                                                            \
	"c.id, c.person_id, c.at, c.location, c.channel, coalesce(c.message_id, 0),"               \
	" coalesce(c.receipt, ''), coalesce(c.prev_hash, ''), coalesce(c.hash, '')"

/* A tip as tip.c and chabarctl read it (read_tip). */
#define TIP_COLUMNS                                                                                \
	"t.id, t.reference, coalesce(t.district_id, 0), coalesce(d.name, ''),"                     \
	" coalesce(d.timezone, 'UTC'), coalesce(t.category, ''), t.body, coalesce(t.place, ''),"   \
	" coalesce(t.tipster_hash, ''), coalesce(t.callback_msisdn, ''), t.status, t.liaison,"     \
	" coalesce(t.officer_id, 0), t.escalations, coalesce(t.alert_at, 0), t.created_at,"        \
	" coalesce(t.updated_at, t.created_at), coalesce(t.acknowledged_at, 0),"                   \
	" coalesce(t.closed_at, 0), t.channel, coalesce(t.language, ''), EXISTS (SELECT 1 FROM "   \
	"tip_relay r"                                                                              \
	" WHERE r.tip_id = t.id) FROM tips t LEFT JOIN districts d ON d.id = t.district_id"

/* An officer a tip may go to, in order (read_officer). */
#define TIP_OFFICER_COLUMNS "o.id, o.msisdn, o.language"

#define STORE_STATEMENTS(X)                                                                        \
	X(add_message,                                                                             \
	  "INSERT INTO messages (direction, network_id, channel, msisdn, peer, text, coding,"      \
	  " smsc, meta, sent_at, status, in_reply_to, created_at)"                                 \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO "       \
	  "NOTHING RETURNING id")                                                                  \
	X(add_message_as,                                                                          \
	  "INSERT INTO messages (direction, network_id, channel, msisdn, peer, text, coding,"      \
	  " smsc, meta, sent_at, status, in_reply_to, created_at, id)"                             \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)")                 \
	X(find_reply, "SELECT r.text, r.coding, coalesce(r.meta, ''), coalesce(r.id, 0),"          \
		      " r.status = 'confirmation' FROM messages m"                                 \
		      " LEFT JOIN messages r ON r.in_reply_to = m.id AND r.direction = 'out'"      \
		      " WHERE m.channel = ?1 AND m.msisdn = ?2 AND m.network_id = ?3"              \
		      " AND m.direction = 'in' ORDER BY r.id LIMIT 1")                             \
	X(ping,                                                                                    \
	  "SELECT count(*) FROM (SELECT 1 FROM districts LIMIT 1) AS d") /* reads the file */      \
	X(open_sessions, "SELECT count(*) FROM sessions WHERE expires_at > ?1")                    \
	X(person_find, "SELECT p.id, p.name, p.role, coalesce(p.language, d.language, ''),"        \
		       " coalesce(p.pin_hash, ''), p.pin_failures, coalesce(p.locked_until, 0),"   \
		       " p.status, p.opted_out, p.transliterate, coalesce(d.timezone, ''),"        \
		       " coalesce(o.msisdn, ''), coalesce(o.language, ''), coalesce(o.id, 0),"     \
		       " coalesce(p.tier, ''), p.pin_day_failures, p.pin_day_start, p.pin_locks"   \
		       " FROM persons p LEFT JOIN districts d ON d.id = p.district_id"             \
		       " LEFT JOIN officers o ON o.id = p.officer_id WHERE p.msisdn = ?1")         \
	X(contact_find,                                                                            \
	  "SELECT coalesce(language, ''), opted_out FROM contacts WHERE msisdn = ?1")              \
	X(contact_language,                                                                        \
	  "INSERT INTO contacts (msisdn, language, updated_at) VALUES (?1, ?2, ?3)"                \
	  " ON CONFLICT (msisdn) DO UPDATE SET language = ?2, updated_at = ?3")                    \
	X(contact_opt_out,                                                                         \
	  "INSERT INTO contacts (msisdn, opted_out, updated_at) VALUES (?1, ?2, ?3)"               \
	  " ON CONFLICT (msisdn) DO UPDATE SET opted_out = ?2, updated_at = ?3")                   \
	X(person_language, "UPDATE persons SET language = ?2 WHERE id = ?1")                       \
	X(person_opt_out, "UPDATE persons SET opted_out = ?2 WHERE id = ?1")                       \
	X(person_pin, "UPDATE persons SET pin_failures = ?2, locked_until = ?3,"                   \
		      " pin_day_failures = ?4, pin_day_start = ?5, pin_locks = ?6 WHERE id = ?1")  \
	X(pin_event, "INSERT INTO pin_events (person_id, kind, detail, officer_id, at)"            \
		     " VALUES (?1, ?2, ?3, ?4, ?5)")                                               \
	X(incident_open, "SELECT ref FROM incidents WHERE person_id = ?1 AND kind = ?2"            \
			 " AND status IN ('open', 'escalated') ORDER BY id DESC LIMIT 1")          \
	X(person_latin, "UPDATE persons SET transliterate = ?2 WHERE msisdn = ?1")                 \
	X(person_add,                                                                              \
	  "INSERT INTO persons (msisdn, name, role, language, district_id, officer_id,"            \
	  " pin_hash, created_at) VALUES (?1, ?2, ?3, ?4,"                                         \
	  " (SELECT id FROM districts WHERE code = ?5),"                                           \
	  " (SELECT id FROM officers WHERE msisdn = ?6), ?7, ?8)")                                 \
	X(person_upsert,                                                                           \
	  "INSERT INTO persons (msisdn, name, role, language, district_id, officer_id,"            \
	  " created_at) VALUES (?1, ?2, coalesce(?3, 'supervised'), ?4,"                           \
	  " (SELECT id FROM districts WHERE code = ?5),"                                           \
	  " (SELECT id FROM officers WHERE msisdn = ?6), ?7) ON CONFLICT (msisdn) DO UPDATE"       \
	  " SET name = ?2, role = coalesce(?3, persons.role),"                                     \
	  " language = coalesce(?4, persons.language),"                                            \
	  " district_id = coalesce(excluded.district_id, persons.district_id),"                    \
	  " officer_id = coalesce(excluded.officer_id, persons.officer_id)"                        \
	  " WHERE persons.name IS DISTINCT FROM ?2"                                                \
	  " OR persons.role IS DISTINCT FROM coalesce(?3, persons.role)"                           \
	  " OR persons.language IS DISTINCT FROM coalesce(?4, persons.language)"                   \
	  " OR persons.district_id IS DISTINCT FROM coalesce(excluded.district_id,"                \
	  " persons.district_id)"                                                                  \
	  " OR persons.officer_id IS DISTINCT FROM coalesce(excluded.officer_id,"                  \
	  " persons.officer_id)")                                                                  \
	X(appointment_at,                                                                          \
	  "SELECT count(*) FROM appointments a JOIN persons p ON p.id = a.person_id"               \
	  " WHERE p.msisdn = ?1 AND a.starts_at = ?2 AND a.status != 'cancelled'")                 \
	X(person_tier, "SELECT id, coalesce(tier, '') FROM persons WHERE msisdn = ?1")             \
	X(person_tier_set, "UPDATE persons SET tier = ?2 WHERE id = ?1")                           \
	X(tier_change,                                                                             \
	  "INSERT INTO tier_changes (person_id, tier_from, tier_to, changed_by, changed_at)"       \
	  " VALUES (?1, ?2, ?3, ?4, ?5)")                                                          \
	X(windows_cancel, "UPDATE windows SET status = 'cancelled' WHERE person_id = ?1"           \
			  " AND status IN ('pending', 'open')")                                    \
	X(window_add,                                                                              \
	  "INSERT INTO windows (person_id, opens_at, closes_at, next_at) VALUES (?1, ?2, ?3, ?4)"  \
	  " ON CONFLICT (person_id, opens_at) DO UPDATE SET status = 'pending', closes_at = ?3,"   \
	  " next_at = ?4 WHERE windows.status = 'cancelled'")                                      \
	X(window_due,                                                                              \
	  "SELECT w.id, w.person_id, w.opens_at, w.closes_at, w.status, w.reminders_sent,"         \
	  " coalesce(p.tier, ''), coalesce(d.timezone, 'UTC'), p.msisdn, p.status,"                \
	  " coalesce(p.language, d.language, ''), p.transliterate FROM windows w"                  \
	  " JOIN persons p ON p.id = w.person_id LEFT JOIN districts d ON d.id = p.district_id"    \
	  " WHERE w.status IN ('pending', 'open') AND w.next_at <= ?1 ORDER BY w.next_at LIMIT 1") \
	X(window_update,                                                                           \
	  "UPDATE windows SET status = ?2, reminders_sent = ?3, next_at = ?4 WHERE id = ?1")       \
	X(window_current,                                                                          \
	  "SELECT id, status = 'met' FROM windows WHERE person_id = ?1"                            \
	  " AND status IN ('pending', 'open', 'met') AND opens_at <= ?2 AND closes_at > ?2")       \
	X(windows_next_due,                                                                        \
	  "SELECT min(next_at) FROM windows WHERE status IN ('pending', 'open')")                  \
	X(checkin_window, "UPDATE checkins SET window_id = ?2, outside_window = ?3 WHERE id = ?1") \
	X(last_checkin, "SELECT max(at) FROM checkins WHERE person_id = ?1 AND at < ?2")           \
	X(incident_add,                                                                            \
	  "INSERT INTO incidents (ref, person_id, kind, window_id, raised_at, ack_due_at)"         \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING")                               \
	X(incident_due,                                                                            \
	  "SELECT i.id, i.ref, i.person_id, i.kind, p.name FROM incidents i"                       \
	  " JOIN persons p ON p.id = i.person_id WHERE i.status = 'open' AND i.ack_due_at <= ?1"   \
	  " ORDER BY i.ack_due_at LIMIT 1")                                                        \
	X(incident_escalate,                                                                       \
	  "UPDATE incidents SET status = 'escalated', escalated_at = ?2 WHERE id = ?1")            \
	X(incident_ack,                                                                            \
	  "UPDATE incidents SET status = 'acknowledged', acknowledged_at = ?3,"                    \
	  " acknowledged_by = ?2 WHERE ref = ?1 AND (CAST(?4 AS TEXT) IS NULL OR kind = ?4)"       \
	  " AND (status IN ('open', 'escalated') OR (?4 = 'pin_lockout'"                           \
	  " AND status = 'acknowledged'))"                                                         \
	  " AND person_id IN (SELECT p.id FROM persons p JOIN officers o"                          \
	  " ON o.district_id = p.district_id WHERE o.id = ?2)"                                     \
	  " RETURNING person_id, kind")                                                            \
	X(incidents_settle, "UPDATE incidents SET status = 'acknowledged', acknowledged_at = ?3,"  \
			    " acknowledged_by = ?4 WHERE person_id = ?1 AND kind = ?2"             \
			    " AND status IN ('open', 'escalated')")                                \
	X(incident_settled, "SELECT status = 'acknowledged' FROM incidents WHERE ref = ?1")        \
	X(incidents_next_due, "SELECT min(ack_due_at) FROM incidents WHERE status = 'open'")       \
	X(supervisor_next,                                                                         \
	  "SELECT o.id, o.msisdn, o.language FROM officers o JOIN persons p"                       \
	  " ON p.district_id = o.district_id WHERE p.id = ?1 AND o.role = 'supervisor'"            \
	  " AND o.active = 1 AND o.id > ?2 ORDER BY o.id LIMIT 1")                                 \
	X(officer_find,                                                                            \
	  "SELECT id, msisdn, language FROM officers WHERE msisdn = ?1 AND active = 1")            \
	X(district_quiet, "UPDATE districts SET quiet_from = ?2, quiet_to = ?3 WHERE code = ?1")   \
	X(district_add,                                                                            \
	  "INSERT INTO districts (code, name, language, timezone) VALUES (?1, ?2, ?3, ?4)")        \
	X(officer_add,                                                                             \
	  "INSERT INTO officers (district_id, name, msisdn, language, created_at, role)"           \
	  " VALUES ((SELECT id FROM districts WHERE code = ?1), ?2, ?3, ?4, ?5, ?6)")              \
	X(appointment_add,                                                                         \
	  "INSERT INTO appointments (person_id, officer_id, starts_at, place, created_at)"         \
	  " SELECT id, officer_id, ?2, ?3, ?4 FROM persons WHERE msisdn = ?1")                     \
	X(appointment_next,                                                                        \
	  "SELECT id, starts_at, coalesce(place, '') FROM appointments WHERE person_id = ?1"       \
	  " AND starts_at > ?2 AND status IN ('scheduled', 'confirmed', 'reschedule_requested')"   \
	  " AND (?3 = 0 OR id = ?3) ORDER BY starts_at LIMIT 1")                                   \
	X(appointment_answer,                                                                      \
	  "UPDATE appointments SET answer = ?2, answered_at = ?3,"                                 \
	  " status = CASE ?2 WHEN 'confirmed' THEN 'confirmed'"                                    \
	  " WHEN 'reschedule' THEN 'reschedule_requested' ELSE status END,"                        \
	  " confirmed_at = CASE ?2 WHEN 'confirmed' THEN ?3 ELSE confirmed_at END WHERE id = ?1")  \
	X(appointment_plan,                                                                        \
	  "SELECT a.starts_at, coalesce(d.timezone, 'UTC'), coalesce(d.quiet_from, 1260),"         \
	  " coalesce(d.quiet_to, 480) FROM appointments a JOIN persons p ON p.id = a.person_id"    \
	  " LEFT JOIN districts d ON d.id = p.district_id WHERE a.id = ?1")                        \
	X(reminder_plan,                                                                           \
	  "INSERT INTO reminders (appointment_id, before_s, due_at) VALUES (?1, ?2, ?3)"           \
	  " ON CONFLICT (appointment_id, before_s) DO UPDATE SET due_at = ?3, status = 'pending'," \
	  " outbox_id = NULL, sent_at = NULL"                                                      \
	  " WHERE reminders.status = 'cancelled'"                                                  \
	  " OR (reminders.status = 'sent' AND reminders.due_at != ?3)")                            \
	X(reminder_due,                                                                            \
	  "SELECT r.id, " REMINDER_COLUMNS ", r.due_at FROM reminders r"                           \
	  " JOIN appointments a ON a.id = r.appointment_id " REMINDER_JOINS                        \
	  " WHERE r.status = 'pending' AND r.due_at <= ?1 ORDER BY r.due_at LIMIT 1")              \
	X(appointment_notice, "SELECT 0, " REMINDER_COLUMNS                                        \
			      ", 0 FROM appointments a " REMINDER_JOINS " WHERE a.id = ?1")        \
	X(appointment_move,                                                                        \
	  "UPDATE appointments SET starts_at = ?2, place = coalesce(?3, place),"                   \
	  " status = 'scheduled', answer = NULL, answered_at = NULL, confirmed_at = NULL"          \
	  " WHERE id = ?1 AND status IN ('scheduled', 'confirmed', 'reschedule_requested')")       \
	X(appointment_cancel, "UPDATE appointments SET status = 'cancelled' WHERE id = ?1"         \
			      " AND status IN ('scheduled', 'confirmed', 'reschedule_requested')") \
	X(reminders_cancel, "UPDATE reminders SET status = 'cancelled' WHERE appointment_id = ?1"  \
			    " AND status = 'pending'")                                             \
	X(reminder_mark,                                                                           \
	  "UPDATE reminders SET status = ?2, outbox_id = ?3, sent_at = ?4 WHERE id = ?1")          \
	X(reminder_next_due, "SELECT min(due_at) FROM reminders WHERE status = 'pending'")         \
	X(checkin_add,                                                                             \
	  "INSERT INTO checkins (person_id, at, location, channel, message_id, receipt,"           \
	  " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING")      \
	X(checkin_last_hash, "SELECT coalesce(hash, '') FROM checkins ORDER BY id DESC LIMIT 1")   \
	X(ledger_lock, "INSERT INTO ledger_lock (id, taken_at) VALUES (1, ?1)"                     \
		       " ON CONFLICT (id) DO UPDATE SET taken_at = ?1")                            \
	X(checkin_all,                                                                             \
	  "SELECT " CHECKIN_COLUMNS " FROM checkins c WHERE c.id > ?1 ORDER BY c.id LIMIT 1")      \
	X(checkin_by_receipt,                                                                      \
	  "SELECT " CHECKIN_COLUMNS ", p.name, coalesce(d.timezone, 'UTC') FROM checkins c"        \
	  " JOIN persons p ON p.id = c.person_id LEFT JOIN districts d ON d.id = p.district_id"    \
	  " WHERE c.receipt = ?1")                                                                 \
	X(session_get, "SELECT flow, node, vars, step, updated_at, expires_at, attempts,"          \
		       " coalesce(ussd_session, ''), coalesce(ussd_text, ''), started_at,"         \
		       " coalesce(pages, ''), page, pages_end, confirm FROM sessions"              \
		       " WHERE msisdn = ?1 AND channel = ?2")                                      \
	X(session_save,                                                                            \
	  "INSERT INTO sessions (msisdn, channel, flow, node, vars, step, started_at, updated_at," \
	  " expires_at, attempts, ussd_session, ussd_text, pages, page, pages_end, confirm)"       \
	  " VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"           \
	  " ON CONFLICT (msisdn, channel) DO UPDATE SET flow = ?3, node = ?4, vars = ?5,"          \
	  " step = sessions.step + 1, updated_at = ?6, expires_at = ?7, attempts = ?8, "           \
	  "ussd_session = ?9,"                                                                     \
	  " ussd_text = ?10, pages = ?11, page = ?12, pages_end = ?13, confirm = ?14")             \
	X(message_redact, "UPDATE messages SET text = ?2 WHERE id = ?1")                           \
	X(session_delete, "DELETE FROM sessions WHERE msisdn = ?1 AND channel = ?2")               \
	X(outbox_add,                                                                              \
	  "INSERT INTO outbox (msisdn, text, coding, kind, related_id, officer_id, text_key,"      \
	  " chain_id, next_attempt_at, created_at, updated_at, text_vars, sealed)"                 \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?9, ?10, ?11)")                        \
	X(outbox_resume,                                                                           \
	  "UPDATE outbox SET status = 'queued', next_attempt_at = ?2, updated_at = ?1,"            \
	  " last_error = 'resumed after a stop: waiting for a report before sending again'"        \
	  " WHERE status = 'sending'")                                                             \
	X(outbox_due, "SELECT id, msisdn, text, coding, attempts, created_at, sealed,"             \
		      " coalesce((SELECT opted_out FROM persons WHERE msisdn = o.msisdn), 0)"      \
		      " + coalesce((SELECT opted_out FROM contacts WHERE msisdn = o.msisdn), 0)"   \
		      " > 0"                                                                       \
		      " FROM outbox o WHERE status = 'queued' AND next_attempt_at <= ?1"           \
		      " ORDER BY next_attempt_at, id LIMIT 1")                                     \
	X(outbox_next_due, "SELECT min(next_attempt_at) FROM outbox WHERE status = 'queued'")      \
	X(outbox_mark,                                                                             \
	  "UPDATE outbox SET status = ?2, attempts = attempts + ?3, next_attempt_at = ?4,"         \
	  " last_error = ?5, updated_at = ?6, sealed = CASE WHEN ?2 IN ('queued', 'sending')"      \
	  " THEN sealed END WHERE id = ?1 AND status IN ('queued', 'sending')")                    \
	X(outbox_report,                                                                           \
	  "UPDATE outbox SET status = CASE"                                                        \
	  " WHEN status IN ('queued', 'sending') THEN coalesce(?2, 'accepted')"                    \
	  " WHEN CAST(?2 AS TEXT) IS NULL OR (?2 = 'accepted' AND status IN ('delivered', "        \
	  "'undeliverable',"                                                                       \
	  " 'failed')) THEN status ELSE ?2 END, last_error = ?3,"                                  \
	  " smsc_message_id = coalesce(?4, smsc_message_id), updated_at = ?5, sealed = NULL"       \
	  " WHERE id = ?1")                                                                        \
	X(alert_settle_delivered,                                                                  \
	  "UPDATE outbox SET settled_at = ?1 WHERE kind = 'alert' AND settled_at IS NULL"          \
	  " AND status = 'delivered'")                                                             \
	X(alert_due,                                                                               \
	  "SELECT id, coalesce(chain_id, id), coalesce(related_id, 0), coalesce(text_key, ''),"    \
	  " status, coalesce(text_vars, '') FROM outbox WHERE kind = 'alert'"                      \
	  " AND settled_at IS NULL"                                                                \
	  " AND status != 'delivered' AND (status IN ('failed', 'undeliverable')"                  \
	  " OR created_at <= ?1) ORDER BY created_at LIMIT 1")                                     \
	X(alert_next_due,                                                                          \
	  "SELECT min(CASE WHEN status IN ('failed', 'undeliverable') THEN 0"                      \
	  " ELSE created_at + ?1 END) FROM outbox WHERE kind = 'alert' AND settled_at IS NULL"     \
	  " AND status != 'delivered'")                                                            \
	X(alert_settle, "UPDATE outbox SET settled_at = ?2 WHERE id = ?1")                         \
	X(alert_next_officer,                                                                      \
	  "SELECT o.id, o.msisdn, o.language, p.name FROM persons p"                               \
	  " JOIN officers o ON o.district_id = p.district_id AND o.active = 1"                     \
	  " WHERE p.id = ?1 AND o.id NOT IN (SELECT officer_id FROM outbox"                        \
	  " WHERE (id = ?2 OR chain_id = ?2) AND officer_id IS NOT NULL) ORDER BY o.id LIMIT 1")   \
	X(owed_due, "SELECT msisdn, channel, pages FROM sessions WHERE confirm = 1"                \
		    " AND expires_at <= ?1 ORDER BY expires_at LIMIT 1")                           \
	X(owed_settle, "UPDATE sessions SET confirm = 0 WHERE msisdn = ?1 AND channel = ?2")       \
	X(owed_next_due, "SELECT min(expires_at) FROM sessions WHERE confirm = 1")                 \
	X(last_confirmation,                                                                       \
	  "SELECT r.id FROM messages m JOIN messages r ON r.in_reply_to = m.id"                    \
	  " WHERE m.msisdn = ?1 AND m.channel = ?2 AND m.network_id IS NOT NULL"                   \
	  " AND m.created_at >= ?3 AND r.status = 'confirmation' ORDER BY m.id DESC LIMIT 1")      \
	X(tip_add,                                                                                 \
	  "INSERT INTO tips (reference, district_id, category, body, tipster_hash, anonymous,"     \
	  " created_at, updated_at, place, liaison, channel, callback_msisdn, consent_at, "        \
	  "alert_at,"                                                                              \
	  " language) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"    \
	  " ON CONFLICT DO NOTHING RETURNING id")                                                  \
	X(tip_relay_add, "INSERT INTO tip_relay (tip_id, sealed_msisdn, nonce, created_at)"        \
			 " VALUES (?1, ?2, ?3, ?4)")                                               \
	X(tip_find, "SELECT " TIP_COLUMNS " WHERE t.reference = ?1 OR t.id = ?2")                  \
	X(tip_body, "UPDATE tips SET body = ?2, alert_at = ?3, updated_at = ?4 WHERE id = ?1")     \
	X(tip_count_since,                                                                         \
	  "SELECT count(*) FROM tips WHERE tipster_hash = ?1 AND created_at >= ?2")                \
	X(tip_blocked, "SELECT count(*) FROM tip_blocks WHERE tipster_hash = ?1")                  \
	X(tip_block, "INSERT INTO tip_blocks (tipster_hash, tip_id, blocked_by, blocked_at)"       \
		     " SELECT tipster_hash, id, ?2, ?3 FROM tips WHERE id = ?1"                    \
		     " AND tipster_hash IS NOT NULL ON CONFLICT DO NOTHING")                       \
	X(tip_alerted, "UPDATE tips SET officer_id = ?2, escalations = ?3, alert_at = ?4,"         \
		       " updated_at = ?5 WHERE id = ?1")                                           \
	X(tip_status, "UPDATE tips SET status = CASE WHEN status = 'closed' OR (status ="          \
		      " 'answered' AND ?2 = 'seen') THEN status ELSE ?2 END,"                      \
		      " officer_id = coalesce(?3, officer_id), alert_at = NULL,"                   \
		      " acknowledged_at = coalesce(acknowledged_at, ?4),"                          \
		      " closed_at = CASE WHEN ?2 = 'closed' THEN ?4 ELSE closed_at END,"           \
		      " updated_at = ?4 WHERE id = ?1")                                            \
	X(tip_alerted_officers, "SELECT officer_id FROM outbox WHERE kind = 'tip'"                 \
				" AND related_id = ?1 AND officer_id IS NOT NULL")                 \
	X(tip_officer_may,                                                                         \
	  "SELECT count(*) FROM tips t JOIN officers o ON o.id = ?2 WHERE t.id = ?1"               \
	  " AND (t.district_id IS NULL OR t.district_id = o.district_id OR t.officer_id = o.id"    \
	  " OR EXISTS (SELECT 1 FROM outbox b WHERE b.kind = 'tip' AND b.related_id = t.id"        \
	  " AND b.officer_id = o.id))")                                                            \
	X(tip_due, "SELECT id FROM tips WHERE alert_at <= ?1 ORDER BY alert_at LIMIT 1")           \
	X(tip_next_due, "SELECT min(alert_at) FROM tips WHERE alert_at IS NOT NULL")               \
	X(tip_relay_get, "SELECT sealed_msisdn FROM tip_relay WHERE tip_id = ?1")                  \
	X(tip_relay_purge, "DELETE FROM tip_relay WHERE created_at < ?1")                          \
	X(tip_relay_next_purge, "SELECT min(created_at) FROM tip_relay")                           \
	X(tip_audit_add, "INSERT INTO tip_audit (at, actor, tip_id, action, detail)"               \
			 " VALUES (?1, ?2, ?3, ?4, ?5)")                                           \
	X(tip_on_call,                                                                             \
	  "SELECT " TIP_OFFICER_COLUMNS ", r.weekdays, r.from_min, r.to_min,"                      \
	  " coalesce(d.timezone, 'UTC') FROM tip_roster r JOIN officers o ON o.id = r.officer_id"  \
	  " AND o.active = 1 JOIN districts d ON d.id = r.district_id"                             \
	  " WHERE ?1 = 0 OR r.district_id = ?1 ORDER BY r.position, r.id")                         \
	X(tip_officers,                                                                            \
	  "SELECT " TIP_OFFICER_COLUMNS ", o.role = 'supervisor' FROM officers o"                  \
	  " WHERE o.active = 1"                                                                    \
	  " AND (?1 = 0 OR o.district_id = ?1) ORDER BY o.role = 'supervisor', o.id")              \
	X(tip_officer, "SELECT " TIP_OFFICER_COLUMNS " FROM officers o WHERE o.id = ?1")           \
	X(districts_page, "SELECT id, name FROM districts ORDER BY name, id LIMIT ?1 OFFSET ?2")   \
	X(roster_add,                                                                              \
	  "INSERT INTO tip_roster (district_id, officer_id, weekdays, from_min, to_min, position)" \
	  " SELECT d.id, o.id, ?3, ?4, ?5, ?6 FROM districts d JOIN officers o ON o.msisdn = ?2"   \
	  " AND o.district_id = d.id WHERE d.code = ?1 ON CONFLICT (district_id, officer_id,"      \
	  " weekdays, from_min, to_min) DO UPDATE SET position = ?6"                               \
	  " WHERE tip_roster.position != ?6")                                                      \
	X(roster_remove,                                                                           \
	  "DELETE FROM tip_roster WHERE district_id = (SELECT id FROM districts WHERE code = ?1)"  \
	  " AND officer_id = (SELECT id FROM officers WHERE msisdn = ?2)")                         \
	X(list_roster,                                                                             \
	  "SELECT d.code, o.msisdn, o.name, r.weekdays, r.from_min, r.to_min, r.position"          \
	  " FROM tip_roster r JOIN districts d ON d.id = r.district_id"                            \
	  " JOIN officers o ON o.id = r.officer_id WHERE CAST(?1 AS TEXT) IS NULL OR d.code = ?1"  \
	  " ORDER BY d.code, r.position, r.id")                                                    \
	X(list_tips,                                                                               \
	  "SELECT t.reference, t.created_at, coalesce(d.code, '-'), coalesce(d.timezone, 'UTC'),"  \
	  " coalesce(t.category, ''), t.status, coalesce(o.name, '-'), t.liaison, t.anonymous"     \
	  " FROM tips t LEFT JOIN districts d ON d.id = t.district_id"                             \
	  " LEFT JOIN officers o ON o.id = t.officer_id WHERE CAST(?1 AS TEXT) IS NULL OR d.code " \
	  "= ?1"                                                                                   \
	  " ORDER BY t.id")                                                                        \
	X(list_districts,                                                                          \
	  "SELECT d.code, d.name, d.language, d.timezone, (SELECT count(*) FROM officers o"        \
	  " WHERE o.district_id = d.id AND o.active = 1), (SELECT count(*) FROM persons p"         \
	  " WHERE p.district_id = d.id AND p.status = 'active') FROM districts d"                  \
	  " WHERE CAST(?1 AS TEXT) IS NULL OR d.code = ?1 ORDER BY d.code")                        \
	X(list_officers,                                                                           \
	  "SELECT o.msisdn, o.name, d.code, o.language, o.role, o.active FROM officers o"          \
	  " JOIN districts d ON d.id = o.district_id WHERE CAST(?1 AS TEXT) IS NULL OR d.code = "  \
	  "?1"                                                                                     \
	  " ORDER BY d.code, o.name, o.id")                                                        \
	X(list_persons,                                                                            \
	  "SELECT p.msisdn, p.name, p.role, coalesce(d.code, '-'), coalesce(o.msisdn, '-'),"       \
	  " coalesce(p.language, d.language, '-'), coalesce(p.tier, '-'), p.status,"               \
	  " p.opted_out FROM persons p LEFT JOIN districts d ON d.id = p.district_id"              \
	  " LEFT JOIN officers o ON o.id = p.officer_id WHERE CAST(?1 AS TEXT) IS NULL OR d.code " \
	  "= ?1"                                                                                   \
	  " ORDER BY coalesce(d.code, ''), p.name, p.id")                                          \
	X(district_edit,                                                                           \
	  "UPDATE districts SET name = coalesce(?2, name), language = coalesce(?3, language),"     \
	  " timezone = coalesce(?4, timezone) WHERE code = ?1")                                    \
	X(officer_edit,                                                                            \
	  "UPDATE officers SET name = coalesce(?2, name), language = coalesce(?3, language),"      \
	  " district_id = coalesce((SELECT id FROM districts WHERE code = ?4), district_id),"      \
	  " role = coalesce(?5, role), active = coalesce(?6, active) WHERE msisdn = ?1")           \
	X(person_edit,                                                                             \
	  "UPDATE persons SET name = coalesce(?2, name), language = coalesce(?3, language),"       \
	  " district_id = coalesce((SELECT id FROM districts WHERE code = ?4), district_id),"      \
	  " officer_id = coalesce((SELECT id FROM officers WHERE msisdn = ?5), officer_id),"       \
	  " status = coalesce(?6, status) WHERE msisdn = ?1")                                      \
	X(person_pin_reset,                                                                        \
	  "UPDATE persons SET pin_hash = ?2, pin_failures = 0, locked_until = NULL,"               \
	  " pin_day_failures = 0, pin_locks = 0 WHERE msisdn = ?1")                                \
	X(officer_district,                                                                        \
	  "SELECT d.code FROM officers o JOIN districts d ON d.id = o.district_id"                 \
	  " WHERE o.msisdn = ?1")                                                                  \
	X(district_exists, "SELECT count(*) FROM districts WHERE code = ?1")                       \
	X(officer_ties,                                                                            \
	  "SELECT (SELECT count(*) FROM persons WHERE officer_id = o.id AND status = 'active')"    \
	  " + (SELECT count(*) FROM tip_roster WHERE officer_id = o.id) FROM officers o"           \
	  " WHERE o.msisdn = ?1")                                                                  \
	X(texts_purgeable,                                                                         \
	  "SELECT count(*), coalesce(max(id), 0) FROM messages WHERE created_at < ?1"              \
	  " AND length(text) > 0")                                                                 \
	X(texts_purge, "UPDATE messages SET text = '' WHERE id > ?2 AND id <= ?3"                  \
		       " AND created_at < ?1 AND length(text) > 0")                                \
	X(sent_purgeable,                                                                          \
	  "SELECT count(*), coalesce(max(id), 0) FROM outbox WHERE created_at < ?1"                \
	  " AND status NOT IN ('queued', 'sending') AND length(text) > 0")                         \
	X(sent_purge, "UPDATE outbox SET text = '' WHERE id > ?2 AND id <= ?3"                     \
		      " AND created_at < ?1 AND status NOT IN ('queued', 'sending')"               \
		      " AND length(text) > 0")                                                     \
	X(relays_purgeable, "SELECT count(*) FROM tip_relay WHERE created_at < ?1")                \
	X(export_persons,                                                                          \
	  "SELECT p.msisdn, p.name, coalesce(p.language, ''), coalesce(d.code, ''),"               \
	  " coalesce(o.msisdn, ''), coalesce(p.tier, ''), p.role FROM persons p"                   \
	  " LEFT JOIN districts d ON d.id = p.district_id"                                         \
	  " LEFT JOIN officers o ON o.id = p.officer_id WHERE p.status = 'active'"                 \
	  " AND CAST(?1 AS BIGINT) <= CAST(?2 AS BIGINT) ORDER BY p.id")                           \
	X(export_appointments,                                                                     \
	  "SELECT p.msisdn, a.starts_at, coalesce(d.timezone, 'UTC'), coalesce(a.place, ''),"      \
	  " a.status FROM appointments a JOIN persons p ON p.id = a.person_id"                     \
	  " LEFT JOIN districts d ON d.id = p.district_id"                                         \
	  " WHERE a.starts_at >= ?1 AND a.starts_at < ?2 ORDER BY a.starts_at, a.id")              \
	X(export_roster,                                                                           \
	  "SELECT d.code, o.msisdn, r.weekdays, r.from_min, r.to_min, r.position"                  \
	  " FROM tip_roster r JOIN districts d ON d.id = r.district_id"                            \
	  " JOIN officers o ON o.id = r.officer_id WHERE CAST(?1 AS BIGINT) <= CAST(?2 AS BIGINT)" \
	  " ORDER BY d.code, r.position, r.id")                                                    \
	X(export_checkins,                                                                         \
	  "SELECT p.msisdn, p.name, coalesce(d.code, ''), c.at, coalesce(d.timezone, 'UTC'),"      \
	  " c.location, c.channel, coalesce(c.receipt, ''), c.outside_window FROM checkins c"      \
	  " JOIN persons p ON p.id = c.person_id LEFT JOIN districts d ON d.id = p.district_id"    \
	  " WHERE c.at >= ?1 AND c.at < ?2 ORDER BY c.at, c.id")                                   \
	X(report,                                                                                  \
	  "WITH g AS (SELECT DISTINCT district_id AS d, officer_id AS o FROM persons),"            \
	  " m AS (SELECT g.d, g.o, p.id AS person FROM g JOIN persons p"                           \
	  " ON p.district_id IS NOT DISTINCT FROM g.d AND p.officer_id IS NOT DISTINCT FROM g.o)"  \
	  " SELECT coalesce(dd.code, '-'), coalesce(oo.name, '-'),"                                \
	  " (SELECT count(*) FROM checkins c JOIN m ON m.person = c.person_id AND m.d IS NOT "     \
	  "DISTINCT FROM g.d"                                                                      \
	  " AND m.o IS NOT DISTINCT FROM g.o WHERE c.at >= ?1 AND c.at < ?2 AND c.outside_window " \
	  "= 0),"                                                                                  \
	  " (SELECT count(*) FROM checkins c JOIN m ON m.person = c.person_id AND m.d IS NOT "     \
	  "DISTINCT FROM g.d"                                                                      \
	  " AND m.o IS NOT DISTINCT FROM g.o WHERE c.at >= ?1 AND c.at < ?2 AND c.outside_window " \
	  "= 1),"                                                                                  \
	  " (SELECT count(*) FROM windows w JOIN m ON m.person = w.person_id AND m.d IS NOT "      \
	  "DISTINCT FROM g.d"                                                                      \
	  " AND m.o IS NOT DISTINCT FROM g.o WHERE w.closes_at >= ?1 AND w.closes_at < ?2 AND "    \
	  "w.status = 'missed'),"                                                                  \
	  " (SELECT count(*) FROM reminders r JOIN appointments a ON a.id = r.appointment_id"      \
	  " JOIN m ON m.person = a.person_id AND m.d IS NOT DISTINCT FROM g.d AND m.o IS NOT "     \
	  "DISTINCT FROM g.o"                                                                      \
	  " WHERE r.sent_at >= ?1 AND r.sent_at < ?2 AND r.status = 'sent'),"                      \
	  " (SELECT count(*) FROM reminders r JOIN appointments a ON a.id = r.appointment_id"      \
	  " JOIN m ON m.person = a.person_id AND m.d IS NOT DISTINCT FROM g.d AND m.o IS NOT "     \
	  "DISTINCT FROM g.o"                                                                      \
	  " JOIN outbox b ON b.id = r.outbox_id AND b.status = 'delivered'"                        \
	  " WHERE r.sent_at >= ?1 AND r.sent_at < ?2),"                                            \
	  " (SELECT count(*) FROM appointments a JOIN m ON m.person = a.person_id AND m.d IS NOT " \
	  "DISTINCT FROM g.d"                                                                      \
	  " AND m.o IS NOT DISTINCT FROM g.o WHERE a.starts_at >= ?1 AND a.starts_at < ?2"         \
	  " AND a.confirmed_at IS NOT NULL),"                                                      \
	  " (SELECT count(*) FROM appointments a JOIN m ON m.person = a.person_id AND m.d IS NOT " \
	  "DISTINCT FROM g.d"                                                                      \
	  " AND m.o IS NOT DISTINCT FROM g.o WHERE a.starts_at >= ?1 AND a.starts_at < ?2 AND "    \
	  "a.status = "                                                                            \
	  "'attended'),"                                                                           \
	  " (SELECT count(*) FROM appointments a JOIN m ON m.person = a.person_id AND m.d IS NOT " \
	  "DISTINCT FROM g.d"                                                                      \
	  " AND m.o IS NOT DISTINCT FROM g.o WHERE a.starts_at >= ?1 AND a.starts_at < ?2 AND "    \
	  "a.status = 'missed')"                                                                   \
	  " FROM g LEFT JOIN districts dd ON dd.id = g.d LEFT JOIN officers oo ON oo.id = g.o"     \
	  " ORDER BY coalesce(dd.code, ''), coalesce(oo.name, '')")                                \
	X(service_upsert,                                                                          \
	  "INSERT INTO services (district_id, kind, name, address, phone, hours)"                  \
	  " SELECT id, ?2, ?3, ?4, ?5, ?6 FROM districts WHERE code = ?1"                          \
	  " ON CONFLICT (district_id, kind, name) DO UPDATE SET address = excluded.address,"       \
	  " phone = excluded.phone, hours = excluded.hours"                                        \
	  " WHERE services.address IS DISTINCT FROM "                                              \
	  "excluded.address"                                                                       \
	  " OR services.phone IS DISTINCT FROM excluded.phone"                                     \
	  " OR services.hours IS DISTINCT FROM excluded.hours")                                    \
	X(service_exists,                                                                          \
	  "SELECT count(*) FROM services s JOIN districts d ON d.id = s.district_id"               \
	  " WHERE d.code = ?1 AND s.kind = ?2 AND s.name = ?3")                                    \
	X(service_at, "SELECT s.name, s.phone, s.hours, s.address FROM services s JOIN persons p"  \
		      " ON p.district_id = s.district_id WHERE p.id = ?1 AND s.kind = ?2"          \
		      " ORDER BY s.name, s.id LIMIT 1 OFFSET ?3")                                  \
	X(export_services,                                                                         \
	  "SELECT d.code, s.kind, s.name, s.address, s.phone, s.hours FROM services s"             \
	  " JOIN districts d ON d.id = s.district_id WHERE CAST(?1 AS BIGINT) <= CAST(?2 AS "      \
	  "BIGINT) ORDER BY d.code, s.kind,"                                                       \
	  " s.name")                                                                               \
	X(list_audit,                                                                              \
	  "SELECT a.at, a.actor, coalesce(t.reference, '-'), a.action FROM tip_audit a"            \
	  " LEFT JOIN tips t ON t.id = a.tip_id WHERE CAST(?1 AS TEXT) IS NULL OR t.reference = "  \
	  "?1"                                                                                     \
	  " ORDER BY a.id")                                                                        \
	X(reply_failed,                                                                            \
	  "UPDATE messages SET status = 'undelivered' WHERE id = ?1 AND direction = 'out'"         \
	  " AND status = 'confirmation' RETURNING msisdn, text, coalesce(in_reply_to, 0)")

struct store {
	struct db *db;
	int version;
	bool outbox_added;      /* a row was queued since store_outbox_added() last asked */
	bool deadlines_changed; /* since store_deadlines_changed() last asked */
	int ids_wanted;         /* message ids to reserve with the reads fetched ahead */
	bool ledger_taken;      /* since store_ledger_taken() last asked */
#define X(name, sql) struct db_stmt *name;
	STORE_STATEMENTS(X)
#undef X
};

static int prepare_all(struct store *s, char *err, size_t err_size)
{
#define X(name, sql)                                                                               \
	if (!(s->name = db_prepare(s->db, sql))) {                                                 \
		snprintf(err, err_size, "preparing %s: %s", #name, db_errmsg(s->db));              \
		return -1;                                                                         \
	}
	STORE_STATEMENTS(X)
#undef X
	return 0;
}

/* Migrates db and prepares every statement; db is the store's from now. */
static struct store *store_on(struct db *db, const char *where, char *err, size_t err_size)
{
	if (!db)
		return NULL;
	struct store *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, err_size, "out of memory");
		db_close(db);
		return NULL;
	}
	s->db = db;
	char why[512] = "";
	if (db_migrate(db, store_migrations, store_migration_count, why, sizeof why) < 0 ||
	    prepare_all(s, why, sizeof why) < 0) {
		snprintf(err, err_size, "%s: %s", where, why);
		store_free(s);
		return NULL;
	}
	if (db_ready(db) < 0) {
		snprintf(why, sizeof why, "%s", db_errmsg(db));
		snprintf(err, err_size, "%s: %s", where, why);
		store_free(s);
		return NULL;
	}
	s->version = store_migration_count;
	/* a message's writes to them change no other sender's reads that
	 * store_prefetch_sender names: their sessions, their messages and
	 * replies (a sender's messages in a batch share one scope; a report,
	 * which changes a reply's status, is no sender's) */
	db_partition(db, "sessions");
	db_partition(db, "messages");
	return s;
}

struct store *store_open(const char *path, enum cfg_sync sync, char *err, size_t err_size)
{
	return store_on(db_sqlite_open(path, sync, err, err_size), path, err, err_size);
}

struct store *store_connect(const struct cfg *cfg, char *err, size_t err_size)
{
	if (cfg->store_backend == CFG_STORE_SQLITE)
		return store_open(cfg->database, cfg->synchronous, err, err_size);
	return store_on(db_pg_open(cfg->store_uri, cfg->store_timeout_ms,
				   cfg->store_standby == CFG_STANDBY_REQUIRED, err, err_size),
			"postgresql", err, err_size);
}

void store_free(struct store *s)
{
	if (!s)
		return;
#define X(name, sql) db_finalize(s->name);
	STORE_STATEMENTS(X)
#undef X
	db_close(s->db);
	free(s);
}

bool store_wrote(struct store *s)
{
	return db_wrote(s->db);
}

bool store_concurrent(struct store *s)
{
	return db_concurrent(s->db);
}

const char *store_backend(struct store *s)
{
	return db_backend(s->db);
}

/* Runs a statement that returns no rows and resets it: 0 or STORE_ERROR. */
static int run(struct store *s, struct db_stmt *st)
{
	int rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : STORE_ERROR;
}

/* An insert's outcome, where a repeat does nothing (ON CONFLICT DO
 * NOTHING, found without an error, which would abort a PostgreSQL
 * transaction): STORE_DUPLICATE for one. */
static int inserted(struct store *s, int rc)
{
	return rc == 0 && db_changes(s->db) == 0 ? STORE_DUPLICATE : rc;
}

/* Runs an INSERT … ON CONFLICT DO NOTHING RETURNING id: 0 with *id, or
 * STORE_DUPLICATE, or STORE_ERROR. */
static int insert_returning(struct db_stmt *st, int64_t *id)
{
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_column_int(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? STORE_DUPLICATE : STORE_ERROR;
}

int store_begin(struct store *s)
{
	return db_begin(s->db) < 0 ? STORE_ERROR : 0;
}

int store_commit(struct store *s)
{
	return db_commit(s->db) < 0 ? STORE_ERROR : 0;
}

int store_commit_send(struct store *s)
{
	return db_commit_send(s->db) < 0 ? STORE_ERROR : 0;
}

int store_commit_wait(struct store *s, bool wait)
{
	int rc = db_commit_wait(s->db, wait);
	return rc == DB_BUSY ? STORE_BUSY : rc < 0 ? STORE_ERROR : 0;
}

int store_socket(struct store *s)
{
	return db_socket(s->db);
}

void store_scope(struct store *s, unsigned n)
{
	db_scope(s->db, n);
}

void store_rollback(struct store *s)
{
	db_rollback(s->db);
}

bool store_in_transaction(struct store *s)
{
	return db_in_transaction(s->db);
}

int store_savepoint(struct store *s, bool alone)
{
	return db_savepoint(s->db, alone) < 0 ? STORE_ERROR : 0;
}

int store_release(struct store *s)
{
	return db_release(s->db) < 0 ? STORE_ERROR : 0;
}

int store_rollback_to(struct store *s)
{
	return db_rollback_to(s->db) < 0 ? STORE_ERROR : 0;
}

static void bind_text_or_null(struct db_stmt *st, int i, const char *v)
{
	if (v)
		db_bind_text(st, i, v, -1);
	else
		db_bind_null(st, i);
}

static void bind_int_or_null(struct db_stmt *st, int i, int64_t v)
{
	if (v)
		db_bind_int(st, i, v);
	else
		db_bind_null(st, i);
}

int store_add_message(struct store *s, const struct store_message *m, int64_t *id)
{
	/* Where asking an insert for its id costs a round trip, an id taken
	 * ahead (store_prefetched) and an insert not waited for: a repeat is
	 * then found first, by a read fetched with the sender's, and one that
	 * comes between (another process) fails the insert, the whole batch
	 * with it, to be tried again. */
	int64_t reserved = id ? db_take_id(s->db) : 0;
	if (reserved && m->network_id && !m->outbound) {
		struct store_reply stored;
		int found = store_find_reply(s, m->channel, m->msisdn, m->network_id, &stored);
		if (found != 0)
			return found == 1 ? STORE_DUPLICATE : STORE_ERROR;
	}
	struct db_stmt *st = reserved ? s->add_message_as : s->add_message;
	db_bind_text(st, 1, m->outbound ? "out" : "in", -1);
	bind_text_or_null(st, 2, m->network_id);
	db_bind_text(st, 3, m->channel, -1);
	db_bind_text(st, 4, m->msisdn, -1);
	bind_text_or_null(st, 5, m->peer);
	if (m->text_is_utf8)
		db_bind_text(st, 6, m->text, (int)m->text_len);
	else
		db_bind_blob(st, 6, m->text, (int)m->text_len);
	db_bind_int(st, 7, m->coding);
	bind_text_or_null(st, 8, m->smsc);
	bind_text_or_null(st, 9, m->meta);
	bind_int_or_null(st, 10, m->sent_at);
	db_bind_text(st, 11, m->status, -1);
	bind_int_or_null(st, 12, m->in_reply_to);
	db_bind_int(st, 13, m->created_at);
	if (reserved) {
		db_bind_int(st, 14, reserved);
		*id = reserved;
	}
	if (!id || reserved) /* nothing to wait for: a reply, an id known */
		return db_run_later(st) < 0 ? STORE_ERROR : 0;
	return insert_returning(st, id);
}

/* Copies text column i into out (size bytes, always terminated). */
static void column_text(struct db_stmt *st, int i, char *out, size_t size)
{
	const unsigned char *v = db_column_text(st, i);
	size_t len = v ? (size_t)db_column_bytes(st, i) : 0;
	if (len >= size) {
		len = size - 1;
		while (len > 0 && (v[len] & 0xc0) == 0x80)
			len--; /* cut before a character, not inside it */
	}
	if (len)
		memcpy(out, v, len);
	out[len] = '\0';
}

int store_find_reply(struct store *s, const char *channel, const char *msisdn,
		     const char *network_id, struct store_reply *out)
{
	struct db_stmt *st = s->find_reply;
	db_bind_text(st, 1, channel, -1);
	db_bind_text(st, 2, msisdn, -1);
	db_bind_text(st, 3, network_id, -1);
	int rc = db_step(st);
	int found = 0;
	if (rc == DB_ROW) {
		const void *text = db_column_text(st, 0);
		size_t len = (size_t)db_column_bytes(st, 0);
		if (len > sizeof out->text)
			len = sizeof out->text;
		if (len)
			memcpy(out->text, text, len);
		out->len = len;
		out->coding = db_column_int(st, 1);
		column_text(st, 2, out->meta, sizeof out->meta);
		out->id = db_column_int(st, 3);
		out->confirmation = db_column_int(st, 4) == 1;
		found = 1;
	} else if (rc != DB_DONE) {
		found = STORE_ERROR;
	}
	db_reset(st);
	return found;
}

/* Steps a one-row, one-integer query and resets it. */
static int64_t single_int(struct db_stmt *st)
{
	int64_t value = STORE_ERROR;
	if (db_step(st) == DB_ROW)
		value = db_column_int(st, 0);
	db_reset(st);
	return value;
}

int store_ping(struct store *s)
{
	return single_int(s->ping) < 0 ? STORE_ERROR : 0;
}

int store_standbys(struct store *s, double *lag)
{
	return db_standbys(s->db, lag);
}

int store_probe_write(struct store *s)
{
	return db_probe_write(s->db) < 0 ? STORE_ERROR : 0;
}

int64_t store_disk_free(struct store *s)
{
	return db_disk_free(s->db);
}

int64_t store_count_open_sessions(struct store *s, int64_t now)
{
	db_bind_int(s->open_sessions, 1, now);
	return single_int(s->open_sessions);
}

/* Binds arguments by a format, one letter each: t text (NULL binds
 * NULL), i int64, n int64 where 0 binds NULL (an id that is none). */
static void bind_all(struct db_stmt *st, const char *format, va_list ap)
{
	for (int i = 0; format[i]; i++) {
		if (format[i] == 't') {
			bind_text_or_null(st, i + 1, va_arg(ap, const char *));
			continue;
		}
		if (format[i] == 'b') { /* two arguments: a blob, its size_t length (NULL: none) */
			const void *blob = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);
			if (blob)
				db_bind_blob(st, i + 1, blob, (int)len);
			else
				db_bind_null(st, i + 1);
			continue;
		}
		int64_t v = va_arg(ap, int64_t);
		if (format[i] == 'n' && v == 0)
			db_bind_null(st, i + 1);
		else
			db_bind_int(st, i + 1, v);
	}
}

/* Runs a write with bound arguments; 0 or a STORE_ code. */
static int write_bound(struct store *s, struct db_stmt *st, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	bind_all(st, format, ap);
	va_end(ap);
	return run(s, st);
}

/* Binds arguments by bind_all's format, for a statement run otherwise. */
static void bind_args(struct db_stmt *st, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	bind_all(st, format, ap);
	va_end(ap);
}

/* Steps a query with bound arguments: 1 on a row (left for the caller to
 * read, then reset with db_reset()), 0 for none, STORE_ERROR. */
static int query_bound(struct db_stmt *st, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	bind_all(st, format, ap);
	va_end(ap);
	int rc = db_step(st);
	if (rc == DB_ROW)
		return 1;
	db_reset(st);
	return rc == DB_DONE ? 0 : STORE_ERROR;
}

/* Binds st by bind_all's format and names it to be read soon. */
static void fetch_ahead(struct db_stmt *st, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	bind_all(st, format, ap);
	va_end(ap);
	db_prefetch(st);
}

void store_prefetch_sender(struct store *s, const char *msisdn, const char *alias,
			   bool alias_session, const char *channel, const char *network_id)
{
	fetch_ahead(s->session_get, "tt", msisdn, channel);
	if (alias_session)
		fetch_ahead(s->session_get, "tt", alias, channel);
	if (network_id) { /* under either name (inbound.c: hide; store_add_message) */
		fetch_ahead(s->find_reply, "ttt", channel, alias, network_id);
		fetch_ahead(s->find_reply, "ttt", channel, msisdn, network_id);
	}
	s->ids_wanted++; /* one a message: an insert that needs its id takes one while they last */
	fetch_ahead(s->person_find, "t", msisdn);
	fetch_ahead(s->contact_find, "t", msisdn);
	fetch_ahead(s->officer_find, "t", msisdn);
}

void store_prefetched(struct store *s)
{
	db_reserve_ids(s->db, "messages", s->ids_wanted);
	s->ids_wanted = 0;
	db_prefetched(s->db);
}

int store_person_find(struct store *s, const char *msisdn, struct store_person *out)
{
	struct db_stmt *st = s->person_find;
	int rc = query_bound(st, "t", msisdn);
	if (rc != 1)
		return rc;
	memset(out, 0, sizeof *out);
	out->id = db_column_int(st, 0);
	column_text(st, 1, out->name, sizeof out->name);
	column_text(st, 2, out->role, sizeof out->role);
	column_text(st, 3, out->language, sizeof out->language);
	column_text(st, 4, out->pin_hash, sizeof out->pin_hash);
	column_text(st, 7, out->status, sizeof out->status);
	out->opted_out = db_column_int(st, 8) != 0;
	out->transliterate = db_column_int(st, 9) != 0;
	column_text(st, 10, out->timezone, sizeof out->timezone);
	column_text(st, 11, out->officer_msisdn, sizeof out->officer_msisdn);
	column_text(st, 12, out->officer_language, sizeof out->officer_language);
	out->officer_id = db_column_int(st, 13);
	column_text(st, 14, out->tier, sizeof out->tier);
	out->pin = (struct pin_state){.failures = db_column_int(st, 5),
				      .locked_until = db_column_int(st, 6),
				      .day_failures = db_column_int(st, 15),
				      .day_start = db_column_int(st, 16),
				      .locks = db_column_int(st, 17)};
	db_reset(st);
	return 1;
}

int store_contact_find(struct store *s, const char *msisdn, char language[8], bool *opted_out)
{
	struct db_stmt *st = s->contact_find;
	int rc = query_bound(st, "t", msisdn);
	if (rc != 1)
		return rc;
	column_text(st, 0, language, 8);
	*opted_out = db_column_int(st, 1) != 0;
	db_reset(st);
	return 1;
}

int store_set_language(struct store *s, int64_t person_id, const char *msisdn, const char *language,
		       int64_t now)
{
	if (person_id > 0)
		return write_bound(s, s->person_language, "it", person_id, language);
	return write_bound(s, s->contact_language, "tti", msisdn, language, now);
}

int store_set_opt_out(struct store *s, int64_t person_id, const char *msisdn, bool opted_out,
		      int64_t now)
{
	if (person_id > 0)
		return write_bound(s, s->person_opt_out, "ii", person_id, (int64_t)opted_out);
	return write_bound(s, s->contact_opt_out, "tii", msisdn, (int64_t)opted_out, now);
}

int store_person_pin(struct store *s, int64_t person_id, const struct pin_state *pin)
{
	return write_bound(s, s->person_pin, "iiiiii", person_id, (int64_t)pin->failures,
			   pin->locked_until, (int64_t)pin->day_failures, pin->day_start,
			   (int64_t)pin->locks);
}

int store_pin_event(struct store *s, int64_t person_id, const char *kind, const char *detail,
		    int64_t officer_id, int64_t now)
{
	return write_bound(s, s->pin_event, "ittni", person_id, kind, detail, officer_id, now);
}

int store_incident_open(struct store *s, int64_t person_id, const char *kind,
			char ref[STORE_REF_SIZE])
{
	struct db_stmt *st = s->incident_open;
	int rc = query_bound(st, "it", person_id, kind);
	if (rc != 1)
		return rc;
	column_text(st, 0, ref, STORE_REF_SIZE);
	db_reset(st);
	return 1;
}

int store_checkin_add(struct store *s, const struct store_checkin *c)
{
	return inserted(s,
			write_bound(s, s->checkin_add, "iittnttt", c->person_id, c->at, c->location,
				    c->channel, c->message_id, c->receipt[0] ? c->receipt : NULL,
				    c->hash[0] ? c->prev_hash : NULL, c->hash[0] ? c->hash : NULL));
}

int store_ledger_lock(struct store *s, int64_t now)
{
	db_bind_int(s->ledger_lock, 1, now); /* the row made again if it went */
	int rc = run(s, s->ledger_lock);
	s->ledger_taken |= rc == 0;
	return rc;
}

bool store_ledger_taken(struct store *s)
{
	bool taken = s->ledger_taken;
	s->ledger_taken = false;
	return taken;
}

int store_checkin_last_hash(struct store *s, char out[STORE_HASH_SIZE])
{
	struct db_stmt *st = s->checkin_last_hash;
	int rc = query_bound(st, "");
	if (rc != 1)
		return rc;
	column_text(st, 0, out, STORE_HASH_SIZE);
	db_reset(st);
	return 1;
}

static void read_checkin(struct db_stmt *st, struct store_checkin *out)
{
	out->id = db_column_int(st, 0);
	out->person_id = db_column_int(st, 1);
	out->at = db_column_int(st, 2);
	column_text(st, 3, out->location, sizeof out->location);
	column_text(st, 4, out->channel, sizeof out->channel);
	out->message_id = db_column_int(st, 5);
	column_text(st, 6, out->receipt, sizeof out->receipt);
	column_text(st, 7, out->prev_hash, sizeof out->prev_hash);
	column_text(st, 8, out->hash, sizeof out->hash);
}

int store_checkin_after(struct store *s, int64_t id, struct store_checkin *out)
{
	struct db_stmt *st = s->checkin_all;
	int rc = query_bound(st, "i", id);
	if (rc != 1)
		return rc;
	read_checkin(st, out);
	db_reset(st);
	return 1;
}

int store_checkin_by_receipt(struct store *s, const char *receipt, struct store_receipt *out)
{
	struct db_stmt *st = s->checkin_by_receipt;
	int rc = query_bound(st, "t", receipt);
	if (rc != 1)
		return rc;
	read_checkin(st, &out->checkin);
	column_text(st, 9, out->name, sizeof out->name);
	column_text(st, 10, out->timezone, sizeof out->timezone);
	db_reset(st);
	return 1;
}

int store_appointment_next(struct store *s, int64_t person_id, int64_t now, int64_t id,
			   struct store_appointment *out)
{
	struct db_stmt *st = s->appointment_next;
	int rc = query_bound(st, "iii", person_id, now, id);
	if (rc != 1)
		return rc;
	out->id = db_column_int(st, 0);
	out->starts_at = db_column_int(st, 1);
	column_text(st, 2, out->place, sizeof out->place);
	db_reset(st);
	return 1;
}

int store_outbox_add(struct store *s, const struct store_outbound *m, int64_t now)
{
	int64_t coding =
	    gsm_needs_ucs2(m->text, strlen(m->text)) ? KANNEL_CODING_UCS2 : KANNEL_CODING_7BIT;
	int rc = write_bound(s, s->outbox_add, "ttitnntnitb", m->msisdn, m->text, coding, m->kind,
			     m->related_id, m->officer_id, m->text_key, m->chain_id, now,
			     m->text_vars && *m->text_vars ? m->text_vars : NULL, m->sealed,
			     m->sealed ? (size_t)SEAL_SIZE : (size_t)0);
	s->outbox_added |= rc == 0;
	s->deadlines_changed |= rc == 0 && m->officer_id; /* an alert's time to be delivered */
	return rc;
}

bool store_deadlines_changed(struct store *s)
{
	bool changed = s->deadlines_changed;
	s->deadlines_changed = false;
	return changed;
}

bool store_outbox_added(struct store *s)
{
	bool added = s->outbox_added;
	s->outbox_added = false;
	return added;
}

int store_outbox_resume(struct store *s, int64_t now, int64_t next_attempt_at)
{
	return write_bound(s, s->outbox_resume, "ii", now, next_attempt_at);
}

int store_outbox_due(struct store *s, int64_t now, struct store_outbox_row *out)
{
	struct db_stmt *st = s->outbox_due;
	int rc = query_bound(st, "i", now);
	if (rc != 1)
		return rc;
	out->id = db_column_int(st, 0);
	column_text(st, 1, out->msisdn, sizeof out->msisdn);
	const void *text = db_column_text(st, 2);
	out->text_len = (size_t)db_column_bytes(st, 2);
	if (out->text_len >= sizeof out->text)
		out->text_len = sizeof out->text - 1; /* queued by us, never this long */
	if (out->text_len)
		memcpy(out->text, text, out->text_len);
	out->text[out->text_len] = '\0';
	out->coding = db_column_int(st, 3);
	out->attempts = db_column_int(st, 4);
	out->created_at = db_column_int(st, 5);
	out->sealed_len = (size_t)db_column_bytes(st, 6);
	if (out->sealed_len != SEAL_SIZE)
		out->sealed_len = 0; /* none, or not a seal: it will not open */
	if (out->sealed_len)
		memcpy(out->sealed, db_column_text(st, 6), SEAL_SIZE);
	out->opted_out = db_column_int(st, 7) != 0;
	db_reset(st);
	return 1;
}

int64_t store_outbox_next_due(struct store *s)
{
	struct db_stmt *st = s->outbox_next_due;
	int rc = query_bound(st, "");
	int64_t at = rc == 1 && !db_column_null(st, 0) ? db_column_int(st, 0) : -1;
	if (rc == 1)
		db_reset(st);
	return rc < 0 ? STORE_ERROR : at;
}

int store_outbox_mark(struct store *s, int64_t id, const char *status, int tried,
		      int64_t next_attempt_at, const char *error, int64_t now)
{
	int rc = write_bound(s, s->outbox_mark, "itiiti", id, status, (int64_t)tried,
			     next_attempt_at, error, now);
	s->deadlines_changed |= rc == 0 && strcmp(status, "failed") == 0; /* an alert goes on */
	return rc;
}

int store_outbox_report(struct store *s, int64_t id, const char *status, const char *note,
			const char *smsc_id, int64_t now)
{
	int rc = write_bound(s, s->outbox_report, "ittti", id, status, note, smsc_id, now);
	/* a failed alert goes on at once */
	s->deadlines_changed |=
	    rc == 0 && status &&
	    (strcmp(status, "failed") == 0 || strcmp(status, "undeliverable") == 0);
	return rc < 0 ? rc : db_changes(s->db) > 0;
}

int store_alert_settle_delivered(struct store *s, int64_t now)
{
	return write_bound(s, s->alert_settle_delivered, "i", now);
}

int store_alert_due(struct store *s, int64_t created_before, struct store_alert *out)
{
	struct db_stmt *st = s->alert_due;
	int rc = query_bound(st, "i", created_before);
	if (rc != 1)
		return rc;
	out->id = db_column_int(st, 0);
	out->chain_id = db_column_int(st, 1);
	out->person_id = db_column_int(st, 2);
	column_text(st, 3, out->text_key, sizeof out->text_key);
	column_text(st, 4, out->status, sizeof out->status);
	column_text(st, 5, out->text_vars, sizeof out->text_vars);
	db_reset(st);
	return 1;
}

/* Steps a query of one value that may be NULL: 1 with *out, 0 for NULL,
 * STORE_ERROR; reset either way. */
static int single_time(struct db_stmt *st, int64_t *out)
{
	int rc = STORE_ERROR;
	if (db_step(st) == DB_ROW) {
		rc = !db_column_null(st, 0);
		*out = db_column_int(st, 0);
	}
	db_reset(st);
	return rc;
}

int store_alert_next_due(struct store *s, int64_t within, int64_t *at)
{
	db_bind_int(s->alert_next_due, 1, within);
	return single_time(s->alert_next_due, at);
}

int store_alert_settle(struct store *s, int64_t id, int64_t now)
{
	return write_bound(s, s->alert_settle, "ii", id, now);
}

/* An officer's id, number and language, the first three columns. */
static void read_officer(struct db_stmt *st, struct store_officer *out)
{
	out->id = db_column_int(st, 0);
	column_text(st, 1, out->msisdn, sizeof out->msisdn);
	column_text(st, 2, out->language, sizeof out->language);
}

int store_alert_next_officer(struct store *s, int64_t person_id, int64_t chain_id,
			     struct store_officer *out, char person_name[96])
{
	struct db_stmt *st = s->alert_next_officer;
	int rc = query_bound(st, "ii", person_id, chain_id);
	if (rc != 1)
		return rc;
	read_officer(st, out);
	column_text(st, 3, person_name, 96);
	db_reset(st);
	return 1;
}

int store_owed_due(struct store *s, int64_t now, struct store_owed *out)
{
	struct db_stmt *st = s->owed_due;
	int rc = query_bound(st, "i", now);
	if (rc != 1)
		return rc;
	column_text(st, 0, out->msisdn, sizeof out->msisdn);
	column_text(st, 1, out->channel, sizeof out->channel);
	column_text(st, 2, out->text, sizeof out->text);
	db_reset(st);
	return 1;
}

int store_owed_settle(struct store *s, const char *msisdn, const char *channel)
{
	return write_bound(s, s->owed_settle, "tt", msisdn, channel);
}

int store_owed_next_due(struct store *s, int64_t *at)
{
	return single_time(s->owed_next_due, at);
}

int store_last_confirmation(struct store *s, const char *msisdn, const char *channel, int64_t since,
			    int64_t *id)
{
	struct db_stmt *st = s->last_confirmation;
	int rc = query_bound(st, "tti", msisdn, channel, since);
	if (rc != 1)
		return rc;
	*id = db_column_int(st, 0);
	db_reset(st);
	return 1;
}

int store_reply_failed(struct store *s, int64_t id, struct store_owed *out, int64_t *in_reply_to)
{
	struct db_stmt *st = s->reply_failed;
	int rc = query_bound(st, "i", id);
	if (rc != 1)
		return rc;
	column_text(st, 0, out->msisdn, sizeof out->msisdn);
	column_text(st, 1, out->text, sizeof out->text);
	*in_reply_to = db_column_int(st, 2);
	/* RETURNING: the update is done when the statement is */
	rc = db_step(st) == DB_DONE ? 1 : STORE_ERROR;
	db_reset(st);
	return rc;
}

int store_person_add(struct store *s, const struct store_new_person *p, int64_t now)
{
	return write_bound(s, s->person_add, "ttttttti", p->msisdn, p->name, p->role, p->language,
			   p->district, p->officer, p->pin_hash, now);
}

int store_person_latin(struct store *s, const char *msisdn, bool latin)
{
	int rc = write_bound(s, s->person_latin, "ti", msisdn, (int64_t)latin);
	return rc == 0 && db_changes(s->db) == 0 ? STORE_ERROR : rc;
}

int store_district_add(struct store *s, const char *code, const char *name, const char *language,
		       const char *timezone)
{
	return write_bound(s, s->district_add, "tttt", code, name, language, timezone);
}

int store_district_quiet(struct store *s, const char *code, int from, int to)
{
	int rc = write_bound(s, s->district_quiet, "tii", code, (int64_t)from, (int64_t)to);
	return rc == 0 && db_changes(s->db) == 0 ? STORE_ERROR : rc;
}

int store_officer_add(struct store *s, const char *district, const char *name, const char *msisdn,
		      const char *language, const char *role, int64_t now)
{
	return write_bound(s, s->officer_add, "ttttit", district, name, msisdn, language, now,
			   role);
}

int64_t store_person_tier_set(struct store *s, const char *msisdn, const char *tier, const char *by,
			      int64_t now)
{
	struct db_stmt *st = s->person_tier;
	int rc = query_bound(st, "t", msisdn);
	if (rc != 1)
		return STORE_ERROR;
	int64_t id = db_column_int(st, 0);
	char from[PLAN_NAME_MAX];
	column_text(st, 1, from, sizeof from);
	db_reset(st);
	if (write_bound(s, s->person_tier_set, "it", id, tier) < 0 ||
	    write_bound(s, s->tier_change, "ittti", id, from[0] ? from : NULL, tier, by, now) < 0)
		return STORE_ERROR;
	return id;
}

int store_windows_cancel(struct store *s, int64_t person_id)
{
	return write_bound(s, s->windows_cancel, "i", person_id);
}

int store_window_add(struct store *s, int64_t person_id, int64_t opens, int64_t closes,
		     int64_t next_at)
{
	int rc = write_bound(s, s->window_add, "iiii", person_id, opens, closes, next_at);
	if (rc < 0)
		return rc;
	rc = db_changes(s->db) > 0; /* 0: that window is met or missed already */
	s->deadlines_changed |= rc;
	return rc;
}

int store_window_due(struct store *s, int64_t now, struct store_window *out)
{
	struct db_stmt *st = s->window_due;
	int rc = query_bound(st, "i", now);
	if (rc != 1)
		return rc;
	out->id = db_column_int(st, 0);
	out->person_id = db_column_int(st, 1);
	out->opens_at = db_column_int(st, 2);
	out->closes_at = db_column_int(st, 3);
	column_text(st, 4, out->status, sizeof out->status);
	out->reminders_sent = db_column_int(st, 5);
	column_text(st, 6, out->tier, sizeof out->tier);
	column_text(st, 7, out->timezone, sizeof out->timezone);
	column_text(st, 8, out->msisdn, sizeof out->msisdn);
	column_text(st, 9, out->person_status, sizeof out->person_status);
	column_text(st, 10, out->language, sizeof out->language);
	out->transliterate = db_column_int(st, 11) != 0;
	db_reset(st);
	return 1;
}

int store_window_update(struct store *s, int64_t id, const char *status, int reminders_sent,
			int64_t next_at)
{
	return write_bound(s, s->window_update, "itii", id, status, (int64_t)reminders_sent,
			   next_at);
}

int store_window_current(struct store *s, int64_t person_id, int64_t now, int64_t *id, bool *met)
{
	struct db_stmt *st = s->window_current;
	int rc = query_bound(st, "ii", person_id, now);
	if (rc != 1)
		return rc;
	*id = db_column_int(st, 0);
	*met = db_column_int(st, 1) != 0;
	db_reset(st);
	return 1;
}

int store_windows_next_due(struct store *s, int64_t *at)
{
	return single_time(s->windows_next_due, at);
}

int store_checkin_window(struct store *s, int64_t checkin_id, int64_t window_id, bool outside)
{
	return write_bound(s, s->checkin_window, "ini", checkin_id, window_id, (int64_t)outside);
}

int store_last_checkin(struct store *s, int64_t person_id, int64_t before, int64_t *at)
{
	db_bind_int(s->last_checkin, 1, person_id);
	db_bind_int(s->last_checkin, 2, before);
	return single_time(s->last_checkin, at);
}

int store_incident_add(struct store *s, const char *ref, int64_t person_id, const char *kind,
		       int64_t window_id, int64_t now, int64_t ack_due_at)
{
	int rc = inserted(s, write_bound(s, s->incident_add, "titnii", ref, person_id, kind,
					 window_id, now, ack_due_at));
	s->deadlines_changed |= rc == 0;
	return rc;
}

int store_incident_due(struct store *s, int64_t now, struct store_incident *out)
{
	struct db_stmt *st = s->incident_due;
	int rc = query_bound(st, "i", now);
	if (rc != 1)
		return rc;
	out->id = db_column_int(st, 0);
	column_text(st, 1, out->ref, sizeof out->ref);
	out->person_id = db_column_int(st, 2);
	column_text(st, 3, out->kind, sizeof out->kind);
	column_text(st, 4, out->name, sizeof out->name);
	db_reset(st);
	return 1;
}

int store_incident_escalate(struct store *s, int64_t id, int64_t now)
{
	return write_bound(s, s->incident_escalate, "ii", id, now);
}

int store_incident_ack(struct store *s, const char *ref, int64_t officer_id, int64_t now,
		       const char *only_kind, int64_t *person_id, char kind[24])
{
	struct db_stmt *st = s->incident_ack;
	int rc = query_bound(st, "tiit", ref, officer_id, now, only_kind);
	if (rc != 1)
		return rc;
	*person_id = db_column_int(st, 0);
	column_text(st, 1, kind, 24);
	/* RETURNING: the update is done when the statement is */
	rc = db_step(st) == DB_DONE ? 1 : STORE_ERROR;
	db_reset(st);
	return rc;
}

int store_incidents_settle(struct store *s, int64_t person_id, const char *kind, int64_t officer_id,
			   int64_t now)
{
	return write_bound(s, s->incidents_settle, "itin", person_id, kind, now, officer_id);
}

int store_incident_settled(struct store *s, const char *ref)
{
	struct db_stmt *st = s->incident_settled;
	int rc = query_bound(st, "t", ref);
	if (rc != 1)
		return rc;
	rc = db_column_int(st, 0) != 0;
	db_reset(st);
	return rc;
}

int store_incidents_next_due(struct store *s, int64_t *at)
{
	return single_time(s->incidents_next_due, at);
}

int store_supervisor_next(struct store *s, int64_t person_id, int64_t after,
			  struct store_officer *out)
{
	struct db_stmt *st = s->supervisor_next;
	int rc = query_bound(st, "ii", person_id, after);
	if (rc != 1)
		return rc;
	read_officer(st, out);
	db_reset(st);
	return 1;
}

int store_officer_find(struct store *s, const char *msisdn, struct store_officer *out)
{
	struct db_stmt *st = s->officer_find;
	int rc = query_bound(st, "t", msisdn);
	if (rc != 1)
		return rc;
	read_officer(st, out);
	db_reset(st);
	return 1;
}

int64_t store_appointment_add(struct store *s, const char *msisdn, int64_t starts_at,
			      const char *place, int64_t now)
{
	int rc = write_bound(s, s->appointment_add, "titi", msisdn, starts_at, place, now);
	if (rc < 0 || db_changes(s->db) == 0)
		return STORE_ERROR;
	return db_last_id(s->db);
}

int store_appointment_answer(struct store *s, int64_t id, const char *answer, int64_t now)
{
	return write_bound(s, s->appointment_answer, "iti", id, answer, now);
}

int store_appointment_plan(struct store *s, int64_t id, struct store_plan *out)
{
	struct db_stmt *st = s->appointment_plan;
	int rc = query_bound(st, "i", id);
	if (rc != 1)
		return rc;
	out->starts_at = db_column_int(st, 0);
	column_text(st, 1, out->timezone, sizeof out->timezone);
	out->quiet_from = db_column_int(st, 2);
	out->quiet_to = db_column_int(st, 3);
	db_reset(st);
	return 1;
}

int store_reminder_plan(struct store *s, int64_t appointment_id, int64_t before, int64_t due_at)
{
	int rc = write_bound(s, s->reminder_plan, "iii", appointment_id, before, due_at);
	s->deadlines_changed |= rc == 0;
	return rc;
}

static int read_reminder(struct db_stmt *st, int rc, struct store_reminder *out)
{
	if (rc != 1)
		return rc;
	out->id = db_column_int(st, 0);
	out->appointment_id = db_column_int(st, 1);
	out->starts_at = db_column_int(st, 2);
	column_text(st, 3, out->place, sizeof out->place);
	column_text(st, 4, out->appointment_status, sizeof out->appointment_status);
	column_text(st, 5, out->msisdn, sizeof out->msisdn);
	column_text(st, 6, out->language, sizeof out->language);
	out->transliterate = db_column_int(st, 7) != 0;
	column_text(st, 8, out->timezone, sizeof out->timezone);
	column_text(st, 9, out->person_status, sizeof out->person_status);
	out->due_at = db_column_int(st, 10);
	db_reset(st);
	return 1;
}

int store_reminder_due(struct store *s, int64_t now, struct store_reminder *out)
{
	return read_reminder(s->reminder_due, query_bound(s->reminder_due, "i", now), out);
}

int store_appointment_notice(struct store *s, int64_t id, struct store_reminder *out)
{
	return read_reminder(s->appointment_notice, query_bound(s->appointment_notice, "i", id),
			     out);
}

int store_appointment_move(struct store *s, int64_t id, int64_t starts_at, const char *place)
{
	int rc = write_bound(s, s->appointment_move, "iit", id, starts_at, place);
	return rc < 0 ? rc : db_changes(s->db) > 0;
}

int store_appointment_cancel(struct store *s, int64_t id)
{
	int rc = write_bound(s, s->appointment_cancel, "i", id);
	return rc < 0 ? rc : db_changes(s->db) > 0;
}

int store_reminders_cancel(struct store *s, int64_t appointment_id)
{
	return write_bound(s, s->reminders_cancel, "i", appointment_id);
}

int store_reminder_mark(struct store *s, int64_t id, const char *status, int64_t outbox_id,
			int64_t now)
{
	return write_bound(s, s->reminder_mark, "itni", id, status, outbox_id, now);
}

int store_reminder_next_due(struct store *s, int64_t *at)
{
	return single_time(s->reminder_next_due, at);
}

int64_t store_data_version(struct store *s)
{
	return db_data_version(s->db);
}

int64_t store_last_id(struct store *s)
{
	return db_last_id(s->db);
}

int store_session_get(struct store *s, const char *msisdn, const char *channel,
		      struct store_session *out)
{
	struct db_stmt *st = s->session_get;
	int rc = query_bound(st, "tt", msisdn, channel);
	if (rc != 1)
		return rc;
	column_text(st, 0, out->flow, sizeof out->flow);
	column_text(st, 1, out->node, sizeof out->node);
	column_text(st, 2, out->vars, sizeof out->vars);
	out->step = db_column_int(st, 3);
	out->updated_at = db_column_int(st, 4);
	out->expires_at = db_column_int(st, 5);
	out->attempts = db_column_int(st, 6);
	column_text(st, 7, out->ussd_session, sizeof out->ussd_session);
	column_text(st, 8, out->ussd_text, sizeof out->ussd_text);
	out->started_at = db_column_int(st, 9);
	column_text(st, 10, out->pages, sizeof out->pages);
	out->page = db_column_int(st, 11);
	out->pages_end = db_column_int(st, 12) != 0;
	out->confirm = db_column_int(st, 13) != 0;
	db_reset(st);
	return 1;
}

int store_session_save(struct store *s, const char *msisdn, const char *channel,
		       const struct store_session *in, int64_t now)
{
	int rc = write_bound(
	    s, s->session_save, "tttttiiitttiii", msisdn, channel, in->flow, in->node, in->vars,
	    now, in->expires_at, in->attempts, in->ussd_session[0] ? in->ussd_session : NULL,
	    in->ussd_text[0] ? in->ussd_text : NULL, in->pages[0] ? in->pages : NULL, in->page,
	    (int64_t)in->pages_end, (int64_t)in->confirm);
	s->deadlines_changed |= rc == 0 && in->confirm; /* owed if it times out */
	return rc;
}

int store_message_redact(struct store *s, int64_t id, const char *text, size_t len, bool utf8)
{
	db_bind_int(s->message_redact, 1, id);
	if (utf8)
		db_bind_text(s->message_redact, 2, text, (int)len);
	else
		db_bind_blob(s->message_redact, 2, text, (int)len);
	int rc = run(s, s->message_redact);
	db_reset(s->message_redact);
	return rc;
}

int store_session_delete(struct store *s, const char *msisdn, const char *channel)
{
	return write_bound(s, s->session_delete, "tt", msisdn, channel);
}

int store_tip_add(struct store *s, const struct store_new_tip *t, int64_t *id)
{
	bind_args(s->tip_add, "tntttiitittnnt", t->ref, t->district_id, t->category, t->body,
		  t->tipster, (int64_t)!t->callback, t->now, t->place, (int64_t)t->liaison,
		  t->channel, t->callback, t->callback ? t->now : 0, t->alert_at, t->language);
	int rc = insert_returning(s->tip_add, id);
	if (rc < 0)
		return rc;
	s->deadlines_changed = true;
	return write_bound(s, s->tip_relay_add, "ibbi", *id, t->sealed, (size_t)SEAL_SIZE,
			   t->sealed, (size_t)crypto_secretbox_NONCEBYTES, t->now);
}

static void read_tip(struct db_stmt *st, struct store_tip *out)
{
	out->id = db_column_int(st, 0);
	column_text(st, 1, out->ref, sizeof out->ref);
	out->district_id = db_column_int(st, 2);
	column_text(st, 3, out->district, sizeof out->district);
	column_text(st, 4, out->timezone, sizeof out->timezone);
	column_text(st, 5, out->category, sizeof out->category);
	column_text(st, 6, out->body, sizeof out->body);
	column_text(st, 7, out->place, sizeof out->place);
	column_text(st, 8, out->tipster, sizeof out->tipster);
	column_text(st, 9, out->callback, sizeof out->callback);
	column_text(st, 10, out->status, sizeof out->status);
	out->liaison = db_column_int(st, 11) != 0;
	out->officer_id = db_column_int(st, 12);
	out->escalations = db_column_int(st, 13);
	out->alert_at = db_column_int(st, 14);
	out->created_at = db_column_int(st, 15);
	out->updated_at = db_column_int(st, 16);
	out->acknowledged_at = db_column_int(st, 17);
	out->closed_at = db_column_int(st, 18);
	column_text(st, 19, out->channel, sizeof out->channel);
	column_text(st, 20, out->language, sizeof out->language);
	out->relay = db_column_int(st, 21) != 0;
}

int store_tip_find(struct store *s, const char *ref, int64_t id, struct store_tip *out)
{
	struct db_stmt *st = s->tip_find;
	int rc = query_bound(st, "ti", ref, id);
	if (rc != 1)
		return rc;
	read_tip(st, out);
	db_reset(st);
	return 1;
}

int store_tip_body(struct store *s, int64_t id, const char *body, int64_t alert_at, int64_t now)
{
	s->deadlines_changed = true;
	return write_bound(s, s->tip_body, "itni", id, body, alert_at, now);
}

/* The first column of the row query_bound() found, the statement reset. */
static int64_t row_int(struct db_stmt *st)
{
	int64_t value = db_column_int(st, 0);
	db_reset(st);
	return value;
}

int64_t store_tip_count_since(struct store *s, const char *tipster, int64_t since)
{
	int rc = query_bound(s->tip_count_since, "ti", tipster, since);
	return rc == 1 ? row_int(s->tip_count_since) : rc;
}

int store_tip_blocked(struct store *s, const char *tipster)
{
	int rc = query_bound(s->tip_blocked, "t", tipster);
	return rc == 1 ? row_int(s->tip_blocked) > 0 : rc;
}

int store_tip_block(struct store *s, int64_t id, const char *by, int64_t now)
{
	return write_bound(s, s->tip_block, "iti", id, by, now);
}

int store_tip_alerted(struct store *s, int64_t id, int64_t officer_id, int escalations,
		      int64_t alert_at, int64_t now)
{
	s->deadlines_changed = true;
	return write_bound(s, s->tip_alerted, "inini", id, officer_id, (int64_t)escalations,
			   alert_at, now);
}

int store_tip_status(struct store *s, int64_t id, const char *status, int64_t officer_id,
		     int64_t now)
{
	s->deadlines_changed = true;
	return write_bound(s, s->tip_status, "itni", id, status, officer_id, now);
}

int store_tip_due(struct store *s, int64_t now, int64_t *id)
{
	int rc = query_bound(s->tip_due, "i", now);
	if (rc == 1)
		*id = row_int(s->tip_due);
	return rc;
}

int store_tip_next_due(struct store *s, int64_t *at)
{
	return single_time(s->tip_next_due, at);
}

int store_tip_relay(struct store *s, int64_t id, unsigned char sealed[SEAL_SIZE])
{
	struct db_stmt *st = s->tip_relay_get;
	int rc = query_bound(st, "i", id);
	if (rc != 1)
		return rc;
	rc = db_column_bytes(st, 0) == SEAL_SIZE;
	if (rc)
		memcpy(sealed, db_column_text(st, 0), SEAL_SIZE);
	db_reset(st);
	return rc;
}

int64_t store_tip_relay_purge(struct store *s, int64_t before)
{
	int rc = write_bound(s, s->tip_relay_purge, "i", before);
	return rc < 0 ? rc : db_changes(s->db);
}

int store_tip_relay_oldest(struct store *s, int64_t *at)
{
	return single_time(s->tip_relay_next_purge, at);
}

int store_tip_audit(struct store *s, const char *actor, int64_t tip_id, const char *action,
		    const char *detail, int64_t now)
{
	return write_bound(s, s->tip_audit_add, "itntt", now, actor, tip_id, action, detail);
}

/* The next row of a query query_bound() began: 1, 0 at the end, or
 * STORE_ERROR. */
static int next_row(struct db_stmt *st)
{
	int rc = db_step(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : STORE_ERROR;
}

int store_tip_alerted_officers(struct store *s, int64_t id, int64_t *officers, size_t max)
{
	struct db_stmt *st = s->tip_alerted_officers;
	size_t n = 0;
	int rc = query_bound(st, "i", id);
	for (; rc == 1; rc = next_row(st))
		if (n < max)
			officers[n++] = db_column_int(st, 0);
	db_reset(st);
	return rc < 0 ? rc : (int)n;
}

int store_tip_officer_may(struct store *s, int64_t id, int64_t officer_id)
{
	int rc = query_bound(s->tip_officer_may, "ii", id, officer_id);
	return rc == 1 ? row_int(s->tip_officer_may) > 0 : rc;
}

int store_tip_officers(struct store *s, int64_t district_id, bool roster,
		       struct store_tip_officer *out, size_t max)
{
	struct db_stmt *st = roster ? s->tip_on_call : s->tip_officers;
	size_t n = 0;
	int rc = query_bound(st, "i", district_id);
	for (; rc == 1; rc = next_row(st)) {
		if (n == max)
			continue;
		struct store_tip_officer *o = &out[n++];
		memset(o, 0, sizeof *o);
		read_officer(st, &o->officer);
		if (roster) {
			o->weekdays = db_column_int(st, 3);
			o->from_min = db_column_int(st, 4);
			o->to_min = db_column_int(st, 5);
			column_text(st, 6, o->timezone, sizeof o->timezone);
		} else {
			o->supervisor = db_column_int(st, 3) != 0;
		}
	}
	db_reset(st);
	return rc < 0 ? rc : (int)n;
}

int store_tip_officer(struct store *s, int64_t id, struct store_officer *out)
{
	struct db_stmt *st = s->tip_officer;
	int rc = query_bound(st, "i", id);
	if (rc != 1)
		return rc;
	read_officer(st, out);
	db_reset(st);
	return 1;
}

int store_districts_page(struct store *s, int64_t offset, struct store_district *out, size_t max)
{
	struct db_stmt *st = s->districts_page;
	size_t n = 0;
	int rc = query_bound(st, "ii", (int64_t)max, offset);
	for (; rc == 1 && n < max; rc = next_row(st)) {
		out[n].id = db_column_int(st, 0);
		column_text(st, 1, out[n].name, sizeof out[n].name);
		n++;
	}
	db_reset(st);
	return rc < 0 ? rc : (int)n;
}

int store_roster_add(struct store *s, const char *district, const char *officer, int weekdays,
		     int from, int to, int position)
{
	int rc = write_bound(s, s->roster_add, "ttiiii", district, officer, (int64_t)weekdays,
			     (int64_t)from, (int64_t)to, (int64_t)position);
	return rc < 0 ? rc : db_changes(s->db);
}

int store_roster_remove(struct store *s, const char *district, const char *officer)
{
	int rc = write_bound(s, s->roster_remove, "tt", district, officer);
	return rc < 0 ? rc : db_changes(s->db);
}

/* Calls fn with each row of st as text; how many, or STORE_ERROR. */
static int each_row(struct db_stmt *st, int rc, store_row_fn fn, void *arg)
{
	int rows = 0;
	for (; rc == 1; rc = next_row(st), rows++) {
		const char *values[STORE_LIST_COLUMNS_MAX];
		int n = db_column_count(st);
		for (int i = 0; i < n && i < STORE_LIST_COLUMNS_MAX; i++) {
			const unsigned char *v = db_column_text(st, i);
			values[i] = v ? (const char *)v : "";
		}
		fn(arg, values);
	}
	db_reset(st);
	return rc < 0 ? rc : rows;
}

int store_span(struct store *s, enum store_span which, int64_t from, int64_t to, store_row_fn fn,
	       void *arg)
{
	struct db_stmt *const spans[] = {s->export_persons, s->export_appointments,
					 s->export_roster,  s->export_checkins,
					 s->report,         s->export_services};
	struct db_stmt *st = spans[which];
	return each_row(st, query_bound(st, "ii", from, to), fn, arg);
}

int store_list(struct store *s, enum store_list which, const char *filter, store_row_fn fn,
	       void *arg)
{
	struct db_stmt *const lists[] = {s->list_roster,    s->list_tips,     s->list_audit,
					 s->list_districts, s->list_officers, s->list_persons};
	struct db_stmt *st = lists[which];
	return each_row(st, query_bound(st, "t", filter), fn, arg);
}

int store_edit(struct store *s, enum store_edit which, const char *key, const char *const *fields)
{
	int rc;
	if (which == STORE_EDIT_DISTRICT)
		rc = write_bound(s, s->district_edit, "tttt", key, fields[0], fields[1], fields[2]);
	else
		rc = write_bound(s, which == STORE_EDIT_OFFICER ? s->officer_edit : s->person_edit,
				 "tttttt", key, fields[0], fields[1], fields[2], fields[3],
				 fields[4]);
	return rc < 0 ? rc : db_changes(s->db);
}

int store_person_pin_reset(struct store *s, const char *msisdn, const char *pin_hash)
{
	int rc = write_bound(s, s->person_pin_reset, "tt", msisdn, pin_hash);
	return rc < 0 ? rc : db_changes(s->db);
}

int store_officer_district(struct store *s, const char *msisdn, char code[32])
{
	struct db_stmt *st = s->officer_district;
	int rc = query_bound(st, "t", msisdn);
	if (rc != 1)
		return rc;
	column_text(st, 0, code, 32);
	db_reset(st);
	return 1;
}

int64_t store_officer_ties(struct store *s, const char *msisdn)
{
	int rc = query_bound(s->officer_ties, "t", msisdn);
	return rc == 1 ? row_int(s->officer_ties) : rc;
}

int store_district_exists(struct store *s, const char *code)
{
	int rc = query_bound(s->district_exists, "t", code);
	return rc == 1 ? row_int(s->district_exists) > 0 : rc;
}

int64_t store_purgeable(struct store *s, enum store_purge what, int64_t before, int64_t *last_id)
{
	struct db_stmt *const counts[] = {s->texts_purgeable, s->sent_purgeable,
					  s->relays_purgeable};
	struct db_stmt *st = counts[what];
	int rc = query_bound(st, "i", before);
	if (rc != 1)
		return rc < 0 ? rc : 0;
	int64_t n = db_column_int(st, 0);
	if (last_id)
		*last_id = what == STORE_PURGE_RELAYS ? 0 : db_column_int(st, 1);
	db_reset(st);
	return n;
}

int64_t store_texts_purge(struct store *s, enum store_purge what, int64_t before, int64_t from_id,
			  int64_t to_id)
{
	int rc = write_bound(s, what == STORE_PURGE_MESSAGES ? s->texts_purge : s->sent_purge,
			     "iii", before, from_id, to_id);
	return rc < 0 ? rc : db_changes(s->db);
}

int store_person_upsert(struct store *s, const struct store_new_person *p, int64_t now)
{
	int rc = write_bound(s, s->person_upsert, "tttttti", p->msisdn, p->name, p->role,
			     p->language, p->district, p->officer, now);
	return rc < 0 ? rc : db_changes(s->db);
}

int store_appointment_at(struct store *s, const char *msisdn, int64_t starts_at)
{
	int rc = query_bound(s->appointment_at, "ti", msisdn, starts_at);
	return rc == 1 ? row_int(s->appointment_at) > 0 : rc;
}

int store_service_put(struct store *s, const char *district, const char *kind, const char *name,
		      const char *address, const char *phone, const char *hours)
{
	int there = query_bound(s->service_exists, "ttt", district, kind, name);
	if (there == 1)
		there = row_int(s->service_exists) > 0;
	if (there < 0)
		return STORE_ERROR;
	int rc = write_bound(s, s->service_upsert, "tttttt", district, kind, name, address, phone,
			     hours);
	if (rc < 0)
		return rc;
	return db_changes(s->db) == 0 ? 0 : there ? 2 : 1;
}

int store_service_at(struct store *s, int64_t person_id, const char *kind, int64_t n,
		     struct store_service *out)
{
	struct db_stmt *st = s->service_at;
	int rc = query_bound(st, "iti", person_id, kind, n);
	if (rc != 1)
		return rc;
	column_text(st, 0, out->name, sizeof out->name);
	column_text(st, 1, out->phone, sizeof out->phone);
	column_text(st, 2, out->hours, sizeof out->hours);
	column_text(st, 3, out->address, sizeof out->address);
	db_reset(st);
	return 1;
}

int store_schema_latest(void)
{
	return store_migration_count;
}

int store_schema_version(struct store *s)
{
	return s->version;
}

const char *store_errmsg(struct store *s)
{
	return db_errmsg(s->db);
}

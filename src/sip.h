/*
 * sip: the SIP message core of the registrar, without any I/O. It parses a
 * request or response (RFC 3261 grammar as far as REGISTER and OPTIONS need
 * it, robust to all of RFC 4475), frames messages on TCP/TLS streams, and
 * writes responses and the client's REGISTER.
 *
 * Why it is shaped so:
 *  - One struct sip_msg is reused for message after message. Parsing copies
 *    the bytes once into the struct's own buffer (so that line folding can be
 *    turned into spaces in place and the caller's buffer stays untouched) and
 *    everything else is a slice (struct sip_str) into that copy: no malloc
 *    per header, none at all once the buffer has grown to the largest message.
 *  - Every bound is fixed below and every violation is a status code plus a
 *    reason phrase ready for the status line ("Bad Request - Content-Length
 *    too large"). Reasons never quote message bytes, so they cannot smuggle
 *    CR/LF into a response.
 *  - A failed parse leaves what it got (start line, the headers split so far)
 *    so that a 400 can still copy Via/From/To/Call-ID/CSeq (sip_reply_build).
 *  - Values may contain NUL bytes (RFC 4475 escnull, intmeth): nothing here
 *    treats a slice as a C string.
 *
 * Not thread-safe: one struct sip_msg per thread of parsing.
 */
#ifndef UCSH_SIP_H
#define UCSH_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Bounds. RFC 4475 longreq has 34 Via values, so the Via bound is 64. */
#define SIP_MAX_MSG 65536         /* whole message, headers and body */
#define SIP_MAX_HEADER_LINES 128  /* header fields (lines after unfolding) */
#define SIP_MAX_FIELDS 256        /* header values after comma splitting */
#define SIP_MAX_LINE 8192         /* one header field after unfolding */
#define SIP_MAX_VIA 64
#define SIP_MAX_CONTACT 32
#define SIP_MAX_URI 2048
#define SIP_MAX_HOST 255
#define SIP_CSEQ_MAX 2147483647u  /* RFC 3261 8.1.1.5: less than 2**31 */
#define SIP_EXPIRES_DEFAULT 3600  /* RFC 3261 20.19: malformed Expires means 3600 */

/* A slice of the message: n bytes at p, not NUL-terminated, may hold NUL. */
struct sip_str {
	const char *p;
	size_t n;
};

bool sip_str_eq(struct sip_str s, const char *lit);   /* byte-exact */
bool sip_str_ieq(struct sip_str s, const char *lit);  /* ASCII case-insensitive */

enum sip_method {
	SIP_METHOD_OTHER = 0,
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_REGISTER,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_PUBLISH,
	SIP_METHOD_INFO,
	SIP_METHOD_PRACK,
	SIP_METHOD_UPDATE,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_REFER,
};

/* Header names we know. Compact forms map to the same id. */
enum sip_hdr {
	SIP_H_OTHER = 0,
	SIP_H_ACCEPT, SIP_H_ACCEPT_CONTACT, SIP_H_ACCEPT_ENCODING, SIP_H_ACCEPT_LANGUAGE,
	SIP_H_ALERT_INFO, SIP_H_ALLOW, SIP_H_ALLOW_EVENTS, SIP_H_AUTHENTICATION_INFO,
	SIP_H_AUTHORIZATION, SIP_H_CALL_ID, SIP_H_CALL_INFO, SIP_H_CONTACT,
	SIP_H_CONTENT_DISPOSITION, SIP_H_CONTENT_ENCODING, SIP_H_CONTENT_LANGUAGE,
	SIP_H_CONTENT_LENGTH, SIP_H_CONTENT_TYPE, SIP_H_CSEQ, SIP_H_DATE, SIP_H_ERROR_INFO,
	SIP_H_EVENT, SIP_H_EXPIRES, SIP_H_FROM, SIP_H_IDENTITY, SIP_H_IDENTITY_INFO,
	SIP_H_IN_REPLY_TO, SIP_H_MAX_FORWARDS, SIP_H_MIME_VERSION, SIP_H_MIN_EXPIRES,
	SIP_H_ORGANIZATION, SIP_H_PATH, SIP_H_PRIORITY, SIP_H_PROXY_AUTHENTICATE,
	SIP_H_PROXY_AUTHORIZATION, SIP_H_PROXY_REQUIRE, SIP_H_REASON, SIP_H_RECORD_ROUTE,
	SIP_H_REFER_TO, SIP_H_REFERRED_BY, SIP_H_REJECT_CONTACT, SIP_H_REPLY_TO,
	SIP_H_REQUEST_DISPOSITION, SIP_H_REQUIRE, SIP_H_RETRY_AFTER, SIP_H_ROUTE,
	SIP_H_SERVER, SIP_H_SERVICE_ROUTE, SIP_H_SESSION_EXPIRES, SIP_H_SUBJECT,
	SIP_H_SUPPORTED, SIP_H_TIMESTAMP, SIP_H_TO, SIP_H_UNSUPPORTED, SIP_H_USER_AGENT,
	SIP_H_VIA, SIP_H_WARNING, SIP_H_WWW_AUTHENTICATE,
	SIP_H_COUNT_
};

/* The canonical name of a known header ("Call-ID"), NULL for SIP_H_OTHER. */
const char *sip_hdr_name(enum sip_hdr id);
/* The id of a header name as it appears on the wire, compact forms included. */
enum sip_hdr sip_hdr_lookup(const char *name, size_t n);

enum sip_scheme {
	SIP_SCHEME_NONE = 0,
	SIP_SCHEME_SIP,
	SIP_SCHEME_SIPS,
	SIP_SCHEME_TEL,
	SIP_SCHEME_OTHER,  /* any absoluteURI: kept, not interpreted */
};

/*
 * A URI as it appears (still %-escaped); slices into the message or into
 * whatever string was given to sip_uri_parse. user is the part before '@'
 * (for tel: the subscriber number); host has no brackets for IPv6. params
 * and headers are the raw text after ';' and '?' (without those marks).
 */
struct sip_uri {
	enum sip_scheme scheme;
	struct sip_str raw;
	struct sip_str scheme_name;
	struct sip_str user, password, host;
	bool has_user, has_password;
	bool host_ipv6, host_ipv4;
	uint16_t port;             /* 0: absent */
	struct sip_str params;
	struct sip_str headers;
	struct sip_str opaque;     /* SIP_SCHEME_OTHER: everything after "scheme:" */
};

/*
 * Parse s[0..n) as a URI: sip, sips and tel fully, other schemes as an
 * opaque absoluteURI. Returns 0, or -1 with a short reason in err.
 */
int sip_uri_parse(struct sip_uri *u, const char *s, size_t n, struct ucsh_err *err);
/* Whether the URI has parameter name (compared after %-decoding, case-
 * insensitively); value gets its raw text (n = 0 when it has none). */
bool sip_uri_param(const struct sip_uri *u, const char *name, struct sip_str *value);

/*
 * %-decode in into out (outsz bytes). Returns the decoded length, or -1 when
 * out is too small or an escape is malformed. The result may hold NUL bytes
 * (RFC 4475 escnull), so use the length; out is NUL-terminated when room
 * allows, for convenience only.
 */
long sip_unescape(struct sip_str in, char *out, size_t outsz);
/* The text of a quoted-string without quotes and backslashes; -1 when out is
 * too small or q is not one quoted-string. A token display name is copied. */
long sip_unquote(struct sip_str q, char *out, size_t outsz);

/* Header parameters (";name=value" lists, LWS allowed around ';' and '='):
 * whether params has name (case-insensitive); value is the raw text, quotes
 * included, n = 0 when it has none. */
bool sip_param_get(struct sip_str params, const char *name, struct sip_str *value);

/* From, To and each Contact value. */
struct sip_addr {
	struct sip_str display;  /* raw: a quoted-string with its quotes, or tokens */
	struct sip_uri uri;
	struct sip_str params;   /* header parameters, raw, starting at the first ';' */
	struct sip_str tag;      /* the tag parameter */
	bool has_tag;
	bool angle;              /* name-addr form (<...>) */
};

struct sip_contact {
	struct sip_addr addr;
	long expires;            /* expires parameter; -1 when absent */
	bool expires_malformed;  /* it was, and expires holds 3600 (RFC 3261) */
	int q;                   /* q in thousandths; -1 when absent */
};

struct sip_via {
	struct sip_str raw;        /* the whole via-parm */
	struct sip_str transport;  /* "UDP", "TCP", "TLS", ... as written */
	struct sip_str sent_by;    /* host[:port] as written */
	struct sip_str host;       /* without brackets */
	bool host_ipv6;
	uint16_t port;             /* 0: absent */
	struct sip_str params;     /* raw, starting at the first ';' */
	struct sip_str branch, received, maddr;
	bool has_branch, has_received, has_rport;
	long rport;                /* -1: "rport" without a value (RFC 3581) */
};

/* RFC 3261 branch: starts with the magic cookie and has something after it
 * (RFC 4475 badbranch has only the cookie). */
bool sip_via_branch_is_rfc3261(const struct sip_via *v);

struct sip_header {
	enum sip_hdr id;
	struct sip_str name;   /* canonical for known headers, as written otherwise */
	struct sip_str value;  /* one value of a comma list, LWS trimmed */
};

enum sip_framing {
	SIP_DATAGRAM,  /* UDP: Content-Length optional, trailing octets ignored */
	SIP_STREAM,    /* TCP/TLS: one framed message, Content-Length required */
};

struct sip_msg {
	bool is_request;
	/* request line */
	enum sip_method method;
	struct sip_str method_name;
	struct sip_str ruri_text;
	struct sip_uri ruri;
	/* status line */
	int status;
	struct sip_str reason;

	/* parsed when present and valid (has_* says which) */
	struct sip_addr from, to;
	bool has_from, has_to;
	struct sip_str call_id;
	bool has_call_id;
	uint32_t cseq;
	struct sip_str cseq_method_name;
	enum sip_method cseq_method;
	bool has_cseq;
	int max_forwards;            /* -1: absent */
	long expires;                /* -1: absent; 3600 when malformed */
	bool expires_malformed;
	long content_length;         /* -1: absent */
	struct sip_str user_agent;   /* first User-Agent, n = 0 when absent */
	struct sip_str body;
	bool contact_star;           /* "Contact: *" */
	size_t nhdr, nvia, ncontact;

	/* every header value in order; comma lists split (Via, Contact, Route,
	 * Allow, Supported, ...), never inside quotes or <...> */
	struct sip_header hdr[SIP_MAX_FIELDS];
	struct sip_via via[SIP_MAX_VIA];
	struct sip_contact contact[SIP_MAX_CONTACT];

	/* the private copy the slices point into; owned by this struct */
	char *buf;
	size_t len, cap;
};

/* A new, empty message; the caller owns it and frees it with sip_msg_free. */
struct sip_msg *sip_msg_new(void);
void sip_msg_free(struct sip_msg *m);

/*
 * Parse data[0..len) into m (previous contents dropped). data is copied; the
 * caller keeps it. Returns 0, or the status code the message deserves with
 * the whole reason phrase in err->msg: 400 ("Bad Request - Multiple CSeq
 * headers"), 505 for another SIP version, 501 for an unknown method whose
 * CSeq does not match (RFC 4475 mismatch02), 513 over SIP_MAX_MSG. After a
 * failure m still holds what was parsed; see sip_msg_can_reply. Over a
 * stream, give exactly one framed message (sip_stream_frame); in a
 * datagram, octets past Content-Length are ignored (RFC 3261 18.3, RFC 4475
 * dblreq) and a missing Content-Length means the rest is the body.
 *
 * Beyond syntax, a message must have one To, From, Call-ID and CSeq and at
 * least one Via; at most one Max-Forwards, Content-Length and Expires; a
 * request's CSeq method must be its method; "Contact: *" must stand alone.
 */
int sip_msg_parse(struct sip_msg *m, const void *data, size_t len, enum sip_framing framing,
		  struct ucsh_err *err);

/* Whether m, even after a failed parse, is a request with enough (Via,
 * Call-ID, CSeq) to be answered. */
bool sip_msg_can_reply(const struct sip_msg *m);

/*
 * Checks a UAS makes after a successful parse, before acting on a request:
 * 416 when the Request-URI scheme is not sip or sips (RFC 4475 unkscm,
 * novelsc); for REGISTER, 400 for "Contact: *" with an Expires other than 0
 * (RFC 3261 10.3 step 6). Returns 0 or the status, reason in err. What is
 * left to the registrar: the domain, the AoR (404), Require (420, see
 * sip_msg_unsupported), the interval (423).
 */
int sip_msg_check_request(const struct sip_msg *m, struct ucsh_err *err);

/* The nth (from 0) value of header id, or NULL. */
const struct sip_header *sip_msg_header(const struct sip_msg *m, enum sip_hdr id, size_t nth);
size_t sip_msg_header_count(const struct sip_msg *m, enum sip_hdr id);
/* Whether a Supported/Require/Proxy-Require/Allow value lists tag. */
bool sip_msg_has_option(const struct sip_msg *m, enum sip_hdr id, const char *tag);
/* Add to out, comma-separated, each Require tag not in supported (NULL-
 * terminated); returns how many: the content of a 420's Unsupported. */
size_t sip_msg_unsupported(const struct sip_msg *m, const char *const *supported,
			   struct strbuf *out);

/*
 * Stream framing (TCP/TLS). Looks at the first len bytes of a stream.
 * Returns:
 *   SIP_FRAME_NEED_MORE  no complete message yet;
 *   SIP_FRAME_MESSAGE    a message of *n bytes is at buf;
 *   SIP_FRAME_PING       RFC 5626 keep-alive "\r\n\r\n": skip *n bytes and
 *                        answer with a single "\r\n";
 *   SIP_FRAME_SKIP       stray CRLF (a pong, or CRLF before a start line,
 *                        RFC 3261 7.5): skip *n bytes;
 *   SIP_FRAME_ERROR      the stream cannot be framed (no or bad Content-
 *                        Length, too large): err says why; close it.
 */
enum sip_frame {
	SIP_FRAME_ERROR = -1,
	SIP_FRAME_NEED_MORE = 0,
	SIP_FRAME_MESSAGE,
	SIP_FRAME_PING,
	SIP_FRAME_SKIP,
};
enum sip_frame sip_stream_frame(const char *buf, size_t len, size_t *n, struct ucsh_err *err);

/* ---- Writing -------------------------------------------------------- */

struct sip_reply_opts {
	const char *to_tag;     /* added to To when it has none (not for 100) */
	const char *received;   /* source address of the request (no brackets) */
	unsigned src_port;      /* source port, for an empty rport */
	const char *headers;    /* extra header lines, each ending in CRLF */
	const char *content_type;
	const char *body;
	size_t body_len;
};

/*
 * Append to out a response to req: status line, every Via (the top one with
 * received= and rport= per RFC 3261 18.2.1 and RFC 3581 when o->received is
 * set), From, To (with o->to_tag), Call-ID, CSeq, o->headers, Content-Type
 * and Content-Length, body. Works on a request whose parse failed as long as
 * sip_msg_can_reply holds. reason: NULL for the standard phrase. Returns 0,
 * or -1 (err) when an argument would break the message (CR/LF in it).
 */
int sip_reply_build(struct strbuf *out, const struct sip_msg *req, int status,
		    const char *reason, const struct sip_reply_opts *o, struct ucsh_err *err);
/* The standard reason phrase of a status code ("Unsupported URI Scheme"). */
const char *sip_status_phrase(int status);

/* What the client side (Test-CsRegistration) sends. NULL fields are left out
 * where the grammar allows; each must be free of CR and LF. */
struct sip_request_spec {
	const char *method;        /* "REGISTER" */
	const char *ruri;          /* "sip:example.com" */
	const char *transport;     /* Via transport: "UDP", "TCP", "TLS" */
	const char *sent_by;       /* Via sent-by: "192.0.2.10:5060" or "[2001:db8::1]:5060" */
	const char *branch;        /* "z9hG4bK..." (sip_random_token with the cookie) */
	const char *from;          /* name-addr: "<sip:alice@example.com>" */
	const char *from_tag;
	const char *to;            /* name-addr */
	const char *call_id;
	uint32_t cseq;
	const char *contact;       /* "<sip:alice@192.0.2.10:5060>" or NULL */
	long expires;              /* -1: no Expires header */
	const char *authorization; /* Authorization value or NULL */
	const char *user_agent;    /* or NULL */
	const char *headers;       /* extra lines ending in CRLF, or NULL */
	int max_forwards;          /* 0 means the usual 70 */
};
int sip_request_build(struct strbuf *out, const struct sip_request_spec *s, struct ucsh_err *err);

/* len random lower-case hex characters from OpenSSL's CSPRNG, then NUL:
 * tags, branches (after "z9hG4bK"), Call-IDs. out holds len + 1 bytes. */
int sip_random_token(char *out, size_t len, struct ucsh_err *err);

#endif

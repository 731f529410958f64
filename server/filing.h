/*
 * server/filing.h - XML filings: a product with its documents as one XML
 * document (public/schema/filing.xsd, namespace urn:puhui:filing:1), parsed
 * safely, validated against the XSD and turned into the JSON filing that
 * ph_filing_register() takes. docs/internals/filing.md has the design.
 *
 * Untrusted XML is handled as DESIGN.md says for libxml2 2.9:
 *  - xmlInitParser() once, the schema compiled once at start-up from bytes
 *    we read ourselves, and an external-entity loader that refuses every
 *    load (file://, http://, catalogs) installed process-wide;
 *  - the body is checked before parsing: at most PH_FILING_BODY_MAX_BYTES,
 *    well-formed UTF-8, an encoding declaration (if any) that says UTF-8,
 *    no DOCTYPE in the prolog, and no tag with more attributes (nor a
 *    document with more xmlns declarations) than the caps below;
 *  - the parse uses XML_PARSE_NONET only (never NOENT, DTDLOAD or HUGE);
 *    SAX hooks stop it at a DOCTYPE, past PH_FILING_MAX_DEPTH levels and
 *    past PH_FILING_MAX_ELEMENTS nodes, and build no comment or PI nodes;
 *    the tree is refused if it has an internal or external subset;
 *  - one validation context per call, collecting every XSD error with its
 *    line number.
 *
 * Every refusal is a problem {code, field, message (plain Chinese), line,
 * detail (libxml2's English text, when there is one)}.
 */
#ifndef PH_SERVER_FILING_H
#define PH_SERVER_FILING_H

#include <stddef.h>

#include <jansson.h>

#include "registry/problems.h"

#define PH_FILING_NAMESPACE      "urn:puhui:filing:1"
#define PH_FILING_BODY_MAX_BYTES (8 * 1024 * 1024)
#define PH_FILING_MAX_DEPTH      64
/* A filing has about 1,000 elements at most (500 regions, 50 documents);
 * these caps bound libxml2's work and memory on hostile input. */
#define PH_FILING_MAX_ELEMENTS   10000 /* elements and CDATA sections */
#define PH_FILING_MAX_ATTRIBUTES 32    /* in one start tag */
#define PH_FILING_MAX_NAMESPACES 32    /* xmlns declarations in the document */

/* The compiled XSD and its exact bytes (served at /schema/filing.xsd).
 * Read-only after loading: any number of threads may use one. */
struct ph_filing_schema;

/* Initialises libxml2 and the refusing entity loader (once per process),
 * reads the XSD at xsd_path (at most 1 MiB) and compiles it. On failure
 * returns NULL and writes the reason in English into error. Caller frees
 * with ph_filing_schema_free(). */
struct ph_filing_schema *ph_filing_schema_load(const char *xsd_path, char *error, size_t error_size);
void ph_filing_schema_free(struct ph_filing_schema *schema);

/* The XSD's bytes (owned by the schema). */
const char *ph_filing_schema_text(const struct ph_filing_schema *schema, size_t *out_len);

/*
 * Parses, validates and converts one filing. Needs no server: the fuzz
 * target and the unit tests call it directly.
 *
 * On PH_OK: *out_filing = {product: {...}, documents: [...]} (numbers as
 * JSON numbers, booleans as JSON booleans, short texts with white space
 * collapsed as xs:token does, long texts as written, document content
 * exactly as written); *out_lines = {"product": 4, "product.age_min": 12,
 * "product.covered[1]": 30, "documents[0].title": 61, ...}: the line of the
 * element behind each JSON path. Both are the caller's (json_decref).
 *
 * On failure returns PH_ERR_BAD_REQUEST (or PH_ERR_INTERNAL when memory
 * runs out), leaves both NULL and adds problems with one of the codes
 * body_empty, body_too_large, xml_encoding_invalid, xml_doctype_refused,
 * xml_too_deep, xml_too_many_elements, xml_too_many_attributes,
 * xml_invalid (one problem each), or xml_schema_invalid
 * (one per XSD error, all of them, field = the element's path such as
 * "/filing/product/age_max" or "/filing/document[2]/title").
 */
ph_status ph_filing_parse(const struct ph_filing_schema *schema, const char *bytes, size_t len,
                          json_t **out_filing, json_t **out_lines, struct ph_problems *problems);

/* Adds "line" to every item of `items` (problems' or warnings' arrays of
 * {field, ...}) whose field, or the nearest enclosing field
 * ("product.claim.documents[2]" -> "product.claim.documents" ->
 * "product.claim" -> "product"), has a line in `lines`. */
void ph_filing_add_lines(json_t *items, const json_t *lines);

/* The HTTP status for the problems of a failed ph_filing_parse(). */
int ph_filing_parse_http_status(ph_status status, const struct ph_problems *problems);

struct ph_request;

/* POST /api/v1/filings (application/xml or text/xml, bearer key). */
void ph_filing_post(struct ph_request *req);

/* GET|HEAD /schema/filing.xsd: the XSD the server validates with. */
void ph_filing_schema_get(struct ph_request *req);

#endif

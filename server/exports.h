/*
 * server/exports.h - taking the data away (issue 5): every product list as
 * CSV at its own path with ".csv" (/search.csv?q=意外, /browse/category/
 * medical.csv, /browse/group/{g}.csv, /browse/region/{r}.csv,
 * /insurers/{id}.csv, /api/v1/products.csv; documents at /documents.csv,
 * /disclosures.csv, /api/v1/documents.csv), with the same filters and
 * the same errors as the page or API it mirrors, and the full snapshot
 * under /exports/ (a SQLite copy, NDJSON of every product and document,
 * an index). No key, no click-through.
 *
 * Every export is streamed (chunked) from one read snapshot: no row limit,
 * and memory stays flat whatever the size. Validators: ETag and
 * Last-Modified come from the registry's state in that same snapshot (the
 * log size and the China date, which decides "on sale"), so a cache in
 * front can keep an export and a 304 saves sending it again.
 * See docs/internals/exports.md.
 */
#ifndef PH_SERVER_EXPORTS_H
#define PH_SERVER_EXPORTS_H

#include <stdbool.h>

struct ph_request;

/* True when the path asks for a CSV export of a page (ends in ".csv");
 * ph_exports_page_csv then answers it. */
bool ph_exports_is_page_csv(const char *path);
void ph_exports_page_csv(struct ph_request *req);

/* GET /api/v1/products.csv: the API search's parameters and errors. */
void ph_exports_api_products_csv(struct ph_request *req);

/* GET /api/v1/documents.csv: the document search's parameters and errors
 * (also at /documents.csv and /disclosures.csv, the journalist's page). */
void ph_exports_api_documents_csv(struct ph_request *req);

/* Everything under /exports/. */
void ph_exports_dispatch(struct ph_request *req);

#endif

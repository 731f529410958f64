/*
 * server/feed.h - Atom feeds (RFC 4287) of what changed in the registry:
 * GET /feeds/products.atom?insurer=&category=&region= (registrations, new
 * versions, withdrawals, suspensions, reinstatements) and
 * GET /feeds/documents.atom (published documents and their versions),
 * newest first, PH_FEED_ENTRIES (50) entries, from the transparency log
 * (registry/snapshot.h, ph_feed_entries).
 *
 * Written with libxml2's xmlTextWriter, never by pasting strings, so every
 * text is escaped by the writer. Entry ids are tag: URIs (RFC 4151) that
 * never change: tag:<authority>,2026:PH-2026-000001/v2 for a version,
 * tag:<authority>,2026:PH-2026-000001/withdrawn/<log index> for a state
 * change; <authority> is the host part of the log's origin (--log-origin),
 * never the request's Host header (which a client chooses). Links are
 * relative to the feed's own URL, for the same reason.
 *
 * Bad filter values answer 400 with the API's codes and fields
 * (number_range insurer, enum_invalid category, region_invalid region).
 */
#ifndef PH_SERVER_FEED_H
#define PH_SERVER_FEED_H

#define PH_FEED_ENTRIES 50

struct ph_request;

/* Everything under /feeds/. */
void ph_feed_dispatch(struct ph_request *req);

#endif

/*
 * registry/demo.h - the demo dataset (registry/data/demo.json, embedded in
 * the binary at build time): fictional insurers and realistic products.
 *
 * Loading goes through the same registry functions as the API (so every
 * rule is enforced and every change is logged): each insurer with its first
 * solvency report, every product version in order, withdrawals and
 * suspensions, then the later solvency reports (so an insurer can have
 * products registered while adequate and be inadequate now).
 */
#ifndef PH_REGISTRY_DEMO_H
#define PH_REGISTRY_DEMO_H

#include <jansson.h>

#include "registry/registry.h"

/* Loads the embedded dataset into an empty registry. On success *out =
 * {insurers, products, versions, keys: [{insurer_id, short_name, key}]}:
 * one fresh API key per insurer so that people trying the demo can write.
 * PH_ERR_CONFLICT (demo_already_loaded) when the registry already has
 * insurers; nothing is changed then. */
ph_status ph_demo_load(struct ph_registry *reg, json_t **out, struct ph_problems *problems);

/* The same from a JSON document already parsed (for tests). */
ph_status ph_demo_load_json(struct ph_registry *reg, const json_t *dataset, json_t **out,
                            struct ph_problems *problems);

#endif

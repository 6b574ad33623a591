/*
 * h_livetools.h - live tools: createDeviceLiveToolsPing and getDeviceLiveToolsPing.
 *
 * A ping "runs" for the configured ping_duration_s, then completes with the loss the
 * schedule gives for its target at the moment it was created, so a fast confirmation by
 * ping sees the same world as the loss series. Jobs live with the state (state lock).
 */
#ifndef FAKEDASH_H_LIVETOOLS_H
#define FAKEDASH_H_LIVETOOLS_H

#include "api.h"

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hlive_routes[];

/* Forgets every ping job (on a scenario load). State lock held. */
void hlive_reset(void);

#endif

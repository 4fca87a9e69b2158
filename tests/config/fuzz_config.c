/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz vh_config_load_string(): any input either loads, and then its
 * effective config loads back to the same struct, or fails with a non-empty
 * message. Never a crash, hang or leak.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vh_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(const struct vh_config *cfg)
{
	struct vh_config again;
	json_t *j = vh_config_to_json(cfg);
	char *text;

	if (j == NULL)
		return; /* out of memory */
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		return;
	if (vh_config_load_string(text, strlen(text), &again, NULL) != 0 ||
		memcmp(cfg, &again, sizeof(again)) != 0)
		abort();
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vh_config cfg;
	struct vh_config_error err;
	char msg[512];
	int rc = vh_config_load_string((const char *)data, size, &cfg, &err);

	if (rc == 0) {
		check_round_trip(&cfg);
		return 0;
	}
	if (err.message[0] == '\0' || (rc != -EINVAL && rc != -ENOMEM && rc != -EFBIG))
		abort();
	vh_config_format_error(&err, "fuzz.json", msg, sizeof(msg));
	return 0;
}

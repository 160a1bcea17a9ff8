/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_LOG_H
#define STOCKADE_LOG_H

#include <stdbool.h>

/* Messages for people: always on stderr as "stockade: ...", and also in
 * the runtime's --log file in its --log-format (text or json), where
 * containerd and CRI-O look for the reason a create failed. Events (what
 * the policy decided) are separate: see events.h. */

enum log_level { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* log_file may be NULL; format "json" or anything else for text. */
void log_init(const char *log_file, const char *format, bool debug);
__attribute__((format(printf, 2, 3))) void log_msg(enum log_level level, const char *fmt, ...);
/* Only to the --log file (used for lines already printed another way). */
__attribute__((format(printf, 2, 3))) void log_file_only(enum log_level level, const char *fmt, ...);

#endif

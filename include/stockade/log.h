/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_LOG_H
#define STOCKADE_LOG_H

#include <stdbool.h>

/* Messages for people: on stderr as "stockade: ..." (see
 * log_stdio_is_workload), and also in
 * the runtime's --log file in its --log-format (text or json), where
 * containerd and CRI-O look for the reason a create failed. Events (what
 * the policy decided) are separate: see events.h. */

enum log_level { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* log_file may be NULL; format "json" or anything else for text. */
void log_init(const char *log_file, const char *format, bool debug);
/* create, run, restore and exec: the runtime hands stockade's stdio on to
 * the container or the exec'd process (a CRI ExecSync reads the workload's
 * stderr from it), so from now on only errors (what makes stockade refuse,
 * which the engine needs) go to stderr; warnings, findings and notes go
 * only to the --log file (and events). */
void log_stdio_is_workload(void);
__attribute__((format(printf, 2, 3))) void log_msg(enum log_level level, const char *fmt, ...);
/* Only to the --log file (used for lines already printed another way). */
__attribute__((format(printf, 2, 3))) void log_file_only(enum log_level level, const char *fmt, ...);

#endif

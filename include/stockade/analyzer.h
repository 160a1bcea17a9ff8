/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_ANALYZER_H
#define STOCKADE_ANALYZER_H

/* make analyze runs gcc's static analyzer (-fanalyzer) and allows no
 * warning. Where it is wrong, the spot is wrapped, with a comment saying
 * why, in
 *
 *   SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak") ... SK_ANALYZER_END
 *
 * which is nothing for other compilers (clang builds the fuzzers and knows
 * no such warning). */
#if defined(__GNUC__) && !defined(__clang__)
#define SK_PRAGMA(x) _Pragma(#x)
#define SK_ANALYZER_IGNORE(w) SK_PRAGMA(GCC diagnostic push) SK_PRAGMA(GCC diagnostic ignored w)
#define SK_ANALYZER_END SK_PRAGMA(GCC diagnostic pop)
#else
#define SK_ANALYZER_IGNORE(w)
#define SK_ANALYZER_END
#endif

#endif

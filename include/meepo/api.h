/*
 * meepo/api.h - marks the functions the meepo executable exports to the
 * plugins it loads (meepo builds with -fvisibility=hidden).
 */
#ifndef MEEPO_API_H
#define MEEPO_API_H

#if defined(__GNUC__)
#define MEEPO_API __attribute__((visibility("default")))
#else
#define MEEPO_API
#endif

#endif /* MEEPO_API_H */

/*
 * core/notify.h - telling systemd (Type=notify) that meepo is ready or
 * stopping, by the sd_notify protocol: one datagram to $NOTIFY_SOCKET.
 * Without that variable (not started by systemd) these do nothing.
 *
 * Concurrency: any thread; each call is one sendto(2).
 */
#ifndef MEEPO_NOTIFY_H
#define MEEPO_NOTIFY_H

/* Sends `state`, e.g. "READY=1" or "STOPPING=1". Errors are ignored. */
void notify_systemd(const char *state);

#endif /* MEEPO_NOTIFY_H */

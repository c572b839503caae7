/* notify.h - tell systemd (Type=notify) when the socket is ready. */
#ifndef RELAYLOCK_NOTIFY_H
#define RELAYLOCK_NOTIFY_H

/* Send STATE ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET; a no-op when
 * not started by systemd. The sd_notify(3) protocol: one datagram. */
void rl_notify(const char *state);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/ctl private: the listening socket file (sock.c). */
#ifndef VH_CTL_SOCK_H
#define VH_CTL_SOCK_H

#include <sys/stat.h>

/*
 * Prepare @p path and listen on it (non-blocking, mode 0600).
 * @return the listening fd, or -EADDRINUSE (live server), -EEXIST (not a
 *         socket), -ENAMETOOLONG, other -errno. On success *st describes
 *         the socket file, for ctl_sock_unlink().
 */
int ctl_sock_listen(const char *path, int backlog, struct stat *st);

/* Unlink @p path if it is still the file described by @p was. */
void ctl_sock_unlink(const char *path, const struct stat *was);

#endif /* VH_CTL_SOCK_H */

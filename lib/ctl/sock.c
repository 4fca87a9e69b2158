/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The listening socket's file: parent directory, live-server check, stale
 * file removal, bind with mode 0600.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_sock.h"

/* mkdir -p of the directory part of @p path, each new level mode 0700. */
static int
make_parents(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
sun_fill(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/*
 * Is a live process listening on @p path? 0 = nothing there (stale file
 * removed), -EADDRINUSE = live, -EEXIST = not a socket, other -errno.
 */
static int
clear_path(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Non-blocking: a live server with a full backlog answers EAGAIN. */
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	rc = rc == 0 ? 0 : errno;
	close(fd);
	if (rc == 0 || rc == EAGAIN || rc == EINPROGRESS)
		return -EADDRINUSE;
	if (rc != ECONNREFUSED)
		return -rc;
	if (unlink(sa->sun_path) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
ctl_sock_listen(const char *path, int backlog, struct stat *st)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	rc = sun_fill(&sa, path);
	if (rc == 0)
		rc = make_parents(path);
	if (rc == 0)
		rc = clear_path(&sa);
	if (rc != 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The file is born 0600: no window in which others could connect. */
	old = umask(0177);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (chmod(path, 0600) != 0 || listen(fd, backlog) != 0 || stat(path, st) != 0) {
		rc = -errno;
		unlink(path);
		close(fd);
		return rc;
	}
	return fd;
}

void
ctl_sock_unlink(const char *path, const struct stat *was)
{
	struct stat st;

	/* Only our own file: a newer server may have replaced it. */
	if (stat(path, &st) == 0 && st.st_dev == was->st_dev && st.st_ino == was->st_ino)
		unlink(path);
}

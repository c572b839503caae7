/* daemon.c - start-up and life of the milter daemon: socket, pid file,
 * privileges, the reload thread, then libmilter's main loop. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "metrics_sources.h"
#include "milter_callbacks.h"
#include "notify.h"
#include "policy_holder.h"
#include "reload.h"
#include "source_set.h"

struct run {
	struct rl_daemon_settings s;   /* config, overridden by the command line */
	char config_path[PATH_MAX];
	bool foreground;
	int ready_fd;                  /* daemon mode: tells the parent we run */
	struct rl_holder *holder;
	struct rl_reloader reloader;
	bool pid_written;
	const char *socket_path;       /* a unix socket we created, else NULL */
	bool reload_started;
	struct rl_metrics_http *metrics; /* NULL: metrics_listen is off */
};

static void startup_error(const struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Before start-up completes, errors go to stderr as well as the log. */
static void startup_error(const struct run *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!r->foreground)
		rl_report(LOG_ERR, "%s", msg); /* the detaching parent's stderr */
	rl_log_always(LOG_ERR, "%s", msg);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* Path of a unix socket spec, or NULL for inet sockets. */
static const char *unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;
}

/* The directory PATH is in: "/" for "/x", "." for "x". */
static void parent_dir(const char *path, char *dir, size_t size)
{
	char *slash;

	copy(dir, size, path);
	slash = strrchr(dir, '/');
	if (!slash)
		copy(dir, size, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

/* A socket file left by a dead daemon goes; one that still answers is
 * another daemon's and stays. */
static int check_socket_path(const struct run *r, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char dir[PATH_MAX];
	struct stat st;
	int fd, rc;

	if (strlen(path) >= sizeof sun.sun_path) {
		startup_error(r, "socket path %s is longer than %zu characters", path,
		              sizeof sun.sun_path - 1);
		return EX_CONFIG;
	}
	parent_dir(path, dir, sizeof dir);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		startup_error(r, "socket directory %s does not exist (relaylock.service "
		              "creates it; see relaylock(8))", dir);
		return EX_CANTCREAT;
	}
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		startup_error(r, "%s exists and is not a socket: not removing it", path);
		return EX_CANTCREAT;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	rc = fd >= 0 ? connect(fd, (struct sockaddr *)&sun, sizeof sun) : -1;
	if (fd >= 0)
		close(fd);
	if (rc == 0) {
		startup_error(r, "socket %s is in use by a running milter", path);
		return EX_TEMPFAIL;
	}
	rl_log_always(LOG_NOTICE, "removing stale socket %s", path);
	unlink(path);
	return 0;
}

/* The group that may connect: socket_group, else the group of the socket's
 * directory (Debian: a setgid directory of group postfix, see relaylock(8)). */
static int socket_gid(const struct run *r, const char *path, gid_t *gid)
{
	char dir[PATH_MAX];
	struct stat st;

	if (r->s.socket_group[0]) {
		struct group *g = getgrnam(r->s.socket_group);

		if (!g) {
			startup_error(r, "socket_group %s does not exist", r->s.socket_group);
			return EX_NOUSER;
		}
		*gid = g->gr_gid;
		return 0;
	}
	parent_dir(path, dir, sizeof dir);
	if (stat(dir, &st) != 0) {
		startup_error(r, "stat %s: %s", dir, strerror(errno));
		return EX_OSERR;
	}
	*gid = st.st_gid;
	return 0;
}

static int socket_permissions(const struct run *r, const char *path,
                              const struct passwd *pw)
{
	uid_t uid = pw && geteuid() == 0 ? pw->pw_uid : (uid_t)-1;
	struct stat st;
	gid_t gid;
	int rc;

	/* chmod before chown: once the file belongs to another user, root
	 * needs CAP_FOWNER to change its mode. */
	if (chmod(path, (mode_t)r->s.socket_mode) != 0) {
		startup_error(r, "chmod %s: %s", path, strerror(errno));
		return EX_OSERR;
	}
	if ((rc = socket_gid(r, path, &gid)) != 0)
		return rc;
	if (lstat(path, &st) == 0 && st.st_gid == gid &&
	    (uid == (uid_t)-1 || st.st_uid == uid))
		return 0;
	if (chown(path, uid, gid) != 0) {
		startup_error(r, "chown %s to group %ld: %s", path, (long)gid,
		              strerror(errno));
		return EX_OSERR;
	}
	return 0;
}

/* Refuse a live pid file; replace one left by a dead process. */
static int write_pid_file(struct run *r, const struct passwd *pw)
{
	const char *path = r->s.pid_file;
	char buf[32];
	ssize_t n;
	long old;
	int fd;

	if (!path[0])
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		old = strtol(buf, NULL, 10);
		if (old > 0 && old != (long)getpid() &&
		    (kill((pid_t)old, 0) == 0 || errno == EPERM)) {
			startup_error(r, "pid file %s: relaylock already runs as pid %ld",
			              path, old);
			return EX_TEMPFAIL;
		}
		rl_log_always(LOG_NOTICE, "replacing stale pid file %s (pid %ld is gone)",
		              path, old);
		unlink(path);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		startup_error(r, "cannot create pid file %s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		startup_error(r, "cannot write pid file %s", path);
		return EX_IOERR;
	}
	if (pw && geteuid() == 0 && fchown(fd, pw->pw_uid, pw->pw_gid) != 0)
		rl_log(LOG_WARNING, "chown %s: %s", path, strerror(errno));
	close(fd);
	r->pid_written = true;
	return 0;
}

/* Become the unprivileged user, for good; refuse to stay root. */
static int drop_privileges(const struct run *r, const struct passwd *pw)
{
	if (geteuid() != 0) {
		if (pw && pw->pw_uid != geteuid())
			rl_log(LOG_WARNING, "not started as root: running as uid %ld, not as %s",
			       (long)geteuid(), r->s.user);
		return 0;
	}
	if (pw->pw_uid == 0) { /* start() refused this without run_as_root */
		rl_log_always(LOG_WARNING, "running as root (run_as_root = true)");
		return 0;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		startup_error(r, "cannot become user %s: %s", pw->pw_name, strerror(errno));
		return EX_OSERR;
	}
	if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0) {
		startup_error(r, "privileges were not dropped");
		return EX_SOFTWARE;
	}
	return 0;
}

/* Fork into the background; the parent waits until the child is serving
 * (or failed) and exits with its status. */
static int daemonize(struct run *r)
{
	int fds[2];
	unsigned char status = EX_OSERR;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		fprintf(stderr, "relaylock: cannot fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &status, 1) != 1)
			status = EX_SOFTWARE;
		_exit(status);
	}
	close(fds[0]);
	r->ready_fd = fds[1];
	setsid();
	return 0;
}

static void tell_parent(struct run *r, int status)
{
	unsigned char b = (unsigned char)status;
	int null;

	if (r->ready_fd < 0)
		return;
	if (write(r->ready_fd, &b, 1) != 1)
		rl_log(LOG_WARNING, "cannot report start-up to the parent");
	close(r->ready_fd);
	r->ready_fd = -1;
	if (status == 0 && (null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
}

/* After the privilege drop (a port above 1024) and with the signals
 * blocked, so that libmicrohttpd's thread never takes them. */
static int start_metrics(struct run *r)
{
	const char *why;

	if (!r->s.metrics_listen[0])
		return 0;
	r->metrics = rl_metrics_http_start(r->s.metrics_listen, &why);
	if (!r->metrics) {
		startup_error(r, "metrics_listen %s: %s", r->s.metrics_listen, why);
		return EX_UNAVAILABLE;
	}
	rl_log_always(LOG_NOTICE, "metrics on http://%s/metrics", r->s.metrics_listen);
	return 0;
}

static int start(struct run *r)
{
	const char *path = unix_path(r->s.socket);
	struct passwd *pw = getpwnam(r->s.user);
	pthread_t tid;
	sigset_t set;
	int rc;

	if (!pw && geteuid() == 0) {
		startup_error(r, "user %s does not exist", r->s.user);
		return EX_NOUSER;
	}
	if (pw && pw->pw_uid == 0 && geteuid() == 0 && !r->s.run_as_root) {
		startup_error(r, "refusing to run as root: set user to an "
		              "unprivileged account, or run_as_root = true");
		return EX_NOPERM;
	}
	if (smfi_register(*rl_milter_desc(r->holder)) != MI_SUCCESS) {
		startup_error(r, "smfi_register failed");
		return EX_SOFTWARE;
	}
	/* The pid file first: a second instance stops before touching the socket. */
	if ((rc = write_pid_file(r, pw)) != 0)
		return rc;
	if (path && (rc = check_socket_path(r, path)) != 0)
		return rc;
	if (smfi_setconn(r->s.socket) != MI_SUCCESS ||
	    smfi_settimeout((int)r->s.milter_timeout) != MI_SUCCESS ||
	    smfi_opensocket(true) != MI_SUCCESS) {
		startup_error(r, "cannot open milter socket %s", r->s.socket);
		return EX_UNAVAILABLE;
	}
	r->socket_path = path;
	if (path && (rc = socket_permissions(r, path, pw)) != 0)
		return rc;
	if ((rc = drop_privileges(r, pw)) != 0)
		return rc;

	/* Every thread from here on inherits these blocked: SIGUSR1 goes to
	 * the reload thread, the others to libmilter's signal thread, which
	 * stops smfi_main() cleanly. Unblocked, they would kill the process. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	r->reloader.holder = r->holder;
	{
		const struct rl_config *c = rl_holder_acquire(r->holder);

		rl_sources_failing(c, r->reloader.failing, sizeof r->reloader.failing);
		rl_holder_release(r->holder, c);
	}
	snprintf(r->reloader.config_path, sizeof r->reloader.config_path, "%s",
	         r->config_path);
	if (pthread_create(&tid, NULL, rl_reload_thread, &r->reloader) != 0) {
		startup_error(r, "cannot start the reload thread");
		return EX_OSERR;
	}
	pthread_detach(tid);
	r->reload_started = true;
	return start_metrics(r);
}

int rl_daemon_run(const struct rl_cli *cli, struct rl_config *config)
{
	struct run r = {.ready_fd = -1, .foreground = cli->foreground};
	const struct rl_config *cfg;
	int rc;

	r.s = config->daemon;
	if (cli->socket)
		copy(r.s.socket, sizeof r.s.socket, cli->socket);
	if (cli->user)
		copy(r.s.user, sizeof r.s.user, cli->user);
	if (cli->pid_file)
		copy(r.s.pid_file, sizeof r.s.pid_file, cli->pid_file);
	/* Reloads happen after chdir("/"): keep an absolute path. */
	if (!realpath(cli->config_path, r.config_path))
		copy(r.config_path, sizeof r.config_path, cli->config_path);

	rl_log_open(cli->foreground, r.s.log_level);
	if (!cli->foreground && daemonize(&r) != 0) {
		rl_config_free(config);
		return EX_OSERR;
	}
	rl_metrics_config_in_force(config);
	r.holder = rl_holder_new(config);
	if (!r.holder) {
		rl_config_free(config);
		startup_error(&r, "out of memory");
		tell_parent(&r, EX_OSERR);
		return EX_OSERR;
	}
	rc = start(&r);
	tell_parent(&r, rc);
	if (rc == 0) {
		cfg = rl_holder_acquire(r.holder);
		rl_log_always(LOG_NOTICE, "relaylock %s serving %s as uid %ld: %zu hosted "
		              "domains, %zu trusted networks, mode %s", RELAYLOCK_VERSION,
		              r.s.socket, (long)geteuid(), cfg->n_domains, cfg->n_networks,
		              rl_policy_params(cfg->policy)->mode == RL_MODE_MONITOR
		                      ? "monitor" : "enforce");
		rl_holder_release(r.holder, cfg);
		rl_notify("READY=1");
		if (smfi_main() != MI_SUCCESS)
			rc = EX_SOFTWARE;
		rl_notify("STOPPING=1");
		rl_log_always(LOG_NOTICE, "relaylock stopped");
	}
	rl_metrics_http_stop(r.metrics);
	if (rc != 0 && r.socket_path)
		unlink(r.socket_path); /* start-up failed after creating it */
	if (rc != 0 && !r.reload_started)
		rl_holder_free(r.holder); /* nothing else can hold it yet */
	if (r.pid_written && unlink(r.s.pid_file) != 0)
		rl_log(LOG_WARNING, "cannot remove pid file %s: %s", r.s.pid_file,
		       strerror(errno));
	/* The reload thread may still hold the holder: leave it to exit(). */
	return rc;
}

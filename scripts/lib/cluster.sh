# Throwaway PostgreSQL cluster for tests, demo and benchmarks (sourced).
#
# cluster_start creates a cluster in a fresh temporary directory, run by the
# postgres OS user when we are root (initdb refuses root), listening only on a
# private Unix socket; it exports PGHOST, PGPORT and PGUSER for the clients.
# An EXIT trap stops the server and removes the directory whatever happens;
# INT and TERM are turned into exits so that the trap runs for them too.

PG_BINDIR=$(${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config} --bindir 2>/dev/null || pg_config --bindir)
CLUSTER_DIR=""

# Runs a command as the cluster's owner.
as_cluster_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

cluster_stop() {
	[ -n "$CLUSTER_DIR" ] || return 0
	if [ -f "$CLUSTER_DIR/data/postmaster.pid" ]; then
		as_cluster_owner "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
		# pg_ctl may have been interrupted too; make sure the postmaster is gone.
		local pid
		pid=$(head -n 1 "$CLUSTER_DIR/data/postmaster.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -QUIT "$pid" 2>/dev/null || true
			sleep 1
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -rf "$CLUSTER_DIR"
	CLUSTER_DIR=""
}

cluster_start() {
	local port
	# Callers with an EXIT trap of their own call cluster_stop from it.
	[ -n "$(trap -p EXIT)" ] || trap cluster_stop EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	CLUSTER_DIR=$(mktemp -d /tmp/thidua-cluster.XXXXXX)
	chmod 755 "$CLUSTER_DIR"
	mkdir "$CLUSTER_DIR/socket"
	[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$CLUSTER_DIR"
	# The socket directory is ours alone, so any port number is free in it.
	port=$((50000 + RANDOM % 10000))
	echo "thidua: throwaway cluster at $CLUSTER_DIR (socket port $port)"

	as_cluster_owner "$PG_BINDIR/initdb" -D "$CLUSTER_DIR/data" -U postgres \
		--auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$CLUSTER_DIR/initdb.log" 2>&1 || {
		cat "$CLUSTER_DIR/initdb.log" >&2
		return 1
	}
	# One role must give a password, so that clients' prompting can be tested.
	{ echo "local all thidua_password_user scram-sha-256"; cat "$CLUSTER_DIR/data/pg_hba.conf"; } \
		>"$CLUSTER_DIR/pg_hba.conf" && mv "$CLUSTER_DIR/pg_hba.conf" "$CLUSTER_DIR/data/pg_hba.conf"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$CLUSTER_DIR/data/pg_hba.conf"
	cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$CLUSTER_DIR/socket'
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
max_worker_processes = 8
max_parallel_workers_per_gather = 2
${THIDUA_CLUSTER_CONF:-}
CONF
	as_cluster_owner "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w start >/dev/null || {
		cat "$CLUSTER_DIR/server.log" >&2
		return 1
	}
	export PGHOST="$CLUSTER_DIR/socket" PGPORT="$port" PGUSER=postgres
	unset PGDATABASE PGSERVICE PGPASSWORD
}

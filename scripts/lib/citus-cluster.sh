# Throwaway three-node Citus cluster for the distributed suite and benchmarks
# (sourced): a coordinator and two workers, each run by the postgres OS user
# when we are root, each with a private Unix socket directory and a random free
# TCP port on 127.0.0.1 (Citus nodes talk over loopback). citus_cluster_stop
# stops and removes every node; callers call it from their EXIT trap.
#
# After citus_cluster_start: CITUS_DIR, CITUS_PORTS (coordinator first),
# CITUS_SOCKET_DIRS, and PGHOST/PGPORT/PGUSER pointing at the coordinator.

PG_BINDIR=$(${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config} --bindir 2>/dev/null || pg_config --bindir)
CITUS_DIR=""
CITUS_PORTS=()
CITUS_SOCKET_DIRS=()

citus_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A TCP port on 127.0.0.1 that nothing listens on now.
citus_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

citus_cluster_stop() {
	[ -n "$CITUS_DIR" ] || return 0
	local node pid
	for node in "$CITUS_DIR"/node*; do
		[ -f "$node/data/postmaster.pid" ] || continue
		citus_as_owner "$PG_BINDIR/pg_ctl" -D "$node/data" -m immediate -w stop >/dev/null 2>&1 || true
		pid=$(head -n 1 "$node/data/postmaster.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -QUIT "$pid" 2>/dev/null || true
			sleep 1
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	rm -rf "$CITUS_DIR"
	CITUS_DIR=""
}

# citus_psql NODE ARGS...: psql as postgres on node 0 (coordinator), 1 or 2.
citus_psql() {
	local node=$1
	shift
	psql -X -q -h "${CITUS_SOCKET_DIRS[$node]}" -p "${CITUS_PORTS[$node]}" -U postgres "$@"
}

# citus_readme_setup DATABASE: runs the README's "Setting up a cluster" block
# (between the citus-setup markers) against the three nodes.
citus_readme_setup() {
	local DB=$1 COORDINATOR="127.0.0.1:${CITUS_PORTS[0]}" block
	local WORKERS=("127.0.0.1:${CITUS_PORTS[1]}" "127.0.0.1:${CITUS_PORTS[2]}")
	block=$(sed -n '/<!-- citus-setup:begin -->/,/<!-- citus-setup:end -->/p' "${THIDUA_ROOT:-.}/README.md" | sed '1,2d;$d' | sed '$d')
	[ -n "$block" ] || { echo "thidua: no citus-setup block in README.md" >&2; return 1; }
	(export PGUSER=postgres; set -e; eval "$block")
}

# citus_cluster_start DATABASE: three nodes, the database created on each,
# then the README's set-up: Citus, the nodes in the metadata, thidua
# distributed.
citus_cluster_start() {
	local database=$1 node port dir
	CITUS_DIR=$(mktemp -d /tmp/thidua-citus.XXXXXX)
	chmod 755 "$CITUS_DIR"
	CITUS_PORTS=()
	CITUS_SOCKET_DIRS=()
	for node in 0 1 2; do
		dir="$CITUS_DIR/node$node"
		mkdir -p "$dir/socket"
		[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
		citus_as_owner "$PG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust \
			--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			return 1
		}
		port=$(citus_free_port)
		cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/socket'
shared_preload_libraries = 'citus'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
max_worker_processes = 16
max_prepared_transactions = 200
citus.shard_count = 8
${THIDUA_CITUS_CONF:-}
CONF
		# Only loopback connections, trusted: the nodes' own traffic.
		printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$dir/data/pg_hba.conf"
		[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/data/pg_hba.conf"
		citus_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null || {
			cat "$dir/server.log" >&2
			return 1
		}
		CITUS_PORTS+=("$port")
		CITUS_SOCKET_DIRS+=("$dir/socket")
	done
	echo "thidua: Citus cluster at $CITUS_DIR (coordinator port ${CITUS_PORTS[0]}, workers ${CITUS_PORTS[1]} and ${CITUS_PORTS[2]} on 127.0.0.1)"
	for node in 0 1 2; do
		citus_psql "$node" -d postgres -c "CREATE DATABASE $database" >/dev/null || return 1
	done
	# The README's set-up, exactly: Citus on every node, the coordinator and
	# the workers in the metadata, thidua created, its roles, distribute().
	citus_readme_setup "$database" >"$CITUS_DIR/setup.log" 2>&1 || {
		grep -v '^NOTICE' "$CITUS_DIR/setup.log" | tail -n 30 >&2
		return 1
	}
	export PGHOST="${CITUS_SOCKET_DIRS[0]}" PGPORT="${CITUS_PORTS[0]}" PGUSER=postgres PGDATABASE="$database"
	unset PGSERVICE PGPASSWORD
}

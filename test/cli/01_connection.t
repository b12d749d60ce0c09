#!/usr/bin/env bash
# thidua --version, --help, and connecting like PostgreSQL's own tools.
. "$(dirname "$0")/lib.sh"

version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(dirname "$0")/../../thidua.control")
psql_quiet "CREATE DATABASE thidua_cli"
psql_quiet "CREATE EXTENSION thidua" thidua_cli
psql_quiet "CREATE DATABASE thidua_cli_bare"
psql_quiet "CREATE DATABASE thidua_cli_old"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_old
# Pretend the database holds another release of the SQL.
psql_quiet "UPDATE pg_extension SET extversion = '0.0.9' WHERE extname = 'thidua'" thidua_cli_old
psql_quiet "CREATE ROLE thidua_password_user LOGIN PASSWORD 'bí mật'"

run --version
ok '[ $status -eq 0 ] && [ "$(cat $out)" = "thidua (thidua) $version" ]' '--version prints the release'
run -V
ok '[ $status -eq 0 ] && grep -qx "thidua (thidua) $version" $out' '-V is --version'
run --help
ok '[ $status -eq 0 ] && grep -q "^Usage:" $out && grep -q "^Connection options:" $out && grep -q -- "--dbname=DBNAME" $out' '--help has the PostgreSQL layout'
run
ok '[ $status -eq 1 ] && grep -q "thidua: error: no command given" $err && grep -q "Try \"thidua --help\"" $err' 'no command: error and hint, exit 1'
run frobnicate
ok '[ $status -eq 1 ] && grep -q "unknown command \"frobnicate\"" $err' 'unknown command is named'
run --no-such-option status
ok '[ $status -eq 1 ] && grep -q "thidua: error: invalid option \"--no-such-option\"" $err && grep -q "Try \"thidua --help\"" $err' 'unknown long option: named, exit 1'
run -Z status
ok '[ $status -eq 1 ] && grep -q "thidua: error: invalid option \"-Z\"" $err' 'unknown short option: named, exit 1'
run status -d
ok '[ $status -eq 1 ] && grep -q "option \"-d\" requires an argument" $err' 'missing option argument is named'
run status --help
ok '[ $status -eq 0 ] && grep -q "^Usage:" $out' '--help after the command still helps'
run -d thidua_cli status extra
ok '[ $status -eq 1 ] && grep -q "wrong number of arguments" $err && grep -q "Usage: thidua" $err' 'extra arguments are refused with the usage'

# PGHOST, PGPORT and PGUSER come from the environment of the suite.
run -d thidua_cli status
ok '[ $status -eq 0 ] && grep -q "extension:  thidua $version (library $version)" $out && grep -q "database:   thidua_cli" $out' 'status over PG* environment variables'
host=$PGHOST port=$PGPORT
run_plain() { env -u PGHOST -u PGPORT -u PGUSER "$@"; }
status=0; env -u PGHOST -u PGPORT -u PGUSER setsid -w "$THIDUA_CLI" -h "$host" -p "$port" -U postgres -d thidua_cli status >"$out" 2>"$err" </dev/null || status=$?
ok '[ $status -eq 0 ] && grep -q "database:   thidua_cli" $out' '-h -p -U -d options'
status=0; env -u PGHOST -u PGPORT -u PGUSER setsid -w "$THIDUA_CLI" -d "host=$host port=$port user=postgres dbname=thidua_cli" status >"$out" 2>"$err" </dev/null || status=$?
ok '[ $status -eq 0 ] && grep -q "database:   thidua_cli" $out' 'conninfo string in -d'
status=0; env -u PGHOST -u PGPORT -u PGUSER setsid -w "$THIDUA_CLI" -d "postgresql://postgres@/thidua_cli?host=$host&port=$port" status >"$out" 2>"$err" </dev/null || status=$?
ok '[ $status -eq 0 ] && grep -q "database:   thidua_cli" $out' 'URI in -d'
status=0; env PGDATABASE=thidua_cli setsid -w "$THIDUA_CLI" status >"$out" 2>"$err" </dev/null || status=$?
ok '[ $status -eq 0 ] && grep -q "database:   thidua_cli" $out' 'PGDATABASE'
psql_quiet "SELECT 1" thidua_cli
app=$(psql -X -At -d thidua_cli -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'thidua'")
ok '[ "$app" = 0 ]' 'no thidua session left behind after the command'

# Refusals: no server, no extension, another release of the extension.
run -h /nonexistent-socket-dir -d thidua_cli status
ok '[ $status -eq 2 ] && grep -q "thidua: error: connection to server" $err' 'no server: exit 2 with libpq message'
run -d thidua_cli_bare status
ok '[ $status -eq 1 ] && grep -q "extension is not installed in database \"thidua_cli_bare\"" $err && grep -q "CREATE EXTENSION thidua" $err' 'extension missing: named, with the fix'
run -d thidua_cli_old status
ok '[ $status -eq 1 ] && grep -q "is version 0.0.9, but this client is version $version" $err && grep -q "ALTER EXTENSION thidua UPDATE" $err' 'version mismatch: refused clearly'

# Passwords: a prompt only when the server asks for one.
run -d thidua_cli status
ok '! grep -q "Password" $err' 'no prompt when the server does not ask'
run -w -U thidua_password_user -d thidua_cli status
ok '[ $status -eq 2 ] && grep -q "no password supplied" $err' '-w never prompts'
run_with_input 'bí mật' -U thidua_password_user -d thidua_cli status
ok '[ $status -eq 0 ] && grep -q "Password:" $err && grep -q "database:   thidua_cli" $out' 'prompts when needed, reads the password'
run_with_input 'wrong' -U thidua_password_user -d thidua_cli status
ok '[ $status -eq 2 ] && grep -q "password authentication failed" $err' 'a wrong password fails with exit 2'
status=0; PGPASSWORD='bí mật' setsid -w "$THIDUA_CLI" -w -U thidua_password_user -d thidua_cli status >"$out" 2>"$err" </dev/null || status=$?
ok '[ $status -eq 0 ] && ! grep -q "Password" $err' 'PGPASSWORD is used without a prompt'
run_with_input 'anything' -W -d thidua_cli status
ok '[ $status -eq 0 ] && grep -q "Password:" $err' '-W forces the prompt'

done_testing

#!/usr/bin/env bash
# The client behaves like PostgreSQL's own: each command's --help, options a
# command does not take refused, unknown blocs and periods refused, tables that
# fit a terminal (-x, expanded when too wide), values that cannot garble it,
# and an install that lands on the PATH.
. "$(dirname "$0")/lib.sh"
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
cli_dir=$(dirname "$THIDUA_CLI")
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_interface"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_interface
export PGDATABASE=thidua_cli_interface
run criteria import "$fixtures/criteria/stp-2019.json"
run criteria publish stp/2019
psql -X -q -v ON_ERROR_STOP=1 -f "$fixtures/zone-2019/setup.sql" >/dev/null || echo "Bail out! setup failed"
psql_quiet "INSERT INTO thidua.period (period_code, year) VALUES ('2020', 2020)" thidua_cli_interface

# longest FILE: the widest line, in characters
longest() { python3 -c 'import sys; print(max([len(l.rstrip("\r\n")) for l in open(sys.argv[1], encoding="utf-8")] or [0]))' "$1"; }

# Every command of the global help has its own help.
run --help
sed -n '/^Commands:/,/^$/p' $out | grep -E '^  [a-z]' | sed -E 's/^  ([a-z]+( [a-z-]+)?) .*/\1/' | sed -E 's/ +$//' > "$work/commands"
ok '[ $(wc -l < "$work/commands") -ge 14 ] && grep -qx "criteria import" "$work/commands" && grep -qx "standings publish" "$work/commands"' 'the global help lists the commands from the table'
ok '[ "$(longest $out)" -le 80 ]' 'the global help fits 80 columns'
while read -r command; do
	# shellcheck disable=SC2086
	run $command --help
	ok '[ $status -eq 0 ] && head -n 1 $out | grep -q "^thidua $command: " && grep -q "^Usage:" $out && grep -q "^  thidua \[OPTION\]\.\.\. $command" $out && grep -q "^Roles: " $out && [ "$(longest $out)" -le 80 ] && [ ! -s $err ]' "$command --help: its usage, options and roles"
done < "$work/commands"
run criteria import --help
ok 'grep -Eq "^  --replace +replace a draft" $out && grep -Eq "^  --format=FORMAT +json or csv" $out && ! grep -q -- "--bloc" $out && grep -q "^Roles: thidua_admin" $out' 'criteria import --help: its own options only'
run standings --help
ok 'grep -q "standings --bloc=BLOC --period=PERIOD \[--published\]" $out && grep -Eq "^  -x, --expanded" $out && grep -q "(required)" $out' 'standings --help: what it needs, and -x'
run -? judges
ok '[ $status -eq 0 ] && head -n 1 $out | grep -q "^thidua judges: "' '-? before the command helps with it'
run criteria import somefile.json --help
ok '[ $status -eq 0 ] && head -n 1 $out | grep -q "^thidua criteria import: "' '--help after the arguments helps with the command'
run criteria --help
ok '[ $status -eq 0 ] && grep -Eq "^  criteria publish +validate" $out && ! grep -q "^  standings" $out' 'criteria --help lists the criteria commands'
run frobnicate --help
ok '[ $status -eq 1 ] && grep -q "unknown command \"frobnicate\"" $err' 'help for an unknown command is an error'

# An option a command does not take is an error, for every command and option.
run --help
sed -n '/^Command options/,/^$/p' $out | grep -Eo -- '^  (-[a-z], )?--[a-z-]+(=[A-Z]+)?' | sed -E 's/^  (-[a-z], )?//' > "$work/options"
ok '[ $(wc -l < "$work/options") -ge 9 ]' 'the global help lists the command options'
refused=0 wrong=0
while read -r command; do
	# shellcheck disable=SC2086
	run $command --help
	cp $out "$work/help"
	while read -r option; do
		name=${option%%=*}
		grep -Eq -- "^  (-[a-z], )?$name([= ]|\$)" "$work/help" && continue
		# shellcheck disable=SC2086
		run $command ${option/=*/=x} ARG
		if [ $status -eq 1 ] && grep -q "option \"$name\" does not apply to \"$command\"" $err && grep -q "Try \"thidua $command --help\"" $err; then
			refused=$((refused + 1))
		else
			wrong=$((wrong + 1))
			echo "# $command $option: status $status: $(cat $err)"
		fi
	done < "$work/options"
done < "$work/commands"
ok '[ $wrong -eq 0 ] && [ $refused -ge 60 ]' "every option a command does not take is refused ($refused refused, $wrong not)"
run explain AG --period 2019 --format json
ok '[ $status -eq 1 ] && grep -q "option \"--format\" does not apply to \"explain\"" $err' 'explain --format json is refused, not ignored'
run standings --bloc tnb --period 2019 --reason x
ok '[ $status -eq 1 ] && grep -q "option \"--reason\" does not apply to \"standings\"" $err' 'standings --reason is refused, not ignored'
run criteria list -x --format csv
ok '[ $status -eq 1 ] && grep -q "option \"-x\" applies to tables, not to --format csv" $err' '-x with --format csv is refused'
run criteria list --format json
ok '[ $status -eq 1 ] && grep -q "unknown format \"json\" (use table or csv)" $err' 'a format the command does not write is refused, naming those it does'
run standings --period 2019
ok '[ $status -eq 1 ] && grep -q "standings needs --bloc" $err' 'a missing required option is named'

# Unknown blocs and periods: exit 1, naming which.
for command in "standings" "standings --published" "standings publish" "judges" "scores import $work/none.csv"; do
	# shellcheck disable=SC2086
	run $command --bloc nope --period 2019
	ok '[ $status -eq 1 ] && grep -q "error: bloc \"nope\" does not exist" $err && grep -q "hint: The blocs and zones are: tnb." $err && [ ! -s $out ]' "$command: an unknown bloc is an error"
	# shellcheck disable=SC2086
	run $command --bloc tnb --period 1999
	ok '[ $status -eq 1 ] && grep -q "error: period \"1999\" does not exist" $err && grep -q "hint: The periods are: 2019, 2020." $err' "$command: an unknown period is an error"
	# shellcheck disable=SC2086
	run $command --bloc tnb --period 2020
	ok '[ $status -eq 1 ] && grep -q "error: bloc \"tnb\" has no settings for period \"2020\"" $err && grep -q "hint: It has settings for the periods: 2019." $err' "$command: a period the bloc has no settings for is an error"
done
run explain AG --period 1999
ok '[ $status -eq 1 ] && grep -q "period \"1999\" does not exist" $err' 'explain: an unknown period is an error'
run explain AG --period 2019 --bloc nope
ok '[ $status -eq 1 ] && grep -q "bloc \"nope\" does not exist" $err' 'explain: an unknown bloc is an error'
run standings --bloc tnb --period 2019 --published
ok '[ $status -eq 1 ] && grep -q "error: the standings of bloc \"tnb\" for period \"2019\" have not been published" $err && grep -q "thidua standings publish --bloc tnb --period 2019" $err && [ ! -s $out ]' '--published with nothing published says so, exit 1'
run standings --bloc tnb --period 2019 --published --format json
ok '[ $status -eq 1 ] && grep -q "have not been published" $err' '--published --format json with nothing published: exit 1 too'
run criteria show nope/1
ok '[ $status -eq 1 ] && grep -q "criteria version \"nope/1\" does not exist" $err' 'criteria show: an unknown version is an error'
run criteria diff stp/2019 nope/1
ok '[ $status -eq 1 ] && grep -q "nope/1" $err' 'criteria diff: an unknown version is an error'
run criteria export nope/1
ok '[ $status -eq 1 ] && grep -q "criteria version \"nope/1\" does not exist" $err' 'criteria export: an unknown version is an error'

# -x: one "column | value" line per field, like psql's \x.
run standings --bloc tnb --period 2019 -x
ok '[ $status -eq 0 ] && grep -Eq "^-\[ RECORD 1 \]-+$" $out && grep -Eq "^name +\| Sở Tư pháp An Giang$" $out && [ $(grep -c "^-\[ RECORD" $out) -eq 13 ] && [ "$(longest $out)" -le 80 ]' '-x prints one record per unit, within 80 columns'
run standings --bloc tnb --period 2019 --expanded
ok '[ $status -eq 0 ] && grep -Eq "^-\[ RECORD 13 \]" $out' '--expanded is -x'
run criteria list -x
ok '[ $status -eq 0 ] && grep -Eq "^-\[ RECORD 1 \]-+$" $out && grep -Eq "^cloned_from \| $" $out && grep -Eq "^version +\| stp/2019$" $out' '-x on criteria list'
run criteria show stp/2019 -x
ok '[ $status -eq 0 ] && grep -Eq "^code +\|   I.1$" $out && [ "$(longest $out)" -le 80 ]' '-x on criteria show, within 80 columns'
run standings --bloc tnb --period 2019
ok '[ $status -eq 0 ] && [ "$(longest $out)" -gt 80 ] && ! grep -q "RECORD" $out' 'piped, a wide table stays a table'

# On a terminal, a table too wide for it turns to the expanded form.
on_tty() { local columns=$1; shift; script -qec "$(printf '%q ' env COLUMNS="$columns" "$THIDUA_CLI" "$@")" /dev/null </dev/null | tr -d '\r' >"$out"; }
if command -v script >/dev/null; then
	on_tty 80 standings --bloc tnb --period 2019
	ok 'grep -Eq "^-\[ RECORD 1 \]" $out && [ "$(longest $out)" -le 80 ]' 'COLUMNS=80 on a terminal: standings expanded, within 80 columns'
	on_tty 200 standings --bloc tnb --period 2019
	ok 'grep -Eq "^ rank \| unit" $out && ! grep -q "RECORD" $out' 'COLUMNS=200 on a terminal: the table as it is'
	on_tty 80 judges --bloc tnb --period 2019
	ok 'grep -Eq "^ judge \| scores \| mean \| mean_offset$" $out' 'a table that fits stays a table on a terminal'
	on_tty 60 criteria show stp/2019
	ok 'grep -Eq "^ code +\| max \| rule" $out && [ "$(longest $out)" -le 60 ]' 'criteria show wraps its titles to the terminal (60 columns)'
else
	ok false 'script (util-linux) is available for the terminal tests'
fi

# Control characters cannot garble the terminal, a line break not the table.
psql_quiet "UPDATE thidua.unit SET name = E'An Giang \x1b[2J\x1b]0;owned\x07 end' WHERE unit_code = 'AG'" thidua_cli_interface
psql_quiet "UPDATE thidua.unit SET name = E'Bạc Liêu\ntỉnh mới' WHERE unit_code = 'BL'" thidua_cli_interface
psql_quiet "UPDATE thidua.unit SET name = E'Cà\tMau\r' WHERE unit_code = 'CM'" thidua_cli_interface
run standings --bloc tnb --period 2019
ok '[ $status -eq 0 ] && ! grep -q $'"'"'\x1b'"'"' $out && ! grep -q $'"'"'\x07'"'"' $out && grep -qF "An Giang \x1B[2J\x1B]0;owned\x07 end" $out' 'control characters print as \xHH escapes'
ok 'grep -qF "Cà      Mau\r " $out && ! grep -q $'"'"'\r'"'"' $out' 'a tab is spaces to the next tab stop, a carriage return \r'
ok 'grep -Eq "^ +[0-9]+ \| BL +\| Bạc Liêu +\+\| member" $out && grep -Eq "^ +\| +\| tỉnh mới +\| +\|" $out' 'a line break continues the cell on the next line, marked +'
widths=$(python3 -c '
import sys
rows = [l for l in open(sys.argv[1], encoding="utf-8") if "|" in l]
print(len({tuple(i for i, c in enumerate(l) if c == "|") for l in rows}))' $out)
ok '[ "$widths" = 1 ]' 'the table stays aligned around escapes and line breaks'
run standings --bloc tnb --period 2019 -x
ok '! grep -q $'"'"'\x1b'"'"' $out && grep -Eq "^name +\| Bạc Liêu +\+$" $out && grep -Eq "^ +\| tỉnh mới$" $out' '-x: escapes and line breaks too'
run explain AG --period 2019
ok '[ $status -eq 0 ] && ! grep -q $'"'"'\x1b'"'"' $out && grep -qF "unit:        AG (An Giang \x1B[2J" $out' 'explain escapes the unit name'
run standings --bloc tnb --period 2019 --format csv
ok 'grep -q $'"'"'\x1b'"'"' $out' 'CSV keeps values as they are (data, not display)'

# make install puts the client on the PATH, and says where.
cli_make() {
	make -s -C "$cli_dir" PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" \
		EXTVERSION="$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$cli_dir/../thidua.control")" "$@" >"$out" 2>"$err"
}
cli_make install DESTDIR="$work/dest"
ok '[ -x "$work/dest/usr/local/bin/thidua" ] && grep -qx "installed thidua in $work/dest/usr/local/bin" $out' 'make install: /usr/local/bin by default, honouring DESTDIR, and says so'
cli_make install bindir="$work/bin"
ok '[ -x "$work/bin/thidua" ] && grep -qx "installed thidua in $work/bin" $out' 'make install bindir=DIR'
cli_make install prefix="$work/opt"
ok '[ -x "$work/opt/bin/thidua" ]' 'make install prefix=DIR'
found=$(env -i PATH=/usr/local/bin:/usr/bin:/bin sh -c 'command -v thidua')
ok '[ "$found" = /usr/local/bin/thidua ] && cmp -s /usr/local/bin/thidua "$THIDUA_CLI"' "the test run's make install put this client on Debian's default PATH ($found)"

done_testing

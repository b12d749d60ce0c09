#!/usr/bin/env bash
# A backup restores: plain and custom-format dumps of a database holding every
# kind of thidua data (drafts, published and retired criteria versions and
# rulebook versions, units,
# people, a closed period, scores, adjustments, published standings with a
# correction) restore with the ordinary commands, every row identical, and the
# protections of published and closed data hold afterwards.
. "$(dirname "$0")/../cli/lib.sh"
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
source_db=thidua_backup_source

psql_quiet "CREATE DATABASE $source_db"
psql_quiet "CREATE EXTENSION thidua; SELECT thidua.create_roles()" $source_db
export PGDATABASE=$source_db
run criteria import "$fixtures/criteria/stp-2019.json"
run criteria publish stp/2019 --note "Quyết định 01/QĐ-STP"
run criteria clone stp/2019 2018
run criteria publish stp/2018
run criteria retire stp/2018 --note "superseded"
run criteria clone stp/2019 2020
rulebooks=$(cd "$(dirname "$0")/../../rulebooks" && pwd)
for edition in 2018 2024 2025-09; do
	run rulebook import "$rulebooks/justice-$edition.json"
done
run rulebook publish justice/2018 --note "LAW.md"
run rulebook retire justice/2018 --note "Law 06/2022"
run rulebook publish justice/2024
psql -X -q -v ON_ERROR_STOP=1 -f "$fixtures/zone-2019/setup.sql" >/dev/null || echo "Bail out! setup failed"
run scores import "$fixtures/zone-2019/scores.csv" --bloc tnb --period 2019
ok '[ $status -eq 0 ]' 'the source database holds the 2019 zone scores'
psql_quiet "
	INSERT INTO thidua.individual (person_code, full_name, sex, date_of_birth)
		VALUES ('p1', 'Nguyễn Thị Hoa', 'female', DATE '1975-04-02');
	INSERT INTO thidua.membership (person_code, unit_code, valid_from) VALUES ('p1', 'CT', DATE '2001-07-01');
	INSERT INTO thidua.post_held (person_code, unit_code, post, valid_from)
		VALUES ('p1', 'CT', 'giám đốc', DATE '2015-01-01');
	INSERT INTO thidua.adjustment (bloc_code, period_code, unit_code, points, reason, made_by)
		VALUES ('tnb', '2019', 'AG', -0.5, 'Báo cáo thẩm định chậm', 'Bộ Tư pháp');
	SELECT thidua.publish_standings('tnb', '2019');
	SELECT thidua.publish_standings('tnb', '2019', 'đính chính sau thẩm định');
	SELECT thidua.close_period('2019');
	INSERT INTO thidua.period (period_code, year) VALUES ('2020', 2020);" $source_db

# Every row of every thidua table, as one digest per table (from the catalog,
# so a new table cannot be left out).
content() {
	psql -X -At -d "$1" <<'SQL'
SELECT format('%s %s %s', c.relname,
	(xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM thidua.%I', c.relname), false, true, '')))[1],
	(xpath('/row/d/text()', query_to_xml(format(
		'SELECT md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) AS d FROM thidua.%I t',
		c.relname), false, true, '')))[1])
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'thidua' AND c.relkind = 'r'
UNION ALL
SELECT format('sequence %s %s', c.relname, pg_sequence_last_value(c.oid))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'thidua' AND c.relkind = 'S'
ORDER BY 1
SQL
}
content $source_db > "$work/source.txt"
ok '[ $(grep -c . "$work/source.txt") -gt 20 ] && ! grep -Eq "^(observation|standing_row|criteria_item|criteria_version_event|period|rulebook_entry|rulebook_version_event) 0 " "$work/source.txt"' \
	'the source holds rows in every kind of table'

# The protections that must hold in a restored database, for the superuser and
# for a role holding every privilege on every thidua table.
frozen_checks() {
	local db=$1 who=$2
	psql -X -U "$who" -d "$db" -c "UPDATE thidua.criteria_item SET max_points = 99 WHERE version_code = 'stp/2019' AND code = 'I.1'" >/dev/null 2>"$err"
	ok 'grep -q "is published: its criteria items cannot be changed" $err' "$db as $who: a published version's items cannot change"
	psql -X -U "$who" -d "$db" -c "INSERT INTO thidua.criteria_item (version_code, code, kind, title, position) VALUES ('stp/2019', 'Z', 'section', 'extra', 999)" >/dev/null 2>"$err"
	ok 'grep -q "is published" $err' "$db as $who: nothing can be added to a published version"
	psql -X -U "$who" -d "$db" -c "UPDATE thidua.rulebook_entry SET quota = NULL WHERE version_code = 'justice/2018'" >/dev/null 2>"$err"
	ok 'grep -q "rulebook version \"justice/2018\" is retired: its entries cannot be changed" $err' "$db as $who: a retired rulebook version's entries cannot change"
	psql -X -U "$who" -d "$db" -c "DELETE FROM thidua.observation WHERE criterion_code = 'I.1'" >/dev/null 2>"$err"
	ok 'grep -q "closed" $err' "$db as $who: the closed period's observations cannot be deleted"
	psql -X -U "$who" -d "$db" -c "TRUNCATE thidua.observation CASCADE" >/dev/null 2>"$err"
	ok 'grep -qi "cannot be truncated" $err' "$db as $who: observations cannot be truncated"
	psql -X -U "$who" -d "$db" -c "DELETE FROM thidua.standing_row" >/dev/null 2>"$err"
	ok 'grep -q "append-only" $err' "$db as $who: published standings are append-only"
	psql -X -U "$who" -d "$db" -c "UPDATE thidua.period SET status = 'open' WHERE period_code = '2019'" >/dev/null 2>"$err"
	ok 'grep -q "reopened only with a reason" $err' "$db as $who: a closed period is not reopened by UPDATE"
}
protections() {
	local db=$1
	psql_quiet "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backup_probe') THEN CREATE ROLE backup_probe LOGIN BYPASSRLS; END IF; END \$\$;
		GRANT thidua_admin TO backup_probe;
		GRANT ALL ON ALL TABLES IN SCHEMA thidua TO backup_probe;
		GRANT ALL ON ALL SEQUENCES IN SCHEMA thidua TO backup_probe" "$db"
	frozen_checks "$db" postgres
	frozen_checks "$db" backup_probe
	# Life goes on: new drafts, publications and their history after the restore.
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT thidua.publish_version('stp/2020', 'after restore')" >/dev/null 2>"$err"
	ok '[ $? -eq 0 ] || ! grep -q . $err' "$db: a draft restored as a draft can be published"
	ok '[ "$(psql -X -At -d "$db" -c "SELECT count(*) FROM thidua.criteria_version_event WHERE version_code = '"'"'stp/2020'"'"'")" = 2 ]' \
		"$db: its history continues without duplicates"
}

# Custom format, pg_restore into a fresh database.
pg_dump -Fc -f "$work/backup.dump" $source_db 2>"$err"
ok '[ $? -eq 0 ] && [ -s "$work/backup.dump" ]' 'pg_dump -Fc writes the backup'
psql_quiet "CREATE DATABASE thidua_restored_custom"
pg_restore -d thidua_restored_custom "$work/backup.dump" >"$out" 2>"$err"
status=$?
ok '[ $status -eq 0 ] && ! grep -q . $err' 'pg_restore -d restores it without an error'
content thidua_restored_custom > "$work/custom.txt"
ok 'diff "$work/source.txt" "$work/custom.txt" >&2' 'every thidua row is identical after pg_restore'
protections thidua_restored_custom

# Plain format, fed to psql.
pg_dump -f "$work/backup.sql" $source_db 2>"$err"
ok '[ $? -eq 0 ] && [ -s "$work/backup.sql" ]' 'pg_dump writes a plain backup'
psql_quiet "CREATE DATABASE thidua_restored_plain"
psql -X -q -v ON_ERROR_STOP=1 -d thidua_restored_plain -f "$work/backup.sql" >"$out" 2>"$err"
status=$?
ok '[ $status -eq 0 ] && ! grep -q . $err' 'psql -f restores the plain backup without an error'
content thidua_restored_plain > "$work/plain.txt"
ok 'diff "$work/source.txt" "$work/plain.txt" >&2' 'every thidua row is identical after psql -f'
protections thidua_restored_plain

# The source itself keeps its protections (the same checks).
protections $source_db
done_testing

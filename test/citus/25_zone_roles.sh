# A zone set up and scored by login roles, not by a superuser: on Citus no
# thidua role writes thidua's tables directly (thidua.distribute()), so the
# set-up, period and publication functions and import_scores run with the
# owner's rights. An administrator (thidua_admin) sets up a small bloc through
# the client; a clerk (thidua_scorer, mapped to one unit in thidua.role_unit)
# imports its unit's scores and nothing else; both are refused alike on one
# server and on Citus; who acted is recorded as the login role, not the owner.

cli=$THIDUA_CLI
admin=zone_roles_admin
clerk=zone_roles_clerk

# The criteria version (another part may have imported and published it).
criteria_ready() {
	"$cli" criteria list --format csv 2>/dev/null | grep -q '^stp/2019,published,' && return 0
	"$cli" criteria import test/fixtures/criteria/stp-2019.json &&
		"$cli" criteria publish stp/2019 --note "Quyết định ban hành Bảng tiêu chí năm 2019"
}
both "criteria stp/2019 imported and published" criteria_ready

# Login roles (cluster-wide: Citus carries them to the workers).
both "login roles: an administrator and a clerk" psql -X -q -v ON_ERROR_STOP=1 \
	-c "CREATE ROLE $admin LOGIN IN ROLE thidua_admin" -c "CREATE ROLE $clerk LOGIN IN ROLE thidua_scorer"

work=$CITUS_WORK/zone-roles
mkdir -p "$work"
printf 'code,name,parent,kind\nZR,Sở Tư pháp thử,,agency\nZRA,Phòng A,ZR,department\nZRB,Phòng B,ZR,department\nZRC,Phòng C,ZR,department\nZRD,Phòng D,ZR,department\n' \
	>"$work/units.csv"
printf 'code,name,sex,date_of_birth,unit,unit_from,post,post_from\nZR001,Nguyễn Văn Thử,nam,1980-05-01,ZRA,2015-01-01,trưởng phòng,2020-01-01\nZR002,Trần Thị Thử,nữ,1985-07-02,ZRB,2016-03-01,,\n' \
	>"$work/people.csv"
printf 'unit,role\nZRA,head\nZRB,deputy\nZRC,member\nZRD,member\n' >"$work/members.csv"
printf 'unit,signed_on,target,value\nZRA,2031-02-15,Tỷ lệ giải quyết hồ sơ đúng hạn,95\nZRB,2031-02-15,Tỷ lệ giải quyết hồ sơ đúng hạn,90\n' \
	>"$work/pact.csv"

# The administrator sets the bloc up through the client.
AS_ROLE=$admin
same "admin: units import" "$cli" units import "$work/units.csv"
same "admin: people import" "$cli" people import "$work/people.csv"
same "admin: period open" "$cli" period open zr2031 --year 2031
same "admin: bloc create" "$cli" bloc create zr "Khối thử của các phòng" --kind bloc
same "admin: bloc settings" "$cli" bloc settings zr --period zr2031 --criteria stp/2019 --method mean --quorum 1
same "admin: bloc members" "$cli" bloc members "$work/members.csv" --bloc zr --period zr2031
same "admin: pact import" "$cli" pact import "$work/pact.csv" --bloc zr --period zr2031
same "admin: recusal add" "$cli" recusal add ZRC --judge ZRB --bloc zr --period zr2031 --reason "Trưởng phòng B nguyên là trưởng phòng C"
same "admin: veto add" "$cli" veto add ZRC --bloc zr --period zr2031 --reason "Một công chức bị kỷ luật"
same "admin: veto remove" "$cli" veto remove ZRC --bloc zr --period zr2031 --reason "Đã xem xét lại"
same "admin: bloc withdraw" "$cli" bloc withdraw ZRD --bloc zr --period zr2031 --date 2031-06-30 --reason "Giải thể"
same "admin: bloc show" "$cli" bloc show zr --period zr2031
unset AS_ROLE
# (the role_unit mapping: on Citus a table no role writes directly)
both "the clerk acts for ZRA (thidua.role_unit)" psql -X -q -v ON_ERROR_STOP=1 \
	-c "INSERT INTO thidua.role_unit VALUES ('$clerk', 'ZRA')"

# The clerk: its unit's self-assessment and the peer scores it gives.
printf 'unit,judge,criterion,observed,evidence\nZRA,self,I.1,1,\nZRA,self,I.2,90,\nZRB,ZRA,I.1,1,\nZRB,ZRA,I.2,80,\nZRC,ZRA,I.2,70,\n' \
	>"$work/zra.csv"
printf 'unit,judge,criterion,observed,evidence\nZRA,self,I.3,100,\nZRA,ZRB,I.2,50,\n' >"$work/forged.csv"
printf 'unit,judge,criterion,observed,evidence\nZRB,self,I.1,1,\n' >"$work/other-self.csv"
printf 'unit,judge,criterion,observed,evidence\nZRA,self,I.3,100,\n' >"$work/late.csv"
AS_ROLE=$clerk
same "clerk: imports what its unit gives" "$cli" scores import "$work/zra.csv" --bloc zr --period zr2031
same_refusal "clerk: a peer score in another judge's name is refused, naming the line" \
	"$cli" scores import "$work/forged.csv" --bloc zr --period zr2031
same_refusal "clerk: another unit's self-assessment is refused" \
	"$cli" scores import "$work/other-self.csv" --bloc zr --period zr2031
same "clerk: sees its own evaluations only" psql -X -q -A -F '|' -P footer=off \
	-c "SELECT unit_code, stage, judge_code, created_by FROM thidua.evaluation WHERE bloc_code = 'zr' ORDER BY 1, 2, 3"
# (one server: row-level security; Citus: no direct write at all; both insufficient_privilege)
same_refusal "clerk: no direct write of a score in another judge's name" psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=sqlstate \
	-c "INSERT INTO thidua.evaluation (bloc_code, period_code, unit_code, stage, judge_code) VALUES ('zr', 'zr2031', 'ZRA', 'peer', 'ZRB')"
same_refusal "clerk: no direct write of the bloc" psql -X -q -v ON_ERROR_STOP=1 \
	-c "INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code) VALUES ('zr', 'zr2031', 'ZR')"
same_refusal "clerk: no set-up function" psql -X -q -v ON_ERROR_STOP=1 -c "SELECT thidua.add_veto('zr', 'zr2031', 'ZRB', 'x')"
same_refusal "clerk: no period closing" "$cli" period close zr2031
unset AS_ROLE
is "the clerk's refused files stored nothing" \
	"$(sql_citus "SELECT count(*) FROM thidua.observation WHERE bloc_code = 'zr'")|$(sql_single "SELECT count(*) FROM thidua.observation WHERE bloc_code = 'zr'")" "5|5"

# The administrator ranks, publishes and closes; a closed period then refuses
# the clerk and the administrator alike.
AS_ROLE=$admin
same "admin: standings" "$cli" standings --bloc zr --period zr2031
same "admin: standings publish" "$cli" standings publish --bloc zr --period zr2031
same "admin: bloc remove (a member nothing names)" sh -c 'printf "unit,role\nZR,member\n" >"$2/zr.csv" &&
	"$1" bloc members "$2/zr.csv" --bloc zr --period zr2031 && "$1" bloc remove ZR --bloc zr --period zr2031' sh "$cli" "$work"
same "admin: period close" "$cli" period close zr2031 --reason "Tổng kết năm 2031"
unset AS_ROLE
AS_ROLE=$clerk same_refusal "closed: the clerk's scores are refused" "$cli" scores import "$work/late.csv" --bloc zr --period zr2031
AS_ROLE=$admin same_refusal "closed: the administrator's scores are refused alike" "$cli" scores import "$work/late.csv" --bloc zr --period zr2031
AS_ROLE=$admin same_refusal "closed: the administrator's veto is refused" "$cli" veto add ZRB --bloc zr --period zr2031 --reason "Kỷ luật"
AS_ROLE=$admin same_refusal "closed: the administrator's members are refused" "$cli" bloc withdraw ZRC --bloc zr --period zr2031 --date 2031-12-01 --reason "Giải thể"
AS_ROLE=$admin same_refusal "closed: no publication" "$cli" standings publish --bloc zr --period zr2031 --reason "Sửa"
AS_ROLE=$admin same "admin: period reopen" "$cli" period reopen zr2031 --reason "Điều chỉnh theo kết luận thanh tra"

# Who acted: the login roles, never the functions' owner.
same "recorded: the clerk filed its evaluations" psql -X -At -c "SELECT DISTINCT created_by FROM thidua.evaluation WHERE bloc_code = 'zr'"
same "recorded: the administrator closed and reopened the period" psql -X -At \
	-c "SELECT from_status, to_status, reason, changed_by FROM thidua.period_event WHERE period_code = 'zr2031' ORDER BY event_id"
same "recorded: the administrator lifted the veto and published" psql -X -At \
	-c "SELECT lifted_by FROM thidua.veto WHERE bloc_code = 'zr'" -c "SELECT revision, published_by FROM thidua.standing_revision WHERE bloc_code = 'zr'"
is "recorded on Citus: the clerk and the administrator, by name" \
	"$(sql_citus "SELECT string_agg(DISTINCT created_by, ',') FROM thidua.evaluation WHERE bloc_code = 'zr'")|$(sql_citus "SELECT string_agg(DISTINCT changed_by, ',') FROM thidua.period_event WHERE period_code = 'zr2031'")" \
	"$clerk|$admin"

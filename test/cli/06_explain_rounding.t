#!/usr/bin/env bash
# explain's messages, and figures shown with the digits their class and rank need
# (case F11 of 2026-11-29: X 85.3333... against Y 85.33; 89.995 is class B).
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work" "$out" "$err"' EXIT
psql_quiet "CREATE DATABASE thidua_cli_rounding"
psql_quiet "CREATE EXTENSION thidua" thidua_cli_rounding
export PGDATABASE=thidua_cli_rounding
cat > "$work/F11-criteria.csv" <<'CSV'
kind,code,parent,title,max,rule,params
set,rc,,Thử làm tròn điểm bình quân trước khi xếp hạng,,,
version,2025,,Bảng thử năm 2025,,,rounding_scale=2; tie_break=total section:I
class,A,,Xuất sắc,,,min=90
class,B,,Tốt,,,min=80
class,D,,Còn lại,,,
section,I,,Nhiệm vụ trọng tâm,50,,
criterion,I.1,I,Kết quả nhiệm vụ trọng tâm,50,manual,
section,II,,Nhiệm vụ khác,50,,
criterion,II.1,II,Kết quả nhiệm vụ khác,50,manual,
CSV
cat > "$work/F11-scores.csv" <<'CSV'
unit,judge,criterion,observed,evidence
X,J1,I.1,40,
X,J1,II.1,45.33,
X,J2,I.1,40,
X,J2,II.1,45.33,
X,J3,I.1,40,
X,J3,II.1,45.34,
Y,J1,I.1,45,
Y,J1,II.1,40.33,
Y,J2,I.1,45,
Y,J2,II.1,40.33,
Y,J3,I.1,45,
Y,J3,II.1,40.33,
CSV
run criteria import "$work/F11-criteria.csv"
run criteria publish rc/2025
ok '[ $status -eq 0 ]' 'the F11 criteria import and publish'
run criteria show rc/2025
ok '[ $status -eq 0 ] && grep -q "^averaged results: exact" $out' 'criteria show states the rounding of averaged results'
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || echo "Bail out! setup failed"
INSERT INTO thidua.unit (unit_code, name) VALUES ('X','Đơn vị X'),('Y','Đơn vị Y'),('J1','Giám khảo 1'),('J2','Giám khảo 2'),('J3','Giám khảo 3');
INSERT INTO thidua.period (period_code, year) VALUES ('2025', 2025);
INSERT INTO thidua.bloc VALUES ('k11', 'Cụm thử làm tròn', 'zone'), ('k12', 'Cụm chưa chấm', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k11', '2025', 'rc/2025', 'mean', 0, 3), ('k12', '2025', 'rc/2025', 'mean', 0, 1);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role) VALUES
  ('k11','2025','J1','head'),('k11','2025','J2','member'),('k11','2025','J3','member'),('k11','2025','X','member'),('k11','2025','Y','member'),
  ('k12','2025','X','head'),('k12','2025','J1','member');
SQL

# A bloc with no scores yet: explain answers, with empty lists.
run explain X --period 2025 --bloc k12
ok '[ $status -eq 0 ] && grep -q "final -, class -; no_peer_score" $out && grep -q "^Neighbours:" $out' 'explain: a bloc with no scores yet'
# A unit in two blocs that year: the bloc is asked for, the blocs listed.
run explain X --period 2025
ok '[ $status -eq 1 ] && grep -q "unit \"X\" is a member of 2 blocs in period \"2025\": k11, k12" $err && grep -q -- "--bloc B" $err && [ ! -s $out ]' 'explain: a unit in two blocs needs --bloc'

run scores import "$work/F11-scores.csv" --bloc k11 --period 2025
ok '[ $status -eq 0 ]' 'the F11 scores import'
# exact: X 85.3333... before Y 85.33, shown with the third decimal that tells them apart
run standings --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -Eq "^ +1 \| X +\|.*\| +85\.333 \| B " $out && grep -Eq "^ +2 \| Y +\|.*\| +85\.330 \| B " $out' 'exact: X first, shown 85.333 against 85.330'
run explain Y --period 2025 --bloc k11
ok '[ $status -eq 0 ] && grep -q "^rounding:    exact (set by the criteria version \"rc/2025\")" $out && grep -q "rank 2, final 85.330, class B" $out && grep -Eq "^ X +\| +1 \| +85\.333 \| total" $out' 'explain: the setting, and X ahead on the total'
# the bloc rounds to 2 decimals: a tie on 85.33, Y first on section I
psql_quiet "UPDATE thidua.bloc_period SET result_rounding = '2' WHERE bloc_code = 'k11'" thidua_cli_rounding
run standings --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -Eq "^ +1 \| Y +\|.*\| +85\.33 \| B " $out && grep -Eq "^ +2 \| X +\|.*\| +85\.33 \| B " $out' 'rounded to 2: Y first'
run explain X --period 2025 --bloc k11
ok '[ $status -eq 0 ] && grep -q "^rounding:    2 decimals, half away from zero (set by the bloc \"k11\" for period" $out && grep -q "^  *\"2025\")$" $out && grep -Eq "^ Y +\| +1 \| +85\.33 \| section:I" $out' 'explain: the setting of the bloc, and section I'

# 89.99 and 90 from two judges: 89.995, class B, never shown as 90.00
psql_quiet "UPDATE thidua.bloc_period SET result_rounding = NULL WHERE bloc_code = 'k11'" thidua_cli_rounding
psql_quiet "UPDATE thidua.observation o SET observed = CASE e.judge_code WHEN 'J1' THEN 44.99 ELSE 45 END FROM thidua.evaluation e WHERE e.evaluation_id = o.evaluation_id AND e.unit_code = 'Y' AND o.criterion_code = 'II.1'" thidua_cli_rounding
psql_quiet "DELETE FROM thidua.evaluation WHERE unit_code = 'Y' AND judge_code = 'J3'" thidua_cli_rounding
run standings --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -Eq "^ +1 \| Y +\|.*\| +89\.995 \| B " $out && ! grep -q "90\.00" $out' 'exact: 89.995 is shown as 89.995, class B'
run standings --bloc k11 --period 2025 --format csv
ok 'grep -q "^1,Y,.*,89.9950000000000000,B," $out' 'CSV: the exact figure'
psql_quiet "UPDATE thidua.bloc_period SET result_rounding = '2' WHERE bloc_code = 'k11'" thidua_cli_rounding
run standings --bloc k11 --period 2025
ok '[ $status -eq 0 ] && grep -Eq "^ +1 \| Y +\|.*\| +90\.00 \| A " $out' 'rounded to 2: 90.00, class A'

# F08: a target per unit from the pact, points relative to the bloc's leader
cat > "$work/F08-criteria.csv" <<'CSV'
kind,code,parent,title,max,rule,params
set,lr,,Thử chấm theo chỉ tiêu riêng và đơn vị dẫn đầu cụm,,,
version,2025,,Bảng thử năm 2025,,,rounding_scale=2; tie_break=total
class,A,,Xuất sắc,,,min=9
class,D,,Còn lại,,,
section,I,,Chỉ tiêu định lượng,10,,
criterion,I.1,I,Kết quả so với chỉ tiêu được giao của đơn vị (%),10,leader_relative,target=pact
CSV
printf 'unit,judge,criterion,observed,evidence\nU1,U2,I.1,120,\nU2,U1,I.1,80,\nU3,U1,I.1,40,\n' > "$work/F08-scores.csv"
run criteria import "$work/F08-criteria.csv"
run criteria publish lr/2025
run criteria show lr/2025
ok '[ $status -eq 0 ] && grep -Eq "I.1 .*\| leader_relative \|" $out && grep -Eq "^ +\| +\| +\| target=pact" $out' 'criteria show: a leader_relative criterion with its target from the pact'
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || echo "Bail out! setup failed"
INSERT INTO thidua.unit (unit_code, name) VALUES ('U1','Đơn vị 1'),('U2','Đơn vị 2'),('U3','Đơn vị 3');
INSERT INTO thidua.bloc VALUES ('k8', 'Cụm thử chỉ tiêu riêng', 'zone');
INSERT INTO thidua.bloc_period VALUES ('k8', '2025', 'lr/2025', 'mean', 0, 1);
INSERT INTO thidua.bloc_member (bloc_code, period_code, unit_code, role) VALUES ('k8','2025','U1','head'),('k8','2025','U2','member'),('k8','2025','U3','member');
INSERT INTO thidua.pact (bloc_code, period_code, unit_code, signed_on, targets) VALUES
 ('k8','2025','U1','2025-01-15','{"I.1": 100}'),('k8','2025','U2','2025-01-15','{"I.1": 80}'),('k8','2025','U3','2025-01-15','{"I.1": 50}');
SQL
run scores import "$work/F08-scores.csv" --bloc k8 --period 2025
run standings --bloc k8 --period 2025 --format csv
ok '[ $status -eq 0 ] && grep -q "^1,U1,.*,10.0000000000000000,A," $out && grep -q "^2,U2,.*,5.0000000000000000,D," $out && grep -q "^3,U3,.*,4.0000000000000000,D," $out' 'F08: 10, 5, 4'
run explain U2 --period 2025 --bloc k8
ok '[ $status -eq 0 ] && grep -Eq "^ I.1 +\| peer +\| U1 +\| 80 +\| 80 +\| 120 of 100 \| 5.00" $out' 'explain: the target and the leader of a score in the bloc'

done_testing

-- thidua SQL source: the award catalog.
-- Holds the ordered scales completion_rating, initiative_scope and
-- discipline_severity; table award (emulation titles and forms of award, with
-- their ladders) and the catalog shipped with the extension.
--
-- The catalog names what may be awarded; the rules for each award live in
-- rulebook versions (44_rulebook_model.sql), which change with the law while
-- an award's identity does not.

-- The yearly rating of a person or unit (xếp loại mức độ hoàn thành nhiệm vụ),
-- worst first so that >= compares as the law does: HTXSNV > HTTNV > HTNV > KHTNV.
CREATE TYPE thidua.completion_rating AS ENUM ('KHTNV', 'HTNV', 'HTTNV', 'HTXSNV');
COMMENT ON TYPE thidua.completion_rating IS
	'yearly task-completion rating, ordered: KHTNV (không hoàn thành) < HTNV (hoàn thành) < HTTNV (hoàn thành tốt) < HTXSNV (hoàn thành xuất sắc nhiệm vụ)';

-- The scope at which an initiative (sáng kiến) is recognised, narrowest first.
CREATE TYPE thidua.initiative_scope AS ENUM ('grassroots', 'ministry_province', 'national');
COMMENT ON TYPE thidua.initiative_scope IS
	'scope of an initiative''s recognition, ordered: grassroots (cơ sở) < ministry_province (cấp bộ, cấp tỉnh) < national (toàn quốc)';

-- Disciplinary measures for civil servants, lightest first (Law on Cadres and
-- Civil Servants): reprimand, warning, demotion, removal from post, dismissal.
CREATE TYPE thidua.discipline_severity AS ENUM ('reprimand', 'warning', 'demotion', 'removal', 'dismissal');
COMMENT ON TYPE thidua.discipline_severity IS
	'disciplinary measures, ordered: reprimand (khiển trách) < warning (cảnh cáo) < demotion (hạ bậc lương, giáng chức) < removal (cách chức) < dismissal (buộc thôi việc)';

CREATE TABLE thidua.award (
	award_code text PRIMARY KEY CHECK (award_code ~ '^[[:alnum:]][[:alnum:]._-]{0,63}$')
		CONSTRAINT award_code_in_nfc CHECK (thidua._is_nfc(award_code)),
	name text NOT NULL CHECK (name <> '')
		CONSTRAINT award_name_in_nfc CHECK (thidua._is_nfc(name))
		CONSTRAINT award_name_at_most_300_characters CHECK (char_length(name) <= 300),
	-- who receives it
	subject text NOT NULL CHECK (subject IN ('individual', 'collective')),
	-- an emulation title (danh hiệu thi đua) or a form of award (hình thức khen thưởng)
	category text NOT NULL CHECK (category IN ('title', 'form')),
	level text NOT NULL CHECK (level IN ('grassroots', 'ministry_province', 'national')),
	issuer text NOT NULL CHECK (issuer <> '')
		CONSTRAINT award_issuer_in_nfc CHECK (thidua._is_nfc(issuer))
		CONSTRAINT award_issuer_at_most_300_characters CHECK (char_length(issuer) <= 300),
	-- the usual occasion; a record may state another (a Bằng khen given for a campaign is thematic)
	kind text NOT NULL CHECK (kind IN ('yearly', 'thematic', 'ad_hoc', 'career')),
	once_only boolean NOT NULL DEFAULT false,
	-- the next rung of its ladder (LĐTT -> CSTĐCS -> CSTĐ cấp bộ/tỉnh -> CSTĐ toàn quốc)
	ladder_next text REFERENCES thidua.award,
	-- shipped with the extension (dumps keep the others only)
	builtin boolean NOT NULL DEFAULT false,
	CHECK (ladder_next IS DISTINCT FROM award_code)
);
COMMENT ON TABLE thidua.award IS
	'the award catalog: emulation titles and forms of award, with subject, level, issuer, kind, once-only and ladder';

CREATE TRIGGER award_nfc BEFORE INSERT OR UPDATE ON thidua.award
	FOR EACH ROW EXECUTE FUNCTION thidua._store_nfc('name', 'issuer');

-- The national titles (Law 06/2022/QH15 Arts. 21-28) and the justice sector's forms.
INSERT INTO thidua.award (award_code, name, subject, category, level, issuer, kind, once_only, builtin) VALUES
	('LDTT', 'Lao động tiên tiến', 'individual', 'title', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('CSTDCS', 'Chiến sĩ thi đua cơ sở', 'individual', 'title', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('CSTD-BT', 'Chiến sĩ thi đua cấp bộ, ban, ngành, tỉnh', 'individual', 'title', 'ministry_province', 'Bộ trưởng, Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('CSTD-TQ', 'Chiến sĩ thi đua toàn quốc', 'individual', 'title', 'national', 'Thủ tướng Chính phủ', 'yearly', false, true),
	('TTLDTT', 'Tập thể lao động tiên tiến', 'collective', 'title', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('TTLDXS', 'Tập thể lao động xuất sắc', 'collective', 'title', 'ministry_province', 'Bộ trưởng, Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('CTD-BT', 'Cờ thi đua cấp bộ, ban, ngành, tỉnh', 'collective', 'title', 'ministry_province', 'Bộ trưởng, Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('CTD-CP', 'Cờ thi đua của Chính phủ', 'collective', 'title', 'national', 'Thủ tướng Chính phủ', 'yearly', false, true),
	('GK', 'Giấy khen', 'individual', 'form', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('GK-TT', 'Giấy khen (tập thể)', 'collective', 'form', 'grassroots', 'Thủ trưởng cơ quan, đơn vị', 'yearly', false, true),
	('BK-BTP', 'Bằng khen của Bộ trưởng Bộ Tư pháp', 'individual', 'form', 'ministry_province', 'Bộ trưởng Bộ Tư pháp', 'yearly', false, true),
	('BK-BTP-TT', 'Bằng khen của Bộ trưởng Bộ Tư pháp (tập thể)', 'collective', 'form', 'ministry_province', 'Bộ trưởng Bộ Tư pháp', 'yearly', false, true),
	('BK-UBT', 'Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh', 'individual', 'form', 'ministry_province', 'Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('BK-UBT-TT', 'Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh (tập thể)', 'collective', 'form', 'ministry_province', 'Chủ tịch Ủy ban nhân dân tỉnh', 'yearly', false, true),
	('BK-TTG', 'Bằng khen của Thủ tướng Chính phủ', 'individual', 'form', 'national', 'Thủ tướng Chính phủ', 'yearly', false, true),
	('BK-TTG-TT', 'Bằng khen của Thủ tướng Chính phủ (tập thể)', 'collective', 'form', 'national', 'Thủ tướng Chính phủ', 'yearly', false, true),
	('KNC-TP', 'Kỷ niệm chương "Vì sự nghiệp Tư pháp"', 'individual', 'form', 'ministry_province', 'Bộ trưởng Bộ Tư pháp', 'career', true, true);
UPDATE thidua.award SET ladder_next = next.code
	FROM (VALUES ('LDTT', 'CSTDCS'), ('CSTDCS', 'CSTD-BT'), ('CSTD-BT', 'CSTD-TQ'),
				 ('TTLDTT', 'TTLDXS'), ('TTLDXS', 'CTD-BT'), ('CTD-BT', 'CTD-CP')) AS next(award, code)
	WHERE award_code = next.award;

SELECT pg_catalog.pg_extension_config_dump('thidua.award', 'WHERE NOT builtin');

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname OPERATOR(pg_catalog.=) 'vi-x-icu') THEN
		ALTER TABLE thidua.award ALTER COLUMN name TYPE text COLLATE pg_catalog."vi-x-icu";
	END IF;
END
$$;

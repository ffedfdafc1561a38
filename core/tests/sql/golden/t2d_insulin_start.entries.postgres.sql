WITH
ben AS (
  SELECT t.BEN_NIR_PSA AS nir, COALESCE(t.BEN_RNG_GEM, 0) AS rnk, MIN(t.BEN_SEX_COD) AS sx,
    MIN(TRIM(t.BEN_NAI_ANN)) AS ann, MIN(TRIM(t.BEN_NAI_MOI)) AS moi,
    MIN(UPPER(TRIM(t.BEN_RES_DPT))) AS dpt, MIN(t.BEN_DCD_DTE) AS dcd
  FROM IR_BEN_R t
  WHERE t.BEN_NIR_PSA IS NOT NULL
  GROUP BY t.BEN_NIR_PSA, COALESCE(t.BEN_RNG_GEM, 0)
),
pers AS (
  SELECT b.nir, b.rnk,
    CASE WHEN b.sx = 1 THEN 1 WHEN b.sx = 2 THEN 2 ELSE 9 END AS sex,
    CAST(b.ann AS BIGINT) AS bya, CASE WHEN b.moi IS NULL OR b.moi = '' THEN 1 ELSE CAST(b.moi AS BIGINT) END AS bm,
    CAST(CAST(make_date(CAST(CAST(b.ann AS BIGINT) AS INTEGER), CAST(CASE WHEN b.moi IS NULL OR b.moi = '' THEN 1 ELSE CAST(b.moi AS BIGINT) END AS INTEGER), CAST(15 AS INTEGER)) AS DATE) - DATE '1970-01-01' AS BIGINT) AS birth,
    CASE WHEN b.dcd IS NULL THEN NULL ELSE CAST(CAST(b.dcd AS DATE) - DATE '1970-01-01' AS BIGINT) END AS death,
    CASE WHEN LENGTH(b.dpt) = 3 AND SUBSTR(b.dpt, 1, 1) = '0' THEN SUBSTR(b.dpt, 2, 2) ELSE b.dpt END AS dept
  FROM ben b
),
nir1 AS (
  SELECT nir, MIN(rnk) AS rnk FROM pers GROUP BY nir
),
prs AS (
  SELECT p.DCT_ORD_NUM AS k0, p.FLX_DIS_DTD AS k1, p.FLX_EMT_NUM AS k2, p.FLX_EMT_ORD AS k3, p.FLX_EMT_TYP AS k4, p.FLX_TRT_DTD AS k5, p.ORG_CLE_NUM AS k6, p.PRS_ORD_NUM AS k7, p.REM_TYP_AFF AS k8,
    q.nir, q.rnk, CAST(CAST(p.EXE_SOI_DTD AS DATE) - DATE '1970-01-01' AS BIGINT) AS d0,
    CASE WHEN p.EXE_SOI_DTF IS NOT NULL AND p.EXE_SOI_DTF >= p.EXE_SOI_DTD THEN CAST(CAST(p.EXE_SOI_DTF AS DATE) - DATE '1970-01-01' AS BIGINT) ELSE CAST(CAST(p.EXE_SOI_DTD AS DATE) - DATE '1970-01-01' AS BIGINT) END AS d1,
    CASE WHEN p.CPL_MAJ_TOP >= 2 THEN 1 ELSE 0 END AS sur
  FROM ER_PRS_F p
  JOIN pers q ON q.nir = p.BEN_NIR_PSA AND q.rnk = COALESCE(p.BEN_RNG_GEM, 0)
  WHERE COALESCE(p.DPN_QLF, 0) <> 71 AND COALESCE(p.BSE_PRS_NAT, 1) <> 0
),
pha AS (
  SELECT r.nir, r.rnk, r.d0, r.d1, h.PHA_PRS_C13 AS cip, CAST(h.PHA_ACT_QSN AS BIGINT) AS qty
  FROM ER_PHA_F h
  JOIN prs r ON r.k0 = h.DCT_ORD_NUM AND r.k1 = h.FLX_DIS_DTD AND r.k2 = h.FLX_EMT_NUM AND r.k3 = h.FLX_EMT_ORD AND r.k4 = h.FLX_EMT_TYP AND r.k5 = h.FLX_TRT_DTD AND r.k6 = h.ORG_CLE_NUM AND r.k7 = h.PRS_ORD_NUM AND r.k8 = h.REM_TYP_AFF
  WHERE 1 = 1
),
disp AS (
  SELECT nir, rnk, d0, cip, MAX(d1) AS d1, LEAST(SUM(qty), 32767) AS qty
  FROM pha
  GROUP BY nir, rnk, d0, cip
  HAVING SUM(qty) > 0
),
phar AS (
  SELECT PHA_CIP_C13 AS cip, MIN(COALESCE(PHA_ATC_C07, '')) AS atc
  FROM IR_PHA_R
  GROUP BY PHA_CIP_C13
),
pack_atc AS (
  SELECT * FROM (VALUES
    ('3400931997573', 'A10AB01'),
    ('3400932076765', 'A10AB04'),
    ('3400932155958', 'A10AB05'),
    ('3400932235148', 'A10AB05'),
    ('3400932314331', 'A10AE04'),
    ('3400932393527', 'A10AE04'),
    ('3400932472710', 'A10AE04'),
    ('3400932551903', 'A10AE05'),
    ('3400932631094', 'A10AE06'),
    ('3400932710287', 'A10BA02'),
    ('3400932789474', 'A10BA02'),
    ('3400932868667', 'A10BA02'),
    ('3400932947850', 'A10BA02'),
    ('3400933027049', 'A10BA02'),
    ('3400933106232', 'A10BA02'),
    ('3400933185428', 'A10BA02'),
    ('3400933264611', 'A10BB07'),
    ('3400933343804', 'A10BB09'),
    ('3400933422998', 'A10BB09'),
    ('3400933502188', 'A10BB09'),
    ('3400933581374', 'A10BB09'),
    ('3400933660567', 'A10BB12'),
    ('3400933739751', 'A10BB12'),
    ('3400933818944', 'A10BB12'),
    ('3400933898137', 'A10BD07'),
    ('3400933977320', 'A10BD07'),
    ('3400934056512', 'A10BD08'),
    ('3400934135705', 'A10BH01'),
    ('3400934214899', 'A10BH01'),
    ('3400934294082', 'A10BH01'),
    ('3400934373275', 'A10BH02'),
    ('3400934452468', 'A10BH03'),
    ('3400934531651', 'A10BJ01'),
    ('3400934610844', 'A10BJ02'),
    ('3400934690037', 'A10BJ02'),
    ('3400934769221', 'A10BJ05'),
    ('3400934848414', 'A10BJ05'),
    ('3400934927607', 'A10BJ06'),
    ('3400935006790', 'A10BJ06'),
    ('3400935085986', 'A10BK01'),
    ('3400935165176', 'A10BK01'),
    ('3400935244369', 'A10BK03'),
    ('3400935323552', 'A10BK03')
  ) t(cip, atc)
),
cam AS (
  SELECT r.nir, r.rnk, r.d0, r.d1, c.CAM_PRS_IDE AS cd
  FROM ER_CAM_F c
  JOIN prs r ON r.k0 = c.DCT_ORD_NUM AND r.k1 = c.FLX_DIS_DTD AND r.k2 = c.FLX_EMT_NUM AND r.k3 = c.FLX_EMT_ORD AND r.k4 = c.FLX_EMT_TYP AND r.k5 = c.FLX_TRT_DTD AND r.k6 = c.ORG_CLE_NUM AND r.k7 = c.PRS_ORD_NUM AND r.k8 = c.REM_TYP_AFF
  WHERE 1 = 1
),
vis AS (
  SELECT r.nir, r.rnk, r.d0, r.d1
  FROM prs r
  WHERE r.sur = 0
    AND NOT EXISTS (SELECT 1 FROM ER_PHA_F h WHERE r.k0 = h.DCT_ORD_NUM AND r.k1 = h.FLX_DIS_DTD AND r.k2 = h.FLX_EMT_NUM AND r.k3 = h.FLX_EMT_ORD AND r.k4 = h.FLX_EMT_TYP AND r.k5 = h.FLX_TRT_DTD AND r.k6 = h.ORG_CLE_NUM AND r.k7 = h.PRS_ORD_NUM AND r.k8 = h.REM_TYP_AFF)
    AND NOT EXISTS (SELECT 1 FROM ER_CAM_F c WHERE r.k0 = c.DCT_ORD_NUM AND r.k1 = c.FLX_DIS_DTD AND r.k2 = c.FLX_EMT_NUM AND r.k3 = c.FLX_EMT_ORD AND r.k4 = c.FLX_EMT_TYP AND r.k5 = c.FLX_TRT_DTD AND r.k6 = c.ORG_CLE_NUM AND r.k7 = c.PRS_ORD_NUM AND r.k8 = c.REM_TYP_AFF)
),
mco20c AS (
  SELECT c.ETA_NUM AS eta, c.RSA_NUM AS rsa, c.NIR_ANO_17 AS nir17,
    CAST(CAST(c.EXE_SOI_DTD AS DATE) - DATE '1970-01-01' AS BIGINT) AS adm, CAST(CAST(c.EXE_SOI_DTF AS DATE) - DATE '1970-01-01' AS BIGINT) AS dis
  FROM T_MCO20C c
  WHERE CASE WHEN COALESCE(NULLIF(TRIM(c.NIR_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.NAI_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.SEX_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.SEJ_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.FHO_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.PMS_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.DAT_RET), ''), '0') = '0' THEN 1 ELSE 0 END > 6
),
mco20s AS (
  SELECT n.nir, n.rnk, m.adm AS d0, m.dis AS d1, TRIM(b.DGN_PAL) AS dp,
    TRIM(b.DGN_REL) AS dr, m.eta, m.rsa
  FROM T_MCO20B b
  JOIN mco20c m ON m.eta = b.ETA_NUM AND m.rsa = b.RSA_NUM
  JOIN nir1 n ON n.nir = m.nir17
  WHERE CASE WHEN SUBSTR(TRIM(b.GRG_GHM), 1, 2) = '90' THEN 1 ELSE 0 END < 1
),
mco21c AS (
  SELECT c.ETA_NUM AS eta, c.RSA_NUM AS rsa, c.NIR_ANO_17 AS nir17,
    CAST(CAST(c.EXE_SOI_DTD AS DATE) - DATE '1970-01-01' AS BIGINT) AS adm, CAST(CAST(c.EXE_SOI_DTF AS DATE) - DATE '1970-01-01' AS BIGINT) AS dis
  FROM T_MCO21C c
  WHERE CASE WHEN COALESCE(NULLIF(TRIM(c.NIR_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.NAI_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.SEX_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.SEJ_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.FHO_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.PMS_RET), ''), '0') = '0' THEN 1 ELSE 0 END
    + CASE WHEN COALESCE(NULLIF(TRIM(c.DAT_RET), ''), '0') = '0' THEN 1 ELSE 0 END > 6
),
mco21s AS (
  SELECT n.nir, n.rnk, m.adm AS d0, m.dis AS d1, TRIM(b.DGN_PAL) AS dp,
    TRIM(b.DGN_REL) AS dr, m.eta, m.rsa
  FROM T_MCO21B b
  JOIN mco21c m ON m.eta = b.ETA_NUM AND m.rsa = b.RSA_NUM
  JOIN nir1 n ON n.nir = m.nir17
  WHERE CASE WHEN SUBSTR(TRIM(b.GRG_GHM), 1, 2) = '90' THEN 1 ELSE 0 END < 1
),
stay AS (
  SELECT nir, rnk, d0, d1, dp, dr FROM mco20s
  UNION ALL SELECT nir, rnk, d0, d1, dp, dr FROM mco21s
),
das AS (
  SELECT s.nir, s.rnk, s.d0, s.d1, TRIM(x.ASS_DGN) AS cd
  FROM T_MCO20D x
  JOIN mco20s s ON s.eta = x.ETA_NUM AND s.rsa = x.RSA_NUM
  UNION ALL SELECT s.nir, s.rnk, s.d0, s.d1, TRIM(x.ASS_DGN) AS cd
  FROM T_MCO21D x
  JOIN mco21s s ON s.eta = x.ETA_NUM AND s.rsa = x.RSA_NUM
),
pact AS (
  SELECT s.nir, s.rnk, s.d0 + COALESCE(x.ENT_DAT_DEL, 0) AS d0, TRIM(x.CDC_ACT) AS cd
  FROM T_MCO20A x
  JOIN mco20s s ON s.eta = x.ETA_NUM AND s.rsa = x.RSA_NUM
  UNION ALL SELECT s.nir, s.rnk, s.d0 + COALESCE(x.ENT_DAT_DEL, 0) AS d0, TRIM(x.CDC_ACT) AS cd
  FROM T_MCO21A x
  JOIN mco21s s ON s.eta = x.ETA_NUM AND s.rsa = x.RSA_NUM
),
ald AS (
  SELECT q.nir, q.rnk, CAST(CAST(i.IMB_ALD_DTD AS DATE) - DATE '1970-01-01' AS BIGINT) AS d0,
    CASE WHEN i.IMB_ALD_DTF IS NULL THEN 47481 ELSE CAST(CAST(i.IMB_ALD_DTF AS DATE) - DATE '1970-01-01' AS BIGINT) END AS d1,
    TRIM(i.MED_MTF_COD) AS cd
  FROM IR_IMB_R i
  JOIN pers q ON q.nir = i.BEN_NIR_PSA AND q.rnk = COALESCE(i.BEN_RNG_GEM, 0)
  WHERE CASE WHEN TRIM(i.IMB_ETM_NAT) IN ('11', '12', '13') THEN 1 ELSE 0 END < 1
),
ev AS (
  SELECT x.nir, x.rnk, CAST(1 AS BIGINT) AS kd, CAST(0 AS BIGINT) AS rl, x.d0, x.d1,
    CAST(x.cip AS VARCHAR) AS cd, CAST(CASE WHEN f.cip IS NOT NULL THEN f.atc ELSE v.atc END AS VARCHAR) AS atc, CAST(x.qty AS BIGINT) AS qty
  FROM disp x
  LEFT JOIN phar f ON f.cip = x.cip
  LEFT JOIN pack_atc v ON v.cip = TRIM(x.cip)
  UNION ALL SELECT nir, rnk, 2, 1, d0, d1, dp, CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM stay
  UNION ALL SELECT nir, rnk, 2, 2, d0, d1, dr, CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM stay WHERE CASE WHEN dr IS NULL OR dr = '' THEN 1 ELSE 0 END < 1
  UNION ALL SELECT nir, rnk, 2, 3, d0, d1, cd, CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM das
  UNION ALL SELECT nir, rnk, 3, 0, d0, d1, dp, CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM stay
  UNION ALL SELECT nir, rnk, 4, 0, d0, d1, cd, CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM cam
  UNION ALL SELECT nir, rnk, 4, 0, d0, d0, cd, CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM pact
  UNION ALL SELECT nir, rnk, 5, 4, d0, d1, cd, CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM ald
  UNION ALL SELECT nir, rnk, 6, 0, death, death, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM pers WHERE death IS NOT NULL
  UNION ALL SELECT nir, rnk, 7, 0, d0, d1, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(0 AS BIGINT) FROM vis
),
span AS (
  SELECT CAST(CAST(make_date(CAST(CAST(EXTRACT(YEAR FROM (DATE '1970-01-01' + CAST(s.lo AS INTEGER))) AS BIGINT) AS INTEGER), CAST(1 AS INTEGER), CAST(1 AS INTEGER)) AS DATE) - DATE '1970-01-01' AS BIGINT) AS ds, CAST(CAST(make_date(CAST(CAST(EXTRACT(YEAR FROM (DATE '1970-01-01' + CAST(s.hi AS INTEGER))) AS BIGINT) AS INTEGER), CAST(12 AS INTEGER), CAST(31 AS INTEGER)) AS DATE) - DATE '1970-01-01' AS BIGINT) AS de
  FROM (SELECT MIN(d0) AS lo, MAX(d1) AS hi FROM ev WHERE kd <> 5) s
  WHERE s.lo IS NOT NULL
),
obs AS (
  SELECT q.nir, q.rnk, q.sex, q.dept, q.bya, q.bm, GREATEST(q.birth, s.ds) AS os, LEAST(COALESCE(q.death, 2147483647), s.de) AS oe
  FROM pers q
  CROSS JOIN span s
  WHERE GREATEST(q.birth, s.ds) <= LEAST(COALESCE(q.death, 2147483647), s.de)
),
evx AS (
  SELECT v.nir, v.rnk, v.kd, v.rl, v.d0, v.cd, v.atc, v.qty,
    GREATEST(LEAST(CASE WHEN v.kd = 3 THEN LEAST(v.d1, v.d0 + 32766) WHEN v.kd = 5 THEN CASE WHEN v.d1 >= 47481 OR v.d1 - v.d0 >= 32767 THEN o.oe ELSE v.d1 END ELSE v.d0 END, o.oe), v.d0) AS e1
  FROM ev v
  JOIN obs o ON o.nir = v.nir AND o.rnk = v.rnk
  WHERE v.kd <> 7
),
m_cand AS (
  SELECT DISTINCT x.nir, x.rnk, x.d0 AS s, x.e1 AS e
  FROM evx x
  WHERE CASE WHEN ((x.kd = 1 AND (SUBSTR(x.atc, 1, 4) = 'A10A'))) THEN 1 ELSE 0 END > 0
),
m_pick AS (
  SELECT nir, rnk, s, e, ROW_NUMBER() OVER (PARTITION BY nir, rnk ORDER BY s, e) AS rn
  FROM m_cand
),
m_idx AS (
  SELECT c.nir, c.rnk, c.s, c.e, o.os, o.oe, o.sex, o.dept
  FROM m_pick c
  JOIN obs o ON o.nir = c.nir AND o.rnk = c.rnk
  WHERE c.s >= o.os + 365 AND c.s + 0 <= o.oe AND c.rn < 2
),
m_l0 AS (
  SELECT i.nir, i.rnk, i.s, i.e, COUNT(x.d0) AS n
  FROM m_idx i
  LEFT JOIN evx x ON x.nir = i.nir AND x.rnk = i.rnk AND (x.kd = 2 AND (SUBSTR(x.cd, 1, 3) = 'E11'))
    AND x.d0 >= i.os AND x.d0 <= LEAST(i.s + (0), i.oe)
  GROUP BY i.nir, i.rnk, i.s, i.e
),
m_l1 AS (
  SELECT i.nir, i.rnk, i.s, i.e, COUNT(x.d0) AS n
  FROM m_idx i
  LEFT JOIN evx x ON x.nir = i.nir AND x.rnk = i.rnk AND (x.kd = 5 AND (SUBSTR(x.cd, 1, 3) = 'E11'))
    AND x.d0 >= i.os AND x.d0 <= LEAST(i.s + (0), i.oe)
  GROUP BY i.nir, i.rnk, i.s, i.e
),
m_l2 AS (
  SELECT i.nir, i.rnk, i.s, i.e, COUNT(x.d0) AS n
  FROM m_idx i
  LEFT JOIN evx x ON x.nir = i.nir AND x.rnk = i.rnk AND (x.kd = 1 AND (SUBSTR(x.atc, 1, 4) = 'A10B'))
    AND x.d0 >= GREATEST(i.s + (-365), i.os) AND x.d0 <= LEAST(i.s + (-1), i.oe)
  GROUP BY i.nir, i.rnk, i.s, i.e
),
m_mask AS (
  SELECT i.nir, i.rnk, i.s, i.e, i.oe,
    CASE WHEN (CASE WHEN m_l0.n >= 1 THEN 1 ELSE 0 END) = 1 OR (CASE WHEN m_l1.n >= 1 THEN 1 ELSE 0 END) = 1 THEN 1 ELSE 0 END AS r0,
    CASE WHEN m_l2.n >= 1 THEN 1 ELSE 0 END AS r1
  FROM m_idx i
  LEFT JOIN m_l0 ON m_l0.nir = i.nir AND m_l0.rnk = i.rnk AND m_l0.s = i.s AND m_l0.e = i.e
  LEFT JOIN m_l1 ON m_l1.nir = i.nir AND m_l1.rnk = i.rnk AND m_l1.s = i.s AND m_l1.e = i.e
  LEFT JOIN m_l2 ON m_l2.nir = i.nir AND m_l2.rnk = i.rnk AND m_l2.s = i.s AND m_l2.e = i.e
),
m_keep AS (
  SELECT nir, rnk, s, e, oe FROM m_mask WHERE r0 + r1 > 1
),
m_ex AS (
  SELECT k.nir, k.rnk, k.s, k.e, LEAST(k.oe, k.oe) AS bx
  FROM m_keep k
),
m_x AS (
  SELECT nir, rnk, s, e, GREATEST(x, s) AS x
  FROM (SELECT nir, rnk, s, e, bx AS x FROM m_ex) t
),
m_c1 AS (
  SELECT nir, rnk, s, e, x, MAX(x) OVER (PARTITION BY nir, rnk ORDER BY s, e
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm
  FROM m_x
),
m_c2 AS (
  SELECT nir, rnk, s, x, SUM(CASE WHEN pm IS NULL OR s > pm + 0 THEN 1 ELSE 0 END) OVER (PARTITION BY nir, rnk ORDER BY s, e
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS g
  FROM m_c1
),
m_rows AS (
  SELECT nir, rnk, MIN(s) AS a, MAX(x) AS b FROM m_c2 GROUP BY nir, rnk, g
)
SELECT nir AS person_id, rnk AS BEN_RNG_GEM, (DATE '1970-01-01' + CAST(a AS INTEGER)) AS index_date, (DATE '1970-01-01' + CAST(b AS INTEGER)) AS exit_date
FROM m_rows
ORDER BY person_id, BEN_RNG_GEM, index_date

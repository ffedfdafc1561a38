//! A [`Plan`] as SQL text: a chain of common table expressions, written once, with the few
//! constructs that differ between dialects behind [`Dialect`] hooks (dates to and from days,
//! calendar parts, types, literal tables, string literals).
//!
//! Filters are written `flag > 0` or `flag < 1` on a 0/1 expression rather than as a conjunction
//! of equalities: a planner without statistics on expressions (PostgreSQL) then estimates a
//! third of the rows kept rather than almost none, and joins large inputs by hashing rather
//! than by nested loops.
//!
//! Days are `BIGINT` from the first expression on, so no sum of a day and an offset overflows
//! (Spark in ANSI mode raises on an `INT` overflow). Predicates that may meet a `NULL` are
//! written `CASE WHEN p THEN 1 ELSE 0 END`, and every criterion is a 0/1 integer, so no
//! three-valued logic leaks into a rule (Oracle has no boolean columns anyway).

use std::fmt::Write;

use super::plan::{kind, CodeColumn, CodeMatch, CohortPlan, ExitPlan, Filter, Plan, Pred, Win};
use super::{Dialect, SetOp, SqlOptions, SqlResult};
use crate::dates;
use crate::definition::Occurrence;
use crate::error::Result;

/// The data span's last day for an open ALD period (2099-12-31).
const MAX_DAY: i64 = dates::MAX_DAY as i64;
/// The event store keeps durations in 16 bits: an ALD period this long or longer is open, a
/// stay is cut to one day less.
const OPEN_END: i64 = i16::MAX as i64;

impl Dialect {
    fn bigint(self) -> &'static str {
        match self {
            Dialect::Oracle => "NUMBER(19)",
            _ => "BIGINT",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Postgres => "VARCHAR",
            Dialect::Spark => "STRING",
            Dialect::Oracle => "VARCHAR2(4000)",
        }
    }

    /// A DATE column as days since 1970-01-01.
    fn days(self, col: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Postgres => {
                format!("CAST(CAST({col} AS DATE) - DATE '1970-01-01' AS BIGINT)")
            }
            Dialect::Spark => format!("CAST(unix_date(CAST({col} AS DATE)) AS BIGINT)"),
            Dialect::Oracle => format!("(TRUNC({col}) - DATE '1970-01-01')"),
        }
    }

    /// Days since 1970-01-01 as a DATE.
    fn date(self, days: &str) -> String {
        match self {
            Dialect::DuckDb => format!("CAST(DATE '1970-01-01' + CAST({days} AS INTEGER) AS DATE)"),
            Dialect::Postgres => format!("(DATE '1970-01-01' + CAST({days} AS INTEGER))"),
            Dialect::Spark => format!("date_from_unix_date(CAST({days} AS INT))"),
            Dialect::Oracle => format!("(DATE '1970-01-01' + {days})"),
        }
    }

    /// A calendar part (`YEAR`, `MONTH`, `DAY`) of a day number.
    fn part(self, part: &str, days: &str) -> String {
        format!(
            "CAST(EXTRACT({part} FROM {}) AS {})",
            self.date(days),
            self.bigint()
        )
    }

    /// The day number of a calendar date given by integer expressions.
    fn ymd(self, y: &str, m: &str, d: &str) -> String {
        let date = match self {
            Dialect::DuckDb => {
                format!("make_date(CAST({y} AS BIGINT), CAST({m} AS BIGINT), CAST({d} AS BIGINT))")
            }
            Dialect::Postgres => format!(
                "make_date(CAST({y} AS INTEGER), CAST({m} AS INTEGER), CAST({d} AS INTEGER))"
            ),
            Dialect::Spark => {
                format!("make_date(CAST({y} AS INT), CAST({m} AS INT), CAST({d} AS INT))")
            }
            Dialect::Oracle => format!(
                "TO_DATE(TO_CHAR({y}) || '-' || TO_CHAR({m}) || '-' || TO_CHAR({d}), 'YYYY-MM-DD')"
            ),
        };
        self.days(&date)
    }

    /// A string literal.
    fn lit(self, s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('\'');
        for c in s.chars() {
            match c {
                '\'' if self == Dialect::Spark => out.push_str("\\'"),
                '\'' => out.push_str("''"),
                '\\' if self == Dialect::Spark => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    }

    /// A small literal table with these column names, each row's values already rendered.
    fn values(self, cols: &[&str], rows: &[Vec<String>]) -> String {
        match self {
            Dialect::Oracle => rows
                .iter()
                .map(|r| {
                    let v: Vec<String> = r
                        .iter()
                        .zip(cols)
                        .map(|(v, c)| format!("{v} AS {c}"))
                        .collect();
                    format!("SELECT {} FROM DUAL", v.join(", "))
                })
                .collect::<Vec<_>>()
                .join("\n  UNION ALL "),
            _ => {
                let rows: Vec<String> =
                    rows.iter().map(|r| format!("({})", r.join(", "))).collect();
                let body = rows.join(",\n    ");
                match self {
                    Dialect::Spark => {
                        format!(
                            "SELECT * FROM VALUES\n    {body}\n  AS t({})",
                            cols.join(", ")
                        )
                    }
                    _ => format!(
                        "SELECT * FROM (VALUES\n    {body}\n  ) t({})",
                        cols.join(", ")
                    ),
                }
            }
        }
    }

    fn null_text(self) -> String {
        format!("CAST(NULL AS {})", self.text())
    }
}

/// `CASE WHEN p THEN 1 ELSE 0 END`.
fn flag(p: &str) -> String {
    format!("CASE WHEN {p} THEN 1 ELSE 0 END")
}

/// A blank-or-`v` test that reads the same where `''` is `NULL` (Oracle) and elsewhere.
fn blank_or(col: &str, v: &str) -> String {
    format!("COALESCE(NULLIF(TRIM({col}), ''), '{v}') = '{v}'")
}

/// The 9 columns of the DCIR join key.
const KEY: [&str; 9] = crate::tables::schema::DCIR_KEY;

struct R<'a> {
    d: Dialect,
    opts: &'a SqlOptions,
    plan: &'a Plan,
    ctes: Vec<(String, String)>,
}

impl R<'_> {
    fn cte(&mut self, name: &str, body: String) {
        self.ctes.push((name.to_string(), body));
    }

    fn table(&self, snds: &str) -> Result<String> {
        self.opts.table(snds)
    }

    fn flux(&self, alias: &str) -> String {
        match self.opts.flux {
            None => String::new(),
            Some((a, b)) => format!(
                " AND {alias}.FLX_DIS_DTD >= DATE '{}' AND {alias}.FLX_DIS_DTD <= DATE '{}'",
                dates::format(a),
                dates::format(b)
            ),
        }
    }

    /// `a.k1 = b.DCT_ORD_NUM AND ...`: the prs CTE's key against a detail table's.
    fn key_join(&self, prs: &str, detail: &str) -> String {
        KEY.iter()
            .enumerate()
            .map(|(i, k)| format!("{prs}.k{i} = {detail}.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The loader's tables, the event table `evx` and the observation periods `obs`.
    fn base(&mut self) -> Result<()> {
        let d = self.d;
        let ben = self.table("IR_BEN_R")?;
        let rnk = "COALESCE(t.BEN_RNG_GEM, 0)";
        // Duplicate (BEN_NIR_PSA, BEN_RNG_GEM) rows: one person, each column's smallest value.
        self.cte(
            "ben",
            format!(
                "SELECT t.BEN_NIR_PSA AS nir, {rnk} AS rnk, MIN(t.BEN_SEX_COD) AS sx,\n    \
                 MIN(TRIM(t.BEN_NAI_ANN)) AS ann, MIN(TRIM(t.BEN_NAI_MOI)) AS moi,\n    \
                 MIN(UPPER(TRIM(t.BEN_RES_DPT))) AS dpt, MIN(t.BEN_DCD_DTE) AS dcd\n  \
                 FROM {ben} t\n  WHERE t.BEN_NIR_PSA IS NOT NULL\n  GROUP BY t.BEN_NIR_PSA, {rnk}"
            ),
        );
        let bm = format!(
            "CASE WHEN b.moi IS NULL OR b.moi = '' THEN 1 ELSE CAST(b.moi AS {}) END",
            d.bigint()
        );
        let bya = format!("CAST(b.ann AS {})", d.bigint());
        self.cte(
            "pers",
            format!(
                "SELECT b.nir, b.rnk,\n    \
                 CASE WHEN b.sx = 1 THEN 1 WHEN b.sx = 2 THEN 2 ELSE 9 END AS sex,\n    \
                 {bya} AS bya, {bm} AS bm,\n    \
                 {} AS birth,\n    \
                 CASE WHEN b.dcd IS NULL THEN NULL ELSE {} END AS death,\n    \
                 CASE WHEN LENGTH(b.dpt) = 3 AND SUBSTR(b.dpt, 1, 1) = '0' THEN SUBSTR(b.dpt, 2, 2) ELSE b.dpt END AS dept\n  \
                 FROM ben b",
                d.ymd(&bya, &bm, "15"),
                d.days("b.dcd"),
            ),
        );
        // PMSI stays belong to the lowest rank of their NIR_ANO_17.
        self.cte(
            "nir1",
            "SELECT nir, MIN(rnk) AS rnk FROM pers GROUP BY nir".into(),
        );

        // DCIR lines after the quality filters, of known persons.
        let prs = self.table("ER_PRS_F")?;
        let keys: Vec<String> = KEY
            .iter()
            .enumerate()
            .map(|(i, k)| format!("p.{k} AS k{i}"))
            .collect();
        self.cte(
            "prs",
            format!(
                "SELECT {},\n    q.nir, q.rnk, {} AS d0,\n    \
                 CASE WHEN p.EXE_SOI_DTF IS NOT NULL AND p.EXE_SOI_DTF >= p.EXE_SOI_DTD THEN {} ELSE {} END AS d1,\n    \
                 {} AS sur\n  \
                 FROM {prs} p\n  JOIN pers q ON q.nir = p.BEN_NIR_PSA AND q.rnk = COALESCE(p.BEN_RNG_GEM, 0)\n  \
                 WHERE COALESCE(p.DPN_QLF, 0) <> 71 AND COALESCE(p.BSE_PRS_NAT, 1) <> 0{}",
                keys.join(", "),
                d.days("p.EXE_SOI_DTD"),
                d.days("p.EXE_SOI_DTF"),
                d.days("p.EXE_SOI_DTD"),
                flag("p.CPL_MAJ_TOP >= 2"),
                self.flux("p"),
            ),
        );
        let pha = self.table("ER_PHA_F")?;
        let cam = self.table("ER_CAM_F")?;
        self.cte(
            "pha",
            format!(
                "SELECT r.nir, r.rnk, r.d0, r.d1, h.PHA_PRS_C13 AS cip, CAST(h.PHA_ACT_QSN AS {}) AS qty\n  \
                 FROM {pha} h\n  JOIN prs r ON {}\n  WHERE 1 = 1{}",
                d.bigint(),
                self.key_join("r", "h"),
                self.flux("h"),
            ),
        );
        // Regularisations netted: one dispensing per (person, day, pack) with a positive sum.
        self.cte(
            "disp",
            format!(
                "SELECT nir, rnk, d0, cip, MAX(d1) AS d1, LEAST(SUM(qty), {}) AS qty\n  \
                 FROM pha\n  GROUP BY nir, rnk, d0, cip\n  HAVING SUM(qty) > 0",
                OPEN_END
            ),
        );
        let phar = self.table("IR_PHA_R")?;
        self.cte(
            "phar",
            format!(
                "SELECT PHA_CIP_C13 AS cip, MIN(COALESCE(PHA_ATC_C07, '')) AS atc\n  FROM {phar}\n  GROUP BY PHA_CIP_C13"
            ),
        );
        let has_pack_atc = !self.plan.pack_atc.is_empty();
        if has_pack_atc {
            let rows: Vec<Vec<String>> = self
                .plan
                .pack_atc
                .iter()
                .map(|(c, a)| vec![d.lit(c), d.lit(a)])
                .collect();
            self.cte("pack_atc", d.values(&["cip", "atc"], &rows));
        }
        if let Some(days) = &self.plan.pack_days {
            if !days.is_empty() {
                let rows: Vec<Vec<String>> = days
                    .iter()
                    .map(|(c, n)| vec![d.lit(c), n.to_string()])
                    .collect();
                self.cte("pack_days", d.values(&["cip", "days"], &rows));
            }
        }
        self.cte(
            "cam",
            format!(
                "SELECT r.nir, r.rnk, r.d0, r.d1, c.CAM_PRS_IDE AS cd\n  FROM {cam} c\n  JOIN prs r ON {}\n  WHERE 1 = 1{}",
                self.key_join("r", "c"),
                self.flux("c"),
            ),
        );
        self.cte(
            "vis",
            format!(
                "SELECT r.nir, r.rnk, r.d0, r.d1\n  FROM prs r\n  WHERE r.sur = 0\n    \
                 AND NOT EXISTS (SELECT 1 FROM {pha} h WHERE {})\n    \
                 AND NOT EXISTS (SELECT 1 FROM {cam} c WHERE {})",
                self.key_join("r", "h"),
                self.key_join("r", "c"),
            ),
        );

        // PMSI, year by year.
        let years = self.opts.years()?;
        let rets = [
            "NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET",
        ];
        let mut stays = Vec::new();
        let mut das = Vec::new();
        let mut acts = Vec::new();
        for y in &years {
            let aa = format!("{:02}", y % 100);
            let t = |l: char| self.table(&format!("T_MCO{aa}{l}"));
            let (tb, tc, td, ta) = (t('B')?, t('C')?, t('D')?, t('A')?);
            let ret: Vec<String> = rets
                .iter()
                .map(|r| flag(&blank_or(&format!("c.{r}"), "0")))
                .collect();
            self.cte(
                &format!("mco{aa}c"),
                format!(
                    "SELECT c.ETA_NUM AS eta, c.RSA_NUM AS rsa, c.NIR_ANO_17 AS nir17,\n    \
                     {} AS adm, {} AS dis\n  FROM {tc} c\n  WHERE {} > {}",
                    d.days("c.EXE_SOI_DTD"),
                    d.days("c.EXE_SOI_DTF"),
                    ret.join("\n    + "),
                    rets.len() - 1,
                ),
            );
            self.cte(
                &format!("mco{aa}s"),
                format!(
                    "SELECT n.nir, n.rnk, m.adm AS d0, m.dis AS d1, TRIM(b.DGN_PAL) AS dp,\n    \
                     TRIM(b.DGN_REL) AS dr, m.eta, m.rsa\n  FROM {tb} b\n  \
                     JOIN mco{aa}c m ON m.eta = b.ETA_NUM AND m.rsa = b.RSA_NUM\n  \
                     JOIN nir1 n ON n.nir = m.nir17\n  WHERE {} < 1",
                    flag("SUBSTR(TRIM(b.GRG_GHM), 1, 2) = '90'"),
                ),
            );
            stays.push(format!("SELECT nir, rnk, d0, d1, dp, dr FROM mco{aa}s"));
            das.push(format!(
                "SELECT s.nir, s.rnk, s.d0, s.d1, TRIM(x.ASS_DGN) AS cd\n  FROM {td} x\n  \
                 JOIN mco{aa}s s ON s.eta = x.ETA_NUM AND s.rsa = x.RSA_NUM"
            ));
            acts.push(format!(
                "SELECT s.nir, s.rnk, s.d0 + COALESCE(x.ENT_DAT_DEL, 0) AS d0, TRIM(x.CDC_ACT) AS cd\n  \
                 FROM {ta} x\n  JOIN mco{aa}s s ON s.eta = x.ETA_NUM AND s.rsa = x.RSA_NUM"
            ));
        }
        self.cte("stay", stays.join("\n  UNION ALL "));
        self.cte("das", das.join("\n  UNION ALL "));
        self.cte("pact", acts.join("\n  UNION ALL "));

        let imb = self.table("IR_IMB_R")?;
        self.cte(
            "ald",
            format!(
                "SELECT q.nir, q.rnk, {} AS d0,\n    \
                 CASE WHEN i.IMB_ALD_DTF IS NULL THEN {MAX_DAY} ELSE {} END AS d1,\n    \
                 TRIM(i.MED_MTF_COD) AS cd\n  FROM {imb} i\n  \
                 JOIN pers q ON q.nir = i.BEN_NIR_PSA AND q.rnk = COALESCE(i.BEN_RNG_GEM, 0)\n  \
                 WHERE {} < 1",
                d.days("i.IMB_ALD_DTD"),
                d.days("i.IMB_ALD_DTF"),
                flag("TRIM(i.IMB_ETM_NAT) IN ('11', '12', '13')"),
            ),
        );

        // Every event: kind, role, start, end, code, ATC (dispensings), boxes.
        let atc = if has_pack_atc {
            "CASE WHEN f.cip IS NOT NULL THEN f.atc ELSE v.atc END"
        } else {
            "f.atc"
        };
        let pack_join = if has_pack_atc {
            "\n  LEFT JOIN pack_atc v ON v.cip = TRIM(x.cip)"
        } else {
            ""
        };
        let (bi, nt) = (d.bigint(), d.null_text());
        let z = format!("CAST(0 AS {bi})");
        let branches = [
            format!(
                "SELECT x.nir, x.rnk, CAST({} AS {bi}) AS kd, CAST(0 AS {bi}) AS rl, x.d0, x.d1,\n    \
                 CAST(x.cip AS {}) AS cd, CAST({atc} AS {}) AS atc, CAST(x.qty AS {bi}) AS qty\n  \
                 FROM disp x\n  LEFT JOIN phar f ON f.cip = x.cip{pack_join}",
                kind::DISPENSING,
                d.text(),
                d.text()
            ),
            format!("SELECT nir, rnk, {}, 1, d0, d1, dp, {nt}, {z} FROM stay", kind::DIAGNOSIS),
            format!(
                "SELECT nir, rnk, {}, 2, d0, d1, dr, {nt}, {z} FROM stay WHERE {} < 1",
                kind::DIAGNOSIS,
                flag("dr IS NULL OR dr = ''")
            ),
            format!("SELECT nir, rnk, {}, 3, d0, d1, cd, {nt}, {z} FROM das", kind::DIAGNOSIS),
            format!("SELECT nir, rnk, {}, 0, d0, d1, dp, {nt}, {z} FROM stay", kind::STAY),
            format!("SELECT nir, rnk, {}, 0, d0, d1, cd, {nt}, {z} FROM cam", kind::ACT),
            format!("SELECT nir, rnk, {}, 0, d0, d0, cd, {nt}, {z} FROM pact", kind::ACT),
            format!("SELECT nir, rnk, {}, 4, d0, d1, cd, {nt}, {z} FROM ald", kind::ALD),
            format!(
                "SELECT nir, rnk, {}, 0, death, death, {nt}, {nt}, {z} FROM pers WHERE death IS NOT NULL",
                kind::DEATH
            ),
            format!("SELECT nir, rnk, {}, 0, d0, d1, {nt}, {nt}, {z} FROM vis", kind::VISIT),
        ];
        self.cte("ev", branches.join("\n  UNION ALL "));
        // The data span: 1 January of the first year to 31 December of the last year holding
        // an event other than an ALD period.
        self.cte(
            "span",
            format!(
                "SELECT {} AS ds, {} AS de\n  FROM (SELECT MIN(d0) AS lo, MAX(d1) AS hi FROM ev WHERE kd <> {}) s\n  WHERE s.lo IS NOT NULL",
                d.ymd(&d.part("YEAR", "s.lo"), "1", "1"),
                d.ymd(&d.part("YEAR", "s.hi"), "12", "31"),
                kind::ALD,
            ),
        );
        let os = "GREATEST(q.birth, s.ds)";
        let oe = format!("LEAST(COALESCE(q.death, {}), s.de)", i32::MAX);
        self.cte(
            "obs",
            format!(
                "SELECT q.nir, q.rnk, q.sex, q.dept, q.bya, q.bm, {os} AS os, {oe} AS oe\n  \
                 FROM pers q\n  CROSS JOIN span s\n  WHERE {os} <= {oe}"
            ),
        );
        // Events of persons observed, with the end the engine gives an index event: discharge
        // (a stay), the period's end (an ALD, open ones at the end of observation), else the
        // start; cut at the end of observation, never before the start.
        self.cte(
            "evx",
            format!(
                "SELECT v.nir, v.rnk, v.kd, v.rl, v.d0, v.cd, v.atc, v.qty,\n    \
                 GREATEST(LEAST(CASE WHEN v.kd = {st} THEN LEAST(v.d1, v.d0 + {}) \
                 WHEN v.kd = {al} THEN CASE WHEN v.d1 >= {MAX_DAY} OR v.d1 - v.d0 >= {OPEN_END} THEN o.oe ELSE v.d1 END \
                 ELSE v.d0 END, o.oe), v.d0) AS e1\n  \
                 FROM ev v\n  JOIN obs o ON o.nir = v.nir AND o.rnk = v.rnk\n  WHERE v.kd <> {}",
                OPEN_END - 1,
                kind::VISIT,
                st = kind::STAY,
                al = kind::ALD,
            ),
        );
        Ok(())
    }

    fn codes(&self, m: &CodeMatch, x: &str) -> String {
        let col = match m.column {
            CodeColumn::Code => format!("{x}.cd"),
            CodeColumn::Atc => format!("{x}.atc"),
        };
        let one = |c: &String| {
            if m.exact {
                format!("{col} = {}", self.d.lit(c))
            } else {
                format!(
                    "SUBSTR({col}, 1, {}) = {}",
                    c.chars().count(),
                    self.d.lit(c)
                )
            }
        };
        let any = |v: &[String]| {
            if v.is_empty() {
                "1 = 0".to_string()
            } else {
                v.iter().map(one).collect::<Vec<_>>().join(" OR ")
            }
        };
        if m.exclude.is_empty() {
            format!("({})", any(&m.include))
        } else {
            format!("({}) AND {} = 0", any(&m.include), flag(&any(&m.exclude)))
        }
    }

    fn filter(&self, f: &Filter, x: &str) -> String {
        let mut p = format!("{x}.kd = {}", f.kind);
        if !f.roles.is_empty() {
            let r: Vec<String> = f.roles.iter().map(|r| r.to_string()).collect();
            let _ = write!(p, " AND {x}.rl IN ({})", r.join(", "));
        }
        if let Some(m) = &f.codes {
            let _ = write!(p, " AND {}", self.codes(m, x));
        }
        format!("({p})")
    }

    fn filters(&self, fs: &[Filter], x: &str) -> String {
        if fs.is_empty() {
            return "1 = 0".into();
        }
        let v: Vec<String> = fs.iter().map(|f| self.filter(f, x)).collect();
        format!("({})", v.join(" OR "))
    }

    /// Inclusive window bounds in days for index event `i`, clipped to observation.
    fn window(&self, w: &Win, i: &str) -> (String, String) {
        let anchor = if w.from_end {
            format!("{i}.e")
        } else {
            format!("{i}.s")
        };
        let lo = match w.start {
            Some(k) => format!("GREATEST({anchor} + ({k}), {i}.os)"),
            None => format!("{i}.os"),
        };
        let hi = match w.end {
            Some(k) => format!("LEAST({anchor} + ({k}), {i}.oe)"),
            None => format!("{i}.oe"),
        };
        (lo, hi)
    }

    fn count_test(n: &str, min: u32, max: Option<u32>) -> String {
        match max {
            Some(m) => format!("{n} >= {min} AND {n} <= {m}"),
            None => format!("{n} >= {min}"),
        }
    }

    /// The 0/1 expression of a criterion; leaves (event and cohort counts) become CTEs joined
    /// by the mask, their number in `leaves`.
    fn pred(&mut self, p: &Pred, pre: &str, leaves: &mut Vec<String>) -> String {
        let list = |r: &mut Self, v: &[Pred], leaves: &mut Vec<String>| -> Vec<String> {
            v.iter().map(|x| r.pred(x, pre, leaves)).collect()
        };
        match p {
            Pred::All(v) => {
                let e = list(self, v, leaves);
                if e.is_empty() {
                    "1".into()
                } else {
                    let t: Vec<String> = e.iter().map(|x| format!("({x}) = 1")).collect();
                    flag(&t.join(" AND "))
                }
            }
            Pred::Any(v) => {
                let e = list(self, v, leaves);
                if e.is_empty() {
                    "0".into()
                } else {
                    let t: Vec<String> = e.iter().map(|x| format!("({x}) = 1")).collect();
                    flag(&t.join(" OR "))
                }
            }
            Pred::AtLeast(k, v) | Pred::AtMost(k, v) => {
                let e = list(self, v, leaves);
                let sum = if e.is_empty() {
                    "0".to_string()
                } else {
                    e.iter()
                        .map(|x| format!("({x})"))
                        .collect::<Vec<_>>()
                        .join(" + ")
                };
                let op = if matches!(p, Pred::AtLeast(..)) {
                    ">="
                } else {
                    "<="
                };
                flag(&format!("{sum} {op} {k}"))
            }
            Pred::Demo {
                age_min,
                age_max,
                sex,
                place,
            } => {
                let mut t = Vec::new();
                if let Some(a) = age_min {
                    t.push(format!("i.age >= {a}"));
                }
                if let Some(a) = age_max {
                    t.push(format!("i.age <= {a}"));
                }
                if let Some(s) = sex {
                    t.push(format!("i.sex = {s}"));
                }
                if let Some(codes) = place {
                    if codes.is_empty() {
                        t.push("1 = 0".into());
                    } else {
                        let v: Vec<String> = codes.iter().map(|c| self.d.lit(c)).collect();
                        t.push(format!("i.dept IN ({})", v.join(", ")));
                    }
                }
                if t.is_empty() {
                    "1".into()
                } else {
                    flag(&t.join(" AND "))
                }
            }
            Pred::Events {
                filter,
                win,
                min,
                max,
                distinct,
            } => {
                let n = leaves.len();
                let name = format!("{pre}l{n}");
                let (lo, hi) = self.window(win, "i");
                let count = if *distinct {
                    "COUNT(DISTINCT x.d0)"
                } else {
                    "COUNT(x.d0)"
                };
                let body = format!(
                    "SELECT i.nir, i.rnk, i.s, i.e, {count} AS n\n  FROM {pre}idx i\n  \
                     LEFT JOIN evx x ON x.nir = i.nir AND x.rnk = i.rnk AND {}\n    \
                     AND x.d0 >= {lo} AND x.d0 <= {hi}\n  GROUP BY i.nir, i.rnk, i.s, i.e",
                    self.filter(filter, "x"),
                );
                self.cte(&name, body);
                leaves.push(name.clone());
                flag(&Self::count_test(&format!("{name}.n"), *min, *max))
            }
            Pred::Cohort {
                nested,
                win,
                min,
                max,
            } => {
                let n = leaves.len();
                let name = format!("{pre}l{n}");
                let (lo, hi) = self.window(win, "i");
                let rows = format!("{pre}n{nested}_rows");
                let body = format!(
                    "SELECT i.nir, i.rnk, i.s, i.e, COUNT(r.a) AS n\n  FROM {pre}idx i\n  \
                     LEFT JOIN {rows} r ON r.nir = i.nir AND r.rnk = i.rnk\n    \
                     AND {lo} <= {hi} AND r.a <= {hi} AND r.b >= {lo}\n  GROUP BY i.nir, i.rnk, i.s, i.e"
                );
                self.cte(&name, body);
                leaves.push(name.clone());
                flag(&Self::count_test(&format!("{name}.n"), *min, *max))
            }
        }
    }

    fn uses_age(p: &Pred) -> bool {
        match p {
            Pred::All(v) | Pred::Any(v) | Pred::AtLeast(_, v) | Pred::AtMost(_, v) => {
                v.iter().any(Self::uses_age)
            }
            Pred::Demo {
                age_min, age_max, ..
            } => age_min.is_some() || age_max.is_some(),
            _ => false,
        }
    }

    /// The CTEs of one cohort, named with prefix `pre`; its rows end in `{pre}rows` (`nir`,
    /// `rnk`, `a`, `b`) and its rule masks in `{pre}mask` (`r0`, `r1`...).
    fn cohort(&mut self, c: &CohortPlan, pre: &str) {
        let d = self.d;
        for (k, n) in c.nested.iter().enumerate() {
            self.cohort(n, &format!("{pre}n{k}_"));
        }
        self.cte(
            &format!("{pre}cand"),
            format!(
                "SELECT DISTINCT x.nir, x.rnk, x.d0 AS s, x.e1 AS e\n  FROM evx x\n  WHERE {} > 0",
                flag(&self.filters(&c.entry, "x"))
            ),
        );
        let order = match c.occurrence {
            Occurrence::First => Some("s, e"),
            Occurrence::Last => Some("s DESC, e DESC"),
            Occurrence::All => None,
        };
        let (pick, rn) = match order {
            Some(o) => {
                self.cte(
                    &format!("{pre}pick"),
                    format!(
                        "SELECT nir, rnk, s, e, ROW_NUMBER() OVER (PARTITION BY nir, rnk ORDER BY {o}) AS rn\n  FROM {pre}cand"
                    ),
                );
                (format!("{pre}pick"), " AND c.rn < 2")
            }
            None => (format!("{pre}cand"), ""),
        };
        let mut cond = String::new();
        if let Some(f) = c.from {
            let _ = write!(cond, " AND c.s >= {f}");
        }
        if let Some(t) = c.to {
            let _ = write!(cond, " AND c.s <= {t}");
        }
        let age = if c.rules.iter().any(|(_, p)| Self::uses_age(p)) {
            format!(
                ",\n    ({} - o.bya) - CASE WHEN {m} < o.bm OR ({m} = o.bm AND {} < 15) THEN 1 ELSE 0 END AS age",
                d.part("YEAR", "c.s"),
                d.part("DAY", "c.s"),
                m = d.part("MONTH", "c.s"),
            )
        } else {
            String::new()
        };
        self.cte(
            &format!("{pre}idx"),
            format!(
                "SELECT c.nir, c.rnk, c.s, c.e, o.os, o.oe, o.sex, o.dept{age}\n  FROM {pick} c\n  \
                 JOIN obs o ON o.nir = c.nir AND o.rnk = c.rnk\n  \
                 WHERE c.s >= o.os + {} AND c.s + {} <= o.oe{rn}{cond}",
                c.prior, c.post
            ),
        );
        // Rules.
        let mut leaves = Vec::new();
        let mut masks = Vec::new();
        for (_, p) in &c.rules {
            let e = self.pred(p, pre, &mut leaves);
            masks.push(e);
        }
        let joins: String = leaves
            .iter()
            .map(|l| {
                format!("\n  LEFT JOIN {l} ON {l}.nir = i.nir AND {l}.rnk = i.rnk AND {l}.s = i.s AND {l}.e = i.e")
            })
            .collect();
        let cols: String = masks
            .iter()
            .enumerate()
            .map(|(k, m)| format!(",\n    {m} AS r{k}"))
            .collect();
        self.cte(
            &format!("{pre}mask"),
            format!("SELECT i.nir, i.rnk, i.s, i.e, i.oe{cols}\n  FROM {pre}idx i{joins}"),
        );
        let all: Vec<String> = (0..masks.len()).map(|k| format!("r{k}")).collect();
        self.cte(
            &format!("{pre}keep"),
            format!(
                "SELECT nir, rnk, s, e, oe FROM {pre}mask{}",
                if all.is_empty() {
                    String::new()
                } else {
                    format!(" WHERE {} > {}", all.join(" + "), all.len() - 1)
                }
            ),
        );
        // Exit.
        let (base, era_join) = match &c.exit {
            ExitPlan::EndOfObservation => ("k.oe".to_string(), String::new()),
            ExitPlan::Fixed { days, from_end } => (
                format!("k.{} + {days}", if *from_end { "e" } else { "s" }),
                String::new(),
            ),
            ExitPlan::Drug {
                codes,
                days_per_box,
                gap,
                extension,
            } => {
                let has_days = self.plan.pack_days.as_ref().is_some_and(|v| !v.is_empty());
                let (per, join) = match days_per_box {
                    Some(n) => (n.to_string(), String::new()),
                    None if has_days => (
                        "COALESCE(pd.days, 30)".to_string(),
                        "\n  LEFT JOIN pack_days pd ON pd.cip = TRIM(x.cd)".to_string(),
                    ),
                    None => ("30".to_string(), String::new()),
                };
                self.cte(
                    &format!("{pre}dx"),
                    format!(
                        "SELECT x.nir, x.rnk, x.d0 AS d, x.d0 + x.qty * {per} - 1 AS ce\n  FROM evx x{join}\n  \
                         WHERE {} > 0",
                        flag(&format!(
                            "x.kd = {} AND x.qty > 0 AND {}",
                            kind::DISPENSING,
                            self.codes(codes, "x")
                        ))
                    ),
                );
                self.cte(
                    &format!("{pre}dx1"),
                    format!(
                        "SELECT nir, rnk, d, ce, MAX(ce) OVER (PARTITION BY nir, rnk ORDER BY d, ce\n      \
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pe\n  FROM {pre}dx"
                    ),
                );
                self.cte(
                    &format!("{pre}dx2"),
                    format!(
                        "SELECT nir, rnk, d, ce,\n    SUM({}) OVER (PARTITION BY nir, rnk ORDER BY d, ce\n      \
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS g\n  FROM {pre}dx1",
                        flag(&format!("pe IS NULL OR d > pe + {gap} + 1"))
                    ),
                );
                self.cte(
                    &format!("{pre}era"),
                    format!(
                        "SELECT nir, rnk, MIN(d) AS a, MAX(ce) AS b FROM {pre}dx2 GROUP BY nir, rnk, g"
                    ),
                );
                (
                    format!("CASE WHEN r.b IS NULL THEN k.s ELSE r.b + {extension} END"),
                    format!(
                        "\n  LEFT JOIN {pre}era r ON r.nir = k.nir AND r.rnk = k.rnk AND r.a <= k.s AND k.s <= r.b"
                    ),
                )
            }
        };
        self.cte(
            &format!("{pre}ex"),
            format!(
                "SELECT k.nir, k.rnk, k.s, k.e, LEAST({base}, k.oe) AS bx\n  FROM {pre}keep k{era_join}"
            ),
        );
        let exit_src = if c.censor.is_empty() {
            format!("SELECT nir, rnk, s, e, bx AS x FROM {pre}ex")
        } else {
            self.cte(
                &format!("{pre}cz"),
                format!(
                    "SELECT k.nir, k.rnk, k.s, k.e, MIN(k.bx) AS bx, MIN(x.d0) AS cz\n  FROM {pre}ex k\n  \
                     LEFT JOIN evx x ON x.nir = k.nir AND x.rnk = k.rnk AND x.d0 >= k.s AND {}\n  \
                     GROUP BY k.nir, k.rnk, k.s, k.e",
                    self.filters(&c.censor, "x")
                ),
            );
            format!(
                "SELECT nir, rnk, s, e, CASE WHEN cz IS NOT NULL AND cz < bx THEN cz ELSE bx END AS x FROM {pre}cz"
            )
        };
        self.cte(
            &format!("{pre}x"),
            format!("SELECT nir, rnk, s, e, GREATEST(x, s) AS x\n  FROM ({exit_src}) t"),
        );
        // Era collapse: a new entry starts when it begins more than `pad` days after every
        // earlier exit of the person.
        self.cte(
            &format!("{pre}c1"),
            format!(
                "SELECT nir, rnk, s, e, x, MAX(x) OVER (PARTITION BY nir, rnk ORDER BY s, e\n      \
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm\n  FROM {pre}x"
            ),
        );
        self.cte(
            &format!("{pre}c2"),
            format!(
                "SELECT nir, rnk, s, x, SUM({}) OVER (PARTITION BY nir, rnk ORDER BY s, e\n      \
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS g\n  FROM {pre}c1",
                flag(&format!("pm IS NULL OR s > pm + {}", c.pad))
            ),
        );
        self.cte(
            &format!("{pre}rows"),
            format!("SELECT nir, rnk, MIN(s) AS a, MAX(x) AS b FROM {pre}c2 GROUP BY nir, rnk, g"),
        );
    }

    fn text(&self, last: &str) -> String {
        let mut out = String::from("WITH\n");
        for (i, (name, body)) in self.ctes.iter().enumerate() {
            let _ = write!(out, "{name} AS (\n  {body}\n)");
            out.push_str(if i + 1 < self.ctes.len() { ",\n" } else { "\n" });
        }
        out.push_str(last);
        out.push('\n');
        out
    }

    fn entries(&self, rows: &str) -> String {
        format!(
            "SELECT nir AS person_id, rnk AS BEN_RNG_GEM, {} AS index_date, {} AS exit_date\nFROM {rows}\nORDER BY person_id, BEN_RNG_GEM, index_date",
            self.d.date("a"),
            self.d.date("b")
        )
    }

    fn attrition(&mut self, c: &CohortPlan) -> String {
        let n = c.rules.len();
        let pass = |k: usize| -> String {
            if k == 0 {
                "1".into()
            } else {
                flag(
                    &(0..k)
                        .map(|j| format!("r{j} = 1"))
                        .collect::<Vec<_>>()
                        .join(" AND "),
                )
            }
        };
        let mut cols = Vec::new();
        for k in 0..=n {
            let p = pass(k);
            cols.push(format!("SUM({p}) AS e{k}, MAX({p}) AS q{k}"));
        }
        for j in 0..n {
            cols.push(format!("SUM(r{j}) AS ae{j}, MAX(r{j}) AS aq{j}"));
        }
        self.cte(
            "m_pp",
            format!(
                "SELECT nir, rnk,\n    {}\n  FROM m_mask\n  GROUP BY nir, rnk",
                cols.join(",\n    ")
            ),
        );
        let bi = self.d.bigint();
        let mut tot = Vec::new();
        for k in 0..=n {
            tot.push(format!(
                "CAST(COALESCE(SUM(e{k}), 0) AS {bi}) AS e{k}, CAST(COALESCE(SUM(q{k}), 0) AS {bi}) AS q{k}"
            ));
        }
        for j in 0..n {
            tot.push(format!(
                "CAST(COALESCE(SUM(ae{j}), 0) AS {bi}) AS ae{j}, CAST(COALESCE(SUM(aq{j}), 0) AS {bi}) AS aq{j}"
            ));
        }
        self.cte(
            "m_tot",
            format!("SELECT\n    {}\n  FROM m_pp", tot.join(",\n    ")),
        );
        let mut steps = Vec::new();
        for k in 0..=n {
            let name = if k == 0 {
                "entry".to_string()
            } else {
                c.rules[k - 1].0.clone()
            };
            let (lp, le, ap, ae) = if k == 0 {
                (
                    format!("CAST(0 AS {bi})"),
                    format!("CAST(0 AS {bi})"),
                    "q0".to_string(),
                    "e0".to_string(),
                )
            } else {
                (
                    format!("q{} - q{k}", k - 1),
                    format!("e{} - e{k}", k - 1),
                    format!("aq{}", k - 1),
                    format!("ae{}", k - 1),
                )
            };
            steps.push(format!(
                "SELECT {k} AS step, CAST({} AS {}) AS name, q{k} AS persons, e{k} AS events, {lp} AS lost_persons, {le} AS lost_events, {ap} AS alone_persons, {ae} AS alone_events FROM m_tot",
                self.d.lit(&name),
                self.d.text(),
            ));
        }
        format!(
            "SELECT * FROM (\n  {}\n) t\nORDER BY step",
            steps.join("\n  UNION ALL ")
        )
    }
}

pub(crate) fn render(plan: &Plan, opts: &SqlOptions, result: SqlResult) -> Result<String> {
    let mut r = R {
        d: opts.dialect,
        opts,
        plan,
        ctes: Vec::new(),
    };
    r.base()?;
    r.cohort(&plan.cohort, "m_");
    let last = match result {
        SqlResult::Entries => r.entries("m_rows"),
        SqlResult::Attrition => r.attrition(&plan.cohort),
    };
    Ok(r.text(&last))
}

pub(crate) fn set_operation(op: SetOp, a: &Plan, b: &Plan, opts: &SqlOptions) -> Result<String> {
    // Both cohorts share the base tables; the referential tables are the union of both plans'.
    let mut merged = a.clone();
    for p in &b.pack_atc {
        if !merged.pack_atc.iter().any(|x| x.0 == p.0) {
            merged.pack_atc.push(p.clone());
        }
    }
    merged.pack_atc.sort();
    merged.pack_days = match (&a.pack_days, &b.pack_days) {
        (Some(x), _) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    };
    let mut r = R {
        d: opts.dialect,
        opts,
        plan: &merged,
        ctes: Vec::new(),
    };
    r.base()?;
    r.cohort(&a.cohort, "a_");
    r.cohort(&b.cohort, "b_");
    // Each side's rows as maximal runs of days: rows that touch or overlap merge.
    for s in ["a", "b"] {
        r.cte(
            &format!("{s}_r1"),
            format!(
                "SELECT nir, rnk, a, b, MAX(b) OVER (PARTITION BY nir, rnk ORDER BY a, b\n      \
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm\n  FROM {s}_rows"
            ),
        );
        r.cte(
            &format!("{s}_r2"),
            format!(
                "SELECT nir, rnk, a, b, SUM({}) OVER (PARTITION BY nir, rnk ORDER BY a, b\n      \
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS g\n  FROM {s}_r1",
                flag("pm IS NULL OR a > pm + 1")
            ),
        );
        r.cte(
            &format!("{s}_runs"),
            format!("SELECT nir, rnk, MIN(a) AS a, MAX(b) AS b FROM {s}_r2 GROUP BY nir, rnk, g"),
        );
    }
    match op {
        SetOp::Union => {
            r.cte(
                "u_all",
                "SELECT nir, rnk, a, b FROM a_runs UNION ALL SELECT nir, rnk, a, b FROM b_runs"
                    .into(),
            );
            r.cte(
                "u_r1",
                "SELECT nir, rnk, a, b, MAX(b) OVER (PARTITION BY nir, rnk ORDER BY a, b\n      \
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm\n  FROM u_all"
                    .into(),
            );
            r.cte(
                "u_r2",
                format!(
                    "SELECT nir, rnk, a, b, SUM({}) OVER (PARTITION BY nir, rnk ORDER BY a, b\n      \
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS g\n  FROM u_r1",
                    flag("pm IS NULL OR a > pm + 1")
                ),
            );
            r.cte(
                "s_rows",
                "SELECT nir, rnk, MIN(a) AS a, MAX(b) AS b FROM u_r2 GROUP BY nir, rnk, g".into(),
            );
        }
        SetOp::Intersection => {
            r.cte(
                "s_rows",
                "SELECT x.nir, x.rnk, GREATEST(x.a, y.a) AS a, LEAST(x.b, y.b) AS b\n  \
                 FROM a_runs x\n  JOIN b_runs y ON y.nir = x.nir AND y.rnk = x.rnk AND y.a <= x.b AND y.b >= x.a"
                    .into(),
            );
        }
        SetOp::Difference => {
            // The runs of b overlapping each run of a, in order; the pieces of a between them.
            r.cte(
                "d_ov",
                "SELECT x.nir, x.rnk, x.a AS xa, x.b AS xb, y.a AS ya, y.b AS yb,\n    \
                 LEAD(y.a) OVER (PARTITION BY x.nir, x.rnk, x.a ORDER BY y.a) AS na,\n    \
                 ROW_NUMBER() OVER (PARTITION BY x.nir, x.rnk, x.a ORDER BY y.a) AS k\n  \
                 FROM a_runs x\n  JOIN b_runs y ON y.nir = x.nir AND y.rnk = x.rnk AND y.a <= x.b AND y.b >= x.a"
                    .into(),
            );
            r.cte(
                "d_pieces",
                "SELECT x.nir, x.rnk, x.a, x.b FROM a_runs x\n  \
                 WHERE NOT EXISTS (SELECT 1 FROM d_ov o WHERE o.nir = x.nir AND o.rnk = x.rnk AND o.xa = x.a)\n  \
                 UNION ALL SELECT nir, rnk, xa, ya - 1 FROM d_ov WHERE k = 1 AND ya > xa\n  \
                 UNION ALL SELECT nir, rnk, yb + 1, CASE WHEN na IS NULL THEN xb ELSE na - 1 END FROM d_ov\n    \
                 WHERE yb + 1 <= CASE WHEN na IS NULL THEN xb ELSE na - 1 END"
                    .into(),
            );
            r.cte("s_rows", "SELECT nir, rnk, a, b FROM d_pieces".into());
        }
    }
    let last = r.entries("s_rows");
    Ok(r.text(&last))
}

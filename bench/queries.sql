-- SQL equivalents of the example definitions (core/definitions/), read by DuckDB natively
-- (bench/queries.py, run by bench/peers.py) and by DuckDB-WASM in the browser benchmark
-- (web-demo/bench/), so both run the same text.
--
-- Sections start with a line `-- name: <name>`. The `setup_*` sections build, from the Parquet
-- files core/examples/bench.rs exports, the tables the queries read, in memory and before any
-- timing; `{data_start}` and `{data_end}` stand for the data period (days since 1970-01-01,
-- bench-data/span.json). Every other section is the query of the example definition of that
-- name: it returns the persons (patient ids) the definition selects, following the engine's
-- semantics (core/src/definition/mod.rs):
-- - observation period = [max(birth, data start), min(death, data end)];
-- - `first` occurrence = the first matching event ever (same-day ties: the earliest end), then
--   the observation requirements filter it (index >= obs_start + prior, index + post <= obs_end);
-- - an event criterion counts the events dated in its window, bounds inclusive, clipped to the
--   observation period; the end of a stay = its start + its length, clipped to observation;
-- - age at index = completed years.
--
-- Tables:
--   events(patient, kind, role, day, code, value)   kind: 0 dispensing, 1 diagnosis, 2 stay, 4 ALD
--   patients(patient, sex, obs_start, obs_end, birth_year, birth_md, dept)
--   codes(dict, code_id, code, atc)                 dict: drug (atc = the pack's ATC), icd10, ...

-- name: setup_events
CREATE TABLE events AS
SELECT patient, kind, role, CAST(date - DATE '1970-01-01' AS INTEGER) AS day, code, value
FROM read_parquet('events.parquet')

-- name: setup_patients
CREATE TABLE patients AS
SELECT patient, sex,
       greatest(CAST(birth - DATE '1970-01-01' AS INTEGER), {data_start}) AS obs_start,
       least(coalesce(CAST(death - DATE '1970-01-01' AS INTEGER), {data_end}), {data_end}) AS obs_end,
       CAST(year(birth) AS INTEGER) AS birth_year,
       CAST(month(birth) * 100 + day(birth) AS INTEGER) AS birth_md,
       dept
FROM read_parquet('patients.parquet')

-- name: setup_codes
CREATE TABLE codes AS SELECT * FROM read_parquet('codes.parquet')

-- name: incident_metformin
WITH idx AS (
  SELECT g.patient, g.de.d AS d, least(g.de.e, p.obs_end) AS e, p.obs_start, p.obs_end,
         p.birth_year, p.birth_md
  FROM (SELECT patient, min({'d': day, 'e': day + CASE WHEN kind = 2 THEN value ELSE 0 END}) AS de
        FROM events
        WHERE kind = 0
          AND code IN (SELECT code_id FROM codes WHERE dict = 'drug' AND atc LIKE 'A10BA02%')
        GROUP BY patient) g
  JOIN patients p ON p.patient = g.patient
  WHERE g.de.d >= p.obs_start + 365 AND g.de.d <= p.obs_end)
SELECT patient FROM idx
WHERE year(DATE '1970-01-01' + idx.d) - birth_year
      - CASE WHEN month(DATE '1970-01-01' + idx.d) * 100 + day(DATE '1970-01-01' + idx.d) < birth_md
             THEN 1 ELSE 0 END >= 18
  AND NOT EXISTS (
    SELECT 1 FROM events x
    WHERE x.patient = idx.patient AND x.kind = 0
      AND x.code IN (SELECT code_id FROM codes
                     WHERE dict = 'drug' AND atc LIKE 'A10%' AND atc NOT LIKE 'A10BA02%')
      AND x.day BETWEEN greatest(idx.d - 365, idx.obs_start) AND least(idx.d - 1, idx.obs_end))

-- name: mi_secondary_prevention
WITH idx AS (
  SELECT g.patient, g.de.d AS d, least(g.de.e, p.obs_end) AS e, p.obs_start, p.obs_end,
         p.birth_year, p.birth_md
  FROM (SELECT patient, min({'d': day, 'e': day + CASE WHEN kind = 2 THEN value ELSE 0 END}) AS de
        FROM events
        WHERE kind = 2
          AND code IN (SELECT code_id FROM codes WHERE dict = 'icd10' AND code LIKE 'I21%')
        GROUP BY patient) g
  JOIN patients p ON p.patient = g.patient
  WHERE g.de.d >= p.obs_start + 365 AND g.de.d + 30 <= p.obs_end)
SELECT patient FROM idx
WHERE EXISTS (
    SELECT 1 FROM events x
    WHERE x.patient = idx.patient AND x.kind = 0
      AND x.code IN (SELECT code_id FROM codes WHERE dict = 'drug' AND atc LIKE 'C07%')
      AND x.day BETWEEN greatest(least(idx.e, idx.obs_end), idx.obs_start)
                    AND least(least(idx.e, idx.obs_end) + 30, idx.obs_end))
  AND EXISTS (
    SELECT 1 FROM events x
    WHERE x.patient = idx.patient AND x.kind = 0
      AND x.code IN (SELECT code_id FROM codes WHERE dict = 'drug' AND atc LIKE 'C10AA%')
      AND x.day BETWEEN greatest(least(idx.e, idx.obs_end), idx.obs_start)
                    AND least(least(idx.e, idx.obs_end) + 30, idx.obs_end))
  AND EXISTS (
    SELECT 1 FROM events x
    WHERE x.patient = idx.patient AND x.kind = 0
      AND x.code IN (SELECT code_id FROM codes WHERE dict = 'drug' AND atc LIKE 'B01AC%')
      AND x.day BETWEEN greatest(least(idx.e, idx.obs_end), idx.obs_start)
                    AND least(least(idx.e, idx.obs_end) + 30, idx.obs_end))

-- name: hip_fracture_benzodiazepines
WITH idx AS (
  SELECT g.patient, g.de.d AS d, least(g.de.e, p.obs_end) AS e, p.obs_start, p.obs_end,
         p.birth_year, p.birth_md
  FROM (SELECT patient, min({'d': day, 'e': day + CASE WHEN kind = 2 THEN value ELSE 0 END}) AS de
        FROM events
        WHERE kind = 2
          AND code IN (SELECT code_id FROM codes
                       WHERE dict = 'icd10'
                         AND (code LIKE 'S720%' OR code LIKE 'S721%' OR code LIKE 'S722%'))
        GROUP BY patient) g
  JOIN patients p ON p.patient = g.patient
  WHERE g.de.d >= p.obs_start + 365 AND g.de.d <= p.obs_end)
SELECT patient FROM idx
WHERE year(DATE '1970-01-01' + idx.d) - birth_year
      - CASE WHEN month(DATE '1970-01-01' + idx.d) * 100 + day(DATE '1970-01-01' + idx.d) < birth_md
             THEN 1 ELSE 0 END >= 65
  AND (SELECT count(DISTINCT x.day) FROM events x
       WHERE x.patient = idx.patient AND x.kind = 0
         AND x.code IN (SELECT code_id FROM codes
                        WHERE dict = 'drug'
                          AND (atc LIKE 'N05BA%' OR atc LIKE 'N05CD%' OR atc LIKE 'N05CF%'))
         AND x.day BETWEEN greatest(idx.d - 182, idx.obs_start) AND least(idx.d - 1, idx.obs_end)) >= 2

-- name: copd_exacerbation_stays
SELECT DISTINCT e.patient FROM events e JOIN patients USING (patient)
WHERE e.kind = 2
  AND e.code IN (SELECT code_id FROM codes
                 WHERE dict = 'icd10' AND (code LIKE 'J440%' OR code LIKE 'J441%'))
  AND e.day BETWEEN obs_start AND obs_end
  AND year(DATE '1970-01-01' + e.day) - birth_year
      - CASE WHEN month(DATE '1970-01-01' + e.day) * 100 + day(DATE '1970-01-01' + e.day) < birth_md
             THEN 1 ELSE 0 END >= 40

-- name: t2d_insulin_start
WITH idx AS (
  SELECT g.patient, g.de.d AS d, least(g.de.e, p.obs_end) AS e, p.obs_start, p.obs_end,
         p.birth_year, p.birth_md
  FROM (SELECT patient, min({'d': day, 'e': day + CASE WHEN kind = 2 THEN value ELSE 0 END}) AS de
        FROM events
        WHERE kind = 0
          AND code IN (SELECT code_id FROM codes WHERE dict = 'drug' AND atc LIKE 'A10A%')
        GROUP BY patient) g
  JOIN patients p ON p.patient = g.patient
  WHERE g.de.d >= p.obs_start + 365 AND g.de.d <= p.obs_end)
SELECT patient FROM idx
WHERE EXISTS (
    SELECT 1 FROM events x
    WHERE x.patient = idx.patient AND x.kind IN (1, 4)
      AND x.code IN (SELECT code_id FROM codes WHERE dict = 'icd10' AND code LIKE 'E11%')
      AND x.day BETWEEN idx.obs_start AND least(idx.d, idx.obs_end))
  AND EXISTS (
    SELECT 1 FROM events x
    WHERE x.patient = idx.patient AND x.kind = 0
      AND x.code IN (SELECT code_id FROM codes WHERE dict = 'drug' AND atc LIKE 'A10B%')
      AND x.day BETWEEN greatest(idx.d - 365, idx.obs_start) AND least(idx.d - 1, idx.obs_end))

-- name: af_anticoagulant
WITH idx AS (
  SELECT g.patient, g.de.d AS d, least(g.de.e, p.obs_end) AS e, p.obs_start, p.obs_end,
         p.birth_year, p.birth_md
  FROM (SELECT patient, min({'d': day, 'e': day + CASE WHEN kind = 2 THEN value ELSE 0 END}) AS de
        FROM events
        WHERE kind = 0
          AND code IN (SELECT code_id FROM codes
                       WHERE dict = 'drug'
                         AND (atc LIKE 'B01AA%' OR atc LIKE 'B01AF%' OR atc LIKE 'B01AE07%'))
        GROUP BY patient) g
  JOIN patients p ON p.patient = g.patient
  WHERE g.de.d >= p.obs_start + 365 AND g.de.d <= p.obs_end)
SELECT patient FROM idx
WHERE EXISTS (
    SELECT 1 FROM events x
    WHERE x.patient = idx.patient AND x.kind IN (1, 4)
      AND x.code IN (SELECT code_id FROM codes WHERE dict = 'icd10' AND code LIKE 'I48%')
      AND x.day BETWEEN greatest(idx.d - 365, idx.obs_start) AND least(idx.d, idx.obs_end))

-- name: heart_failure_after_mi
WITH idx AS (
  SELECT g.patient, g.de.d AS d, least(g.de.e, p.obs_end) AS e, p.obs_start, p.obs_end,
         p.birth_year, p.birth_md
  FROM (SELECT patient, min({'d': day, 'e': day + CASE WHEN kind = 2 THEN value ELSE 0 END}) AS de
        FROM events
        WHERE kind = 1
          AND code IN (SELECT code_id FROM codes WHERE dict = 'icd10' AND code LIKE 'I50%')
        GROUP BY patient) g
  JOIN patients p ON p.patient = g.patient
  WHERE g.de.d >= p.obs_start AND g.de.d <= p.obs_end)
SELECT patient FROM idx
WHERE EXISTS (
    SELECT 1 FROM events x
    WHERE x.patient = idx.patient AND x.kind = 2
      AND x.code IN (SELECT code_id FROM codes
                     WHERE dict = 'icd10' AND (code LIKE 'I21%' OR code LIKE 'I22%'))
      AND x.day BETWEEN idx.obs_start AND idx.obs_end
      AND x.day <= least(idx.d - 1, idx.obs_end)
      AND least(x.day + x.value, idx.obs_end) >= greatest(idx.d - 1826, idx.obs_start))

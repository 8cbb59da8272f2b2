"""The SQL of a verification from a population extract (:mod:`chitra.verification.extract`),
PostgreSQL only. ``{raw}`` is the name of the run's own table of raw rows (made of a random
hexadecimal token, never of input).

Three steps build ``verif_extract``, a row per row of the file:

1. :data:`MATCH` — every row beside the beneficiary of its personal ID (if asked about), and
   whether it is ours written as we would write it, to the letter (``fast``). Nearly every
   row is; this step reads them all, so it runs on parallel workers (hence ``{raw}`` is an
   unlogged table, which they can read, and not a temporary one, which they cannot).
2. :data:`PARSE` — only the other rows, parsed and checked field by field: set aside with a
   reason, or identical after all (spaces, another date format), or to be decided one by
   one.
3. :data:`DUPLICATES` — a personal ID of ours on two rows sets both aside.
"""

from __future__ import annotations

RAW = """
CREATE UNLOGGED TABLE {raw} (
  n bigint GENERATED ALWAYS AS IDENTITY, citizen_id text, full_name text,
  date_of_birth text, sex text, ward_code text, death_date text)
"""
COPY_RAW = """COPY {raw} (citizen_id, full_name, date_of_birth, sex, ward_code, death_date)
FROM STDIN WITH (FORMAT csv, ENCODING 'UTF8')"""
RAW_ROWS = "SELECT count(*) FROM {raw}"
DROP_RAW = "DROP TABLE {raw}"

# Plain expressions over millions of rows (compiling them costs more than it saves) and
# hash joins of a whole country's people in memory; for this transaction only.
SESSION = "SET LOCAL jit = off; SET LOCAL work_mem = '512MB'"

# The planner prices MATCH's comparisons at next to nothing and so keeps the whole row on
# one core; measured at 3.4 M rows, two workers take half the time (14 s → 7 s).
PARALLEL = "SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0.0001"

# For PARSE: the tables it reads were just read, so a probe by key or place costs about a
# sequential read; priced as on a spinning disk (the default), the planner reads them whole.
PROBES = "SET LOCAL random_page_cost = 1.1"

# Ours, written as we would write it: the ID as it came; the name the same, or ours in
# capitals; dd/mm/yyyy; Nam/Nữ; the same ward or theirs empty; no date of death. Our side
# is checked too (a name answer_for would refuse, a date or a code out of shape): such a row
# is parsed instead. Alive here and there (dead here, alive there: to review).
_FAST = """coalesce(%(fast_ok)s AND b.id IS NOT NULL AND e.citizen_id = b.citizen_id
         AND octet_length(b.citizen_id) = 12 AND ltrim(b.citizen_id, '0123456789') = ''
         AND (e.full_name = b.full_name OR e.full_name = upper(b.full_name))
         AND b.full_name <> '' AND b.full_name = btrim(b.full_name)
         AND e.date_of_birth = to_char(b.date_of_birth, 'DD/MM/YYYY')
         AND b.date_of_birth BETWEEN DATE '1800-01-01' AND %(today)s
         AND e.sex = CASE b.sex WHEN 'M' THEN 'Nam' WHEN 'F' THEN 'Nữ' END
         AND (coalesce(e.ward_code, '') = ''
              OR (e.ward_code = b.ward_code AND octet_length(b.ward_code) = 5))
         AND ltrim(b.ward_code, '0123456789') = ''
         AND coalesce(e.death_date, '') = ''
         AND b.full_name !~ '[0-9[:cntrl:]ıſ]' AND char_length(b.full_name) <= 120
         AND b.status <> 'deceased', false)"""

# The typed columns stay empty for a row matched here: nothing reads them.
MATCH = """
DROP TABLE IF EXISTS verif_extract;
CREATE TEMP TABLE verif_extract AS
SELECT e.n, e.ctid AS raw_tid, b.id AS beneficiary_id, b.province_code, {fast} AS fast,
       NULL::text AS citizen_id, NULL::text AS full_name, NULL::date AS dob, NULL::text AS sex,
       NULL::text AS ward_code, NULL::date AS died, NULL::text AS problem
FROM {raw} e
LEFT JOIN registry_beneficiary b ON b.citizen_id = btrim(e.citizen_id)
     AND b.province_code = ANY(%(provinces)s) AND b.death_date IS NULL
""".replace("{fast}", _FAST)

# A date written dd/mm/yyyy or yyyy-mm-dd as (day, month, year), then checked without an
# error (make_date would raise on 31/02) and in integer arithmetic (the length of the month,
# leap years included).
_PARTS = """CASE WHEN {col} ~ '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'
             THEN ARRAY[split_part({col}, '/', 1)::int, split_part({col}, '/', 2)::int,
                        split_part({col}, '/', 3)::int]
           WHEN {col} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
             THEN ARRAY[split_part({col}, '-', 3)::int, split_part({col}, '-', 2)::int,
                        split_part({col}, '-', 1)::int] END"""
_DATE = """CASE WHEN {p}[2] BETWEEN 1 AND 12 AND {p}[3] BETWEEN 1800 AND 9999
                AND {p}[1] BETWEEN 1 AND CASE
                  WHEN {p}[2] = 2 THEN CASE WHEN {p}[3] %% 4 = 0 AND ({p}[3] %% 100 <> 0
                                                                OR {p}[3] %% 400 = 0)
                                            THEN 29 ELSE 28 END
                  WHEN {p}[2] IN (4, 6, 9, 11) THEN 30 ELSE 31 END
           THEN make_date({p}[3], {p}[2], {p}[1]) END"""

# The rows MATCH did not take, typed and checked (each subquery fenced by OFFSET 0 so that
# an expression is computed once). Few rows, found by their place in the tables (ctid) and
# their beneficiary's key, not by reading the tables whole (5.4 s → 1.2 s at 3.4 M rows).
# Still identical to ours once typed (the name the same or ours in capitals, the same date
# of birth, the same ward or one unknown, alive there and here): fast after all — a match
# answer_for would give with these very values (test_extract holds them equal). A name
# answer_for would refuse is not taken.
PARSE = """
UPDATE verif_extract v
SET citizen_id = x.citizen_id, full_name = x.full_name, dob = x.dob, sex = x.sex,
    ward_code = x.ward_code, died = x.died, problem = x.problem,
    fast = (%(fast_ok)s AND x.problem IS NULL AND x.died IS NULL AND x.dob = x.b_dob
        AND (x.full_name = x.b_name OR x.full_name = upper(x.b_name))
        AND (x.ward_code = '' OR x.b_ward = '' OR x.ward_code = x.b_ward)
        AND x.b_name !~ '[0-9[:cntrl:]ıſ]' AND char_length(x.b_name) <= 120
        AND x.b_ward ~ '^[0-9]*$'
        AND x.b_status <> 'deceased')
FROM (
SELECT r.w_tid, r.n, r.citizen_id, r.full_name, r.dob, r.sex, r.ward_code, r.died,
       r.b_name, r.b_dob, r.b_ward, r.b_status,
       CASE
         WHEN r.citizen_id IS NULL OR r.citizen_id !~ '^[0-9]{12}$' THEN 'id_invalid'
         WHEN r.full_name = '' THEN 'name_missing'
         WHEN r.full_name ~ '[[:cntrl:]]' THEN 'name_control'
         WHEN r.dob IS NULL THEN 'dob_invalid'
         WHEN r.dob > %(today)s THEN 'dob_future'
         WHEN r.sex IS NULL THEN 'sex_invalid'
         WHEN r.ward_code <> '' AND r.ward_code !~ '^[0-9]{5}$' THEN 'ward_invalid'
         WHEN r.raw_died <> '' AND r.died IS NULL THEN 'death_date_invalid'
         WHEN r.died < r.dob THEN 'death_before_birth'
         WHEN r.died > %(today)s THEN 'death_future'
         WHEN r.beneficiary_id IS NULL THEN 'not_asked'
       END AS problem
FROM (SELECT s.w_tid, s.n, s.citizen_id, s.full_name, s.sex, s.ward_code, s.raw_died,
             s.beneficiary_id, s.b_name, s.b_dob, s.b_ward, s.b_status,
             {dob} AS dob, {died} AS died
      FROM (SELECT j.w_tid, j.n, j.citizen_id, j.beneficiary_id, j.b_name, j.b_dob, j.b_ward,
                   j.b_status, coalesce(btrim(j.full_name), '') AS full_name,
                   CASE j.sex WHEN 'Nam' THEN 'M' WHEN 'Nữ' THEN 'F' ELSE  -- as written, most
                   CASE upper(translate(normalize(btrim(coalesce(j.sex, '')), NFC), 'ữỮ', 'uU'))
                     WHEN 'NAM' THEN 'M' WHEN 'M' THEN 'M' WHEN 'NU' THEN 'F' WHEN 'F' THEN 'F'
                   END END AS sex,
                   coalesce(btrim(j.ward_code), '') AS ward_code,
                   coalesce(btrim(j.death_date), '') AS raw_died,
                   {dob_parts} AS dob_parts, {died_parts} AS died_parts
            FROM (
SELECT w.ctid AS w_tid, w.n, btrim(e.citizen_id) AS citizen_id, e.full_name, e.date_of_birth, e.sex,
       e.ward_code, e.death_date, b.id AS beneficiary_id,
       b.full_name AS b_name, b.date_of_birth AS b_dob, b.ward_code AS b_ward,
       b.status AS b_status
FROM verif_extract w JOIN {raw} e ON e.ctid = w.raw_tid
LEFT JOIN registry_beneficiary b ON b.id = w.beneficiary_id
WHERE NOT w.fast
OFFSET 0) j OFFSET 0) s
      OFFSET 0) r
OFFSET 0) x
WHERE v.ctid = x.w_tid
""".replace("{dob}", _DATE.replace("{p}", "dob_parts")).replace(
    "{died}", _DATE.replace("{p}", "died_parts")).replace(
    "{dob_parts}", _PARTS.replace("{col}", "btrim(j.date_of_birth)")).replace(
    "{died_parts}", _PARTS.replace("{col}", "btrim(j.death_date)"))

# Rows of one beneficiary beyond their first: the count first, as there are seldom any.
DUPLICATED = """
SELECT count(beneficiary_id) - count(DISTINCT beneficiary_id) FROM verif_extract
"""
DUPLICATES = """
UPDATE verif_extract v
SET problem = 'duplicate_id', fast = false,
    citizen_id = coalesce(v.citizen_id, btrim(e.citizen_id))
FROM {raw} e
WHERE e.n = v.n AND v.beneficiary_id IN (
  SELECT beneficiary_id FROM verif_extract WHERE beneficiary_id IS NOT NULL
  GROUP BY 1 HAVING count(*) > 1)
"""

# The people matched set-based, each with its batch (province → batch), for
# registry.stamps.stamp_in_bulk: their ids are those MATCH joined from registry_beneficiary.
MATCHED = """
SELECT e.beneficiary_id, 'batch:' || p.batch_id AS source
FROM verif_extract e
JOIN (SELECT unnest(%(provinces)s::text[]) AS province_code,
             unnest(%(batches)s::bigint[]) AS batch_id) p ON p.province_code = e.province_code
WHERE e.fast
"""

# Reviews still open from earlier batches of people now matched in bulk. A join, not
# ``= ANY(ids)``: tens of thousands of open reviews against millions of rows made that a
# comparison per pair (minutes, found by the benchmark's second run).
OPEN_REVIEWS = """
SELECT DISTINCT e.beneficiary_id, e.province_code
FROM verification_verificationresult r JOIN verif_extract e ON e.beneficiary_id = r.beneficiary_id
WHERE e.fast AND r.review_status = ANY(%(open)s) AND NOT r.batch_id = ANY(%(batches)s)
"""

# Everyone not matched in bulk: a row that differs (not set aside), and our people the
# extract does not hold.
ONE_BY_ONE = """
SELECT b.province_code, b.id, b.citizen_id, b.full_name, b.date_of_birth, b.sex, b.ward_code,
       true, e.full_name, e.dob, e.sex, e.ward_code, e.died, e.n
FROM verif_extract e JOIN registry_beneficiary b ON b.id = e.beneficiary_id
WHERE e.problem IS NULL AND NOT e.fast
UNION ALL
SELECT b.province_code, b.id, b.citizen_id, b.full_name, b.date_of_birth, b.sex, b.ward_code,
       false, NULL, NULL, NULL, NULL, NULL, NULL
FROM registry_beneficiary b
WHERE b.province_code = ANY(%(provinces)s) AND b.death_date IS NULL
  AND NOT EXISTS (SELECT 1 FROM verif_extract e WHERE e.beneficiary_id = b.id)
ORDER BY 1, 2
"""

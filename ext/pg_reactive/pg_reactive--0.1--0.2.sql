/* pg_reactive--0.1--0.2.sql — from 0.1 to 0.2. 0.1 is released (installed in databases
 * that ran it), so it stays as it was; everything 0.2 adds or replaces is here, and a new
 * install runs 0.1 then this script. */
\echo Use "ALTER EXTENSION pg_reactive UPDATE TO '0.2'" to load this file. \quit

-- The statement pgr._eval_batch() runs for feeds of one query that share a security context:
-- parameters bound as arrays of their declared types ($1..$n), no cast inside the query.
CREATE FUNCTION pgr._multiplexed(sql text, param_types regtype[], restrict_key text DEFAULT NULL)
  RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_multiplexed' LANGUAGE C STABLE;

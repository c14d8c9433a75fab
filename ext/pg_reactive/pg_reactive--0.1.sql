/* pg_reactive--0.1.sql */
\echo Use "CREATE EXTENSION pg_reactive" to load this file. \quit

CREATE FUNCTION @extschema@.library_version() RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_library_version'
  LANGUAGE C STRICT IMMUTABLE;

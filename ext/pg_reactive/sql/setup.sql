-- the extension loads and reports its library version
SELECT pgr.library_version() ~ '^\d+\.\d+\.\d+$' AS has_version;

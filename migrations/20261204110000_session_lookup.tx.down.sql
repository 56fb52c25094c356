DROP FUNCTION upstand_session(bytea, timestamptz, timestamptz);

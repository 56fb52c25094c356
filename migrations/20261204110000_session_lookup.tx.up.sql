-- The session lookup in one statement (one round trip to PostgreSQL, no
-- BEGIN or COMMIT): every signed-in request makes it. It does what the
-- store did in a transaction of six statements: with upstand.system on
-- (the cross-organisation policy on sessions), the live session by its
-- token hash; then, bound to the session's organisation (upstand.org_id),
-- its person if active, with their passkey count and whether they manage
-- a team. Both settings are local to the statement's own transaction, so
-- they end with it. The function runs as its caller (upstand_app), so row-
-- level security binds every read as it did. The person comes as a whole
-- people row, so a column added to people later comes with it.
CREATE FUNCTION upstand_session(p_hash bytea, p_now timestamptz, p_idle_since timestamptz)
RETURNS TABLE (session sessions, person people, passkeys bigint, manages boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    s sessions;
BEGIN
    PERFORM set_config('upstand.system', 'on', true);
    SELECT * INTO s FROM sessions x
        WHERE x.id_hash = p_hash AND x.expires_at > p_now AND x.last_seen_at > p_idle_since;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM set_config('upstand.org_id', s.org_id::text, true);
    RETURN QUERY
        SELECT s, p,
            (SELECT count(*) FROM credentials c WHERE c.person_id = p.id),
            EXISTS (SELECT 1 FROM team_members tm WHERE tm.org_id = p.org_id AND tm.person_id = p.id AND tm.is_manager)
        FROM people p
        WHERE p.org_id = s.org_id AND p.id = s.person_id AND p.active;
END $$;
GRANT EXECUTE ON FUNCTION upstand_session(bytea, timestamptz, timestamptz) TO upstand_app;

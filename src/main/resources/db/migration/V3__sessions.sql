-- Sessions (docs/security.md): one per registration or login. A session ends when it is logged
-- out, when the user logs out everywhere or changes the password (the other sessions), when one of
-- its rotated refresh tokens is presented again (reuse), or when its refresh token expires.
-- expires_at is the expiry of the session's current refresh token (each rotation moves it on).
CREATE TABLE session (
  id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id   uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  refreshed_at timestamptz,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  -- logout, logout-all, password, reuse
  revoked_why  text
);
-- the live sessions of a user (logout-all, password change)
CREATE INDEX session_live_by_account ON session (account_id) WHERE revoked_at IS NULL;
-- what a starting node loads: the sessions revoked within the last access-token lifetime
CREATE INDEX session_revoked_at ON session (revoked_at) WHERE revoked_at IS NOT NULL;

-- Every refresh token a session was given, as its SHA-256 hash (never the token itself): the
-- current one (replaced_at null) and those rotated away, kept so that presenting one of those
-- again is recognised as reuse and ends the session.
CREATE TABLE refresh_token (
  hash        bytea       PRIMARY KEY,
  session_id  uuid        NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  replaced_at timestamptz
);
CREATE INDEX refresh_token_by_session ON refresh_token (session_id);

-- When a user was last connected, kept across restarts (live presence itself is in shared maps).
ALTER TABLE account ADD COLUMN last_seen_at timestamptz;

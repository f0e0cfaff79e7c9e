-- Consent, leaving, blocking (docs/security.md, "Consent and privacy").
--
-- A participant is 'accepted' or 'invited'. Rows that exist before this migration become
-- 'accepted': everyone in a conversation today took part under the old rules, and making them
-- invited would hide their presence from people who see it now. The column's default is
-- 'accepted' for the same reason (rows written by SQL outside Thrume, such as seeded test data);
-- Thrume itself always names the status it writes: the creator 'accepted', everyone else 'invited'.
ALTER TABLE participant ADD COLUMN status text NOT NULL DEFAULT 'accepted'
  CONSTRAINT participant_status CHECK (status IN ('accepted', 'invited'));

-- Who created the conversation: the one participant who may remove others. Conversations made
-- before this migration get NULL, not a guess: their participants were inserted by one statement
-- with the same joined_at, so "the earliest participant" cannot tell the creator apart. In those
-- conversations anyone may leave and nobody may remove anyone. If the creator's account is
-- deleted, the column goes back to NULL.
ALTER TABLE conversation ADD COLUMN created_by uuid REFERENCES account (id) ON DELETE SET NULL;

-- blocker_id has blocked blocked_id. Read by blocked_id when a conversation is created or a
-- message sent (is the sender blocked by someone there?) and when presence is asked for.
CREATE TABLE block (
  blocker_id uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  blocked_id uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker_id, blocked_id),
  CONSTRAINT block_not_self CHECK (blocker_id <> blocked_id)
);
CREATE INDEX block_by_blocked ON block (blocked_id);

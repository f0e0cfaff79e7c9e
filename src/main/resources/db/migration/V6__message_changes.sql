-- Edits, deletes, reactions and replies (docs/api.md, "Message changes").
--
-- Each conversation counts its changes (last_change); a message's change_seq is that counter's
-- value at its latest change (0: never changed), so "what changed after N" is one index range
-- and a client that was away converges in one sync. A delete empties content and reactions: the
-- text is gone from the database, not hidden; the row stays so that seqs stay gap-free.
-- Reactions are a JSON object {emoji: [accountId…]} on the message: read with every message,
-- changed only under the conversation's lock. A reply names its target by seq; its sender and
-- excerpt are read from the target when the reply is read, so an edit or a delete of the target
-- shows in the reply too, and no copy of deleted text is left behind.
-- Constant defaults: PostgreSQL adds these columns without rewriting the table.
ALTER TABLE message
  ADD COLUMN edited_at    timestamptz,
  ADD COLUMN deleted_at   timestamptz,
  ADD COLUMN reply_to_seq bigint,
  ADD COLUMN change_seq   bigint NOT NULL DEFAULT 0,
  ADD COLUMN reactions    jsonb  NOT NULL DEFAULT '{}';
ALTER TABLE conversation ADD COLUMN last_change bigint NOT NULL DEFAULT 0;
CREATE INDEX message_changes ON message (conversation_id, change_seq) WHERE change_seq > 0;

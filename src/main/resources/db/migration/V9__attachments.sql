-- Files shared in conversations (docs/api.md, "Files").
--
-- The bytes live in PostgreSQL, so that every node serves every file and a node's restart loses
-- none. An attachment is uploaded first (message_seq NULL: unreferenced), then attached by the
-- send that names it: message_seq is the seq of that message in the same conversation, position
-- its place in the message's list. Unreferenced attachments older than files.unreferencedSeconds
-- (24 h) are deleted by a periodic sweep; deleting a message deletes its attachments' rows.
-- sha256 is the lowercase hex digest of data, computed while the upload streamed in.
CREATE TABLE attachment (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid        NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  uploader_id     uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  name            text        NOT NULL,
  content_type    text        NOT NULL,
  size            bigint      NOT NULL CHECK (size > 0),
  sha256          text        NOT NULL,
  data            bytea       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  message_seq     bigint,
  position        int
);
-- most files are compressed already (images, archives): store them out of line, uncompressed
ALTER TABLE attachment ALTER COLUMN data SET STORAGE EXTERNAL;
-- a message's attachments, read with every message
CREATE INDEX attachment_by_message ON attachment (conversation_id, message_seq) WHERE message_seq IS NOT NULL;
-- the sweep of unreferenced ones
CREATE INDEX attachment_unreferenced ON attachment (created_at) WHERE message_seq IS NULL;

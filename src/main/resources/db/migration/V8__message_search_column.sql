-- Message search reads a stored vector (docs/api.md, "Message search"), not V5's expression index.
--
-- Measured on 1,000,000 messages (W7 in docs/performance.md): PostgreSQL rechecks the rows a GIN
-- bitmap scan returns, and with an expression index each recheck parses the message's text again.
-- A search for a common word spent 160 ms in those parses; with the vector stored, 6–9 ms. The
-- column is generated, so every write path keeps it right (an edit re-derives it, a delete's ''
-- leaves it empty). Adding it rewrites the message table once, under this migration's lock.
DROP INDEX message_search;
ALTER TABLE message ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED;
CREATE INDEX message_search ON message USING GIN (search);

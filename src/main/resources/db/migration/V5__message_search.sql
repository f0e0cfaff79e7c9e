-- Full-text search over messages (GET /api/search/messages, docs/api.md "Search").
--
-- The 'simple' configuration lowercases words and does not stem them: chats mix languages, and
-- a stemmer for one language mangles the others. Queries match word prefixes ('hel:*' finds
-- "hello"), which the GIN index serves. An expression index, not a stored column: adding a
-- generated column would rewrite the whole message table while the migration holds its lock,
-- and the vector is only needed to find rows, never to return them. A deleted message's content
-- is '' (an empty vector), so it is never found.
CREATE INDEX message_search ON message USING GIN (to_tsvector('simple', content));

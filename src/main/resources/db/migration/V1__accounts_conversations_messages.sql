-- Accounts: usernames are unique regardless of case.
CREATE TABLE account (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text        NOT NULL,
  display_name  text        NOT NULL,
  password_hash text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX account_username_unique ON account (lower(username));
-- Prefix search for "start a conversation with…" (LIKE 'abc%' on lower(username)).
CREATE INDEX account_username_prefix ON account (lower(username) text_pattern_ops);

-- last_seq is the conversation's message counter: the row lock taken by incrementing it
-- serializes senders of one conversation, so seq is gap-free and assigned in the insert
-- transaction. last_activity_at orders the conversation list.
CREATE TABLE conversation (
  id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  title            text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_seq         bigint      NOT NULL DEFAULT 0,
  last_activity_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE participant (
  conversation_id uuid        NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  account_id      uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  joined_at       timestamptz NOT NULL DEFAULT now(),
  read_seq        bigint      NOT NULL DEFAULT 0,
  delivered_seq   bigint      NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, account_id)
);
CREATE INDEX participant_by_account ON participant (account_id);

CREATE TABLE message (
  id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id   uuid        NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
  seq               bigint      NOT NULL,
  sender_id         uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  content           text        NOT NULL,
  sent_at           timestamptz NOT NULL DEFAULT now(),
  client_message_id text        NOT NULL,
  -- also the index for paging a conversation by seq
  CONSTRAINT message_conversation_seq UNIQUE (conversation_id, seq),
  -- idempotent sends: one message per sender and clientMessageId
  CONSTRAINT message_sender_client_message UNIQUE (sender_id, client_message_id)
);

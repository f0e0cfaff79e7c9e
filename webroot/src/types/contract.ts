// Every shape of the public contract (docs/rest-api.md and docs/bridge-protocol.md) the client uses.

/** An account: {id, username, displayName}. */
export interface Account {
  id: string;
  username: string;
  displayName: string;
}

/** What register and login answer. expiresAt is ISO-8601 UTC. */
export interface Session {
  account: Account;
  token: string;
  expiresAt: string;
  /** Opaque, single use: POST /api/auth/refresh trades it for a new token and a new refresh token. */
  refreshToken?: string;
}

/** A persisted message. seq orders messages within a conversation (gap-free, from 1). */
export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  senderDisplayName: string;
  content: string;
  sentAt: string;
  clientMessageId: string;
  /** Files sent with it (`[]` for none; absent from an older server). */
  attachments?: Attachment[];
  /** What changed it (docs/rest-api.md, "Message changes"); absent from an older server. */
  editedAt?: string | null;
  /** Set on a tombstone: content "", no reactions, no attachments. */
  deletedAt?: string | null;
  /** The message this one answers, with its content as it is now (first 100 code points; "" once deleted). */
  replyTo?: ReplyRef | null;
  /** emoji → the users who gave it, in the order they reacted. */
  reactions?: Record<string, string[]>;
  /** The conversation's change counter at the message's last change (0: never changed). */
  changeSeq?: number;
}

/** A reply's reference to the message it answers. */
export interface ReplyRef {
  seq: number;
  senderId: string;
  excerpt: string;
}

/** GET /api/conversations/{id}/changes: messages changed after `after`, in changeSeq order. */
export interface ChangesPage {
  messages: Message[];
  lastChange: number;
  hasMore: boolean;
}

/**
 * A participant's consent: the creator is accepted; people added by someone else are invited until
 * they send a message there or accept (POST /api/conversations/{id}/accept).
 */
export type ParticipantStatus = 'accepted' | 'invited';

/** A participant of a conversation: an account and whether they accepted it. */
export interface Participant extends Account {
  status?: ParticipantStatus;
  /** Their read and delivered markers (0 while invited; absent from an older server). */
  readSeq?: number;
  deliveredSeq?: number;
}

/** A conversation, as GET /api/conversations/{id} and POST /api/conversations answer it. */
export interface Conversation {
  id: string;
  title: string | null;
  participants: Participant[];
  createdAt: string;
  lastSeq: number;
  /** Who created it (the one who may remove others); null for conversations older than consent. */
  createdBy?: string | null;
  /** The user's own status in it (absent from a server without consent: treat as accepted). */
  myStatus?: ParticipantStatus;
}

/** An element of GET /api/conversations (newest activity first). */
export interface ConversationSummary extends Conversation {
  lastMessage: Message | null;
  unreadCount: number;
}

/** GET /api/conversations/{id}/messages. */
export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

/** A file of a message: its url is signed (≤ 1 h; every read of the message signs it afresh). */
export interface Attachment {
  id: string;
  name: string;
  size: number;
  contentType: string;
  url: string;
}

/** POST /api/conversations/{id}/attachments (201): the stored file, not yet sent. */
export interface UploadedFile extends Attachment {
  sha256: string;
}

/** GET /api/search/messages: newest first. */
export interface MessageSearchResult {
  messages: Message[];
}

/** POST /api/conversations/{id}/read. */
export interface ReadMark {
  conversationId: string;
  readSeq: number;
  unreadCount: number;
}

/** One entry of GET /api/presence?userIds=… (status is the server's online/away/offline). */
export interface PresenceInfo {
  online: boolean;
  status?: PresenceStatus;
  lastSeen: string | null;
}

export type PresenceStatus = 'online' | 'away' | 'offline';

/** POST /api/realtime/ticket. */
export interface Ticket {
  ticket: string;
  expiresInSeconds: number;
}

/** application/problem+json. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
}

// ---- bridge: client → server (send, with a reply) ----

export interface ChatSendRequest {
  conversationId: string;
  content: string;
  clientMessageId: string;
  attachmentIds?: string[];
  replyToSeq?: number;
}

export interface ChatTypingRequest {
  conversationId: string;
  typing: boolean;
}

export interface ChatReceiptRequest {
  conversationId: string;
  seq: number;
}

export interface ChatSyncRequest {
  positions: Record<string, number>;
  /** The lastChange held per conversation: the answer then carries changed, changedHasMore, lastChange. */
  changes?: Record<string, number>;
}

export interface ChatSyncConversation {
  messages: Message[];
  hasMore: boolean;
  lastSeq: number;
  /** Messages changed after the lastChange asked, in changeSeq order, as they are now. */
  changed?: Message[];
  changedHasMore?: boolean;
  lastChange?: number;
}

export interface ChatSyncReply {
  conversations: Record<string, ChatSyncConversation>;
}

export interface PresenceUpdateRequest {
  status: 'online' | 'away';
}

/** chat.view: which conversation this socket has open (reply `{}`; a socket's views end when it closes). */
export interface ChatViewRequest {
  conversationId: string;
  viewing: boolean;
}

/** presence.watch: whose presence changes this socket receives on user.<me> (replaces the set; ≤ 500 ids). */
export interface PresenceWatchRequest {
  userIds: string[];
}

/**
 * The presence.watch reply: the current state of each watched user whose presence the caller may
 * see (they share a conversation with the caller that they accepted, and did not block the caller).
 */
export type PresenceWatchReply = Record<string, PresenceInfo>;

// ---- bridge: server → client events ----

/** Events on conversation.<id>. */
export type ConversationEvent =
  | { type: 'message'; message: Message }
  /** A message was edited, deleted or reacted to: the whole message as it is now, with its new changeSeq. */
  | { type: 'message.updated'; message: Message }
  | { type: 'typing'; userId: string; typing: boolean }
  | { type: 'user.joined'; userId: string }
  | { type: 'user.left'; userId: string }
  /** Several users started or stopped viewing within one window (or: who was already here, left []). */
  | { type: 'viewers'; joined: string[]; left: string[] }
  | { type: 'delivered'; userId: string; seq: number }
  | { type: 'read'; userId: string; seq: number }
  /** People joined (added: accounts) or left / were removed (removed: ids); by: who did it. */
  | { type: 'participants'; added: Account[]; removed: string[]; by: string }
  /** An invited participant accepted the conversation: their presence, typing and views now show. */
  | { type: 'participant.accepted'; userId: string }
  /** Renamed: the conversation without myStatus (each reader keeps their own). */
  | { type: 'conversation.updated'; conversation: Conversation };

/** Events on user.<id> (presence: only for the users this socket watches). */
export type UserEvent =
  | { type: 'presence'; userId: string; online: boolean; status?: PresenceStatus; lastSeen: string | null }
  | { type: 'conversation.created'; conversation: Conversation }
  /** You left the conversation or were removed from it (on any device). */
  | { type: 'conversation.removed'; conversationId: string }
  | { type: 'unread'; conversationId: string; unreadCount: number };

/** The stable codes of err frames (message starts with "CODE: "). */
export type BridgeErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'INVALID'
  | 'TOO_LARGE'
  | 'UNAVAILABLE'
  | 'CONNECTION_LIMIT'
  | 'NOT_FOUND'
  | 'INTERNAL';

/** An err frame as the official client hands it to a handler. */
export interface BridgeFailure {
  failureCode: number;
  failureType: string;
  message: string;
}

// ---- bridge frames (the standard Vert.x event-bus bridge protocol) ----

export type ClientFrame =
  | { type: 'ping' }
  | { type: 'register' | 'unregister'; address: string; headers?: Record<string, string> }
  | { type: 'send'; address: string; body: unknown; replyAddress?: string; headers?: Record<string, string> }
  | { type: 'publish'; address: string; body: unknown; headers?: Record<string, string> };

export type ServerFrame =
  | { type: 'rec'; address: string; body: unknown; replyAddress?: string }
  | { type: 'err'; address?: string; failureCode: number; failureType: string; message: string };

// ---- client-side states ----

export type ConnectionState = 'Connecting' | 'Connected' | 'Reconnecting' | 'Disconnected';

/** What the sender sees of their own message. */
export type DeliveryState = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

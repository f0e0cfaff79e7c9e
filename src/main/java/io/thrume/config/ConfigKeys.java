package io.thrume.config;

/** Every configuration key, as a dotted path into conf/config.json. Named once, used everywhere. */
public final class ConfigKeys {
  /**
   * Not a key: the environment variable (or -D system property) logback reads to pick the log format,
   * "text" (the default) or "json" (src/main/resources/logback.xml); Main refuses other values.
   */
  public static final String LOG_FORMAT_VARIABLE = "THRUME_LOG_FORMAT";

  public static final String HTTP_PORT = "http.port";
  public static final String HTTP_INSTANCES = "http.instances";
  public static final String HTTP_ALLOWED_ORIGINS = "http.allowedOrigins";
  public static final String HTTP_MAX_BODY_BYTES = "http.maxBodyBytes";
  public static final String HTTP_IDLE_TIMEOUT_SECONDS = "http.idleTimeoutSeconds";
  public static final String HTTP_HEADER_TIMEOUT_MS = "http.headerTimeoutMs";
  public static final String HTTP_REQUEST_TIMEOUT_MS = "http.requestTimeoutMs";
  /** On SIGTERM, clients are told to reconnect after a delay spread over this many ms. */
  public static final String HTTP_DRAIN_MS = "http.drainMs";

  public static final String DATA_DIR = "dataDir";

  public static final String DB_URL = "db.url";
  public static final String DB_POOL_SIZE = "db.poolSize";
  public static final String DB_BATCH_WINDOW_MS = "db.batchWindowMs";
  public static final String DB_EMBEDDED_PORT = "db.embeddedPort";
  public static final String DB_EMBEDDED_SHARED_BUFFERS = "db.embeddedSharedBuffers";

  public static final String AUTH_JWT_SECRET = "auth.jwtSecret";
  public static final String AUTH_TOKEN_MINUTES = "auth.tokenMinutes";
  public static final String AUTH_REFRESH_DAYS = "auth.refreshDays";
  public static final String AUTH_PBKDF2_ITERATIONS = "auth.pbkdf2Iterations";
  public static final String AUTH_ATTEMPTS_BURST = "auth.attemptsBurst";
  public static final String AUTH_ATTEMPTS_PER_MINUTE = "auth.attemptsPerMinute";
  public static final String AUTH_LOGIN_FAILURES_BEFORE_BACKOFF = "auth.loginFailuresBeforeBackoff";
  public static final String AUTH_LOGIN_BACKOFF_MAX_SECONDS = "auth.loginBackoffMaxSeconds";

  public static final String CHAT_SEND_BURST = "chat.sendBurst";
  public static final String CHAT_SEND_PER_SECOND = "chat.sendPerSecond";
  public static final String CHAT_ACTION_BURST = "chat.actionBurst";
  public static final String CHAT_ACTION_PER_SECOND = "chat.actionPerSecond";
  public static final String CHAT_TYPING_TIMEOUT_MS = "chat.typingTimeoutMs";

  public static final String BRIDGE_MAX_FRAME_BYTES = "bridge.maxFrameBytes";
  public static final String BRIDGE_IDLE_TIMEOUT_MS = "bridge.idleTimeoutMs";
  public static final String BRIDGE_SWEEP_MS = "bridge.sweepMs";
  public static final String BRIDGE_TICKET_SECONDS = "bridge.ticketSeconds";
  public static final String BRIDGE_OUTBOUND_QUEUE_BYTES = "bridge.outboundQueueBytes";
  public static final String BRIDGE_MAX_OVERFLOW_FRAMES = "bridge.maxOverflowFrames";
  public static final String BRIDGE_MAX_OVERFLOW_BYTES = "bridge.maxOverflowBytes";
  public static final String BRIDGE_GAP_WAIT_MS = "bridge.gapWaitMs";

  /**
   * Per-user limits of one action (limit.Action: register, view, watch, presence, ticket,
   * createConversation, search, membership, upload): the bucket's size and its refill rate.
   */
  public static String limitBurst(String action) {
    return "limits." + action + ".burst";
  }

  public static String limitPerSecond(String action) {
    return "limits." + action + ".perSecond";
  }

  /** The largest file an upload may carry, in bytes (enforced while the upload streams in). */
  public static final String FILES_MAX_BYTES = "files.maxBytes";
  /** Uploads in flight on one node at once; more are answered 503 with Retry-After. */
  public static final String FILES_MAX_CONCURRENT_UPLOADS = "files.maxConcurrentUploads";
  /** Attachments no message refers to are deleted once this old. */
  public static final String FILES_UNREFERENCED_SECONDS = "files.unreferencedSeconds";
  /** How often each node sweeps unreferenced attachments. */
  public static final String FILES_SWEEP_SECONDS = "files.sweepSeconds";

  public static final String PRESENCE_MAX_CONNECTIONS = "presence.maxConnectionsPerUser";
  public static final String PRESENCE_OFFLINE_GRACE_MS = "presence.offlineGraceMs";
  public static final String PRESENCE_DEAD_NODE_GRACE_MS = "presence.deadNodeGraceMs";
  public static final String PRESENCE_VIEWERS_WINDOW_MS = "presence.viewersWindowMs";

  /** Set at start-up, not in the file: this process' identity among the nodes. */
  public static final String NODE_ID = "nodeId";

  public static final String CLUSTER_PORT = "cluster.port";
  public static final String CLUSTER_MEMBERS = "cluster.members";
  public static final String CLUSTER_HOST = "cluster.host";

  private ConfigKeys() {
  }
}

package io.thrume.config;

/** Every configuration key, as a dotted path into conf/config.json. Named once, used everywhere. */
public final class ConfigKeys {
  public static final String HTTP_PORT = "http.port";
  public static final String HTTP_INSTANCES = "http.instances";
  public static final String HTTP_ALLOWED_ORIGINS = "http.allowedOrigins";
  public static final String HTTP_MAX_BODY_BYTES = "http.maxBodyBytes";

  public static final String DATA_DIR = "dataDir";

  public static final String DB_URL = "db.url";
  public static final String DB_POOL_SIZE = "db.poolSize";
  public static final String DB_EMBEDDED_PORT = "db.embeddedPort";

  public static final String AUTH_JWT_SECRET = "auth.jwtSecret";
  public static final String AUTH_TOKEN_MINUTES = "auth.tokenMinutes";
  public static final String AUTH_PBKDF2_ITERATIONS = "auth.pbkdf2Iterations";
  public static final String AUTH_ATTEMPTS_BURST = "auth.attemptsBurst";
  public static final String AUTH_ATTEMPTS_PER_MINUTE = "auth.attemptsPerMinute";

  public static final String CHAT_SEND_BURST = "chat.sendBurst";
  public static final String CHAT_SEND_PER_SECOND = "chat.sendPerSecond";

  public static final String CLUSTER_PORT = "cluster.port";
  public static final String CLUSTER_MEMBERS = "cluster.members";

  private ConfigKeys() {
  }
}

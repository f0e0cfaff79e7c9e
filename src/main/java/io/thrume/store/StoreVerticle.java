package io.thrume.store;

import io.thrume.auth.AttachmentLinks;
import io.thrume.bus.Addresses;
import io.thrume.bus.EncodedJson;
import io.thrume.bus.Handlers;
import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.thrume.metrics.ThrumeMetrics;
import io.thrume.model.Message;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the PostgreSQL pool and the schema; the rest of Thrume reaches the database only
 * through the thrume.store.* addresses this verticle serves.
 */
public class StoreVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StoreVerticle.class);
  /** At most this many messages per insert transaction (one statement's arrays). */
  private static final int MAX_BATCH = 256;
  private static final long SESSION_PURGE_MS = 6 * 3600_000L;
  /** Statements up to this many characters are prepared once per connection and kept ({@link #kept}). */
  static final int KEPT_SQL_LIMIT = 16_384;
  private final ThrumeMetrics metrics;
  private EmbeddedDatabase embedded;
  private Pool pool;
  /** The message batcher's own connections ({@link #forInserts}). */
  private Pool insertPool;

  public StoreVerticle(ThrumeMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * The pool's connections keep the statements they prepared (Vert.x's default is to parse every
   * statement again, on both ends, each time it runs: a session's token, ticket, register and sync
   * are a dozen of them), but PostgreSQL still plans each execution for its parameters: a generic
   * plan would not know a search's words (plan_cache_mode, sent at connect).
   */
  static PgConnectOptions forPool(PgConnectOptions options) {
    return kept(options).addProperty("plan_cache_mode", "force_custom_plan");
  }

  /**
   * Statements prepared once per connection and kept, the long ones too: Vert.x keeps only those
   * under 2,048 characters by default, and the batcher's insert has 5,553, so it was parsed again,
   * on both ends, at every run.
   */
  private static PgConnectOptions kept(PgConnectOptions options) {
    PgConnectOptions kept = new PgConnectOptions(options).setCachePreparedStatements(true);
    kept.setPreparedStatementCacheSqlLimit(KEPT_SQL_LIMIT);
    return kept;
  }

  /**
   * The message batcher's connections plan its one statement once (a generic plan) and keep it:
   * planning it cost PostgreSQL more than running it. No sequential scans there: a plan made while
   * the tables were small (a new install) must not read a whole table once they have grown; every
   * look-up the statement makes has its index. Measured by bench/insert-cost.sh
   * (bench/results/2026-11-30-insert-cost.md): a lone message 0.39 ms of PostgreSQL's time against
   * 2.1 planned each time, a batch of 32 2.9 against 5.5 ms, and 0.48 and 4.1 ms after 200,000 more
   * messages under the kept plan; a full batch (256) was slower, 31.7 against 28.4 ms, so batches of more than
   * {@link MessageBatcher#SMALL_BATCH} go to the shared pool and are planned for their size.
   * MessageInsertPlanTest checks that the kept plan stays within the square of the batch and reads
   * no more of a grown table than the batch needs.
   */
  static PgConnectOptions forInserts(PgConnectOptions options) {
    return kept(options).addProperty("plan_cache_mode", "force_generic_plan").addProperty("enable_seqscan", "off");
  }

  /** Insert transactions in flight at once, each on a connection of its own: half the pool size, beside the pool. */
  static int insertConnections(StoreConfig config) {
    return Math.max(1, config.poolSize() / 2);
  }

  @Override
  public Future<?> start() {
    StoreConfig config = StoreConfig.from(config());
    return vertx.executeBlocking(() -> {
        PgConnectOptions options;
        if (config.embedded()) {
          embedded = EmbeddedDatabase.start(config.dataDir(), config.embeddedPort(), config.embeddedSharedBuffers());
          options = embedded.connectOptions();
        } else {
          options = PgConnectOptions.fromUri(config.dbUrl());
        }
        Migrations.apply(options);
        return options;
      })
      .compose(options -> vertx.deployVerticle(new PingVerticle(options)).map(id -> options))
      .map(options -> {
        pool = PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(config.poolSize()))
          .connectingTo(forPool(options))
          .using(vertx)
          .build();
        insertPool = PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(insertConnections(config)))
          .connectingTo(forInserts(options))
          .using(vertx)
          .build();
        serve(config);
        LOG.info("Store ready ({} PostgreSQL at {}:{})", config.embedded() ? "embedded" : "external",
          options.getHost(), options.getPort());
        return null;
      });
  }

  private void serve(StoreConfig config) {
    EventBus bus = vertx.eventBus();
    Settings settings = new Settings(config());
    AttachmentLinks links = new AttachmentLinks(settings.string(ConfigKeys.AUTH_JWT_SECRET));
    Message.Urls urls = links::url;
    AccountStore accounts = new AccountStore(pool);
    ConversationStore conversations = new ConversationStore(pool, urls);
    MessageStore messages = new MessageStore(pool, urls);
    MessageSearch search = new MessageSearch(pool, urls);
    MessageChanges changes = new MessageChanges(pool, urls);
    AttachmentStore attachments = new AttachmentStore(pool, urls);
    BlockStore blocks = new BlockStore(pool);
    SessionStore sessions = new SessionStore(pool);
    // batches up to MessageBatcher.SMALL_BATCH on the kept plan, larger ones planned for their size
    MessageBatcher inserts = new MessageBatcher(insertPool, pool, urls, metrics, insertConnections(config), MAX_BATCH,
      config.batchWindowMs(), (delayMs, action) -> vertx.setTimer(delayMs, id -> action.run()));
    // page and sync answers pass through as JSON text, handed over without copies
    EncodedJson.register(bus);
    Handlers.serve(bus, Addresses.STORE_ACCOUNT_CREATE, m -> accounts.create(m.body()));
    Handlers.serve(bus, Addresses.STORE_ACCOUNT_CREDENTIALS, m -> accounts.credentials(m.body()));
    Handlers.serve(bus, Addresses.STORE_ACCOUNT_GET, m -> accounts.get(m.body()));
    Handlers.serve(bus, Addresses.STORE_ACCOUNT_SEARCH, m -> accounts.search(m.body()));
    Handlers.serve(bus, Addresses.STORE_CONVERSATION_CREATE, m -> conversations.create(m.body()));
    Handlers.serve(bus, Addresses.STORE_CONVERSATION_LIST, m -> conversations.list(m.body()));
    Handlers.serve(bus, Addresses.STORE_CONVERSATION_GET, m -> conversations.get(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_INSERT, m -> inserts.insert(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_PAGE, m -> messages.page(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_RANGE, m -> messages.range(m.body()));
    Handlers.serve(bus, Addresses.STORE_READ_MARK, m -> messages.markRead(m.body()));
    Handlers.serve(bus, Addresses.STORE_DELIVERED_MARK, m -> messages.markDelivered(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_SYNC, m -> messages.sync(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_SEARCH, m -> search.search(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_EDIT, m -> changes.edit(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_DELETE, m -> changes.delete(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_REACT, m -> changes.react(m.body()));
    Handlers.serve(bus, Addresses.STORE_MESSAGE_CHANGES, m -> changes.changes(m.body()));
    Handlers.serve(bus, Addresses.STORE_MEMBERSHIP, m -> conversations.membership(m.body()));
    Handlers.serve(bus, Addresses.STORE_MEMBERSHIPS, m -> conversations.statuses(m.body()));
    Handlers.serve(bus, Addresses.STORE_ATTACHMENT_CREATE, m -> attachments.create(m.body()));
    Handlers.serve(bus, Addresses.STORE_ATTACHMENT_GET, m -> attachments.get(m.body()));
    Handlers.serve(bus, Addresses.STORE_LAST_SEQS, m -> conversations.lastSeqs(m.body()));
    Handlers.serve(bus, Addresses.STORE_CONTACTS, m -> conversations.contacts(m.body()));
    Handlers.serve(bus, Addresses.STORE_LAST_SEEN, m -> accounts.lastSeen(m.body()));
    Handlers.serve(bus, Addresses.STORE_CONVERSATION_ACCEPT, m -> conversations.accept(m.body()));
    Handlers.serve(bus, Addresses.STORE_PARTICIPANT_REMOVE, m -> conversations.remove(m.body()));
    Handlers.serve(bus, Addresses.STORE_PARTICIPANTS_ADD, m -> conversations.addParticipants(m.body()));
    Handlers.serve(bus, Addresses.STORE_CONVERSATION_RENAME, m -> conversations.rename(m.body()));
    Handlers.serve(bus, Addresses.STORE_BLOCK_PUT, m -> blocks.put(m.body()));
    Handlers.serve(bus, Addresses.STORE_BLOCK_DELETE, m -> blocks.delete(m.body()));
    Handlers.serve(bus, Addresses.STORE_BLOCK_LIST, m -> blocks.list(m.body()));
    Handlers.serve(bus, Addresses.STORE_SESSION_CREATE, m -> sessions.create(m.body()));
    Handlers.serve(bus, Addresses.STORE_SESSION_REFRESH, m -> sessions.refresh(m.body()));
    Handlers.serve(bus, Addresses.STORE_SESSION_REVOKE, m -> sessions.revoke(m.body()));
    Handlers.serve(bus, Addresses.STORE_SESSION_REVOKED, m -> sessions.recentlyRevoked(m.body()));
    Handlers.serve(bus, Addresses.STORE_ACCOUNT_PASSWORD, m -> sessions.changePassword(m.body()));
    // sessions ended a week ago: now and every few hours (each node does it; the delete is idempotent)
    int refreshDays = settings.integer(ConfigKeys.AUTH_REFRESH_DAYS);
    purgeSessions(sessions, refreshDays);
    vertx.setPeriodic(SESSION_PURGE_MS, id -> purgeSessions(sessions, refreshDays));
    // files no message took: every sweep period, on each node (the delete is idempotent)
    long unreferenced = settings.integer(ConfigKeys.FILES_UNREFERENCED_SECONDS);
    long sweepMs = Math.max(1, settings.integer(ConfigKeys.FILES_SWEEP_SECONDS)) * 1000L;
    vertx.setPeriodic(sweepMs, sweepMs, id -> sweepAttachments(attachments, unreferenced));
  }

  private static void sweepAttachments(AttachmentStore attachments, long olderThanSeconds) {
    attachments.sweep(olderThanSeconds).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Sweeping unreferenced attachments failed: {}", ar.cause().toString());
      } else if (ar.result() > 0) {
        LOG.info("Deleted {} attachments no message took within {} s", ar.result(), olderThanSeconds);
      }
    });
  }

  private static void purgeSessions(SessionStore sessions, int refreshDays) {
    sessions.purge(refreshDays).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Purging ended sessions failed: {}", ar.cause().toString());
      } else if (ar.result() > 0) {
        LOG.info("Purged {} sessions that ended a week ago or more", ar.result());
      }
    });
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = Future.all(pool == null ? Future.succeededFuture() : pool.close(),
      insertPool == null ? Future.succeededFuture() : insertPool.close()).mapEmpty();
    return closed.compose(v -> embedded == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      embedded.close();
      LOG.info("Embedded PostgreSQL stopped");
      return null;
    }));
  }
}

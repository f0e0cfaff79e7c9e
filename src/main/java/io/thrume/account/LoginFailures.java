package io.thrume.account;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.fanout.Events;
import io.thrume.limit.KnownAddresses;
import io.thrume.limit.LoginBackoff;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The per-account side of the login throttle ({@link LoginBackoff}), for the account verticle
 * (used on its event loop only). Names are keyed by a hash of their lower case, so that any name
 * (unknown, over-long, odd) costs one small entry, and a name and its other cases are one.
 *
 * <p>Failures from strangers must not lock the user out: an attempt from a client address the
 * name logged in from lately ({@link KnownAddresses}) is counted and delayed under the name and
 * that address together, apart from the failures of every other address. So someone who fails on
 * purpose delays the name everywhere but where its user logged in before; a guesser who shares
 * that address (the same NAT) still meets a backoff, and the per-address bucket.
 *
 * <p>In a cluster every node keeps its own counts and, once a second when there was any, tells the
 * others (on {@code thrume.ratelimit.used.login}) how many failures each name had there and which
 * names logged in, so that spreading guesses over N nodes buys at most about a second's worth of
 * extra attempts per node.
 */
final class LoginFailures {
  private static final long REPORT_MS = 1000;
  private static final long SWEEP_MS = 60_000;
  static final String REPORT_ADDRESS = Addresses.RATE_LIMIT_USED + ".login";
  /**
   * Names whose known addresses are kept, at most (the least recently used go): a few hundred
   * bytes each, so at most about 25 MB.
   */
  private static final int MAX_KNOWN_NAMES = 50_000;
  private final LoginBackoff backoff;
  private final KnownAddresses known = new KnownAddresses(MAX_KNOWN_NAMES);
  private final Map<String, Integer> failedHere = new HashMap<>();
  private final Set<String> succeededHere = new HashSet<>();
  private final JsonArray knownHere = new JsonArray();
  private final boolean reporting;

  /** A login attempt let through: its backoff entry (the name's, or the name's at a known address). */
  record Attempt(String entry, String name, String address) {
  }

  LoginFailures(Vertx vertx, String nodeId, int freeFailures, int maxDelaySeconds) {
    this.backoff = new LoginBackoff(freeFailures, maxDelaySeconds);
    vertx.setPeriodic(SWEEP_MS, id -> {
      backoff.sweep();
      known.sweep();
    });
    reporting = vertx.isClustered() && nodeId != null;
    if (reporting) {
      // the other nodes' reports only: a node's own never comes back to it (Events.broadcastToOthers)
      vertx.eventBus().<JsonObject>localConsumer(REPORT_ADDRESS, message -> {
        JsonObject report = message.body();
        JsonObject failed = report.getJsonObject("failed", new JsonObject());
        failed.fieldNames().forEach(key -> backoff.failedElsewhere(key, failed.getInteger(key)));
        report.getJsonArray("succeeded", new JsonArray()).forEach(key -> backoff.succeeded((String) key));
        report.getJsonArray("known", new JsonArray()).forEach(pair -> {
          JsonArray nameAndAddress = (JsonArray) pair;
          known.remember(nameAndAddress.getString(0), nameAndAddress.getString(1));
        });
      });
      vertx.setPeriodic(REPORT_MS, id -> {
        if (!failedHere.isEmpty() || !succeededHere.isEmpty() || !knownHere.isEmpty()) {
          JsonObject failed = new JsonObject();
          failedHere.forEach(failed::put);
          JsonArray succeeded = new JsonArray();
          succeededHere.forEach(succeeded::add);
          JsonArray knownPairs = knownHere.copy();
          failedHere.clear();
          succeededHere.clear();
          knownHere.clear();
          Events.broadcastToOthers(vertx.eventBus(), REPORT_ADDRESS, new JsonObject()
            .put("failed", failed).put("succeeded", succeeded).put("known", knownPairs));
        }
      });
    }
  }

  /**
   * Lets a login attempt for the name from the client address (its throttle key) go on, counted
   * as a failure until {@link #succeeded}, or fails with RATE_LIMITED and the seconds to wait.
   */
  Future<Attempt> admit(String username, String address) {
    String name = key(username);
    // from where the name logged in lately: counted apart from strangers' failures
    String entry = known.knows(name, address) ? name + "@" + address : name;
    long wait = backoff.begin(entry);
    if (wait > 0) {
      return Future.failedFuture(Failure.rateLimited(wait));
    }
    if (reporting) {
      failedHere.merge(entry, 1, Integer::sum);
    }
    return Future.succeededFuture(new Attempt(entry, name, address));
  }

  /** The attempt's password was right: its entry forgets its failures, its address is known. */
  void succeeded(Attempt attempt) {
    backoff.succeeded(attempt.entry());
    known.remember(attempt.name(), attempt.address());
    if (reporting) {
      // this attempt was counted as a failure when it began: the report must not carry it
      failedHere.computeIfPresent(attempt.entry(), (k, n) -> n > 1 ? n - 1 : null);
      succeededHere.add(attempt.entry());
      knownHere.add(new JsonArray().add(attempt.name()).add(attempt.address()));
    }
  }

  static String key(String username) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
        .digest(username.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

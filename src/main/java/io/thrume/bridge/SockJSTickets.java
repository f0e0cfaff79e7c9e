package io.thrume.bridge;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.thrume.bus.Failure;
import io.thrume.edge.Problems;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds every SockJS session to the ticket that opened it, so that a session id alone grants
 * nothing. SockJS' XHR transports send each session's requests separately
 * ({@code /eventbus/<server>/<session>/xhr_streaming}, {@code …/xhr}, {@code …/xhr_send}), and
 * sockjs-client keeps the URL's query on every one of them: each request must carry the ticket
 * ({@code ?ticket=}) of its session, or it is refused (403) before SockJS sees it.
 *
 * <p>The first request naming an unknown session binds the session id to a hash of its ticket
 * (pending); when SockJS opens a session on that request, {@link #confirm} makes the binding last
 * until the session closes. A pending binding no session confirmed (a send to no session, say)
 * goes {@link #PENDING_MS} after its request ended: SockJS may call the socket handler after the
 * request that opened the session has ended (a poll's response is its open frame), so the
 * binding cannot go at once. Only websocket, xhr-streaming and xhr-polling are served: any other transport name
 * is 404 here (and turned off in SockJS too). The bindings live in a Vert.x local map, shared by
 * the node's HTTP verticle instances (a session's requests may arrive on any of them).
 */
final class SockJSTickets {
  private static final Pattern SESSION_REQUEST = Pattern.compile("^" + BridgeRoutes.PATH + "/([^/]+)/([^/]+)/([^/]*)$");
  /** SockJS' own names of the requests of the allowed transports. */
  private static final Set<String> TRANSPORT_REQUESTS = Set.of("websocket", "xhr_streaming", "xhr", "xhr_send");
  private static final String PENDING = "p:";
  private static final String OPEN = "o:";
  /** Both markers are this long. */
  private static final int MARK = 2;
  /** How long a binding no session confirmed outlives its request. */
  static final long PENDING_MS = 2_000;
  private final Vertx vertx;
  private final LocalMap<String, String> bindings;
  private final BridgeNode node;

  SockJSTickets(Vertx vertx, BridgeNode node) {
    this.vertx = vertx;
    this.bindings = vertx.sharedData().getLocalMap("thrume.sockjs.sessions");
    this.node = node;
  }

  /** Route handler, before the body handler and SockJS. */
  void guard(RoutingContext ctx) {
    Matcher m = SESSION_REQUEST.matcher(ctx.normalizedPath());
    if (!m.matches()) {
      ctx.next(); // /eventbus/info and the like: no session
      return;
    }
    String transport = m.group(3);
    if (!TRANSPORT_REQUESTS.contains(transport)) {
      Problems.send(ctx, 404, Failure.NOT_FOUND, "no such resource"); // jsonp, htmlfile, eventsource and anything else: not served
      return;
    }
    if ("websocket".equals(transport) || ctx.request().method() == HttpMethod.OPTIONS) {
      // one request for the whole session (its ticket is checked as it opens); CORS preflights touch nothing
      ctx.next();
      return;
    }
    String session = m.group(2);
    String hash = hash(ticketOf(ctx.request().uri()));
    String bound = bindings.putIfAbsent(session, PENDING + hash);
    if (bound == null) {
      // a session this request may open: if none confirms the binding, it goes a while after the request
      ctx.addEndHandler(v -> vertx.setTimer(PENDING_MS, id -> bindings.removeIfPresent(session, PENDING + hash)));
      ctx.next();
    } else if (sameHash(bound.substring(MARK), hash)) {
      ctx.next();
    } else {
      node.refused(Failure.FORBIDDEN.name());
      Problems.send(ctx, 403, Failure.FORBIDDEN, "this request does not carry the ticket that opened its session");
    }
  }

  /**
   * SockJS opened a session on a request of {@code uri}: its binding lasts until {@link #release}.
   * Answers the session id, or null for a SockJS WebSocket (one connection, nothing to bind).
   */
  String confirm(String uri) {
    Matcher m = SESSION_REQUEST.matcher(new QueryStringDecoder(uri).path());
    if (!m.matches() || "websocket".equals(m.group(3))) {
      return null;
    }
    String session = m.group(2);
    String hash = hash(ticketOf(uri));
    if (!bindings.replaceIfPresent(session, PENDING + hash, OPEN + hash)) {
      bindings.putIfAbsent(session, OPEN + hash); // the pending binding went already: the session binds anew
    }
    return session;
  }

  /** The session closed: its id is free again. */
  void release(String session) {
    if (session != null) {
      String bound = bindings.get(session);
      if (bound != null && bound.startsWith(OPEN)) {
        bindings.removeIfPresent(session, bound);
      }
    }
  }

  static String ticketOf(String uri) {
    List<String> tickets = new QueryStringDecoder(uri).parameters().get("ticket");
    return tickets == null || tickets.isEmpty() ? null : tickets.get(0);
  }

  private static String hash(String ticket) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
        .digest((ticket == null ? "" : ticket).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean sameHash(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}

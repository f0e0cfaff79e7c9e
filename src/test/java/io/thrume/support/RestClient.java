package io.thrume.support;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.UUID;

/** A small blocking REST client for tests (blocks the JUnit thread, never an event loop). */
public final class RestClient {
  private final WebClient web;

  public record Response(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body.toJsonObject();
    }

    public JsonArray array() {
      return body.toJsonArray();
    }

    public String header(String name) {
      return headers.get(name);
    }

    @Override
    public String toString() {
      return status + " " + (body == null ? "" : body.toString());
    }
  }

  /** A registered user: id, username and a valid token. */
  public record User(String id, String username, String token) {
  }

  public RestClient(Vertx vertx, int port, String localAddress) {
    // idle connections closed before the server's idle timeout (30 s) does: a request sent just as
    // the server closes its connection would be reset
    WebClientOptions options = new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
      .setKeepAliveTimeout(10);
    if (localAddress != null) {
      options.setLocalAddress(localAddress);
    }
    this.web = WebClient.create(vertx, options);
  }

  public Response send(HttpMethod method, String path, String token, Buffer body, MultiMap headers) {
    HttpRequest<Buffer> request = web.request(method, path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    if (headers != null) {
      request.putHeaders(headers);
    }
    var future = body == null ? request.send()
      : request.putHeader("Content-Type", "application/json").sendBuffer(body);
    var r = TestThrume.await(future, 60);
    return new Response(r.statusCode(), r.headers(), r.body() == null ? Buffer.buffer() : r.body());
  }

  public Response get(String path, String token) {
    return send(HttpMethod.GET, path, token, null, null);
  }

  public Response post(String path, String token, JsonObject body) {
    return send(HttpMethod.POST, path, token, body == null ? null : body.toBuffer(), null);
  }

  public Response put(String path, String token) {
    return send(HttpMethod.PUT, path, token, null, null);
  }

  public Response delete(String path, String token) {
    return send(HttpMethod.DELETE, path, token, null, null);
  }

  public Response postRaw(String path, String token, String body) {
    return send(HttpMethod.POST, path, token, Buffer.buffer(body), null);
  }

  /** Registers a fresh user with a unique name. */
  public User register(String prefix) {
    String username = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    Response r = post("/api/auth/register", null, new JsonObject().put("username", username)
      .put("password", "correct horse battery").put("displayName", prefix + " Display"));
    if (r.status() != 201) {
      throw new IllegalStateException("register failed: " + r);
    }
    JsonObject json = r.json();
    return new User(json.getJsonObject("account").getString("id"), username, json.getString("token"));
  }

  /** Creates a conversation as {@code creator} with the others; returns its id. */
  public String conversation(User creator, User... others) {
    JsonArray ids = new JsonArray();
    for (User u : others) {
      ids.add(u.id());
    }
    Response r = post("/api/conversations", creator.token(), new JsonObject().put("participantIds", ids));
    if (r.status() != 201) {
      throw new IllegalStateException("create conversation failed: " + r);
    }
    return r.json().getString("id");
  }

  /**
   * Creates a conversation as {@code creator} and has every other participant accept it, so that
   * they all see each other's presence, typing, receipts and views (people put into a conversation
   * by someone else are only invited until they accept).
   */
  public String acceptedConversation(User creator, User... others) {
    String id = conversation(creator, others);
    for (User u : others) {
      Response r = accept(u, id);
      if (r.status() != 200) {
        throw new IllegalStateException("accept failed: " + r);
      }
    }
    return id;
  }

  /** POST /api/conversations/{id}/accept. */
  public Response accept(User user, String conversationId) {
    return post("/api/conversations/" + conversationId + "/accept", user.token(), null);
  }

  public Response sendMessage(User sender, String conversationId, String content, String clientMessageId) {
    return post("/api/conversations/" + conversationId + "/messages", sender.token(),
      new JsonObject().put("content", content).put("clientMessageId", clientMessageId));
  }
}

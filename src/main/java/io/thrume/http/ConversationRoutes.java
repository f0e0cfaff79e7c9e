package io.thrume.http;

import io.thrume.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * Conversations, their messages and read markers, accepting, adding, leaving and removing
 * participants, renaming.
 * Every route answers 404 to non-participants.
 */
final class ConversationRoutes {
  static final int DEFAULT_PAGE = 50;
  static final int MAX_PAGE = 200;

  private ConversationRoutes() {
  }

  static void mount(Router router, Api api) {
    router.post("/api/conversations").handler(Api.handle(ctx ->
      api.asUser(ctx, Addresses.CHAT_CONVERSATION_CREATE, Api.jsonBody(ctx))
        .map(reply -> new Api.Response(201, reply.body()))));

    router.get("/api/conversations").handler(Api.handle(ctx ->
      api.call(Addresses.STORE_CONVERSATION_LIST, new JsonObject().put("userId", BearerAuth.userId(ctx)))
        .map(list -> new Api.Response(200, ((JsonObject) list).getJsonArray("conversations")))));

    router.get("/api/conversations/:id").handler(Api.handle(ctx ->
      api.call(Addresses.STORE_CONVERSATION_GET, new JsonObject().put("userId", BearerAuth.userId(ctx))
          .put("conversationId", Api.conversationId(ctx)))
        .map(conversation -> new Api.Response(200, conversation))));

    router.get("/api/conversations/:id/messages").handler(Api.handle(ctx -> {
      JsonObject query = new JsonObject().put("userId", BearerAuth.userId(ctx)).put("conversationId", Api.conversationId(ctx))
        .put("limit", (int) Api.longParam(ctx, "limit", 1, MAX_PAGE, DEFAULT_PAGE));
      if (ctx.request().getParam("afterSeq") != null) {
        query.put("afterSeq", Api.longParam(ctx, "afterSeq", 0, Long.MAX_VALUE, 0));
      }
      if (ctx.request().getParam("beforeSeq") != null) {
        query.put("beforeSeq", Api.longParam(ctx, "beforeSeq", 1, Long.MAX_VALUE, 0));
      }
      return api.call(Addresses.STORE_MESSAGE_PAGE, query).map(page -> new Api.Response(200, page));
    }));

    router.post("/api/conversations/:id/messages").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx);
      String id = Api.conversationId(ctx);
      JsonObject send = new JsonObject().put("conversationId", id)
        .put("content", body.getValue("content")).put("clientMessageId", body.getValue("clientMessageId"))
        .put("replyToSeq", body.getValue("replyToSeq")).put("attachmentIds", body.getValue("attachmentIds"));
      return api.asUser(ctx, Addresses.CHAT_SEND, send).map(reply ->
        new Api.Response("true".equals(reply.headers().get(Addresses.CREATED_HEADER)) ? 201 : 200, reply.body()));
    }));

    router.post("/api/conversations/:id/accept").handler(Api.handle(ctx ->
      api.asUser(ctx, Addresses.CHAT_CONVERSATION_ACCEPT, new JsonObject().put("conversationId", Api.conversationId(ctx)))
        .map(reply -> new Api.Response(200, reply.body()))));

    // "me" leaves; an account id is removed by the conversation's creator
    router.delete("/api/conversations/:id/participants/:userId").handler(Api.handle(ctx ->
      api.asUser(ctx, Addresses.CHAT_PARTICIPANT_REMOVE, new JsonObject().put("conversationId", Api.conversationId(ctx))
          .put("userId", ctx.pathParam("userId")))
        .map(reply -> Api.Response.NO_CONTENT)));

    // mirrors chat.delivered: {seq} → {conversationId, deliveredSeq}
    router.post("/api/conversations/:id/delivered").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx);
      JsonObject delivered = new JsonObject().put("conversationId", Api.conversationId(ctx)).put("seq", body.getValue("seq"));
      return api.asUser(ctx, Addresses.CHAT_DELIVERED, delivered).map(reply -> new Api.Response(200, reply.body()));
    }));

    router.post("/api/conversations/:id/participants").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx);
      return api.asUser(ctx, Addresses.CHAT_PARTICIPANTS_ADD, new JsonObject().put("conversationId", Api.conversationId(ctx))
          .put("userIds", body.getValue("userIds")))
        .map(reply -> new Api.Response(200, reply.body()));
    }));

    router.patch("/api/conversations/:id").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx);
      JsonObject rename = new JsonObject().put("conversationId", Api.conversationId(ctx));
      if (body.containsKey("title")) {
        rename.put("title", body.getValue("title"));
      }
      return api.asUser(ctx, Addresses.CHAT_CONVERSATION_RENAME, rename).map(reply -> new Api.Response(200, reply.body()));
    }));

    router.post("/api/conversations/:id/read").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx);
      JsonObject read = new JsonObject().put("conversationId", Api.conversationId(ctx)).put("seq", body.getValue("seq"));
      return api.asUser(ctx, Addresses.CHAT_READ, read).map(reply -> new Api.Response(200, reply.body()));
    }));
  }

}

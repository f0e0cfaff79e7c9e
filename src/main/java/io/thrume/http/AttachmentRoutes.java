package io.thrume.http;

import io.thrume.auth.AttachmentLinks;
import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.ServiceFailure;
import io.thrume.edge.Problems;
import io.thrume.limit.Action;
import io.thrume.validate.Fields;
import io.thrume.validate.Files;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;

/**
 * Files (docs/api.md, "Files"): uploads, streamed and counted as they arrive (never past the
 * limit in memory, never to disk), and downloads, with a bearer (participants) or a signed URL.
 *
 * <p>An upload is served ahead of the /api body handler ({@link #mountUpload}): its request is
 * paused at once, so that nothing is read while the token, the node's upload slots, the per-user
 * limit and the membership are checked; a refusal then answers at once and closes the connection
 * (its body is never read). Otherwise the body streams in (a raw body, or the one file part of a multipart
 * body); past {@code files.maxBytes} the answer is 413 at once and the connection is closed.
 */
final class AttachmentRoutes {
  static final String UPLOAD = "/api/conversations/:id/attachments";
  static final String DOWNLOAD = "/api/attachments/:id";
  /** What a multipart body may carry besides its file: boundaries, part headers, a small field or two. */
  static final int MULTIPART_OVERHEAD = 64 * 1024;
  /** How long a bearer download may be cached (a signed one: until its URL expires, at most this). */
  static final long CACHE_SECONDS = AttachmentLinks.VALID_SECONDS;
  static final String CSP = "default-src 'none'; sandbox";

  private AttachmentRoutes() {
  }

  /**
   * Uploads, before the /api body handler (which would buffer the body up to http.maxBodyBytes):
   * the request is paused, its token checked here, and it never goes on to the later handlers.
   */
  static void mountUpload(Router router, Api api, BearerAuth bearer, UploadSlots slots, long maxBytes) {
    router.post(UPLOAD).handler(ctx -> {
      ctx.request().pause();
      bearer.check(ctx).onComplete(ar -> {
        if (ar.failed()) {
          refuse(ctx, ar.cause());
        } else {
          upload(ctx, api, slots, maxBytes);
        }
      });
    });
  }

  /** Before the bearer check: a download with exp and sig is checked by its signature alone. */
  static void mountSigned(Router router, Api api, AttachmentLinks links) {
    router.get(DOWNLOAD).handler(ctx -> {
      HttpServerRequest request = ctx.request();
      String exp = request.getParam("exp");
      String sig = request.getParam("sig");
      if (exp == null && sig == null) {
        ctx.next(); // the bearer form
        return;
      }
      long now = System.currentTimeMillis() / 1000;
      UUID id = attachmentId(ctx);
      if (id == null || !links.valid(id, exp, sig, now)) {
        Problems.send(ctx, 404, Failure.NOT_FOUND, "attachment not found");
        return;
      }
      long maxAge = Math.min(CACHE_SECONDS, Long.parseLong(exp) - now);
      api.call(Addresses.STORE_ATTACHMENT_GET, new JsonObject().put("id", id.toString())).onComplete(ar -> {
        if (ar.failed()) {
          Problems.fail(ctx, ar.cause(), Api.requestId(ctx));
        } else {
          serve(ctx, (JsonObject) ar.result(), maxAge);
        }
      });
    });
  }

  /** After the bearer check: downloads as a participant. */
  static void mount(Router router, Api api) {
    router.get(DOWNLOAD).handler(ctx -> {
      UUID id = attachmentId(ctx);
      if (id == null) {
        Problems.send(ctx, 404, Failure.NOT_FOUND, "attachment not found");
        return;
      }
      api.call(Addresses.STORE_ATTACHMENT_GET, new JsonObject().put("id", id.toString())
        .put("userId", BearerAuth.userId(ctx))).onComplete(ar -> {
          if (ar.failed()) {
            Problems.fail(ctx, ar.cause(), Api.requestId(ctx));
          } else {
            serve(ctx, (JsonObject) ar.result(), CACHE_SECONDS);
          }
        });
    });
  }

  private static UUID attachmentId(RoutingContext ctx) {
    String raw = ctx.pathParam("id");
    return Fields.isUuid(raw) ? UUID.fromString(raw) : null;
  }

  /**
   * A stored file: an image (declared png, jpeg, gif or webp, and its bytes agree) inline with its
   * type; anything else as application/octet-stream, to download. Never sniffed, never run
   * (a CSP that allows nothing and sandboxes), cached privately.
   */
  static void serve(RoutingContext ctx, JsonObject file, long maxAgeSeconds) {
    Buffer data = file.getBuffer("data");
    String image = Files.image(file.getString("contentType"), data);
    HttpServerResponse response = ctx.response();
    response.putHeader("Content-Type", image != null ? image : Files.OCTET_STREAM)
      .putHeader("Content-Disposition", (image != null ? "inline; " : "attachment; ") + Files.dispositionName(file.getString("name")))
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("Content-Security-Policy", CSP)
      .putHeader("Cache-Control", "private, max-age=" + Math.max(0, maxAgeSeconds))
      .putHeader("ETag", "\"" + file.getString("sha256") + "\"");
    String match = ctx.request().getHeader("If-None-Match");
    if (match != null && match.contains("\"" + file.getString("sha256") + "\"")) {
      response.setStatusCode(304).end();
      return;
    }
    response.setStatusCode(200).end(data);
  }

  /** Checks what can be checked before reading a byte of the body, then streams it in. */
  private static void upload(RoutingContext ctx, Api api, UploadSlots slots, long maxBytes) {
    HttpServerRequest request = ctx.request();
    String user = BearerAuth.userId(ctx);
    String conversationId;
    boolean multipart;
    String name = null;
    String contentType = null;
    try {
      conversationId = Api.conversationId(ctx);
      String type = request.getHeader("Content-Type");
      multipart = type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
      if (!multipart) {
        name = Files.headerName(request.getHeader("X-Filename"));
        contentType = Files.contentType(type);
      }
      long declared = contentLength(request);
      if (declared > maxBytes + (multipart ? MULTIPART_OVERHEAD : 0)) {
        throw tooLarge(maxBytes);
      }
      if (declared == 0) {
        throw Failure.INVALID.exception("the file is empty");
      }
    } catch (ServiceFailure e) {
      refuse(ctx, e);
      return;
    }
    if (!slots.tryTake()) {
      refuse(ctx, Failure.UNAVAILABLE.exception("too many uploads in progress on this server"));
      return;
    }
    Slot slot = new Slot(slots);
    // a client that goes away (or a request deadline that closes the connection) frees the slot
    ctx.response().closeHandler(v -> slot.closed());
    String rawName = name;
    String rawType = contentType;
    api.limit(user, Action.UPLOAD)
      .compose(v -> api.call(Addresses.STORE_MEMBERSHIP, new JsonObject().put("userId", user)
        .put("conversationId", conversationId)))
      .onComplete(ar -> {
        if (ctx.response().closed()) {
          slot.release();
        } else if (ar.failed() || !((JsonObject) ar.result()).getBoolean("member", false)) {
          slot.release();
          refuse(ctx, ar.failed() ? ar.cause() : Failure.NOT_FOUND.exception("conversation not found"));
        } else {
          new Upload(ctx, api, slot, maxBytes, conversationId, multipart, rawName, rawType).start();
        }
      });
  }

  /**
   * An upload's hold on one of the node's slots, released once: when the upload is refused or
   * stored, or its connection closes while it is still being read (not while it is being stored:
   * its bytes are still in memory then).
   */
  private static final class Slot {
    private final UploadSlots slots;
    private boolean held = true;
    private boolean storing;

    Slot(UploadSlots slots) {
      this.slots = slots;
    }

    void release() {
      if (held) {
        held = false;
        slots.release();
      }
    }

    void closed() {
      if (!storing) {
        release();
      }
    }
  }

  private static ServiceFailure tooLarge(long maxBytes) {
    return Failure.TOO_LARGE.exception("a file may have at most " + maxBytes + " bytes");
  }

  /** The Content-Length, or -1 when there is none (chunked) or it is not a number. */
  private static long contentLength(HttpServerRequest request) {
    String value = request.getHeader("Content-Length");
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Answers a request whose body is not (all) read, then closes its connection: the rest is never read. */
  static void refuse(RoutingContext ctx, Throwable cause) {
    ctx.response().putHeader("Connection", "close");
    Problems.fail(ctx, cause, Api.requestId(ctx)).onComplete(v -> ctx.request().connection().close());
  }

  /** One upload as it streams in; touched only on its request's event loop. */
  private static final class Upload {
    private final RoutingContext ctx;
    private final Api api;
    private final Slot slot;
    private final long maxBytes;
    private final String conversationId;
    private final boolean multipart;
    private final MessageDigest digest;
    private String name;
    private String contentType;
    private Buffer data;
    private long raw;
    private int parts;
    private ServiceFailure badPart;
    private boolean done;

    Upload(RoutingContext ctx, Api api, Slot slot, long maxBytes, String conversationId, boolean multipart,
           String name, String contentType) {
      this.ctx = ctx;
      this.api = api;
      this.slot = slot;
      this.maxBytes = maxBytes;
      this.conversationId = conversationId;
      this.multipart = multipart;
      this.name = name;
      this.contentType = contentType;
      long declared = contentLength(ctx.request());
      this.data = Buffer.buffer((int) Math.min(maxBytes, declared > 0 ? declared : 64 * 1024));
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    void start() {
      HttpServerRequest request = ctx.request();
      request.exceptionHandler(this::failed);
      if (multipart) {
        request.setExpectMultipart(true);
        request.uploadHandler(this::part);
      }
      request.handler(this::raw);
      request.endHandler(v -> end());
      if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
        ctx.response().writeContinue();
      }
      request.resume();
    }

    /** Every byte of the body, counted (a multipart body's file bytes are also taken in {@link #part}). */
    private void raw(Buffer chunk) {
      if (done) {
        return;
      }
      raw += chunk.length();
      if (raw > maxBytes + (multipart ? MULTIPART_OVERHEAD : 0)) {
        stop(tooLarge(maxBytes));
      } else if (!multipart) {
        take(chunk);
      }
    }

    private void part(HttpServerFileUpload upload) {
      if (++parts > 1) {
        badPart = Failure.INVALID.exception("an upload carries one file");
        upload.handler(chunk -> { });
        return;
      }
      try {
        name = Files.name(upload.filename());
      } catch (ServiceFailure e) {
        badPart = e;
      }
      contentType = Files.contentType(upload.contentType());
      upload.handler(chunk -> {
        if (!done && badPart == null) {
          take(chunk);
        }
      });
    }

    private void take(Buffer chunk) {
      if (data.length() + (long) chunk.length() > maxBytes) {
        stop(tooLarge(maxBytes));
        return;
      }
      digest.update(chunk.getBytes());
      data.appendBuffer(chunk);
    }

    private void end() {
      if (done) {
        return;
      }
      ServiceFailure refused = multipart && parts == 0 ? Failure.INVALID.exception("a multipart upload needs one file part")
        : badPart != null ? badPart
        : data.length() == 0 ? Failure.INVALID.exception("the file is empty")
        : null;
      if (refused != null) {
        finish();
        Problems.fail(ctx, refused, Api.requestId(ctx));
        return;
      }
      Buffer file = data;
      String sha256 = HexFormat.of().formatHex(digest.digest());
      JsonObject create = new JsonObject().put("conversationId", conversationId).put("name", name)
        .put("contentType", Files.storedType(contentType, file)).put("sha256", sha256).put("data", file);
      done = true;
      data = null;
      slot.storing = true;
      Future<io.vertx.core.eventbus.Message<Object>> stored = api.asUser(ctx, Addresses.CHAT_ATTACHMENT_CREATE, create);
      stored.onComplete(ar -> {
        slot.release();
        if (ar.failed()) {
          Problems.fail(ctx, ar.cause(), Api.requestId(ctx));
        } else if (!ctx.response().ended()) {
          ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
            .end(((JsonObject) ar.result().body()).encode());
        }
      });
    }

    /** Refuses mid-body (over the limit): the answer at once, then the connection closed. */
    private void stop(ServiceFailure failure) {
      finish();
      ctx.request().handler(chunk -> { });
      refuse(ctx, failure);
    }

    /** The connection failed or closed, or the multipart body was malformed. */
    private void failed(Throwable cause) {
      if (done) {
        return;
      }
      finish();
      if (!ctx.response().ended() && !ctx.response().closed()) {
        refuse(ctx, Failure.INVALID.exception("the upload could not be read: " + cause.getMessage()));
      }
    }

    private void finish() {
      done = true;
      data = null;
      slot.release();
    }
  }
}

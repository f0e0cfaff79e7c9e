package io.thrume.http;

import io.thrume.auth.AttachmentLinks;
import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.thrume.support.Uploads;
import io.thrume.support.Uploads.Answer;
import io.thrume.support.Uploads.Streamed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files (docs/api.md, "Files"): uploads raw and multipart, their refusals (empty, not a
 * participant, a bad name, over the limit while streaming), sends that carry attachments (REST and
 * bridge) and the bad ones, downloads with a bearer or a signed URL, the types they are served
 * as, and a deleted message's files.
 */
@ExtendWith(SharedThrume.class)
class AttachmentTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;
  static Uploads files;
  static final byte[] PNG = png();

  @BeforeAll
  static void client() {
    files = new Uploads(thrume.port);
  }

  static byte[] png() {
    byte[] data = new byte[600];
    byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    System.arraycopy(signature, 0, data, 0, signature.length);
    for (int i = signature.length; i < data.length; i++) {
      data[i] = (byte) i;
    }
    return data;
  }

  static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static JsonObject upload(User user, String conversation, byte[] data, String type, String name) {
    Answer a = files.raw(user.token(), conversation, data, type, encode(name));
    assertEquals(201, a.status(), a.toString());
    return a.json();
  }

  static long attachments() {
    return thrume.count("SELECT count(*) FROM attachment");
  }

  @Test
  void rawAndMultipartUploadsAnswerTheFileWithItsDigest() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);

    JsonObject raw = upload(alice, id, PNG, "image/png", "photo.png");
    assertTrue(Uploads.sha256(PNG).matches("[0-9a-f]{64}"));
    assertEquals(Uploads.sha256(PNG), raw.getString("sha256"));
    assertEquals("photo.png", raw.getString("name"));
    assertEquals(PNG.length, raw.getLong("size"));
    assertEquals("image/png", raw.getString("contentType"));
    String attachmentId = raw.getString("id");
    UUID.fromString(attachmentId);
    assertTrue(raw.getString("url").startsWith("/api/attachments/" + attachmentId + "?exp="), raw.encode());
    assertEquals(Set.of("id", "name", "size", "contentType", "sha256", "url"), raw.fieldNames());
    assertEquals(PNG.length, thrume.count("SELECT length(data) FROM attachment WHERE id = '" + attachmentId + "'"));
    assertEquals(alice.id(), thrume.string("SELECT uploader_id FROM attachment WHERE id = '" + attachmentId + "'"));

    byte[] text = "Grüße aus Köln\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    Answer part = files.multipart(bob.token(), id, Uploads.multipartBody("notes – März.txt", "text/plain; charset=utf-8", text));
    assertEquals(201, part.status(), part.toString());
    JsonObject multipart = part.json();
    assertEquals("notes – März.txt", multipart.getString("name"));
    assertEquals(text.length, multipart.getLong("size"));
    assertEquals("text/plain", multipart.getString("contentType"));
    assertEquals(Uploads.sha256(text), multipart.getString("sha256"));
    assertEquals(Uploads.sha256(text), thrume.string("SELECT encode(sha256(data), 'hex') FROM attachment WHERE id = '"
      + multipart.getString("id") + "'"));

  }

  @Test
  void emptyFilesAndNonParticipantsAreRefusedAndNothingIsStored() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User eve = rest.register("eve");
    String id = rest.acceptedConversation(alice, bob);
    long before = attachments();
    assertEquals(400, files.raw(alice.token(), id, new byte[0], "text/plain", "empty.txt").status());
    assertEquals(400, files.multipart(alice.token(), id, Uploads.multipartBody("empty.txt", "text/plain", new byte[0])).status());
    // a multipart body without a file part
    assertEquals(400, files.multipart(alice.token(), id, ("--" + Uploads.BOUNDARY + "\r\nContent-Disposition: form-data; "
      + "name=\"note\"\r\n\r\nhello\r\n--" + Uploads.BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8)).status());
    Answer outsider = files.raw(eve.token(), id, PNG, "image/png", "x.png");
    assertEquals(404, outsider.status(), outsider.toString());
    assertEquals(404, files.raw(alice.token(), UUID.randomUUID().toString(), PNG, "image/png", "x.png").status());
    assertEquals(401, files.raw(null, id, PNG, "image/png", "x.png").status());
    // someone who left
    assertEquals(204, rest.delete("/api/conversations/" + id + "/participants/me", bob.token()).status());
    assertEquals(404, files.raw(bob.token(), id, PNG, "image/png", "x.png").status());
    assertEquals(before, attachments());
  }

  @Test
  void uploadingAcceptsTheConversationForAnInvitedParticipant() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String status = "SELECT status FROM participant WHERE conversation_id = '" + id + "' AND account_id = '" + bob.id() + "'";
    assertEquals("invited", thrume.string(status));
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      a.registerInEffect("conversation." + id);
      upload(bob, id, PNG, "image/png", "hi.png");
      assertEquals("accepted", thrume.string(status));
      JsonObject accepted = a.event("conversation." + id, "participant.accepted");
      assertEquals(bob.id(), accepted.getString("userId"), accepted.encode());
    }
  }

  @Test
  void fileNamesAreKeptSafe() {
    User alice = rest.register("alice");
    String id = rest.conversation(alice, rest.register("bob"));
    assertEquals("passwd", upload(alice, id, PNG, "image/png", "../../etc/passwd").getString("name"));
    assertEquals("evil.txt", upload(alice, id, PNG, "text/plain", "C:\\temp\\evil.txt").getString("name"));
    // controls and a right-to-left override, which would show "…exe.png" as "…gnp.exe"
    assertEquals("invoicegnp.exe", upload(alice, id, PNG, "text/plain", "in\u0000vo\nice\u202Egnp.exe").getString("name"));
    String longName = upload(alice, id, PNG, "text/plain", "ü".repeat(300) + ".txt").getString("name");
    assertTrue(longName.getBytes(StandardCharsets.UTF_8).length <= 255 && longName.endsWith(".txt"), longName);
    long before = attachments();
    // no name, a name of nothing but separators or controls, a broken percent-encoding, bad UTF-8
    for (String bad : new String[] {null, "", "%2F", "..", "%00%01", "%E2%82", "%ZZ", "%C3%28"}) {
      Answer a = files.raw(alice.token(), id, PNG, "image/png", bad);
      assertEquals(400, a.status(), bad + ": " + a);
    }
    assertEquals(400, files.multipart(alice.token(), id, Uploads.multipartBody("/", "text/plain", PNG)).status());
    assertEquals(before, attachments());
  }

  @Test
  void anUploadOverTheLimitIsRefusedWhileItStreams() throws Exception {
    User alice = rest.register("alice");
    String id = rest.conversation(alice, rest.register("bob"));
    long limit = 10L * 1024 * 1024;
    long before = attachments();
    long total = 200L * 1024 * 1024;
    String path = "/api/conversations/" + id + "/attachments";
    Streamed raw = files.stream(path, alice.token(), "application/octet-stream", "X-Filename: big.bin\r\n", null, total, null);
    assertEquals(413, raw.status(), raw.head());
    assertTrue(raw.head().toLowerCase().contains("connection: close"), raw.head());
    assertFalse(raw.allSent(), "answered before the client finished sending");
    assertTrue(raw.sentWhenAnswered() < limit + 32L * 1024 * 1024, "answered at " + raw.sentWhenAnswered() + " bytes sent");
    // the connection was closed: the client could not send the rest
    assertTrue(raw.sentInAll() < total / 2, "sent in all: " + raw.sentInAll());

    Streamed multipart = files.stream(path, alice.token(), "multipart/form-data; boundary=" + Uploads.BOUNDARY, "",
      Uploads.partHead("big.bin", "application/octet-stream"), total,
      ("\r\n--" + Uploads.BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    assertEquals(413, multipart.status(), multipart.head());
    assertFalse(multipart.allSent());
    assertTrue(multipart.sentInAll() < total / 2, "sent in all: " + multipart.sentInAll());

    // exactly the limit is fine; a declared length over it is refused from the head
    byte[] atLimit = new byte[(int) limit];
    Arrays.fill(atLimit, (byte) 7);
    assertEquals(201, files.raw(alice.token(), id, atLimit, "application/octet-stream", "limit.bin").status());
    // (over a socket that sends only the head: a client still writing a body the server refused may
    // see the connection close before it reads the answer)
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", thrume.port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /api/conversations/" + id + "/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + alice.token() + "\r\nContent-Type: application/octet-stream\r\nX-Filename: over.bin\r\n"
        + "Content-Length: " + (limit + 1) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
        StandardCharsets.ISO_8859_1)).readLine();
      assertTrue(status != null && status.startsWith("HTTP/1.1 413 "), "a declared length over the limit: " + status);
    }
    assertEquals(before + 1, attachments());
  }

  @Test
  void aSendCarriesItsAttachmentsAndTheEventShowsThem() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    JsonObject photo = upload(alice, id, PNG, "image/png", "photo.png");
    JsonObject doc = upload(alice, id, "a report".getBytes(StandardCharsets.UTF_8), "application/pdf", "report.pdf");
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      b.registerInEffect("conversation." + id);
      Response sent = rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject()
        .put("content", "see these").put("clientMessageId", "f-1")
        .put("attachmentIds", new JsonArray().add(doc.getString("id")).add(photo.getString("id"))));
      assertEquals(201, sent.status(), sent.toString());
      JsonArray attached = sent.json().getJsonArray("attachments");
      assertEquals(2, attached.size(), sent.toString());
      assertEquals(List.of(doc.getString("id"), photo.getString("id")),
        List.of(attached.getJsonObject(0).getString("id"), attached.getJsonObject(1).getString("id")), "in the order sent");
      JsonObject first = attached.getJsonObject(0);
      assertEquals("report.pdf", first.getString("name"));
      assertEquals(8L, first.getLong("size"));
      assertEquals("application/pdf", first.getString("contentType"));
      assertEquals(Set.of("id", "name", "size", "contentType", "url"), first.fieldNames());
      JsonObject event = b.event("conversation." + id, "message");
      assertEquals(attached, event.getJsonObject("message").getJsonArray("attachments"));
      // bob reads it with the URL, without a token
      Answer image = files.get(attached.getJsonObject(1).getString("url"), null);
      assertEquals(200, image.status());
      assertArrayEquals(PNG, image.body());
    }
    // a page shows them, as stored; a repeat of the send answers them too
    JsonArray page = rest.get("/api/conversations/" + id + "/messages", bob.token()).json().getJsonArray("messages");
    assertEquals(2, page.getJsonObject(0).getJsonArray("attachments").size());
    Response again = rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject()
      .put("content", "see these").put("clientMessageId", "f-1")
      .put("attachmentIds", new JsonArray().add(doc.getString("id")).add(photo.getString("id"))));
    assertEquals(200, again.status());
    assertEquals(2, again.json().getJsonArray("attachments").size());
    assertEquals(1L, thrume.count("SELECT count(DISTINCT message_seq) FROM attachment WHERE conversation_id = '" + id + "'"));

    // a file alone: the content may be empty
    JsonObject alone = upload(alice, id, PNG, "image/png", "alone.png");
    Response fileOnly = rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject()
      .put("content", "").put("clientMessageId", "f-2").put("attachmentIds", new JsonArray().add(alone.getString("id"))));
    assertEquals(201, fileOnly.status(), fileOnly.toString());
    assertEquals(400, rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject()
      .put("content", "").put("clientMessageId", "f-3")).status(), "without files the content rules stand");
  }

  @Test
  void aBridgeSendCarriesAttachmentsToo() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    JsonObject photo = upload(bob, id, PNG, "image/png", "bridge.png");
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token()); BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      a.registerInEffect("conversation." + id);
      JsonObject reply = b.call("chat.send", new JsonObject().put("conversationId", id).put("content", "look")
        .put("clientMessageId", "bf-1").put("attachmentIds", new JsonArray().add(photo.getString("id"))));
      assertEquals(photo.getString("id"), reply.getJsonArray("attachments").getJsonObject(0).getString("id"));
      JsonObject event = a.event("conversation." + id, "message");
      assertEquals(reply.getJsonArray("attachments"), event.getJsonObject("message").getJsonArray("attachments"));
      // refused on the bridge as on REST: the file is on a message already
      JsonObject err = b.request("chat.send", new JsonObject().put("conversationId", id).put("content", "again")
        .put("clientMessageId", "bf-2").put("attachmentIds", new JsonArray().add(photo.getString("id"))));
      assertEquals("err", err.getString("type"), err.encode());
      assertEquals(400, err.getInteger("failureCode"));
    }
  }

  @Test
  void badAttachmentIdsAreRefusedAndNothingIsStored() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    String other = rest.acceptedConversation(alice, bob);
    String bobs = upload(bob, id, PNG, "image/png", "bobs.png").getString("id");
    String elsewhere = upload(alice, other, PNG, "image/png", "elsewhere.png").getString("id");
    String used = upload(alice, id, PNG, "image/png", "used.png").getString("id");
    String fresh = upload(alice, id, PNG, "image/png", "fresh.png").getString("id");
    assertEquals(201, rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject()
      .put("content", "first").put("clientMessageId", "u-1").put("attachmentIds", new JsonArray().add(used))).status());
    List<String> eleven = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      eleven.add(upload(alice, id, PNG, "image/png", "n" + i + ".png").getString("id"));
    }
    String counts = thrume.tableCounts() + "/" + thrume.count("SELECT count(*) FROM attachment WHERE message_seq IS NULL");
    int n = 0;
    for (Object bad : List.of(new JsonArray().add(fresh).add(bobs), new JsonArray().add(elsewhere),
        new JsonArray().add(fresh).add(used), new JsonArray(eleven), new JsonArray().add(UUID.randomUUID().toString()),
        new JsonArray().add(fresh).add(fresh), new JsonArray().add("not-an-id"), "a string", new JsonArray().add(42))) {
      Response r = rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject()
        .put("content", "bad").put("clientMessageId", "bad-" + n++).put("attachmentIds", bad));
      assertEquals(400, r.status(), bad + ": " + r);
    }
    assertEquals(counts, thrume.tableCounts() + "/" + thrume.count("SELECT count(*) FROM attachment WHERE message_seq IS NULL"));
    // ten is fine
    Response ten = rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject()
      .put("content", "ten").put("clientMessageId", "ten").put("attachmentIds", new JsonArray(eleven.subList(0, 10))));
    assertEquals(201, ten.status(), ten.toString());
    assertEquals(10, ten.json().getJsonArray("attachments").size());
  }

  @Test
  void downloadsWithABearerOrASignedUrlAndTheirHeaders() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User eve = rest.register("eve");
    String id = rest.acceptedConversation(alice, bob);
    JsonObject photo = upload(alice, id, PNG, "image/png", "photo.png");
    String bare = "/api/attachments/" + photo.getString("id");

    Answer asBob = files.get(bare, bob.token());
    assertEquals(200, asBob.status(), asBob.toString());
    assertArrayEquals(PNG, asBob.body());
    assertEquals("image/png", asBob.header("Content-Type"));
    assertEquals("inline; filename=\"photo.png\"; filename*=UTF-8''photo.png", asBob.header("Content-Disposition"));
    assertEquals("nosniff", asBob.header("X-Content-Type-Options"));
    assertEquals(AttachmentRoutes.CSP, asBob.header("Content-Security-Policy"));
    assertTrue(asBob.header("Cache-Control").startsWith("private, max-age="), asBob.header("Cache-Control"));

    assertEquals(404, files.get(bare, eve.token()).status(), "not a participant");
    assertEquals(401, files.get(bare, null).status(), "the bare path needs a token");
    assertEquals(404, files.get("/api/attachments/" + UUID.randomUUID(), bob.token()).status());

    Answer signed = files.get(photo.getString("url"), null);
    assertEquals(200, signed.status(), signed.toString());
    assertArrayEquals(PNG, signed.body());
    assertEquals("nosniff", signed.header("X-Content-Type-Options"));
    String url = photo.getString("url");
    String sig = url.substring(url.indexOf("&sig=") + 5);
    long exp = Long.parseLong(url.substring(url.indexOf("?exp=") + 5, url.indexOf("&sig=")));
    assertTrue(exp > System.currentTimeMillis() / 1000 + 50 * 60 && exp <= System.currentTimeMillis() / 1000 + 3600, "about an hour");
    AttachmentLinks links = new AttachmentLinks(TestThrume.JWT_SECRET);
    String other = upload(alice, id, PNG, "image/png", "other.png").getString("id");
    char flipped = sig.charAt(3) == 'A' ? 'B' : 'A';
    for (String bad : new String[] {
        links.url(photo.getString("id"), System.currentTimeMillis() / 1000 - 1), // expired, signed right
        bare + "?exp=" + (exp + 300) + "&sig=" + sig,                          // exp altered
        bare + "?exp=" + exp + "&sig=" + sig.substring(0, 3) + flipped + sig.substring(4), // sig altered
        "/api/attachments/" + other + "?exp=" + exp + "&sig=" + sig,            // another file's
        bare + "?exp=" + exp, bare + "?sig=" + sig, bare + "?exp=x&sig=" + sig,
        new AttachmentLinks("another-secret-0123456789-abcdefghijklmnop").url(photo.getString("id"))}) {
      assertEquals(404, files.get(bad, null).status(), bad);
    }
    // an expired or altered URL stays refused with a token too: the signature decides
    assertEquals(404, files.get(bare + "?exp=" + (exp + 300) + "&sig=" + sig, bob.token()).status());
  }

  @Test
  void onlyRealImagesAreServedInlineAndEverythingElseAsADownload() {
    User alice = rest.register("alice");
    String id = rest.conversation(alice, rest.register("bob"));
    JsonObject html = upload(alice, id, "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8), "text/html", "page.html");
    Answer page = files.get(html.getString("url"), null);
    assertEquals("application/octet-stream", page.header("Content-Type"));
    assertEquals("attachment; filename=\"page.html\"; filename*=UTF-8''page.html", page.header("Content-Disposition"));
    assertEquals("nosniff", page.header("X-Content-Type-Options"));

    JsonObject named = upload(alice, id, "x".getBytes(StandardCharsets.UTF_8), "text/plain", "Prüfung \"1\".txt");
    assertEquals("attachment; filename=\"Pr_fung _1_.txt\"; filename*=UTF-8''Pr%C3%BCfung%20%221%22.txt",
      files.get(named.getString("url"), null).header("Content-Disposition"));

    // a file that claims to be a PNG but is not: stored and served as a download
    JsonObject fake = upload(alice, id, "<svg onload=alert(1)>".getBytes(StandardCharsets.UTF_8), "image/png", "fake.png");
    assertEquals("application/octet-stream", fake.getString("contentType"));
    Answer fakeServed = files.get(fake.getString("url"), null);
    assertEquals("application/octet-stream", fakeServed.header("Content-Type"));
    assertTrue(fakeServed.header("Content-Disposition").startsWith("attachment;"));
    // even when the stored type says image/png (as a row from elsewhere might), the bytes decide
    thrume.count("WITH u AS (UPDATE attachment SET content_type = 'image/png' WHERE id = '" + fake.getString("id")
      + "' RETURNING 1) SELECT count(*) FROM u");
    assertEquals("application/octet-stream", files.get(fake.getString("url"), null).header("Content-Type"));

    byte[] gif = "GIF89a-rest-of-it".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals("image/gif", files.get(upload(alice, id, gif, "image/gif", "a.gif").getString("url"), null).header("Content-Type"));
    byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals("image/webp", files.get(upload(alice, id, webp, "image/webp", "a.webp").getString("url"), null).header("Content-Type"));
    byte[] jpeg = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 1, 2, 3};
    Answer j = files.get(upload(alice, id, jpeg, "image/jpeg", "a.jpg").getString("url"), null);
    assertEquals("image/jpeg", j.header("Content-Type"));
    assertTrue(j.header("Content-Disposition").startsWith("inline;"));
    // svg is not among the inline types
    byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8);
    assertEquals("application/octet-stream", files.get(upload(alice, id, svg, "image/svg+xml", "a.svg").getString("url"), null)
      .header("Content-Type"));
  }

  @Test
  void deletingAMessageDeletesItsFiles() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    JsonObject photo = upload(alice, id, PNG, "image/png", "gone.png");
    JsonObject kept = upload(alice, id, PNG, "image/png", "kept.png");
    rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject().put("content", "to delete")
      .put("clientMessageId", "d-1").put("attachmentIds", new JsonArray().add(photo.getString("id"))));
    rest.post("/api/conversations/" + id + "/messages", alice.token(), new JsonObject().put("content", "to keep")
      .put("clientMessageId", "d-2").put("attachmentIds", new JsonArray().add(kept.getString("id"))));
    Response deleted = rest.delete("/api/conversations/" + id + "/messages/1", alice.token());
    assertEquals(200, deleted.status(), deleted.toString());
    assertEquals(new JsonArray(), deleted.json().getJsonArray("attachments"));
    assertNotNull(deleted.json().getString("deletedAt"));
    assertEquals(0, thrume.count("SELECT count(*) FROM attachment WHERE id = '" + photo.getString("id") + "'"),
      "the file's row, its bytes with it, is gone");
    assertEquals(404, files.get(photo.getString("url"), null).status());
    assertEquals(404, files.get("/api/attachments/" + photo.getString("id"), bob.token()).status());
    assertEquals(200, files.get(kept.getString("url"), null).status());
  }
}

package io.thrume.support;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Uploads and downloads of files for tests, with the JDK's HTTP client (any Content-Type and
 * headers), and uploads streamed over a plain socket (chunked, generated on the fly) to see when
 * the server answers while the body is still being sent.
 */
public final class Uploads {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  public static final String BOUNDARY = "thrume-test-boundary-7d1f";
  private final int port;

  public Uploads(int port) {
    this.port = port;
  }

  public record Answer(int status, Map<String, java.util.List<String>> headers, byte[] body) {
    public JsonObject json() {
      return new JsonObject(new String(body, StandardCharsets.UTF_8));
    }

    public String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8);
    }
  }

  /** What a streamed upload saw: the status, how much was sent when the answer came, whether all was sent. */
  public record Streamed(int status, String head, long sentWhenAnswered, long sentInAll, boolean allSent, long answeredAfterMs) {
  }

  public static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A raw upload: the body is the file; X-Filename (percent-encoded by the caller) unless null. */
  public Answer raw(String token, String conversationId, byte[] data, String contentType, String filename) {
    return raw(token, conversationId, data, contentType, filename, false);
  }

  /** The same, sending {@code Expect: 100-continue} first when asked (as curl does for large bodies). */
  public Answer raw(String token, String conversationId, byte[] data, String contentType, String filename,
                    boolean expectContinue) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri("/api/conversations/" + conversationId + "/attachments"))
      .expectContinue(expectContinue).version(HttpClient.Version.HTTP_1_1)
      .POST(HttpRequest.BodyPublishers.ofByteArray(data));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (filename != null) {
      b.header("X-Filename", filename);
    }
    return send(b, token);
  }

  /** A multipart/form-data upload of one file part (or the body given). */
  public Answer multipart(String token, String conversationId, byte[] body) {
    return send(HttpRequest.newBuilder(uri("/api/conversations/" + conversationId + "/attachments"))
      .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
      .POST(HttpRequest.BodyPublishers.ofByteArray(body)), token);
  }

  /** The body of a multipart/form-data request with one file part. */
  public static byte[] multipartBody(String filename, String contentType, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(partHead(filename, contentType));
    out.writeBytes(data);
    out.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  public static byte[] partHead(String filename, String contentType) {
    return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n"
      + "Content-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
  }

  public Answer get(String pathAndQuery, String token) {
    return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET(), token);
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  private static Answer send(HttpRequest.Builder b, String token) {
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<byte[]> r = HTTP.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Answer(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Streams an upload over a socket, chunked (no Content-Length, so the server cannot refuse it
   * from its head): {@code prefix}, then {@code total} generated bytes in 64 KiB chunks, then
   * {@code suffix}; while a second thread reads the answer. Returns when the answer came and the
   * writer stopped (finished, or failed on the closed connection).
   */
  public Streamed stream(String path, String token, String contentType, String extraHeaders, byte[] prefix, long total,
                         byte[] suffix) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n"
        + "Content-Type: " + contentType + "\r\n" + extraHeaders + "Transfer-Encoding: chunked\r\n\r\n";
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      AtomicLong sent = new AtomicLong();
      AtomicBoolean allSent = new AtomicBoolean();
      long start = System.nanoTime();
      Thread writer = new Thread(() -> {
        try {
          chunk(out, prefix);
          byte[] chunk = new byte[64 * 1024];
          for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31 + 7);
          }
          while (sent.get() < total) {
            int n = (int) Math.min(chunk.length, total - sent.get());
            chunk(out, n == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, n));
            sent.addAndGet(n);
          }
          chunk(out, suffix);
          out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          allSent.set(true);
        } catch (IOException closed) {
          // the server closed the connection: what a refused upload expects
        }
      }, "upload-writer");
      writer.setDaemon(true);
      writer.start();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      long sentWhenAnswered = -1;
      long answeredAfter = -1;
      try {
        int b;
        while ((b = in.read()) >= 0) {
          if (sentWhenAnswered < 0) {
            sentWhenAnswered = sent.get();
            answeredAfter = (System.nanoTime() - start) / 1_000_000;
          }
          answer.write(b);
          if (answer.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
            break;
          }
        }
      } catch (IOException reset) {
        // the connection went away before (all of) an answer
      }
      boolean allSentWhenAnswered = allSent.get();
      socket.shutdownInput();
      writer.join(60_000);
      String text = answer.toString(StandardCharsets.ISO_8859_1);
      int status = text.startsWith("HTTP/1.1 ") ? Integer.parseInt(text.substring(9, 12)) : -1;
      return new Streamed(status, text, sentWhenAnswered, sent.get(), allSentWhenAnswered, answeredAfter);
    }
  }

  private static void chunk(OutputStream out, byte[] data) throws IOException {
    if (data == null || data.length == 0) {
      return;
    }
    out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(data);
    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
  }
}

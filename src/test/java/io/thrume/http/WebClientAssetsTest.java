package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web client's assets are sent precompressed (the build writes .br and .gz beside each) to a
 * browser that accepts it, cached immutable; index.html is revalidated (issue 16).
 */
@ExtendWith(SharedThrume.class)
class WebClientAssetsTest {
  @Shared static RestClient client;

  private static Response get(String path, String acceptEncoding) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (acceptEncoding != null) {
      headers.add("Accept-Encoding", acceptEncoding);
    }
    return client.send(HttpMethod.GET, path, null, null, headers);
  }

  @Test
  void assetsAreSentPrecompressedAndCachedImmutableIndexIsRevalidated() throws IOException {
    Response index = get("/", "gzip, deflate, br");
    Assumptions.assumeTrue(index.status() == 200, "the web client is built (target/classes/thrume-web)");
    assertEquals("no-cache", index.header("Cache-Control"));
    Matcher script = Pattern.compile("src=\"(/assets/[^\"]+\\.js)\"").matcher(index.body().toString());
    assertTrue(script.find(), index.body().toString());
    String js = script.group(1);

    Response plain = get(js, null);
    assertEquals(200, plain.status());
    assertNull(plain.header("Content-Encoding"));
    assertTrue(plain.header("Cache-Control").contains("immutable"), plain.header("Cache-Control"));

    Response brotli = get(js, "gzip, deflate, br");
    assertEquals(200, brotli.status());
    assertEquals("br", brotli.header("Content-Encoding"));
    assertEquals("Accept-Encoding", brotli.header("Vary"));
    assertTrue(brotli.header("Content-Type").contains("javascript"), brotli.header("Content-Type"));
    assertTrue(brotli.header("Cache-Control").contains("immutable"));
    assertTrue(brotli.body().length() < plain.body().length() / 2, "compressed");

    Response gzip = get(js, "gzip");
    assertEquals("gzip", gzip.header("Content-Encoding"));
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip.body().getBytes()))) {
      assertArrayEquals(plain.body().getBytes(), in.readAllBytes(), "the .gz is the same file");
    }
    assertEquals(404, get("/assets/no-such-file.js", "br").status());
    assertEquals(200, get("/favicon.ico", null).status());
  }
}

package io.thrume.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.MimeMapping;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web client, built by Vite (webroot/, `npm run build`) into the class-path directory
 * thrume-web/. Hashed files under /assets/ never change, so browsers may keep them for a year;
 * index.html must be revalidated every time (Cache-Control: no-cache), or a browser would keep
 * loading old assets after an upgrade. The client routes in the browser (/login, /c/{id}…), so a
 * GET for any other page path that is no file answers index.html too. The build writes a brotli
 * (.br) and a gzip (.gz) copy beside each asset; a browser that accepts one gets it as is.
 */
final class WebClientRoutes {
  static final String ROOT = "thrume-web";
  static final String INDEX = "index.html";
  private static final long YEAR_SECONDS = 31_536_000;
  private static final String REVALIDATE = "no-cache";

  private WebClientRoutes() {
  }

  static void mount(Router router) {
    router.get("/assets/*").handler(WebClientRoutes::precompressed);
    // a route with a wildcard strips its prefix: /assets/x.js is thrume-web/assets/x.js
    router.get("/assets/*").handler(StaticHandler.create(ROOT + "/assets").setDirectoryListing(false)
      .setCachingEnabled(true).setMaxAgeSeconds(YEAR_SECONDS));
    router.route().handler(ctx -> {
      ctx.addHeadersEndHandler(v -> ctx.response().headers().set(HttpHeaders.CACHE_CONTROL, REVALIDATE));
      ctx.next();
    });
    router.route().handler(StaticHandler.create(ROOT).setIndexPage(INDEX).setCachingEnabled(false).setDirectoryListing(false));
    router.route().handler(WebClientRoutes::appRoute);
  }

  /** An asset's .br or .gz copy made at build time, when the browser accepts that encoding; else the plain file (next handler). */
  private static void precompressed(RoutingContext ctx) {
    String name = ctx.normalizedPath().substring("/assets/".length());
    String accepted = ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING);
    String encoding = accepted == null || name.isEmpty() || name.contains("/") ? null
      : accepted.contains("br") ? "br" : accepted.contains("gzip") ? "gzip" : null;
    if (encoding == null) {
      ctx.next();
      return;
    }
    String file = ROOT + "/assets/" + name + ("br".equals(encoding) ? ".br" : ".gz");
    ctx.vertx().fileSystem().exists(file).onComplete(found -> {
      if (!found.succeeded() || !found.result()) {
        ctx.next();
        return;
      }
      String type = MimeMapping.mimeTypeForFilename(name);
      ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, type == null ? "application/octet-stream" : type)
        .putHeader(HttpHeaders.CONTENT_ENCODING, encoding)
        .putHeader(HttpHeaders.VARY, "Accept-Encoding")
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, immutable, max-age=" + YEAR_SECONDS)
        .sendFile(file);
    });
  }

  /** A client-side route (no file name, not a server path): the app's index.html. */
  private static void appRoute(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    boolean page = (ctx.request().method() == HttpMethod.GET || ctx.request().method() == HttpMethod.HEAD)
      && !isServerPath(path) && !path.substring(path.lastIndexOf('/') + 1).contains(".");
    if (!page) {
      ctx.next();
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html;charset=UTF-8");
    ctx.response().sendFile(ROOT + "/" + INDEX).onFailure(e -> {
      if (!ctx.response().headWritten()) {
        ctx.next();
      }
    });
  }

  private static boolean isServerPath(String path) {
    for (String prefix : new String[] {"/api", "/eventbus", "/health", "/metrics", "/assets"}) {
      if (path.equals(prefix) || path.startsWith(prefix + "/")) {
        return true;
      }
    }
    return false;
  }
}

package io.thrume.edge;

import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/** Which Origin a request may come from: none (not a browser), the server's own, or an allowed one. */
public final class OriginPolicy {
  private final List<String> allowed;

  public OriginPolicy(List<String> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  public boolean allows(HttpServerRequest request) {
    String origin = request.getHeader("Origin");
    return origin == null || sameOrigin(request, origin) || allowed.contains(origin);
  }

  public static boolean sameOrigin(HttpServerRequest request, String origin) {
    String host = request.authority() == null ? null : request.authority().toString();
    return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
  }
}

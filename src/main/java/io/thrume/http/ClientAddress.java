package io.thrume.http;

import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;

/**
 * The key of the per-address throttle of register and login: the TCP peer's address (forwarding
 * headers are the client's to forge, so they are not read). An IPv4 address counts alone. An IPv6
 * address counts by its /64: one subscriber usually holds a whole /64 (often much more) and can
 * pick a new address in it for every request, so a bucket per exact IPv6 address would throttle
 * nobody. IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) count as the IPv4 address.
 */
public final class ClientAddress {
  private ClientAddress() {
  }

  public static String throttleKey(SocketAddress address) {
    if (address == null || address.hostAddress() == null) {
      return "unknown";
    }
    return throttleKey(address.hostAddress());
  }

  /** {@code 2001:db8:1:2:a:b:c:d} → {@code 2001:db8:1:2::/64}; IPv4 and anything unparsable as is. */
  public static String throttleKey(String host) {
    if (host.indexOf(':') < 0) {
      return host;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
    if (bytes == null) {
      return host;
    }
    if (bytes.length == 4) {
      return ipv4(bytes, 0);
    }
    if (isIpv4Mapped(bytes)) {
      return ipv4(bytes, 12);
    }
    StringBuilder key = new StringBuilder(24);
    for (int group = 0; group < 4; group++) {
      key.append(Integer.toHexString(((bytes[2 * group] & 0xff) << 8) | (bytes[2 * group + 1] & 0xff))).append(':');
    }
    return key.append(":/64").toString();
  }

  private static boolean isIpv4Mapped(byte[] bytes) {
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff;
  }

  private static String ipv4(byte[] bytes, int from) {
    return (bytes[from] & 0xff) + "." + (bytes[from + 1] & 0xff) + "." + (bytes[from + 2] & 0xff) + "." + (bytes[from + 3] & 0xff);
  }
}

package io.thrume.http;

import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The key of the per-address throttle: IPv4 alone, IPv6 by /64. */
class ClientAddressTest {

  @Test
  void ipv6AddressesOfOneSlash64ShareAKey() {
    String key = ClientAddress.throttleKey("2001:db8:1:2:a:b:c:d");
    assertEquals("2001:db8:1:2::/64", key);
    assertEquals(key, ClientAddress.throttleKey("2001:db8:1:2::1"));
    assertEquals(key, ClientAddress.throttleKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"));
    assertEquals(key, ClientAddress.throttleKey("2001:DB8:1:2:0:0:0:7"));
    assertEquals(key, ClientAddress.throttleKey(SocketAddress.inetSocketAddress(443, "2001:db8:1:2:dead:beef:0:1")));
    assertNotEquals(key, ClientAddress.throttleKey("2001:db8:1:3::1"), "the next /64 is another client");
    assertEquals("fe80:0:0:0::/64", ClientAddress.throttleKey("fe80::1%eth0"));
    assertEquals("0:0:0:0::/64", ClientAddress.throttleKey("::1"));
  }

  @Test
  void ipv4CountsAloneAlsoWhenMappedIntoIpv6() {
    assertEquals("192.0.2.7", ClientAddress.throttleKey("192.0.2.7"));
    assertNotEquals(ClientAddress.throttleKey("192.0.2.7"), ClientAddress.throttleKey("192.0.2.8"));
    assertEquals("192.0.2.7", ClientAddress.throttleKey("::ffff:192.0.2.7"));
    assertEquals("192.0.2.7", ClientAddress.throttleKey("0:0:0:0:0:ffff:c000:207"));
    assertEquals("127.0.0.1", ClientAddress.throttleKey(SocketAddress.inetSocketAddress(80, "127.0.0.1")));
    assertEquals("unknown", ClientAddress.throttleKey((SocketAddress) null));
  }
}

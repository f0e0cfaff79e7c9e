package io.thrume.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The Hazelcast configuration: cluster.xml beside the process (or the copy in the jar), with
 * the port, members and host of Thrume's settings (THRUME_CLUSTER_PORT, THRUME_CLUSTER_MEMBERS,
 * THRUME_CLUSTER_HOST).
 */
public final class ClusterConfig {
  private ClusterConfig() {
  }

  public static Config hazelcast(Settings settings) {
    Config config = load();
    String host = settings.string(ConfigKeys.CLUSTER_HOST);
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.integer(ConfigKeys.CLUSTER_PORT));
    network.setPublicAddress(host);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    List<String> members = Arrays.stream(settings.string(ConfigKeys.CLUSTER_MEMBERS).split(","))
      .map(String::trim).filter(s -> !s.isEmpty()).toList();
    network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(members);
    network.getJoin().getMulticastConfig().setEnabled(false);
    return config;
  }

  private static Config load() {
    Path beside = Path.of("cluster.xml");
    try (InputStream in = Files.isRegularFile(beside) ? Files.newInputStream(beside)
      : ClusterConfig.class.getClassLoader().getResourceAsStream("cluster.xml")) {
      if (in == null) {
        throw new IllegalStateException("cluster.xml is missing (beside the process and in the jar)");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read cluster.xml", e);
    }
  }
}

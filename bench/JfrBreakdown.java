import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where a Thrume node's Java CPU samples went (jdk.ExecutionSample of a JFR recording made with
 * BENCH_JFR), split by the phases W6 wrote beside it (connect, settle, send, end; epoch ms).
 * Garbage collection, the JIT and the kernel are not Java samples: the benchmark's CPU by kind of
 * thread and its user/kernel split cover them.
 *
 *   java bench/JfrBreakdown.java target/jfr/run1-W6-2nodes-100-node-1.jfr [phases.txt]
 *
 * Three views per phase: by thread (Hazelcast's kinds of thread, event loops, workers); by owner
 * of the innermost frame outside the JDK ("self"); and inclusive, the samples whose stack holds a
 * frame of a component anywhere (so a Hazelcast call made from an event loop counts for
 * Hazelcast). Then the Hazelcast operations running in the samples, and the hottest frames. Per
 * phase also: JIT compilations, deoptimizations, GC pauses and threads started (Hazelcast runs
 * async callbacks on a new thread each when the JVM has at most 2 CPUs: ConcurrencyUtil).
 */
public final class JfrBreakdown {
  /** Component of a class, by package prefix; the first that matches wins. */
  private static final String[][] OWNERS = {
    {"io.vertx.spi.cluster.hazelcast", "Vert.x Hazelcast cluster manager (subs map, Throttling)"},
    {"io.vertx.core.eventbus.impl.clustered", "Vert.x clustered event bus"},
    {"io.vertx.core.spi.cluster", "Vert.x cluster SPI (node selector)"},
    {"io.vertx.core.impl.cluster", "Vert.x cluster SPI (node selector)"},
    {"io.vertx.core.eventbus", "Vert.x event bus"},
    {"io.vertx.core.json", "JSON"},
    {"com.fasterxml.jackson", "JSON"},
    {"io.vertx.pgclient", "PostgreSQL client"},
    {"io.vertx.sqlclient", "PostgreSQL client"},
    {"io.vertx.ext.web", "Vert.x web"},
    {"io.vertx.core.http", "Vert.x HTTP / WebSocket"},
    {"io.vertx.core.net", "Vert.x net"},
    {"io.vertx", "Vert.x other"},
    {"io.netty", "Netty"},
    {"com.hazelcast", "Hazelcast"},
    {"io.thrume", "Thrume"},
    {"io.micrometer", "Micrometer"},
    {"org.slf4j", "logging"},
    {"ch.qos", "logging"},
  };
  /** Components checked inclusively (anywhere in the stack). */
  private static final String[][] INCLUSIVE = {
    {"com.hazelcast", "Hazelcast"},
    {"com.hazelcast.multimap", "  Hazelcast multimap (__vertx.subs)"},
    {"com.hazelcast.map", "  Hazelcast map (presence, viewers, tickets, rate limits)"},
    {"com.hazelcast.spi.impl.operationservice", "  Hazelcast operation service (invocations, responses)"},
    {"com.hazelcast.spi.impl.eventservice", "  Hazelcast event service (entry events)"},
    {"com.hazelcast.internal.serialization", "  Hazelcast serialization"},
    {"com.hazelcast.internal.networking", "  Hazelcast networking"},
    {"com.hazelcast.internal.server", "  Hazelcast networking"},
    {"io.vertx.spi.cluster.hazelcast", "Vert.x Hazelcast cluster manager"},
    {"io.vertx.spi.cluster.hazelcast.impl.SubsMapHelper", "  SubsMapHelper (reads/writes of __vertx.subs)"},
    {"io.vertx.spi.cluster.hazelcast.impl.Throttling", "  Throttling (re-reads after subs events)"},
    {"io.vertx.core.eventbus.impl.clustered", "Vert.x clustered event bus"},
    {"io.thrume.presence", "Thrume presence / viewers"},
    {"io.thrume.cluster", "Thrume cluster (rate limits)"},
    {"io.thrume.fanout", "Thrume fan-out"},
    {"io.thrume.bridge", "Thrume bridge"},
    {"io.thrume.chat", "Thrume chat"},
    {"io.thrume.store", "Thrume store"},
    {"io.thrume", "Thrume (all)"},
    {"io.vertx.pgclient", "PostgreSQL client"},
    {"io.vertx.core.json", "JSON (Vert.x)"},
    {"sun.nio.ch", "JDK NIO"},
    {"io.netty.channel", "Netty channel"},
  };

  /** Base classes whose frames stand for any operation (the concrete one overrides run()). */
  private static final Set<String> GENERIC_OPERATIONS = Set.of("Operation", "MapOperation", "KeyBasedMapOperation",
    "AbstractNamedOperation", "AbstractPartitionOperation", "AbstractMultiMapOperation",
    "AbstractKeyBasedMultiMapOperation", "AbstractBackupAwareMultiMapOperation", "LockAwareOperation",
    "BasePutOperation", "BaseRemoveOperation", "PartitionAwareOperation");

  private static final class Tally {
    long total;
    /** JIT compilations (from jdk.CompilerStatistics: the count at the phase's last reading), threads started, GC. */
    long compileCountAtEnd = -1;
    long compilations;
    long gcPauses;
    double gcPauseMs;
    long deoptimizations;
    final Map<String, Long> threadStarts = new TreeMap<>();
    final Map<String, Long> threads = new TreeMap<>();
    final Map<String, Long> self = new TreeMap<>();
    final Map<String, Long> inclusive = new LinkedHashMap<>();
    final Map<String, Long> operations = new TreeMap<>();
    final Map<String, Long> top = new TreeMap<>();
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    Map<Long, String> phases = new TreeMap<>();
    Path phaseFile = args.length > 1 ? Path.of(args[1])
      : file.resolveSibling(file.getFileName().toString().replaceFirst("-node-\\d+\\.jfr$", "-phases.txt"));
    if (Files.exists(phaseFile)) {
      for (String line : Files.readAllLines(phaseFile)) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 2) {
          phases.put(Long.parseLong(f[1]), f[0]);
        }
      }
    }
    Map<String, Tally> byPhase = new LinkedHashMap<>();
    byPhase.put("all", new Tally());
    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent e = recording.readEvent();
        String phase = phaseOf(phases, e.getStartTime().toEpochMilli());
        for (Tally t : List.of(byPhase.get("all"), byPhase.computeIfAbsent(phase, p -> new Tally()))) {
          switch (e.getEventType().getName()) {
            case "jdk.ExecutionSample" -> add(t, e);
            case "jdk.ThreadStart" -> t.threadStarts.merge(threadKind(e.getThread("thread") == null ? "?"
              : String.valueOf(e.getThread("thread").getJavaName())), 1L, Long::sum);
            case "jdk.CompilerStatistics" -> t.compileCountAtEnd = Math.max(t.compileCountAtEnd, e.getLong("compileCount"));
            case "jdk.GarbageCollection" -> {
              t.gcPauses++;
              t.gcPauseMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
            }
            case "jdk.Deoptimization" -> t.deoptimizations++;
            default -> {
            }
          }
        }
      }
    }
    // compilations per phase: the compile count at the end of a phase minus at the end of the one before
    long previous = 0;
    for (Map.Entry<String, Tally> p : byPhase.entrySet()) {
      if (!p.getKey().equals("all") && p.getValue().compileCountAtEnd >= 0) {
        p.getValue().compilations = p.getValue().compileCountAtEnd - previous;
        previous = p.getValue().compileCountAtEnd;
      }
    }
    byPhase.get("all").compilations = Math.max(0, byPhase.get("all").compileCountAtEnd);
    System.out.println("# " + file.getFileName() + (phases.isEmpty() ? " (no phases file)" : " (phases: " + phaseFile.getFileName() + ")"));
    byPhase.forEach(JfrBreakdown::print);
  }

  private static String phaseOf(Map<Long, String> phases, long at) {
    String phase = "before connect";
    for (Map.Entry<Long, String> p : phases.entrySet()) {
      if (at >= p.getKey()) {
        phase = p.getValue().equals("end") ? "after the send (drain, stop)" : p.getValue();
      }
    }
    return phases.isEmpty() ? "all" : phase;
  }

  private static void add(Tally t, RecordedEvent e) {
    t.total++;
    String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
    t.threads.merge(threadKind(thread), 1L, Long::sum);
    RecordedStackTrace stack = e.getStackTrace();
    List<RecordedFrame> frames = stack == null ? List.of() : stack.getFrames();
    String self = "JDK only";
    for (RecordedFrame f : frames) {
      String owner = owner(f.getMethod().getType().getName());
      if (owner != null) {
        self = owner;
        break;
      }
    }
    t.self.merge(self, 1L, Long::sum);
    Set<String> seen = new HashSet<>();
    String operation = null;
    for (RecordedFrame f : frames) {
      String type = f.getMethod().getType().getName();
      for (String[] c : INCLUSIVE) {
        if (type.startsWith(c[0]) && seen.add(c[1])) {
          t.inclusive.merge(c[1], 1L, Long::sum);
        }
      }
      // the outermost concrete Hazelcast operation (or entry-event dispatch) in the stack
      String simple = type.substring(type.lastIndexOf('.') + 1);
      if (type.startsWith("com.hazelcast") && ((simple.endsWith("Operation") && !GENERIC_OPERATIONS.contains(simple))
        || simple.equals("EventProcessor") || simple.equals("LocalEventDispatcher"))) {
        operation = type.substring(type.lastIndexOf('.') + 1) + " (" + type.substring("com.hazelcast.".length(),
          type.lastIndexOf('.')) + ")";
      }
    }
    if (operation != null) {
      t.operations.merge(operation, 1L, Long::sum);
    }
    if (!frames.isEmpty()) {
      RecordedFrame f = frames.get(0);
      t.top.merge(f.getMethod().getType().getName() + "." + f.getMethod().getName(), 1L, Long::sum);
    }
  }

  private static String owner(String type) {
    for (String[] o : OWNERS) {
      if (type.startsWith(o[0])) {
        return o[1];
      }
    }
    return null;
  }

  /** Hazelcast names its threads hz.<instance>.<kind>[.thread-N]; Vert.x vert.x-<kind>-thread-N. */
  static String threadKind(String name) {
    if (name.startsWith("hz.")) {
      String rest = name.substring(name.indexOf('.', 3) + 1);
      return "hz " + rest.replaceAll("[.-]?thread[.-]?\\d*", "").replaceAll("-?\\d+$", "").replaceAll("\\.(in|out)$", "");
    }
    return name.replaceAll("-?\\d+$", "");
  }

  private static void print(String phase, Tally t) {
    System.out.printf("%n## %s: %d execution samples; %d JIT compilations, %d deoptimizations, %d GC pauses (%.0f ms), "
      + "%d threads started%n", phase, t.total, t.compilations, t.deoptimizations, t.gcPauses, t.gcPauseMs,
      t.threadStarts.values().stream().mapToLong(Long::longValue).sum());
    section("threads started, by kind", t.threadStarts, 0, 6);
    section("by thread", t.threads, t.total, 12);
    section("by owner of the innermost non-JDK frame (self)", t.self, t.total, 20);
    section("inclusive (a frame anywhere in the stack)", t.inclusive, t.total, 30);
    section("Hazelcast operations in the stack (outermost)", t.operations, t.total, 15);
    section("hottest innermost frames", t.top, t.total, 15);
  }

  private static void section(String title, Map<String, Long> counts, long total, int limit) {
    System.out.println("### " + title);
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    for (Map.Entry<String, Long> e : sorted.subList(0, Math.min(limit, sorted.size()))) {
      if (total > 0) {
        System.out.printf("  %5.1f %%  %6d  %s%n", 100.0 * e.getValue() / total, e.getValue(), e.getKey());
      } else {
        System.out.printf("  %6d  %s%n", e.getValue(), e.getKey());
      }
    }
  }
}

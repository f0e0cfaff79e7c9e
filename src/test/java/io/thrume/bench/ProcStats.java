package io.thrume.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** CPU time and resident memory of processes, read from /proc (Linux), and the generator's own CPU. */
public final class ProcStats {
  private static final long NANOS_PER_TICK = 1_000_000_000L / 100;

  private ProcStats() {
  }

  /** utime + stime of the processes, in nanoseconds. */
  public static long cpuNanos(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      String stat = read(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      sum += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
    }
    return sum;
  }

  /** stime of the processes, in nanoseconds: what they ran in the kernel (system calls, the TCP stack). */
  static long systemNanos(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      sum += userSystemNanos(pid)[1];
    }
    return sum;
  }

  /** {utime, stime} of one process, in nanoseconds: what it ran in user space and in the kernel. */
  static long[] userSystemNanos(long pid) {
    String stat = read(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new long[] {Long.parseLong(fields[11]) * NANOS_PER_TICK, Long.parseLong(fields[12]) * NANOS_PER_TICK};
  }

  /**
   * CPU time per kind of thread of a JVM: Hazelcast's (hz.*), event loops (Thrume's sockets and
   * services, Netty's I/O, the PostgreSQL client), Vert.x workers, garbage collection (the serial
   * collector a 1-CPU JVM picks runs in the VM Thread), the JIT compilers, JFR, the rest.
   */
  static Map<String, Long> threadGroupCpuNanos(long pid) {
    Map<String, Long> groups = new TreeMap<>();
    threadCpuNanos(pid).forEach((name, nanos) -> groups.merge(threadGroup(name), nanos, Long::sum));
    return groups;
  }

  static String threadGroup(String name) {
    if (name.startsWith("hz.")) {
      return "hazelcast";
    }
    if (name.startsWith("vert.x-eventloo")) {
      return "event loops";
    }
    if (name.startsWith("vert.x-")) {
      return "vert.x workers";
    }
    if (name.startsWith("GC ") || name.startsWith("G1 ") || name.equals("VM Thread")) {
      return "GC / VM";
    }
    if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
      return "JIT";
    }
    if (name.startsWith("JFR")) {
      return "JFR";
    }
    return "other";
  }

  /** VmRSS of the processes, in bytes. */
  static long rssBytes(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      for (String line : read(Path.of("/proc/" + pid + "/status")).split("\n")) {
        if (line.startsWith("VmRSS:")) {
          sum += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    }
    return sum;
  }

  /** CPU time per thread name of a process (names as the kernel keeps them, 15 characters). */
  static Map<String, Long> threadCpuNanos(long pid) {
    Map<String, Long> byName = new TreeMap<>();
    File[] tasks = new File("/proc/" + pid + "/task").listFiles();
    for (File task : tasks == null ? new File[0] : tasks) {
      try {
        String name = Files.readString(task.toPath().resolve("comm")).trim();
        String stat = Files.readString(task.toPath().resolve("stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        byName.merge(name, (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK, Long::sum);
      } catch (IOException e) {
        // the thread ended meanwhile
      }
    }
    return byName;
  }

  /** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
  static long[] machineJiffies() {
    String[] f = read(Path.of("/proc/stat")).lines().findFirst().orElseThrow().trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < f.length; i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
    return new long[] {total - idle, total};
  }

  /** Percent of all cores busy between two {@link #machineJiffies()} readings. */
  static double machineBusyPercent(long[] before, long[] after) {
    long total = after[1] - before[1];
    return total == 0 ? 0 : 100.0 * (after[0] - before[0]) / total;
  }

  /**
   * CPU time of every process named postgres on the machine (the benchmark's database: no other
   * runs beside it), in nanoseconds; with the time of the children each has reaped, so that a
   * connection closed between two readings still counts.
   */
  static long databaseCpuNanos() {
    long sum = 0;
    File[] entries = new File("/proc").listFiles();
    if (entries == null) {
      return 0;
    }
    for (File entry : entries) {
      if (!entry.getName().chars().allMatch(Character::isDigit)) {
        continue;
      }
      String stat;
      try {
        stat = Files.readString(entry.toPath().resolve("stat"));
      } catch (IOException gone) {
        continue;
      }
      int open = stat.indexOf('(');
      int close = stat.lastIndexOf(')');
      if (open < 0 || close < open || !stat.substring(open + 1, close).equals("postgres")) {
        continue;
      }
      String[] fields = stat.substring(close + 2).split(" ");
      for (int i = 11; i <= 14; i++) {
        sum += Long.parseLong(fields[i]) * NANOS_PER_TICK;
      }
    }
    return sum;
  }

  static long generatorCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path, e);
    }
  }
}

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the kernel alone charges a server for W8's deliveries: one small write per socket per
 * message, on loopback, to a reader in another process, at W8's rates (bench/send-floor.sh runs it
 * as W8 runs Thrume: this sender pinned to core 0, the reader not pinned). No Java work is done
 * between the writes, so the sending thread's CPU is a floor under any server's CPU per message in
 * that shape: each message written to {@code members} sockets, one thread, idle between messages.
 * Two senders on the one core, each with half the sockets and half of each message's writes, are
 * W5's two nodes with nothing but their writes (SENDERS=2).
 *
 * <pre>
 *   java bench/SendFloor.java receive PORT
 *   java bench/SendFloor.java send PORT SOCKETS MEMBERS BYTES SECONDS RATE[,RATE...]
 * </pre>
 */
public class SendFloor {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("receive")) {
      receive(Integer.parseInt(args[1]));
    } else {
      send(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
        Integer.parseInt(args[5]), Arrays.stream(args[6].split(",")).mapToDouble(Double::parseDouble).toArray());
    }
  }

  /** Accepts every connection and reads and drops whatever comes, on one thread (as a load generator does). */
  static void receive(int port) throws IOException {
    Selector selector = Selector.open();
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", port), 4096);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    System.out.println("ready");
    ByteBuffer sink = ByteBuffer.allocateDirect(64 * 1024);
    while (true) {
      selector.select();
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        if (key.isAcceptable()) {
          SocketChannel channel;
          while ((channel = server.accept()) != null) {
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
          }
        } else if (key.isReadable()) {
          SocketChannel channel = (SocketChannel) key.channel();
          sink.clear();
          if (channel.read(sink) < 0) {
            key.cancel();
            channel.close();
          }
        }
      }
    }
  }

  static void send(int port, int sockets, int members, int bytes, int seconds, double[] rates) throws Exception {
    SocketChannel[] channels = new SocketChannel[sockets];
    for (int i = 0; i < sockets; i++) {
      channels[i] = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      channels[i].socket().setTcpNoDelay(true); // as Netty and Vert.x set it
      channels[i].configureBlocking(false);
    }
    ByteBuffer frame = ByteBuffer.allocateDirect(bytes);
    frame.put(new byte[bytes]).flip();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int groups = sockets / members;
    System.out.printf("%d sockets, %d per message, %d bytes per write, %d s per rate%n", sockets, members, bytes, seconds);
    // no user/kernel split: both are sampled at the kernel's 100 Hz tick, and a thread that wakes on
    // a schedule in step with the tick (every 10 or 2.5 ms) is always caught at the same point
    System.out.println("| msgs/s | writes | CPU µs per message | CPU µs per write |");
    System.out.println("|---|---|---|---|");
    for (double rate : rates) {
      long interval = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
      int total = (int) (rate * seconds);
      long cpu0 = threads.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      long writes = 0;
      for (int m = 0; m < total; m++) {
        long due = start + m * interval;
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        int group = m % groups;
        for (int s = 0; s < members; s++) {
          frame.rewind();
          if (channels[group * members + s].write(frame) != bytes) {
            throw new IllegalStateException("a write did not take the whole frame: the reader fell behind");
          }
          writes++;
        }
      }
      double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1000.0;
      System.out.printf("| %.0f | %d | %.0f | %.1f |%n", rate, writes, cpu / total, cpu / writes);
    }
    for (SocketChannel channel : channels) {
      channel.close();
    }
  }
}

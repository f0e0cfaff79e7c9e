package io.thrume.store;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Offline transitions that come together are stored in one UPDATE (each used to be a round trip
 * of its own), each user's latest time wins, and a time already stored is never moved back.
 */
@ExtendWith(SharedThrume.class)
class LastSeenWriterTest {
  private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 11, 30, 12, 0, 0, 0, ZoneOffset.UTC);
  @Shared static TestThrume thrume;
  @Shared static RestClient client;
  static Context context;
  static Pool pool;

  @BeforeAll
  static void start() {
    context = thrume.vertx.getOrCreateContext();
    pool = thrume.pool(2);
  }

  @AfterAll
  static void stop() {
    TestThrume.await(pool.close(), 10);
  }

  @Test
  void usersWhoLeaveTogetherAreWrittenByOneStatement() {
    LastSeenWriter writer = new LastSeenWriter(pool, 1000);
    List<User> users = users("gone", 20);
    // all on the writer's context at once: the first leaves alone, the 19 others wait and go together
    List<Future<Void>> written = onContext(() -> {
      List<Future<Void>> all = new ArrayList<>();
      for (int i = 0; i < users.size(); i++) {
        all.add(writer.write(UUID.fromString(users.get(i).id()), T0.plusSeconds(i)));
      }
      return all;
    });
    TestThrume.await(Future.all(written), 10);
    assertEquals(2, writer.statements());
    for (int i = 0; i < users.size(); i++) {
      assertEquals(T0.plusSeconds(i).toInstant(), stored(users.get(i)).toInstant(), users.get(i).username());
    }
  }

  @Test
  void aBatchIsBoundedAndEachUsersLatestTimeWins() {
    LastSeenWriter writer = new LastSeenWriter(pool, 10);
    List<User> users = users("bounded", 21);
    List<Future<Void>> written = onContext(() -> {
      List<Future<Void>> all = new ArrayList<>();
      for (User user : users) {
        all.add(writer.write(UUID.fromString(user.id()), T0.plusMinutes(5)));
        // the same user again in the same batch, with an earlier time: the later one is kept
        all.add(writer.write(UUID.fromString(user.id()), T0.plusMinutes(1)));
      }
      return all;
    });
    TestThrume.await(Future.all(written), 10);
    // the first write alone; then 21 users queued (the first one again, with its earlier time, which
    // does not move its stored time back) in batches of at most 10: 10, 10 and 1
    assertEquals(4, writer.statements());
    for (User user : users) {
      assertEquals(T0.plusMinutes(5).toInstant(), stored(user).toInstant(), user.username());
    }
  }

  @Test
  void aStoredTimeIsNeverMovedBack() {
    LastSeenWriter writer = new LastSeenWriter(pool, 1000);
    User user = client.register("late");
    UUID id = UUID.fromString(user.id());
    TestThrume.await(onContext(() -> writer.write(id, T0.plusHours(2))), 10);
    // a write that was delayed (another node, an earlier batch) arrives after a newer one
    TestThrume.await(onContext(() -> writer.write(id, T0.plusHours(1))), 10);
    assertEquals(T0.plusHours(2).toInstant(), stored(user).toInstant());
    TestThrume.await(onContext(() -> writer.write(id, T0.plusHours(3))), 10);
    assertEquals(T0.plusHours(3).toInstant(), stored(user).toInstant());
  }

  @Test
  void anIdWithoutAnAccountChangesNothingAndTheNextWriteRuns() {
    LastSeenWriter writer = new LastSeenWriter(pool, 1000);
    User user = client.register("after");
    // an id no account has: updates nothing, fails nothing
    TestThrume.await(onContext(() -> writer.write(UUID.randomUUID(), T0)), 10);
    TestThrume.await(onContext(() -> writer.write(UUID.fromString(user.id()), T0)), 10);
    assertEquals(T0.toInstant(), stored(user).toInstant());
    assertEquals(2, writer.statements());
  }

  private static List<User> users(String prefix, int n) {
    List<User> users = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      users.add(client.register(prefix + i));
    }
    return users;
  }

  private static <T> T onContext(Supplier<T> work) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> result.complete(work.get()));
    return TestThrume.await(result.future(), 10);
  }

  private static OffsetDateTime stored(User user) {
    Row row = TestThrume.await(pool.preparedQuery("SELECT last_seen_at FROM account WHERE id = $1")
      .execute(Tuple.of(UUID.fromString(user.id()))), 10).iterator().next();
    return row.getOffsetDateTime("last_seen_at");
  }
}

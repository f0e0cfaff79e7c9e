package io.thrume.support;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * The fixture most tests share, held once: {@code @ExtendWith(SharedThrume.class)} sets the test
 * class's static fields marked {@link Shared} before its {@code @BeforeAll} methods run, a
 * {@link TestThrume} field to {@link TestThrume#shared()} and a {@link RestClient} field to a
 * client of it (as JUnit's {@code @TempDir} does for directories).
 */
public final class SharedThrume implements BeforeAllCallback {

  /** A static field the extension fills: of type {@link TestThrume} or {@link RestClient}. */
  @Target(ElementType.FIELD)
  @Retention(RetentionPolicy.RUNTIME)
  public @interface Shared {
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IllegalAccessException {
    TestThrume thrume = TestThrume.shared();
    for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (!field.isAnnotationPresent(Shared.class)) {
          continue;
        }
        if (!Modifier.isStatic(field.getModifiers())) {
          throw new IllegalStateException("@Shared fields are static: " + field);
        }
        field.setAccessible(true);
        if (field.getType() == TestThrume.class) {
          field.set(null, thrume);
        } else if (field.getType() == RestClient.class) {
          field.set(null, thrume.client());
        } else {
          throw new IllegalStateException("@Shared takes a TestThrume or a RestClient: " + field);
        }
      }
    }
  }
}

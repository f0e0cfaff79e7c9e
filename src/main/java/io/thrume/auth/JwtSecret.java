package io.thrume.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** The HS256 signing secret: configured, or generated once and kept in the data dir. Blocking. */
public final class JwtSecret {
  private static final Logger LOG = LoggerFactory.getLogger(JwtSecret.class);
  static final String FILE_NAME = "jwt-secret";
  private static final int MIN_LENGTH = 32;

  private JwtSecret() {
  }

  public static String resolve(String configured, Path dataDir) throws IOException {
    if (configured != null && !configured.isBlank()) {
      if (configured.length() < MIN_LENGTH) {
        throw new IllegalArgumentException("the JWT secret (THRUME_JWT_SECRET or auth.jwtSecret) must be at least " + MIN_LENGTH + " characters");
      }
      return configured;
    }
    Path file = dataDir.resolve(FILE_NAME);
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
    byte[] random = new byte[48];
    new SecureRandom().nextBytes(random);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Files.createDirectories(dataDir);
    Files.writeString(file, secret, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system: the data dir's own permissions must protect it
    }
    LOG.info("Generated a JWT signing secret in {}", file);
    return secret;
  }
}
